//! `lfmbench fetch [IDS]`: download the published GGUF files that models.toml names
//! (`hf_repo` + `hf_file`) from the model hub, check them, and make them usable.
//!
//! - Download: the `hf-hub` crate's blocking API. Files land in its cache (`$HF_HOME/hub`,
//!   by default `~/.cache/huggingface/hub`), shared with every other tool that uses it;
//!   a file already cached is not downloaded again (no network needed then), and an
//!   interrupted download resumes from its `blobs/<etag>.part` file on the next run.
//! - Endpoint: `HF_ENDPOINT` (a mirror, or a local stand-in in tests); the token, if any,
//!   from hf-hub's usual token file.
//! - Check: every file is hashed (sha256) each time, fresh or from the cache, against
//!   the first of: models.toml's `sha256` pin; the hub's own sha256 of the file (its LFS
//!   object id, which hf-hub names the cached blob after: the SHA256 a model page lists);
//!   else the hash recorded beside the blob when the file was first fetched
//!   (`<repo cache>/lfmbench-sha256/<blob>`, for mirrors that publish no sha256). A fresh
//!   download that fails deletes the cached file (blob and snapshot link) and fails, so a
//!   corrupt or changed file is never left where a run would pick it up; a cached copy
//!   that fails is deleted and downloaded once more.
//! - Use: a symbolic link is made at the entry's `path` (or `models/<hf_file>` beside
//!   models.toml when it has none, e.g. a twin entry) pointing at the cached file, and
//!   the exact `path = "…"` line for models.toml is printed. A link keeps one copy of
//!   a large file on disk; an existing regular file there is never overwritten.
//! - Run on them (`--write-models OUT`, with `--suite` to fetch what a suite names): a
//!   models file is written that is models.toml with `path` and the checked `sha256` set on
//!   every fetched entry, so `lfmbench run --models OUT` measures the published files. An
//!   entry whose file could not be fetched is left as it was; a twin entry then keeps its
//!   shape twin and says why in `stand_in`, which the report prints. Fetch failures do not
//!   fail the command then (the nightly runs on what it has); the header of OUT lists the
//!   `published:` and `stand-ins:` ids.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use hf_hub::api::sync::{ApiBuilder, ApiError};

use crate::cli::FetchArgs;
use crate::config::{self, ModelEntry};
use crate::digest::sha256_file;

/// One file to fetch, and the models.toml entries that name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub ids: Vec<String>,
    pub repo: String,
    pub file: String,
    pub sha256: Option<String>,
    /// Where the link goes, relative to models.toml's folder.
    pub link: PathBuf,
    /// Whether the first entry already says `path = <link>`.
    pub path_is_set: bool,
}

/// The files to fetch for `ids` (every entry with `hf_repo` and `hf_file` when empty),
/// one per distinct repo/file.
pub fn select(entries: &[ModelEntry], ids: &[String]) -> Result<Vec<Wanted>> {
    let chosen: Vec<&ModelEntry> = if ids.is_empty() {
        entries
            .iter()
            .filter(|m| m.hf_repo.is_some() && m.hf_file.is_some())
            .collect()
    } else {
        let mut v = Vec::new();
        for id in ids {
            let Some(m) = entries.iter().find(|m| &m.id == id) else {
                let known: Vec<&str> = entries.iter().map(|m| m.id.as_str()).collect();
                bail!(
                    "no model `{id}` in models.toml\n  help: known ids: {}",
                    known.join(", ")
                );
            };
            if m.hf_repo.is_none() || m.hf_file.is_none() {
                bail!(
                    "model `{id}` has no hf_repo/hf_file in models.toml, so there is nothing to fetch\n  help: add hf_repo = \"<owner>/<repo>\" and hf_file = \"<file>.gguf\", or get the file as its how_to_get says"
                );
            }
            v.push(m);
        }
        v
    };
    let mut out: Vec<Wanted> = Vec::new();
    for m in chosen {
        let (Some(repo), Some(file)) = (&m.hf_repo, &m.hf_file) else {
            continue;
        };
        if let Some(w) = out.iter_mut().find(|w| &w.repo == repo && &w.file == file) {
            w.ids.push(m.id.clone());
            if w.sha256.is_none() {
                w.sha256.clone_from(&m.sha256);
            }
            continue;
        }
        let default_link = Path::new("models").join(file);
        let link = m.path.clone().unwrap_or(default_link);
        out.push(Wanted {
            ids: vec![m.id.clone()],
            repo: repo.clone(),
            file: file.clone(),
            sha256: m.sha256.clone(),
            path_is_set: m.path.as_ref() == Some(&link),
            link,
        });
    }
    if out.is_empty() {
        bail!("no model in models.toml has hf_repo and hf_file: nothing to fetch");
    }
    Ok(out)
}

