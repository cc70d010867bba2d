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
//! Whole files are written by write-then-rename; line files are appended one whole line
//! per `write` call, so a crash never leaves a half line that breaks reading (a torn last
//! line, should the OS lose power mid-write, is reported and skipped by the reader).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::config::{ModelsFile, Suite};
use crate::measure::host::Host;
use crate::measure::noise::HostLoad;
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
    /// Models that are not instruction-tuned (id → why), decided at pre-flight from
    /// models.toml's `instruct` and the GGUF: their chat answers are not meaningful.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub base_models: std::collections::BTreeMap<String, String>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDone {
    #[serde(flatten)]
    pub key: JobKey,
    pub ok: bool,
    /// How busy the host was while the job ran (runs before issue 12 have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<HostLoad>,
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

/// Write `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp~");
    fs::write(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {} (disk full or read-only?)", path.display()))
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {} for appending", path.display()))
}

impl RunWriter {
    /// Create a new run folder under `out` and write the inputs into it.
    pub fn create(
        out: &Path,
        meta: RunMeta,
        suite_text: &str,
        models_text: &str,
        host: &Host,
    ) -> Result<RunWriter> {
        let dir = out.join(&meta.id);
        fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the run folder {}", dir.display()))?;
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

    pub fn job_done(&mut self, key: JobKey, ok: bool, load: Option<HostLoad>) -> Result<()> {
        append_line(
            &mut self.jobs,
            &JobDone { key, ok, load },
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

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid lfmbench file (corrupt, or from another tool)",
            path.display()
        )
    })
}

/// Read a JSON-lines file; a bad line in the middle is an error naming its line, a bad
/// last line (torn by a crash) is skipped with a warning.
fn read_lines<T: serde::de::DeserializeOwned>(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<T>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(v) => out.push(v),
            Err(e) if i + 1 == lines.len() && !text.ends_with('\n') => {
                warnings.push(format!(
                    "{}:{}: last line is incomplete ({e}); it was skipped (the run was cut off while writing)",
                    path.display(),
                    i + 1
                ));
            }
            Err(e) => bail!(
                "{}:{}: not a valid record: {e}\n  help: this file was changed by hand or is not from lfmbench {}",
                path.display(),
                i + 1,
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
    Ok(out)
}

/// Load a run folder.
pub fn load(dir: &Path) -> Result<StoredRun> {
    if !dir.join("run.json").exists() {
        bail!(
            "{} is not an lfmbench run folder (no run.json)\n  help: pass a folder under reports/runs/, or run `lfmbench run SUITE` first",
            dir.display()
        );
    }
    let meta: RunMeta = read_json(&dir.join("run.json"))?;
    if meta.schema_version != SCHEMA_VERSION {
        bail!(
            "{}: written with record format {} but this lfmbench reads format {SCHEMA_VERSION}",
            dir.display(),
            meta.schema_version
        );
    }
    let suite_path = dir.join("suite.toml");
    let suite_text = fs::read_to_string(&suite_path)
        .with_context(|| format!("cannot read {}", suite_path.display()))?;
    let suite: Suite = crate::config::parse_toml(&suite_path, &suite_text)?;
    let models_path = dir.join("models.toml");
    let models_text = fs::read_to_string(&models_path)
        .with_context(|| format!("cannot read {}", models_path.display()))?;
    let models: ModelsFile = crate::config::parse_toml(&models_path, &models_text)?;
    let host: Host = read_json(&dir.join("host.json"))?;
    let engine = read_json(&dir.join("engine.json")).unwrap_or(serde_json::Value::Null);
    let mut warnings = Vec::new();
    let records = read_lines(&dir.join("samples.jsonl"), &mut warnings)?;
    let jobs = read_lines(&dir.join("jobs.jsonl"), &mut warnings)?;
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
    dirs.sort();
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

    #[test]
    fn a_torn_last_line_is_skipped_with_a_warning_and_a_bad_middle_line_is_an_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("jobs.jsonl");
        let good = r#"{"model":"m","round":0,"part":"bench","ok":true}"#;
        std::fs::write(&p, format!("{good}\n{{\"model\":\"m\",\"rou")).expect("write");
        let mut w = Vec::new();
        let v: Vec<JobDone> = read_lines(&p, &mut w).expect("torn tail is tolerated");
        assert_eq!(v.len(), 1);
        assert!(
            w[0].contains("jobs.jsonl:2") && w[0].contains("incomplete"),
            "{w:?}"
        );

        std::fs::write(&p, format!("{good}\nnot json\n{good}\n")).expect("write");
        let e = read_lines::<JobDone>(&p, &mut Vec::new()).expect_err("corrupt middle line");
        assert!(
            format!("{e:#}").contains("jobs.jsonl:2: not a valid record"),
            "{e:#}"
        );
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
