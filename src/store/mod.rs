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
//! A write that fails (a full disk, a file-size limit, a read-only folder) is a
//! [`WriteFailed`]: the run stops there, `lfmbench` exits [`EXIT_WRITE_FAILED`], and every
//! line written before stays whole. Each `jobs.jsonl` line records how long
//! `samples.jsonl` was when its job ended, so that `--resume` can drop the records of the
//! one job that did not finish before running it again ([`tail`]).
//!
//! This file holds the folder's types and the writing; `read` reads a run back (trusting
//! nothing), `summary` writes `summary.csv`, `time` the UTC timestamps, `gaps` which model
//! measured nothing for which workload, `tail` what `--resume` cuts, `sequential` what a
//! run made with `--until-decided` planned, looked at and stopped on.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::measure::host::Host;
use crate::measure::noise::HostLoad;
use crate::protocol::JobKey;
use crate::sample::{NotMeasured, Record};

pub mod gaps;
mod read;
pub mod sequential;
pub mod summary;
pub mod tail;
pub mod time;

pub use read::{StoredRun, load, newest, parse_json, parse_lines, parse_meta, read_lines};

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
    /// Models that are not instruction-tuned (id → why), decided at pre-flight from
    /// models.toml's `instruct` and the GGUF: their chat answers are not meaningful.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub base_models: std::collections::BTreeMap<String, String>,
    pub inputs: Vec<InputHash>,
    /// The backend settings each model ran with (threads resolved to a number).
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, crate::config::Resolved>,
    /// Each model file's parameters (the sum of its tensors' element counts) and
    /// quantization, read from its GGUF at pre-flight: a model's size in the report.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub files: std::collections::BTreeMap<String, FileFacts>,
    /// Where the suite and models.toml were read from (for `--resume`).
    #[serde(default)]
    pub suite_path: Option<PathBuf>,
    #[serde(default)]
    pub models_path: Option<PathBuf>,
    /// A run made with `--until-decided`: its plan, its looks and why it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<sequential::Sequential>,
}

/// What a model's GGUF header says about its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub n_params: u64,
    pub quant: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub model: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDone {
    #[serde(flatten)]
    pub key: JobKey,
    pub ok: bool,
    /// How busy the host was while the job ran (runs before issue 12 have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<HostLoad>,
    /// The length of `samples.jsonl` in bytes when the job ended: every record after it
    /// belongs to a job that did not finish (runs before issue 15 have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_bytes: Option<u64>,
}

/// `lfmbench`'s exit status when writing results failed (a full disk, a file-size limit, a
/// read-only folder): not bad input (2), and the run did not finish.
pub const EXIT_WRITE_FAILED: u8 = 6;

/// Writing a run's or a report's file failed. What was written before stays whole.
#[derive(Debug)]
pub struct WriteFailed {
    /// What was being written, e.g. "append to samples.jsonl in reports/runs/X".
    pub what: String,
    /// Advice for the user.
    pub help: String,
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {}: {} (disk full, file-size limit or read-only?)\n  help: {}",
            self.what, self.source, self.help
        )
    }
}

impl std::error::Error for WriteFailed {}

/// Whether `e` is, or was caused by, a failed write ([`EXIT_WRITE_FAILED`]).
pub fn is_write_failure(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<WriteFailed>())
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
    f.write_all(&line).and_then(|()| f.flush()).map_err(|source| {
        WriteFailed {
            what: format!("append to {what} in {}", dir.display()),
            help: format!(
                "the samples written so far are intact; free space (or raise the file-size limit), then `lfmbench run --resume {}`",
                dir.display()
            ),
            source,
        }
        .into()
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
    written.map_err(|source| {
        WriteFailed {
            what: format!("write {}", path.display()),
            help: "the file's previous version, if any, is unchanged; free space, then run again"
                .into(),
            source,
        }
        .into()
    })
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

    /// Record a finished job, with the length `samples.jsonl` has now (its records are
    /// all before that).
    pub fn job_done(&mut self, key: JobKey, ok: bool, load: Option<HostLoad>) -> Result<()> {
        let samples_bytes = self.samples.metadata().ok().map(|m| m.len());
        append_line(
            &mut self.jobs,
            &JobDone {
                key,
                ok,
                load,
                samples_bytes,
            },
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
}