/// Explain a download error in terms a user can act on.
fn explain(err: ApiError, w: &Wanted, url: &str) -> anyhow::Error {
    let ids = w.ids.join(", ");
    let by_hand = format!(
        "download {} from {} by hand into models/ (then set path = \"{}\")",
        w.file,
        w.repo,
        w.link.display()
    );
    match err {
        ApiError::RequestError(e) => {
            // ureq reports an HTTP status as an error carrying the response; anything
            // else (DNS, refused connection, TLS, timeout) is a transport failure.
            let detail = e.to_string();
            match e.into_response() {
                Some(resp) => status_error(resp.status(), &ids, url, &by_hand),
                None => anyhow::anyhow!(
                    "model `{ids}`: no network / hub unreachable ({detail})\n  help: set HF_ENDPOINT to a reachable mirror, or {by_hand}"
                ),
            }
        }
        ApiError::MissingHeader(h) | ApiError::InvalidHeader(h) => anyhow::anyhow!(
            "model `{ids}`: {url} answered without a usable `{h}` header: HF_ENDPOINT does not look like a model hub\n  help: unset HF_ENDPOINT or point it at a hub mirror, or {by_hand}"
        ),
        ApiError::LockAcquisition(p) => anyhow::anyhow!(
            "model `{ids}`: {} is locked: another download of this file is running\n  help: wait for it to finish, or remove the .lock file if none is",
            p.display()
        ),
        other => anyhow::anyhow!(
            "model `{ids}`: download of {url} failed: {other}\n  help: run fetch again (it resumes), or {by_hand}"
        ),
    }
}

fn status_error(code: u16, ids: &str, url: &str, by_hand: &str) -> anyhow::Error {
    let hint = match code {
        401 | 403 => {
            "the repository is gated or private: accept its licence on the hub and put your token in hf-hub's token file"
        }
        404 => "no such repository or file: check hf_repo and hf_file in models.toml",
        _ => "the hub refused the request; try again later",
    };
    anyhow::anyhow!("model `{ids}`: {url} answered HTTP {code}: {hint}\n  help: or {by_hand}")
}

/// Remove the cached copy of a bad download: the snapshot link and the blob it names.
fn remove_cached(path: &Path) {
    if let Ok(blob) = std::fs::canonicalize(path) {
        let _ = std::fs::remove_file(&blob);
    }
    let _ = std::fs::remove_file(path);
}

/// What happened to the link in models/.
#[derive(Debug, PartialEq)]
enum Linked {
    Made,
    /// A regular file (or something else not ours) is there; left alone.
    LeftAlone,
}

/// Point `link` at `target`, replacing an older link but never a regular file.
fn link_to(target: &Path, link: &Path) -> Result<Linked> {
    if let Ok(meta) = std::fs::symlink_metadata(link) {
        if !meta.file_type().is_symlink() {
            return Ok(Linked::LeftAlone);
        }
        std::fs::remove_file(link)
            .with_context(|| format!("cannot replace the link {}", link.display()))?;
    }
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot link {} → {}", link.display(), target.display()))?;
    #[cfg(not(unix))]
    std::fs::copy(target, link)
        .with_context(|| format!("cannot copy {} to {}", target.display(), link.display()))?;
    Ok(Linked::Made)
}

