//! Reading a run folder back ([`load`], [`newest`]), trusting nothing: `samples.jsonl`
//! and `jobs.jsonl` are streamed line by line (never held whole), and a line that is not a
//! record of this version (another version's schema, binary junk, a torn write) is
//! reported with its file and line and skipped; a file the run cannot do without
//! (`run.json`, `suite.toml`, `models.toml`, `host.json`) that is unreadable makes
//! [`load`] fail with its file and line, so that `report` can leave that run out and say
//! why.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{JobDone, RunMeta};
use crate::config::{ModelsFile, Suite};
use crate::measure::host::Host;
use crate::sample::{Record, SCHEMA_VERSION};

/// A run read back from its folder.
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub dir: PathBuf,
    pub meta: RunMeta,
    pub suite_text: String,
    pub suite: Suite,
    pub models: ModelsFile,
    pub host: Host,
    /// engine.json, free-form.
    pub engine: serde_json::Value,
    pub records: Vec<Record>,
    pub jobs: Vec<JobDone>,
    /// Problems met while reading (a torn last line…), shown in the report.
    pub warnings: Vec<String>,
}

impl StoredRun {
    /// This run without its samples and jobs: what a report keeps of a run once its view
    /// is built, so that reporting many runs holds the samples of one run at a time.
    pub fn without_samples(self) -> StoredRun {
        StoredRun {
            records: Vec::new(),
            jobs: Vec::new(),
            ..self
        }
    }

    /// The architecture model `id` is a shape twin of: named by `twin` in models.toml, or
    /// marked in its own file's metadata (recorded at pre-flight).
    pub fn twin_of(&self, id: &str) -> Option<&str> {
        self.models
            .models
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| e.twin.as_deref())
            .or_else(|| self.meta.twins.get(id).map(String::as_str))
    }
}

/// serde_json's message without its " at line L column C" tail (the caller puts the
/// position first, as `file:line:column`).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

/// `file:line:column: message` of a JSON error.
fn json_error(path: &Path, e: &serde_json::Error) -> String {
    format!(
        "{}:{}:{}: {}",
        path.display(),
        e.line(),
        e.column(),
        json_message(e)
    )
}

/// Read a whole JSON file; errors name the file, line and column.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_json(path, &bytes)
}

/// Parse the bytes of a whole JSON file (`host.json`, `engine.json`, …) read from
/// `path`; errors name the file, line and column.
pub fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bail!(
            "{}: the file is empty (the run was cut off while writing it, or it was emptied)",
            path.display()
        );
    }
    serde_json::from_slice(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}\n  help: this file is not an lfmbench {} file (corrupt, edited by hand, or from another tool)",
            json_error(path, &e),
            env!("CARGO_PKG_VERSION")
        )
    })
}

/// Parse the bytes of `run.json` read from `path`: its record format is checked before
/// its fields, so that a run written by another lfmbench version says so instead of
/// naming a field this version lacks.
pub fn parse_meta(path: &Path, bytes: &[u8]) -> Result<RunMeta> {
    let value: serde_json::Value = parse_json(path, bytes)?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) => bail!(
            "{}: written with record format {v} by another lfmbench version; this lfmbench ({}) reads format {SCHEMA_VERSION}\n  help: report this run with the lfmbench version that wrote it",
            path.display(),
            env!("CARGO_PKG_VERSION")
        ),
        None => bail!(
            "{}: no schema_version: not an lfmbench run.json\n  help: pass a folder written by `lfmbench run`",
            path.display()
        ),
    }
    parse_json(path, bytes)
}

fn read_meta(path: &Path) -> Result<RunMeta> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_meta(path, &bytes)
}

/// The most bad lines of one file that are told one by one; the rest are counted.
const MAX_LINE_WARNINGS: usize = 5;
/// No record comes near this; a longer "line" is junk and is skipped unread.
const MAX_LINE_BYTES: u64 = 64 << 20;

/// Stream a JSON-lines file, one record at a time, to `each`. A line that is not a
/// record (corrupt, binary junk, another version's schema, a torn last line) is reported
/// in `warnings` with its file and line and skipped. A missing file has no records; a
/// file that cannot be read is an error.
pub fn read_lines<T: serde::de::DeserializeOwned>(
    path: &Path,
    warnings: &mut Vec<String>,
    each: impl FnMut(T),
) -> Result<()> {
    read_lines_upto(path, MAX_LINE_BYTES, warnings, each)
}

