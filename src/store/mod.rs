//! The one place that knows where results live and in which format.
//!
//! A run is a folder `reports/runs/<UTC timestamp>-<suite>/` holding:
//! - `run.json`     — [`RunMeta`]: identity, state, hashes of the inputs (for `--resume`);
//! - `suite.toml`, `models.toml` — the exact configuration as run;
//! - `host.json`    — the environment fingerprint;
//! - `engine.json`  — what the backend reported about itself;
//! - `samples.jsonl`— every [`Record`], one JSON object per line, appended and flushed as
//!   measured, so an interrupted run keeps every finished sample;
//! - `jobs.jsonl`   — one line per finished job (model × round × part), for `--resume`;
//! - `summary.csv`  — per model and metric: n, median, min, max (written at the end).
//!
//! A run folder belongs to one run: it is created exclusively (`create_dir`, never
//! `create_dir_all`), and a second run starting in the same second takes the next free
//! name (`…-2`, `…-3`), so two runs never share a `samples.jsonl`.
//!
//! Whole files are written by write-then-rename through a temporary name unique to the
//! process and the call (two processes writing the same file never share one); line files
//! are appended one whole line per `write` call, so a crash never leaves a half line that
//! breaks reading (a torn last line, should the OS lose power mid-write, is reported and
//! skipped by the reader).
//!
//! Reading trusts nothing: `samples.jsonl` and `jobs.jsonl` are streamed line by line
//! (never held whole), and a line that is not a record of this version (another
//! version's schema, binary junk, a torn write) is reported with its file and line and
//! skipped; a file the run cannot do without (`run.json`, `suite.toml`, `models.toml`,
//! `host.json`) that is unreadable makes [`load`] fail with its file and line, so that
//! `report` can leave that run out and say why.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::config::{ModelsFile, Suite};
use crate::measure::host::Host;
use crate::protocol::JobKey;
use crate::sample::{NotMeasured, Record, SCHEMA_VERSION};

pub mod summary;
pub mod time;

/// State of a run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Complete,
    /// Stopped before every job ran (interrupted, or models skipped).
    Incomplete,
}

/// Hash and size of one input, to refuse a `--resume` when it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputHash {
    pub name: String,
    pub bytes: u64,
    /// sha256 of the suite/models text; for model files, of size + mtime + first and last MiB
    /// (hashing whole GGUFs on every start would dominate a short run).
    pub fingerprint: String,
}

/// `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub schema_version: u32,
    pub id: String,
    pub suite: String,
    pub started_utc: String,
    #[serde(default)]
    pub finished_utc: Option<String>,
    pub state: RunState,
    /// Why the run is incomplete, when it is.
    #[serde(default)]
    pub note: Option<String>,
    pub models: Vec<String>,
    /// Models named by the suite but not run (file missing, skipped with --keep-going).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// Metrics that cannot be measured for a model, and why (e.g. the memory of a remote
    /// http server); such a model has no records for them, by design.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_measured: Vec<NotMeasured>,
    pub rounds: u32,
    /// Models whose file is a shape twin by its own GGUF metadata (`lfmbench.twin.of`):
    /// id → the architecture it twins. Reports mark these even when models.toml named
    /// the file by `path` rather than `twin`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub twins: std::collections::BTreeMap<String, String>,
    pub inputs: Vec<InputHash>,
    /// The backend settings each model ran with (threads resolved to a number).
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, crate::config::Resolved>,
    /// Where the suite and models.toml were read from (for `--resume`).
    #[serde(default)]
    pub suite_path: Option<PathBuf>,
    #[serde(default)]
    pub models_path: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub model: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDone {
    #[serde(flatten)]
    pub key: JobKey,
    pub ok: bool,
}

/// Writes one run folder.
pub struct RunWriter {
    pub dir: PathBuf,
    pub meta: RunMeta,
    samples: File,
    jobs: File,
}

/// Append one whole line in a single write and flush it.
fn append_line(f: &mut File, value: &impl Serialize, what: &str, dir: &Path) -> Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    f.write_all(&line)
        .and_then(|()| f.flush())
        .with_context(|| {
            format!(
                "cannot append to {what} in {} (disk full?); samples written so far are intact",
                dir.display()
            )
        })
}

/// A temporary name beside `path`, unique to this process and call:
/// `.<name>.<pid>-<n>.tmp~` (ignored by git, never taken for a run file).
pub fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}-{n}.tmp~", std::process::id()))
}

/// Write `bytes` to `path` through a temporary file and a rename: a reader sees the old
/// file or the new one, never a mix, and two processes writing `path` at once each
/// write their own temporary file (the last rename wins, whole).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let written = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {} (disk full or read-only?)", path.display()))
}

/// How many runs may start in the same second under one suite name before giving up.
const MAX_SAME_NAME: u32 = 1000;