/// What the file's sha256 was checked against.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// models.toml's `sha256`.
    Pinned(String),
    /// The hub's own sha256 of the file (its LFS object id, the cached blob's name).
    Published(String),
    /// The hash recorded at the file's first fetch (a record file beside the blob).
    Recorded(String, PathBuf),
    /// Nothing to check against yet: this hash is recorded there now.
    FirstSeen(PathBuf),
}

/// The blob's name when it is a sha256 (64 hex digits): hf-hub names blobs after the
/// hub's etag, which for LFS files is the sha256 of the content.
fn published_sha256(blob: &Path) -> Option<String> {
    let name = blob.file_name()?.to_str()?;
    (name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| name.to_ascii_lowercase())
}

/// Where the first-fetch hash of `blob` is recorded: `<repo cache>/lfmbench-sha256/<blob>`.
fn record_path(blob: &Path) -> Option<PathBuf> {
    let repo_dir = blob.parent()?.parent()?;
    Some(repo_dir.join("lfmbench-sha256").join(blob.file_name()?))
}

/// What `cached` must hash to, by the first source that has a value.
fn expected_for(pin: Option<&str>, blob: &Path) -> Expected {
    if let Some(p) = pin {
        return Expected::Pinned(p.to_ascii_lowercase());
    }
    if let Some(h) = published_sha256(blob) {
        return Expected::Published(h);
    }
    let Some(rec) = record_path(blob) else {
        return Expected::FirstSeen(PathBuf::new());
    };
    match std::fs::read_to_string(&rec) {
        Ok(t) if !t.trim().is_empty() => Expected::Recorded(t.trim().to_ascii_lowercase(), rec),
        _ => Expected::FirstSeen(rec),
    }
}

/// Hash `cached` and check it; on success, its sha256 and the line to print about it.
fn verify(w: &Wanted, cached: &Path) -> Result<(String, String)> {
    let blob = std::fs::canonicalize(cached).unwrap_or_else(|_| cached.to_path_buf());
    let sha = sha256_file(&blob)?;
    let pin_hint = format!("add sha256 = \"{sha}\" to pin it");
    let expected = expected_for(w.sha256.as_deref(), &blob);
    let (want, source, extra, matched) = match &expected {
        Expected::Pinned(h) => (
            h,
            "models.toml pins",
            String::new(),
            "matches models.toml".to_string(),
        ),
        Expected::Published(h) => (
            h,
            "the hub publishes",
            String::new(),
            format!("matches the hub's published sha256; not pinned: {pin_hint}"),
        ),
        Expected::Recorded(h, rec) => (
            h,
            "its first fetch recorded",
            format!(
                " (in {}: delete that file if the published file changed on purpose)",
                rec.display()
            ),
            format!("matches the hash recorded at its first fetch; not pinned: {pin_hint}"),
        ),
        Expected::FirstSeen(rec) => {
            let recorded = rec.parent().is_some_and(|d| {
                !d.as_os_str().is_empty()
                    && std::fs::create_dir_all(d).is_ok()
                    && std::fs::write(rec, &sha).is_ok()
            });
            let line = if recorded {
                format!(
                    "  sha256  {sha} (the hub publishes none and models.toml pins none: recorded in {}, checked on every later fetch; {pin_hint})",
                    rec.display()
                )
            } else {
                format!("  sha256  {sha} (nothing to check it against: {pin_hint})")
            };
            return Ok((sha, line));
        }
    };
    if *want != sha {
        bail!(
            "model `{}`: {} from {} has sha256 {sha} but {source} {want}{extra}",
            w.ids.join(", "),
            w.file,
            w.repo
        );
    }
    Ok((sha.clone(), format!("  sha256  {sha} ({matched})")))
}

/// A fetched, checked file.
#[derive(Debug, Clone)]
struct Fetched {
    sha256: String,
    /// The file a run should read: the link in models/ when it was made, else the cached
    /// file itself (absolute).
    usable: PathBuf,
    /// `usable` is `Wanted::link` (relative to models.toml's folder).
    at_link: bool,
}

