//! `lfmbench run --resume DIR`, and what makes it safe: the fingerprints of a run's inputs
//! (suite, models.toml, model files) taken at its start, compared before any job is rerun.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::execute::execute_or_mark;
use super::finish::finish;
use super::preflight::preflight;
use crate::cli::RunArgs;
use crate::config::{self, Loaded};
use crate::digest::sha256_bytes;
use crate::plan::ReadyModel;
use crate::protocol::JobKey;
use crate::store::{self, InputHash, RunState, RunWriter};

/// Cheap fingerprint of a model file: size, mtime, first and last MiB.
fn file_fingerprint(path: &Path) -> Result<InputHash> {
    use std::io::{Seek, SeekFrom};
    let meta = std::fs::metadata(path)?;
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; (1 << 20).min(meta.len() as usize)];
    f.read_exact(&mut head)?;
    let mut tail = vec![0u8; head.len()];
    f.seek(SeekFrom::End(-(tail.len() as i64)))?;
    f.read_exact(&mut tail)?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    head.extend_from_slice(&tail);
    head.extend_from_slice(&meta.len().to_le_bytes());
    head.extend_from_slice(&mtime.to_le_bytes());
    Ok(InputHash {
        name: path.display().to_string(),
        bytes: meta.len(),
        fingerprint: sha256_bytes(&head),
    })
}

pub fn input_hashes(loaded: &Loaded, ready: &[ReadyModel]) -> Vec<InputHash> {
    let mut v = vec![
        InputHash {
            name: "suite".into(),
            bytes: loaded.suite_text.len() as u64,
            fingerprint: sha256_bytes(loaded.suite_text.as_bytes()),
        },
        InputHash {
            name: "models".into(),
            bytes: loaded.models_text.len() as u64,
            fingerprint: sha256_bytes(loaded.models_text.as_bytes()),
        },
    ];
    v.extend(ready.iter().filter_map(|m| file_fingerprint(&m.path).ok()));
    v
}

/// `lfmbench run --resume DIR`: run only the jobs that have no line in jobs.jsonl.
pub fn resume(dir: &Path, args: &RunArgs) -> Result<ExitCode> {
    let stored = store::load(dir)?;
    // A run that stopped by design (--until-decided) is complete: more rounds would be
    // looks its plan never made.
    if let Some(outcome) = stored.meta.sequential.as_ref().and_then(|s| s.outcome()) {
        bail!(
            "{}: this run stopped by design ({outcome}); it is complete and there is nothing to resume\n  help: start a new run to measure more",
            dir.display()
        );
    }
    let (Some(suite_path), Some(models_path)) = (&stored.meta.suite_path, &stored.meta.models_path)
    else {
        bail!(
            "{}: this run does not record where its suite came from; it cannot be resumed",
            dir.display()
        );
    };
    let mut loaded = config::load(suite_path, models_path)?;
    // The stored suite already has the original overrides applied.
    loaded.suite = stored.suite.clone();
    let (ready, _) = preflight(&loaded);
    let ready: Vec<ReadyModel> = ready
        .into_iter()
        .filter(|m| stored.meta.models.contains(&m.id))
        .collect();
    let now = input_hashes(&config::load(suite_path, models_path)?, &ready);
    for old in &stored.meta.inputs {
        match now.iter().find(|n| n.name == old.name) {
            Some(n) if n == old => {}
            Some(_) => bail!(
                "{}: `{}` changed since the run started; resuming would mix measurements of different inputs\n  help: start a new run instead",
                dir.display(),
                old.name
            ),
            None => bail!(
                "{}: `{}` is no longer available; it cannot be resumed",
                dir.display(),
                old.name
            ),
        }
    }
    let done: HashSet<JobKey> = stored.jobs.iter().map(|j| j.key.clone()).collect();
    let trimmed = store::tail::trim_for_resume(dir, &stored.jobs)?;
    if trimmed.bytes > 0 {
        eprintln!(
            "dropping {} records ({} bytes) of the job that did not finish; it runs again, whole",
            trimmed.records, trimmed.bytes
        );
    }
    let mut meta = stored.meta.clone();
    meta.state = RunState::Running;
    meta.note = None;
    let mut writer = RunWriter::reopen(dir, meta)?;
    eprintln!(
        "resuming {}: {} jobs already done",
        dir.display(),
        done.len()
    );
    super::engine::warn_at_start(&loaded, &ready);
    let watch = super::quiet::Watch::new(args.wait_quiet.map(std::time::Duration::from_secs));
    // An --until-decided run goes on with its stored plan, looks and budget.
    let until = super::until::Until::of(&writer)?;
    execute_or_mark(&loaded, &ready, &mut writer, &done, watch, until)?;
    finish(writer, args)
}