/// Create a new run folder `out/<id>` exclusively; when another run already took that
/// name (two runs started in the same second), `out/<id>-2`, `-3`, … Returns the folder
/// and its name. `create_dir` is atomic: of two processes asking for one name, exactly
/// one gets it, the other moves on to the next.
pub fn create_run_dir(out: &Path, id: &str) -> Result<(PathBuf, String)> {
    fs::create_dir_all(out)
        .with_context(|| format!("cannot create the runs folder {}", out.display()))?;
    for n in 1..=MAX_SAME_NAME {
        let name = if n == 1 {
            id.to_string()
        } else {
            format!("{id}-{n}")
        };
        let dir = out.join(&name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok((dir, name)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot create the run folder {}", dir.display()));
            }
        }
    }
    bail!(
        "{}: {MAX_SAME_NAME} run folders named {id}[-N] already exist\n  help: move old runs out of {}",
        out.display(),
        out.display()
    )
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {} for appending", path.display()))
}

impl RunWriter {
    /// Create a new run folder under `out`, named `meta.id` (or `meta.id-N` when another
    /// run took that name: `meta.id` is updated), and write the inputs into it.
    pub fn create(
        out: &Path,
        mut meta: RunMeta,
        suite_text: &str,
        models_text: &str,
        host: &Host,
    ) -> Result<RunWriter> {
        let (dir, id) = create_run_dir(out, &meta.id)?;
        meta.id = id;
        write_atomic(&dir.join("suite.toml"), suite_text.as_bytes())?;
        write_atomic(&dir.join("models.toml"), models_text.as_bytes())?;
        write_atomic(&dir.join("host.json"), &serde_json::to_vec_pretty(host)?)?;
        let samples = open_append(&dir.join("samples.jsonl"))?;
        let jobs = open_append(&dir.join("jobs.jsonl"))?;
        let w = RunWriter {
            dir,
            meta,
            samples,
            jobs,
        };
        w.write_meta()?;
        Ok(w)
    }

    /// Reopen an existing run folder to append to it (`--resume`).
    pub fn reopen(dir: &Path, meta: RunMeta) -> Result<RunWriter> {
        let samples = open_append(&dir.join("samples.jsonl"))?;
        let jobs = open_append(&dir.join("jobs.jsonl"))?;
        let w = RunWriter {
            dir: dir.to_path_buf(),
            meta,
            samples,
            jobs,
        };
        w.write_meta()?;
        Ok(w)
    }

    pub fn write_meta(&self) -> Result<()> {
        write_atomic(
            &self.dir.join("run.json"),
            &serde_json::to_vec_pretty(&self.meta)?,
        )
    }

    pub fn write_json(&self, name: &str, value: &impl Serialize) -> Result<()> {
        write_atomic(&self.dir.join(name), &serde_json::to_vec_pretty(value)?)
    }

    pub fn append(&mut self, record: &Record) -> Result<()> {
        append_line(&mut self.samples, record, "samples.jsonl", &self.dir)
    }

    pub fn job_done(&mut self, key: JobKey, ok: bool) -> Result<()> {
        append_line(
            &mut self.jobs,
            &JobDone { key, ok },
            "jobs.jsonl",
            &self.dir,
        )
    }

    pub fn finish(&mut self, state: RunState, note: Option<String>) -> Result<()> {
        self.meta.state = state;
        self.meta.note = note;
        self.meta.finished_utc = Some(time::now_utc());
        self.write_meta()
    }
}

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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_a_clear_error() {
        let mut full = OpenOptions::new()
            .append(true)
            .open("/dev/full")
            .expect("/dev/full");
        let e = append_line(
            &mut full,
            &serde_json::json!({"a": 1}),
            "samples.jsonl",
            Path::new("reports/runs/x"),
        )
        .expect_err("writing to a full device fails");
        let msg = format!("{e:#}");
        assert!(
            msg.contains("disk full") && msg.contains("samples written so far are intact"),
            "{msg}"
        );
    }

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
    fn runs_started_in_the_same_second_get_their_own_folders() {
        let tmp = tempfile::tempdir().expect("tmp");
        let out = tmp.path().join("runs");
        let names: Vec<String> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| s.spawn(|| create_run_dir(&out, "20260101T000000Z-x").expect("dir").1))
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 8, "{names:?}");
        assert!(names.contains(&"20260101T000000Z-x".to_string()));
        assert!(names.contains(&"20260101T000000Z-x-8".to_string()));
        // The newest of them is the last suffix, by number (…-10 after …-9).
        for _ in 0..2 {
            create_run_dir(&out, "20260101T000000Z-x").expect("dir");
        }
        fs::write(out.join("20260101T000000Z-x-10/run.json"), "{}").expect("marker");
        fs::write(out.join("20260101T000000Z-x-9/run.json"), "{}").expect("marker");
        assert_eq!(
            newest(&out).expect("newest").file_name().expect("name"),
            "20260101T000000Z-x-10"
        );
    }

    /// Writers racing on one file each use their own temporary file: the result is one
    /// writer's bytes, whole, and no temporary file is left.
    #[test]
    fn atomic_writes_racing_on_one_file_leave_one_whole_file() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("summary.csv");
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..50 {
                        write_atomic(path, &vec![b'a' + t; 64 << 10]).expect("write");
                    }
                });
            }
        });
        let bytes = fs::read(&path).expect("read");
        assert_eq!(bytes.len(), 64 << 10);
        assert!(bytes.iter().all(|b| *b == bytes[0]), "mixed writers");
        let left: Vec<_> = fs::read_dir(tmp.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, ["summary.csv"], "temporary files left behind");
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
