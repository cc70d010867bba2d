//! The disk fills up mid-run — here a file-size limit (`RLIMIT_FSIZE`), which needs no
//! root: the run stops with a clear message and its own exit status, every line already
//! written stays whole, and `--resume` (once the limit is gone) completes the run with each
//! job's records exactly once.

#![cfg(target_os = "linux")]

mod util;

use std::os::unix::process::CommandExt;

use util::{Sandbox, text, tiny_suite};

/// Bytes any one file of the run may reach: above the run's small files (host.json,
/// engine.json, run.json), below what the tiny run's samples.jsonl needs in full.
const LIMIT: u64 = 24 * 1024;

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every line that ends in a newline is a whole JSON value; returns how many there are.
fn whole_lines(text: &str) -> usize {
    let mut n = 0;
    for l in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        n += 1;
    }
    n
}

#[test]
fn a_file_size_limit_stops_the_run_cleanly_and_resume_completes_it() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &tiny_suite(""));
    let mut cmd = sb.cmd(&["run", "suite.toml"]);
    // SAFETY: only setrlimit, which is async-signal-safe, runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: LIMIT as libc::rlim_t,
                rlim_max: LIMIT as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let o = cmd.output().expect("spawn lfmbench");
    // Not killed by SIGXFSZ: a clean stop, with the write failure's own status.
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot append to samples.jsonl")
            && err.contains("File too large")
            && err.contains("lfmbench run --resume"),
        "{err}"
    );

    let dir = sb.run_dir();
    let meta: serde_json::Value = serde_json::from_str(&read(&dir.join("run.json"))).expect("json");
    assert_eq!(meta["state"], "incomplete", "{meta}");
    assert!(
        meta["note"]
            .as_str()
            .is_some_and(|n| n.contains("--resume")),
        "{meta}"
    );
    let samples_before = read(&dir.join("samples.jsonl"));
    let jobs_before = read(&dir.join("jobs.jsonl"));
    assert!(samples_before.len() as u64 <= LIMIT);
    let done_before = whole_lines(&jobs_before);
    assert!(
        (1..20).contains(&done_before),
        "the limit should stop the run midway: {done_before} of 20 jobs done"
    );
    assert!(whole_lines(&samples_before) > 0);
    let finished_end = util::finished_end(&jobs_before);

    // Space is back: resume completes the run.
    let dir_s = dir.display().to_string();
    let o = sb.run(&["run", "--resume", &dir_s]);
    assert!(o.status.success(), "{}", text(&o));
    let samples_after = read(&dir.join("samples.jsonl"));
    assert!(
        samples_after.starts_with(&samples_before[..finished_end]),
        "records of finished jobs were rewritten"
    );
    assert!(samples_after.ends_with('\n'));
    whole_lines(&samples_after);
    util::assert_each_job_once(&samples_after);
    let jobs_after = read(&dir.join("jobs.jsonl"));
    assert!(jobs_after.ends_with('\n'));
    util::assert_jobs_once(&jobs_after, 20);
    let meta: serde_json::Value = serde_json::from_str(&read(&dir.join("run.json"))).expect("json");
    assert_eq!(meta["state"], "complete", "{meta}");
}