/// Fetch one file and check it.
fn fetch_one(w: &Wanted, base: &Path, progress: bool) -> Result<Fetched> {
    let api = ApiBuilder::from_env()
        .with_progress(progress)
        .with_retries(2)
        .build()
        .context("cannot set up the hub client")?;
    let repo = api.model(w.repo.clone());
    let url = repo.url(&w.file);
    let ids = w.ids.join(", ");
    eprintln!("{ids}: {}/{}", w.repo, w.file);
    let from_cache = hf_hub::Cache::from_env()
        .model(w.repo.clone())
        .get(&w.file)
        .is_some();
    let mut cached = repo.get(&w.file).map_err(|e| explain(e, w, &url))?;
    let (sha, line) = match verify(w, &cached) {
        Ok(v) => v,
        Err(e) if from_cache => {
            remove_cached(&cached);
            eprintln!("  the cached copy failed its check ({e}): deleted; downloading it again");
            cached = repo.get(&w.file).map_err(|e| explain(e, w, &url))?;
            verify(w, &cached).map_err(|e| {
                remove_cached(&cached);
                deleted_hint(e)
            })?
        }
        Err(e) => {
            remove_cached(&cached);
            return Err(deleted_hint(e));
        }
    };
    println!("{line}");
    println!("  cached  {}", cached.display());
    let link = base.join(&w.link);
    let target = std::fs::canonicalize(&cached).unwrap_or(cached.clone());
    let at_link = match link_to(&target, &link)? {
        Linked::Made => {
            println!("  linked  {} → {}", link.display(), target.display());
            true
        }
        Linked::LeftAlone => {
            println!(
                "  kept    {} (a file that is not a link is already there; not replaced)",
                link.display()
            );
            false
        }
    };
    if w.path_is_set {
        println!("  models.toml already has: path = \"{}\"", w.link.display());
    } else {
        println!(
            "  models.toml: in [[model]] id = \"{}\", use\n    path = \"{}\"",
            w.ids[0],
            w.link.display()
        );
    }
    Ok(Fetched {
        sha256: sha,
        usable: if at_link { w.link.clone() } else { target },
        at_link,
    })
}

fn deleted_hint(e: anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{e}; the download was deleted\n  help: if the published file changed on purpose, update or remove sha256 in models.toml; otherwise run fetch again"
    )
}

/// The ids of the models `suite` names that have a file on the hub.
fn suite_ids(suite: &Path, models_path: &Path) -> Result<Vec<String>> {
    let loaded = config::load(suite, models_path)?;
    let ids: Vec<String> = loaded
        .model_ids()
        .into_iter()
        .filter(|id| {
            loaded
                .model(id)
                .is_some_and(|m| m.hf_repo.is_some() && m.hf_file.is_some())
        })
        .collect();
    if ids.is_empty() {
        bail!(
            "{}: none of the models the suite names has hf_repo and hf_file in {}, so there is nothing to fetch\n  help: add hf_repo = \"<owner>/<repo>\" and hf_file = \"<file>.gguf\" to the suite's candidate and baseline",
            suite.display(),
            models_path.display()
        );
    }
    Ok(ids)
}

/// What became of one wanted file: fetched and checked, or why not (one line).
type Outcome = std::result::Result<Fetched, String>;

/// The models file to run on, and what it says.
#[derive(Debug)]
struct ToRun {
    text: String,
    /// Ids whose published file is used.
    published: Vec<String>,
    /// Twin ids standing in for a file that could not be fetched.
    stand_ins: Vec<String>,
    /// Ids whose file could not be fetched and that have no twin.
    missing: Vec<String>,
}