fn read_lines_upto<T: serde::de::DeserializeOwned>(
    path: &Path,
    max_line: u64,
    warnings: &mut Vec<String>,
    each: impl FnMut(T),
) -> Result<()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    parse_lines_upto(
        BufReader::with_capacity(1 << 16, file),
        path,
        max_line,
        warnings,
        each,
    )
}

/// [`read_lines`] over any reader (`path` only names it in messages).
pub fn parse_lines<T: serde::de::DeserializeOwned>(
    r: impl BufRead,
    path: &Path,
    warnings: &mut Vec<String>,
    each: impl FnMut(T),
) -> Result<()> {
    parse_lines_upto(r, path, MAX_LINE_BYTES, warnings, each)
}

fn parse_lines_upto<T: serde::de::DeserializeOwned>(
    mut r: impl BufRead,
    path: &Path,
    max_line: u64,
    warnings: &mut Vec<String>,
    mut each: impl FnMut(T),
) -> Result<()> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut bad = 0usize;
    let mut warn = |text: String, warnings: &mut Vec<String>| {
        bad += 1;
        if bad <= MAX_LINE_WARNINGS {
            warnings.push(text);
        }
    };
    let cannot = || format!("cannot read {}", path.display());
    loop {
        buf.clear();
        let n = (&mut r)
            .take(max_line + 1)
            .read_until(b'\n', &mut buf)
            .with_context(cannot)?;
        if n == 0 {
            break;
        }
        line += 1;
        let complete = buf.last() == Some(&b'\n');
        if !complete && buf.len() as u64 > max_line {
            // Skip the rest of the over-long line.
            let mut sink = Vec::new();
            loop {
                sink.clear();
                let k = (&mut r)
                    .take(1 << 20)
                    .read_until(b'\n', &mut sink)
                    .with_context(cannot)?;
                if k == 0 || sink.last() == Some(&b'\n') {
                    break;
                }
            }
            warn(
                format!(
                    "{}:{line}: a line of more than {max_line} bytes is not a record; it was skipped",
                    path.display(),
                ),
                warnings,
            );
            continue;
        }
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<T>(text) {
            Ok(v) => each(v),
            Err(e) if !complete => warn(
                format!(
                    "{}:{line}: last line is incomplete ({}); it was skipped (the run was cut off while writing)",
                    path.display(),
                    json_message(&e)
                ),
                warnings,
            ),
            Err(e) => warn(
                format!(
                    "{}:{line}: not a record of lfmbench {} ({}); the line was skipped (written by another version, corrupted, or edited by hand)",
                    path.display(),
                    env!("CARGO_PKG_VERSION"),
                    json_message(&e)
                ),
                warnings,
            ),
        }
    }
    if bad > MAX_LINE_WARNINGS {
        warnings.push(format!(
            "{}: {} more bad lines were skipped",
            path.display(),
            bad - MAX_LINE_WARNINGS
        ));
    }
    Ok(())
}

/// Load a run folder. Fails, naming the file and line, when a file the run cannot do
/// without is missing or unreadable; bad lines of the line files are skipped and listed
/// in `warnings`.
pub fn load(dir: &Path) -> Result<StoredRun> {
    let meta_path = dir.join("run.json");
    if !meta_path.exists() {
        bail!(
            "{} is not an lfmbench run folder (no run.json)\n  help: pass a folder under reports/runs/, or run `lfmbench run SUITE` first",
            dir.display()
        );
    }
    let meta = read_meta(&meta_path)?;
    let suite_path = dir.join("suite.toml");
    let suite_text = read_text(&suite_path)?;
    let suite: Suite = crate::config::parse_toml(&suite_path, &suite_text)?;
    let models_path = dir.join("models.toml");
    let models_text = read_text(&models_path)?;
    let models: ModelsFile = crate::config::parse_toml(&models_path, &models_text)?;
    let host: Host = read_json(&dir.join("host.json"))?;
    let mut warnings = Vec::new();
    let engine_path = dir.join("engine.json");
    let engine = if engine_path.exists() {
        read_json(&engine_path).unwrap_or_else(|e| {
            warnings.push(format!("{e:#}; the engine is shown as unknown"));
            serde_json::Value::Null
        })
    } else {
        serde_json::Value::Null
    };
    let mut records = Vec::new();
    read_lines(&dir.join("samples.jsonl"), &mut warnings, |r| {
        records.push(r)
    })?;
    let mut jobs = Vec::new();
    read_lines(&dir.join("jobs.jsonl"), &mut warnings, |j| jobs.push(j))?;
    Ok(StoredRun {
        dir: dir.to_path_buf(),
        meta,
        suite_text,
        suite,
        models,
        host,
        engine,
        records,
        jobs,
        warnings,
    })
}

