//! What `lfmbench run --resume` cuts from a run folder before appending to it, so that
//! each job's records end up in `samples.jsonl` exactly once.
//!
//! Jobs run one after another, and a job's records are appended before its line in
//! `jobs.jsonl`, which records how long `samples.jsonl` was at that moment. Everything
//! after the last finished job's length therefore belongs to the one job that did not
//! finish (interrupted, or stopped by a full disk): it runs again on resume, whole, so
//! its partial records go. A torn last line (a write cut short by the disk) goes too, from
//! either file, or the next line appended would be glued to it. Runs made before
//! `jobs.jsonl` carried lengths lose only a torn line.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result};

use super::JobDone;

/// What [`trim_for_resume`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// Whole records of the unfinished job dropped from `samples.jsonl`.
    pub records: usize,
    /// Bytes dropped from `samples.jsonl` and `jobs.jsonl` together.
    pub bytes: u64,
}

/// Cut `samples.jsonl` back to the end of the last finished job in `jobs` (as read from
/// `jobs.jsonl`, in order), and both line files back to their last whole line.
pub fn trim_for_resume(dir: &Path, jobs: &[JobDone]) -> Result<Trimmed> {
    let mut trimmed = Trimmed::default();
    let jobs_file = dir.join("jobs.jsonl");
    if jobs_file.exists() {
        let (bytes, _) = cut_to(&jobs_file, None)?;
        trimmed.bytes += bytes;
    }
    let samples = dir.join("samples.jsonl");
    if samples.exists() {
        let end = jobs.last().and_then(|j| j.samples_bytes);
        let (bytes, records) = cut_to(&samples, end)?;
        trimmed.bytes += bytes;
        trimmed.records += records;
    }
    Ok(trimmed)
}

/// Truncate `path` to `end` (when given and shorter than the file) and then to its last
/// whole line. Returns the bytes removed and the whole lines among them.
fn cut_to(path: &Path, end: Option<u64>) -> Result<(u64, usize)> {
    let what = || format!("cannot trim {} for --resume", path.display());
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_context(what)?;
    let len = f.metadata().with_context(what)?.len();
    let keep = end.map_or(len, |e| e.min(len));
    let keep = last_line_end(&mut f, keep).with_context(what)?;
    if keep == len {
        return Ok((0, 0));
    }
    f.seek(SeekFrom::Start(keep)).with_context(what)?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).with_context(what)?;
    let lines = tail.iter().filter(|&&b| b == b'\n').count();
    f.set_len(keep).with_context(what)?;
    f.sync_all().with_context(what)?;
    Ok((len - keep, lines))
}

/// The offset just after the last `\n` at or before `limit` (0 when there is none).
fn last_line_end(f: &mut File, limit: u64) -> std::io::Result<u64> {
    const STEP: u64 = 64 * 1024;
    let mut hi = limit;
    while hi > 0 {
        let lo = hi.saturating_sub(STEP);
        let mut buf = vec![0u8; (hi - lo) as usize];
        f.seek(SeekFrom::Start(lo))?;
        f.read_exact(&mut buf)?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            return Ok(lo + i as u64 + 1);
        }
        hi = lo;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::JobKey;

    fn job(samples_bytes: Option<u64>) -> JobDone {
        JobDone {
            key: JobKey {
                model: "a".into(),
                round: 0,
                part: "bench".into(),
            },
            ok: true,
            load: None,
            samples_bytes,
        }
    }

    #[test]
    fn records_after_the_last_finished_job_and_torn_lines_are_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        let samples = "{\"a\":1}\n{\"a\":2}\n{\"b\":1}\n{\"b\":2}\n{\"b\":";
        std::fs::write(dir.path().join("samples.jsonl"), samples).expect("write");
        std::fs::write(dir.path().join("jobs.jsonl"), "{\"x\":1}\n{\"x\"").expect("write");
        let t = trim_for_resume(dir.path(), &[job(Some(16))]).expect("trim");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("samples.jsonl")).expect("read"),
            "{\"a\":1}\n{\"a\":2}\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("jobs.jsonl")).expect("read"),
            "{\"x\":1}\n"
        );
        assert_eq!(t.records, 2);
        assert_eq!(t.bytes, (samples.len() - 16 + 4) as u64);
    }

    #[test]
    fn a_run_without_lengths_loses_only_a_torn_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("samples.jsonl"), "{\"a\":1}\n{\"a\"").expect("write");
        let t = trim_for_resume(dir.path(), &[job(None)]).expect("trim");
        assert_eq!(
            t,
            Trimmed {
                records: 0,
                bytes: 4
            }
        );
        // Nothing to cut: nothing changes.
        let t = trim_for_resume(dir.path(), &[job(None)]).expect("trim");
        assert_eq!(t, Trimmed::default());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("samples.jsonl")).expect("read"),
            "{\"a\":1}\n"
        );
    }
}
