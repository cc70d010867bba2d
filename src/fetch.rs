//! `lfmbench fetch [IDS]`: download the published GGUF files that models.toml names
//! (`hf_repo` + `hf_file`) from the model hub, check them, and make them usable.
//!
//! - Download: the `hf-hub` crate's blocking API. Files land in its cache (`$HF_HOME/hub`,
//!   by default `~/.cache/huggingface/hub`), shared with every other tool that uses it;
//!   a file already cached is not downloaded again (no network needed then), and an
//!   interrupted download resumes from its `blobs/<etag>.part` file on the next run.
//! - Endpoint: `HF_ENDPOINT` (a mirror, or a local stand-in in tests); the token, if any,
//!   from hf-hub's usual token file.
//! - Check: when models.toml pins a `sha256`, the file must match it; a mismatch deletes
//!   the cached file (blob and snapshot link) and fails, so a corrupt or changed file is
//!   never left where a run would pick it up. Unpinned files get their sha256 printed,
//!   ready to pin.
//! - Use: a symbolic link is made at the entry's `path` (or `models/<hf_file>` beside
//!   models.toml when it has none, e.g. a twin entry) pointing at the cached file, and
//!   the exact `path = "…"` line for models.toml is printed. A link keeps one copy of
//!   a large file on disk; an existing regular file there is never overwritten.

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

/// Fetch one file; returns the cached path.
fn fetch_one(w: &Wanted, base: &Path, progress: bool) -> Result<PathBuf> {
    let api = ApiBuilder::from_env()
        .with_progress(progress)
        .with_retries(2)
        .build()
        .context("cannot set up the hub client")?;
    let repo = api.model(w.repo.clone());
    let url = repo.url(&w.file);
    let ids = w.ids.join(", ");
    eprintln!("{ids}: {}/{}", w.repo, w.file);
    let cached = repo.get(&w.file).map_err(|e| explain(e, w, &url))?;
    let sha = sha256_file(&cached)?;
    match &w.sha256 {
        Some(want) if !want.eq_ignore_ascii_case(&sha) => {
            remove_cached(&cached);
            bail!(
                "model `{ids}`: {} from {} has sha256 {sha} but models.toml pins {want}; the download was deleted\n  help: if the published file changed on purpose, update sha256 in models.toml; otherwise run fetch again",
                w.file,
                w.repo
            );
        }
        Some(_) => println!("  sha256  {sha} (matches models.toml)"),
        None => println!("  sha256  {sha} (not pinned: add sha256 = \"{sha}\" to pin it)"),
    }
    println!("  cached  {}", cached.display());
    let link = base.join(&w.link);
    let target = std::fs::canonicalize(&cached).unwrap_or(cached.clone());
    match link_to(&target, &link)? {
        Linked::Made => println!("  linked  {} → {}", link.display(), target.display()),
        Linked::LeftAlone => println!(
            "  kept    {} (a file that is not a link is already there; not replaced)",
            link.display()
        ),
    }
    if w.path_is_set {
        println!("  models.toml already has: path = \"{}\"", w.link.display());
    } else {
        println!(
            "  models.toml: in [[model]] id = \"{}\", use\n    path = \"{}\"",
            w.ids[0],
            w.link.display()
        );
    }
    Ok(cached)
}

/// `lfmbench fetch [IDS]`
pub fn cli(args: &FetchArgs) -> Result<ExitCode> {
    let (_, models) = config::load_models(&args.models)?;
    let wanted = select(&models.models, &args.ids)?;
    let base = args
        .models
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let progress = std::io::stderr().is_terminal();
    let mut failed = Vec::new();
    for w in &wanted {
        if let Err(e) = fetch_one(w, &base, progress) {
            eprintln!("error: {e:#}");
            failed.push(w.ids.join(", "));
        }
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
}