/// A text file of the run, with a message that names it when it is empty or not text.
fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        bail!(
            "{}: the file is empty (the run was cut off while writing it, or it was emptied)",
            path.display()
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        anyhow::anyhow!(
            "{}:{line}: not UTF-8 text (binary junk?)\n  help: this file was damaged; restore it from the run's copy or re-run the suite",
            path.display()
        )
    })
}

/// Sort key of a run folder name: the name without a same-second suffix (`-2`, `-3`, …),
/// then the suffix as a number, so that `…-10` comes after `…-9`.
fn name_order(dir: &Path) -> (String, u32) {
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match name.rsplit_once('-') {
        Some((base, n))
            if !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (base.to_string(), n.parse().unwrap_or(u32::MAX))
        }
        _ => (name, 1),
    }
}

/// The newest run folder under `runs_dir` (names start with a sortable UTC timestamp).
pub fn newest(runs_dir: &Path) -> Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(runs_dir)
        .with_context(|| {
            format!(
                "no runs in {}\n  help: run `lfmbench run suites/phase0.toml` first",
                runs_dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("run.json").exists())
        .collect();
    dirs.sort_by_key(|d| name_order(d));
    dirs.pop().with_context(|| {
        format!(
            "no run folders in {}\n  help: run `lfmbench run suites/phase0.toml` first",
            runs_dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines<T: serde::de::DeserializeOwned>(p: &Path, w: &mut Vec<String>) -> Vec<T> {
        let mut v = Vec::new();
        read_lines(p, w, |x| v.push(x)).expect("readable");
        v
    }

    const GOOD: &str = r#"{"model":"m","round":0,"part":"bench","ok":true}"#;

    #[test]
    fn a_torn_last_line_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("jobs.jsonl");
        std::fs::write(&p, format!("{GOOD}\n{{\"model\":\"m\",\"rou")).expect("write");
        let mut w = Vec::new();
        let v: Vec<JobDone> = lines(&p, &mut w);
        assert_eq!(v.len(), 1);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("jobs.jsonl:2") && w[0].contains("incomplete"),
            "{w:?}"
        );
    }

    /// Junk, another version's record and text that is not JSON each cost their own line,
    /// named with its number; the records around them are kept.
    #[test]
    fn lines_that_are_not_records_are_named_and_skipped() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("jobs.jsonl");
        let mut bytes = format!("{GOOD}\nnot json\n").into_bytes();
        bytes.extend_from_slice(&[0xff, 0x00, 0xfe, 0x9c, b'{', 0x01, b'\n']);
        bytes.extend_from_slice(
            format!(
                "{{\"model\":\"m\",\"round\":\"one\",\"part\":\"bench\",\"ok\":1}}\n\n{GOOD}\n"
            )
            .as_bytes(),
        );
        std::fs::write(&p, bytes).expect("write");
        let mut w = Vec::new();
        let v: Vec<JobDone> = lines(&p, &mut w);
        assert_eq!(v.len(), 2, "{w:?}");
        assert_eq!(w.len(), 3, "{w:?}");
        for (warning, line) in w.iter().zip([2, 3, 4]) {
            assert!(
                warning.contains(&format!("jobs.jsonl:{line}: not a record"))
                    && warning.contains("skipped"),
                "{w:?}"
            );
        }
    }

    #[test]
    fn many_bad_lines_are_counted_not_listed() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("samples.jsonl");
        std::fs::write(&p, "junk\n".repeat(1000)).expect("write");
        let mut w = Vec::new();
        let v: Vec<Record> = lines(&p, &mut w);
        assert!(v.is_empty());
        assert_eq!(w.len(), MAX_LINE_WARNINGS + 1, "{w:?}");
        assert!(w[MAX_LINE_WARNINGS].contains("995 more bad lines"), "{w:?}");
    }

    #[test]
    fn an_empty_or_missing_line_file_has_no_records_and_no_warning() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("samples.jsonl");
        let mut w = Vec::new();
        assert!(lines::<Record>(&p, &mut w).is_empty());
        std::fs::write(&p, "").expect("write");
        assert!(lines::<Record>(&p, &mut w).is_empty());
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn an_overlong_line_is_skipped_unread_and_the_next_is_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("jobs.jsonl");
        let long = "x".repeat(5000);
        std::fs::write(&p, format!("{GOOD}\n{long}\n{GOOD}\n")).expect("write");
        let (mut w, mut v) = (Vec::new(), Vec::<JobDone>::new());
        read_lines_upto(&p, 100, &mut w, |x| v.push(x)).expect("readable");
        assert_eq!(v.len(), 2, "{w:?}");
        assert!(
            w.len() == 1 && w[0].contains("jobs.jsonl:2: a line of more than 100 bytes"),
            "{w:?}"
        );
    }

    /// A copy of the smoke fixture run in a temp folder, to damage.
    fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("run");
        fs::create_dir(&dir).expect("mkdir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs/smoke");
        for e in fs::read_dir(&src).expect("fixture") {
            let e = e.expect("entry");
            fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
        }
        (tmp, dir)
    }

    #[test]
    fn the_fixture_copy_loads_cleanly() {
        let (_tmp, dir) = fixture_copy();
        let run = load(&dir).expect("loads");
        assert_eq!(run.records.len(), 70);
        assert_eq!(run.jobs.len(), 30);
        assert!(run.warnings.is_empty(), "{:?}", run.warnings);
    }

    /// Each damaged file the run cannot do without fails the load with its name and line.
    #[test]
    fn a_damaged_run_file_fails_the_load_naming_file_and_line() {
        let cases: [(&str, &[u8], &[&str]); 7] = [
            ("run.json", b"", &["run.json", "empty"]),
            (
                "run.json",
                b"{\"schema_version\": 99, \"id\": 3}",
                &["run.json", "record format 99", "another lfmbench version"],
            ),
            (
                "run.json",
                b"{\n  \"schema_version\": 1,\n  \"id\": [\n",
                &["run.json:4:"],
            ),
            ("run.json", b"[1, 2]", &["run.json", "no schema_version"]),
            ("host.json", b"\x00\x01\xfe junk", &["host.json:1:1:"]),
            (
                "suite.toml",
                b"[suite]\nname = \"a\"\n\xff\xfe\n",
                &["suite.toml:3:", "not UTF-8"],
            ),
            ("models.toml", b"[[model]]\nid = 3\n", &["models.toml:2"]),
        ];
        for (file, bytes, want) in cases {
            let (_tmp, dir) = fixture_copy();
            fs::write(dir.join(file), bytes).expect("damage");
            let e = format!("{:#}", load(&dir).expect_err(file));
            for w in want {
                assert!(e.contains(w), "{file}: want {w:?} in {e}");
            }
        }
    }

    /// Damaged line files keep the run: their bad lines are warnings; a damaged
    /// engine.json is a warning too.
    #[test]
    fn damaged_line_files_keep_the_run_with_warnings() {
        let (_tmp, dir) = fixture_copy();
        let samples = fs::read_to_string(dir.join("samples.jsonl")).expect("samples");
        let mut ls: Vec<&str> = samples.lines().collect();
        ls.insert(10, "\u{0}\u{1}binary");
        fs::write(dir.join("samples.jsonl"), ls.join("\n")).expect("write");
        fs::write(dir.join("jobs.jsonl"), "").expect("empty jobs");
        fs::write(dir.join("engine.json"), "{\"llama").expect("torn engine");
        let run = load(&dir).expect("still loads");
        assert_eq!(
            run.records.len(),
            70,
            "the fixture's last line had its newline"
        );
        assert!(run.jobs.is_empty());
        let w = run.warnings.join("\n");
        assert!(w.contains("samples.jsonl:11: not a record"), "{w}");
        assert!(w.contains("engine.json:1:"), "{w}");
        assert!(run.engine.is_null());
    }

    #[test]
    fn a_folder_that_is_not_a_run_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let e = load(dir.path()).expect_err("not a run");
        assert!(
            format!("{e:#}").contains("is not an lfmbench run folder"),
            "{e:#}"
        );
    }
}