/// The models file to run on: `models` with every fetched entry pointing at its checked
/// file, and every twin entry whose file could not be fetched saying why. `same_dir`: OUT
/// is written into models.toml's folder (else relative paths are made absolute from
/// `base`).
fn models_to_run(
    models: &config::ModelsFile,
    wanted: &[Wanted],
    outcomes: &[Outcome],
    base: &Path,
    same_dir: bool,
    source: &Path,
) -> Result<ToRun> {
    let abs = |p: &Path| {
        if p.is_absolute() || same_dir {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let (mut published, mut stand_ins, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    let mut out = models.clone();
    for e in &mut out.models {
        let got = wanted
            .iter()
            .zip(outcomes)
            .find(|(w, _)| w.ids.contains(&e.id));
        match got {
            Some((w, Ok(f))) => {
                e.path = Some(if f.at_link {
                    abs(&f.usable)
                } else {
                    f.usable.clone()
                });
                e.twin = None;
                e.quant = None;
                e.sha256 = Some(f.sha256.clone());
                e.stand_in = None;
                e.how_to_get = Some(format!(
                    "the published {}/{}, fetched and sha256-checked by lfmbench fetch",
                    w.repo, w.file
                ));
                published.push(e.id.clone());
            }
            Some((w, Err(why))) => {
                if e.twin.is_some() {
                    e.stand_in = Some(format!("{}/{} could not be fetched: {why}", w.repo, w.file));
                    stand_ins.push(e.id.clone());
                } else {
                    missing.push(e.id.clone());
                }
                if let Some(p) = &e.path {
                    e.path = Some(abs(p));
                }
            }
            None => {
                if let Some(p) = &e.path {
                    e.path = Some(abs(p));
                }
            }
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let mut text = format!(
        "# Written by `lfmbench fetch --write-models` from {}: do not edit, run it again.\n\
         # Every entry with `path` to a fetched file had its sha256 checked; a shape twin stands\n\
         # in only for a file that could not be fetched, and says why in `stand_in`.\n\
         # published: {}\n\
         # stand-ins: {}\n",
        source.display(),
        list(&published),
        list(&stand_ins)
    );
    if !missing.is_empty() {
        text += &format!("# not fetched, no twin to stand in: {}\n", list(&missing));
    }
    text.push('\n');
    text += &toml::to_string_pretty(&out).context("cannot write the models file as TOML")?;
    Ok(ToRun {
        text,
        published,
        stand_ins,
        missing,
    })
}

/// The first line of an error about model(s) `ids`, without the "model `ids`: " it starts
/// with, for one-line reasons.
fn reason(e: &anyhow::Error, ids: &str) -> String {
    let text = format!("{e:#}");
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix(&format!("model `{ids}`: "))
        .unwrap_or(line)
        .to_string()
}

/// `lfmbench fetch [IDS]`
pub fn cli(args: &FetchArgs) -> Result<ExitCode> {
    let (_, models) = config::load_models(&args.models)?;
    let ids = match &args.suite {
        Some(suite) => suite_ids(suite, &args.models)?,
        None => args.ids.clone(),
    };
    let wanted = select(&models.models, &ids)?;
    let base = args
        .models
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let progress = std::io::stderr().is_terminal();
    // With --write-models a file that cannot be fetched does not fail the command.
    let label = if args.write_models.is_some() {
        "warning"
    } else {
        "error"
    };
    let mut outcomes: Vec<Outcome> = Vec::new();
    for w in &wanted {
        let r = fetch_one(w, &base, progress);
        if let Err(e) = &r {
            eprintln!("{label}: {e:#}");
        }
        outcomes.push(r.map_err(|e| reason(&e, &w.ids.join(", "))));
    }
    let failed: Vec<String> = wanted
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_err())
        .map(|(w, _)| w.ids.join(", "))
        .collect();
    if let Some(out) = &args.write_models {
        let dir_of = |p: &Path| {
            let d = p.parent().filter(|d| !d.as_os_str().is_empty());
            std::fs::canonicalize(d.unwrap_or(Path::new("."))).ok()
        };
        let same_dir = dir_of(&args.models).is_some() && dir_of(&args.models) == dir_of(out);
        let abs_base = std::fs::canonicalize(if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &base
        })
        .with_context(|| format!("cannot resolve the folder of {}", args.models.display()))?;
        let ToRun {
            text,
            published,
            stand_ins,
            missing,
        } = models_to_run(
            &models,
            &wanted,
            &outcomes,
            &abs_base,
            same_dir,
            &args.models,
        )?;
        let tmp = out.with_extension("toml.tmp~");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, out))
            .with_context(|| format!("cannot write {}", out.display()))?;
        println!(
            "{} written: published {}",
            out.display(),
            if published.is_empty() {
                "none".into()
            } else {
                published.join(", ")
            }
        );
        for id in &stand_ins {
            eprintln!(
                "warning: `{id}` will run as its shape twin: its published file could not be fetched (see above)"
            );
        }
        for id in &missing {
            eprintln!(
                "warning: `{id}` has no file: its published file could not be fetched and it has no twin to stand in"
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} file(s) not fetched: {}",
            failed.len(),
            wanted.len(),
            failed.join("; ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, repo: Option<&str>, file: Option<&str>, path: Option<&str>) -> ModelEntry {
        let mut text = format!("id = \"{id}\"\nfamily = \"x\"\n");
        if let Some(r) = repo {
            text += &format!("hf_repo = \"{r}\"\n");
        }
        if let Some(f) = file {
            text += &format!("hf_file = \"{f}\"\n");
        }
        text += &match path {
            Some(p) => format!("path = \"{p}\"\n"),
            None => "twin = \"t\"\n".into(),
        };
        toml::from_str(&text).expect("entry")
    }

    #[test]
    fn selection_dedups_files_and_chooses_links() {
        let e = vec![
            entry("a", Some("o/r"), Some("F.gguf"), None),
            entry("a-real", Some("o/r"), Some("F.gguf"), Some("models/F.gguf")),
            entry("local", None, None, Some("models/x.gguf")),
        ];
        let all = select(&e, &[]).expect("all");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].ids, ["a", "a-real"]);
        assert_eq!(all[0].link, Path::new("models/F.gguf"));
        assert!(!all[0].path_is_set, "the twin entry needs the path line");
        let one = select(&e, &["a-real".into()]).expect("one");
        assert!(one[0].path_is_set);
        let err = select(&e, &["local".into()]).expect_err("no hf_repo");
        assert!(err.to_string().contains("no hf_repo/hf_file"), "{err}");
        let err = select(&e, &["nope".into()]).expect_err("unknown");
        assert!(
            err.to_string().contains("known ids: a, a-real, local"),
            "{err}"
        );
    }

    #[test]
    fn links_replace_links_but_not_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("blob");
        std::fs::write(&target, b"x").expect("write");
        let link = dir.path().join("models/F.gguf");
        assert_eq!(link_to(&target, &link).expect("link"), Linked::Made);
        assert_eq!(link_to(&target, &link).expect("relink"), Linked::Made);
        assert_eq!(std::fs::read(&link).expect("read"), b"x");
        let file = dir.path().join("real.gguf");
        std::fs::write(&file, b"mine").expect("write");
        assert_eq!(link_to(&target, &file).expect("kept"), Linked::LeftAlone);
        assert_eq!(std::fs::read(&file).expect("read"), b"mine");
    }

    #[test]
    fn the_expected_sha256_comes_from_the_pin_then_the_hub_then_the_record() {
        let dir = tempfile::tempdir().expect("tmp");
        let sha = "ab".repeat(32);
        let blobs = dir.path().join("models--o--r/blobs");
        let lfs = blobs.join(sha.to_uppercase());
        let git = blobs.join("0123456789abcdef0123456789abcdef01234567");
        assert_eq!(published_sha256(&lfs), Some(sha.clone()));
        assert_eq!(published_sha256(&git), None, "a git sha1 is not a sha256");
        assert_eq!(
            expected_for(Some("CD"), &lfs),
            Expected::Pinned("cd".into()),
            "a pin wins"
        );
        assert_eq!(expected_for(None, &lfs), Expected::Published(sha.clone()));
        let rec = dir
            .path()
            .join("models--o--r/lfmbench-sha256/0123456789abcdef0123456789abcdef01234567");
        assert_eq!(expected_for(None, &git), Expected::FirstSeen(rec.clone()));
        std::fs::create_dir_all(rec.parent().expect("dir")).expect("mkdir");
        std::fs::write(&rec, format!("{sha}\n")).expect("record");
        assert_eq!(expected_for(None, &git), Expected::Recorded(sha, rec));
    }

    fn catalogue() -> config::ModelsFile {
        toml::from_str(
            r#"
[[model]]
id = "cand"
twin = "lfm2-350m"
quant = "Q4_K_M"
family = "lfm2"
hf_repo = "o/c"
hf_file = "C.gguf"

[[model]]
id = "base"
twin = "qwen3-0.6b"
quant = "Q4_K_M"
family = "qwen3"
hf_repo = "o/b"
hf_file = "B.gguf"

[[model]]
id = "real"
path = "models/R.gguf"
family = "lfm2"
hf_repo = "o/r"
hf_file = "R.gguf"

[[model]]
id = "local"
path = "models/cache/L.gguf"
family = "llama"
"#,
        )
        .expect("catalogue")
    }

    #[test]
    fn the_models_file_to_run_switches_fetched_entries_to_their_files() {
        let models = catalogue();
        let wanted = select(
            &models.models,
            &["cand".to_string(), "base".to_string(), "real".to_string()],
        )
        .expect("select");
        let outcomes: Vec<Outcome> = vec![
            Ok(Fetched {
                sha256: "aa".repeat(32),
                usable: PathBuf::from("models/C.gguf"),
                at_link: true,
            }),
            Err("no network / hub unreachable (refused)".into()),
            Err("HTTP 404".into()),
        ];
        let base = Path::new("/repo");
        let ToRun {
            text,
            published,
            stand_ins,
            missing,
        } = models_to_run(
            &models,
            &wanted,
            &outcomes,
            base,
            true,
            Path::new("models.toml"),
        )
        .expect("text");
        assert_eq!(published, ["cand"]);
        assert_eq!(stand_ins, ["base"]);
        assert_eq!(missing, ["real"]);
        assert!(
            text.contains("# published: cand\n# stand-ins: base\n"),
            "{text}"
        );
        assert!(
            text.contains("# not fetched, no twin to stand in: real\n"),
            "{text}"
        );
        let back: config::ModelsFile = toml::from_str(&text).expect("reads back");
        let get = |id: &str| {
            back.models
                .iter()
                .find(|m| m.id == id)
                .expect("entry")
                .clone()
        };
        let cand = get("cand");
        assert_eq!(cand.path, Some(PathBuf::from("models/C.gguf")));
        assert_eq!(cand.twin, None);
        assert_eq!(cand.quant, None);
        assert_eq!(cand.sha256, Some("aa".repeat(32)));
        let base_entry = get("base");
        assert_eq!(base_entry.twin.as_deref(), Some("qwen3-0.6b"));
        assert_eq!(
            base_entry.stand_in.as_deref(),
            Some("o/b/B.gguf could not be fetched: no network / hub unreachable (refused)")
        );
        assert_eq!(get("real").stand_in, None);
        // Everything else is carried over unchanged.
        assert_eq!(get("local"), models.models[3]);

        // Written into another folder: relative paths become absolute from models.toml's.
        let ToRun { text, .. } = models_to_run(
            &models,
            &wanted,
            &outcomes,
            base,
            false,
            Path::new("models.toml"),
        )
        .expect("text");
        let back: config::ModelsFile = toml::from_str(&text).expect("reads back");
        let paths: Vec<_> = back.models.iter().filter_map(|m| m.path.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/repo/models/C.gguf"),
                PathBuf::from("/repo/models/R.gguf"),
                PathBuf::from("/repo/models/cache/L.gguf")
            ]
        );
    }
}
