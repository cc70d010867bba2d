//! The jobs.jsonl reader (`store::parse_lines::<JobDone>`) on arbitrary bytes: bad lines
//! are skipped with a warning naming their line, never a panic; what parses is turned
//! into the set of finished jobs, as `--resume` does.

#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lfmbench::protocol::JobKey;
use lfmbench::store::{self, JobDone};

fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    let mut done: HashSet<JobKey> = HashSet::new();
    let r = store::parse_lines(data, Path::new("jobs.jsonl"), &mut warnings, |j: JobDone| {
        if j.ok {
            done.insert(j.key);
        }
    });
    if let Err(e) = r {
        let _ = format!("{e:#}");
    }
    for w in &warnings {
        assert!(w.starts_with("jobs.jsonl"), "a warning that does not name its file: {w}");
    }
});
