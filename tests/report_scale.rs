//! `lfmbench report` holds the samples of one pool of runs at a time (issue 15; a pool is
//! the runs of one machine, read together): reporting many machines' runs needs about the
//! memory of reporting a few, not memory that grows with every run's samples. Peak RSS of the real binary (`wait4`'s `ru_maxrss`), not timed.
//!
//! The runs are synthetic (tests/util/synthetic.rs), with long chat texts so that each
//! run's samples weigh several MB in memory while the statistics stay cheap.

#[path = "util/synthetic.rs"]
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const FEW: usize = 2;
const MANY: usize = 14;

/// Peak RSS in bytes of `lfmbench report RUNS… --out OUT`, asserting it succeeds.
#[cfg(target_os = "linux")]
fn report_peak_rss(runs: &[PathBuf], out: &Path) -> u64 {
    let child = Command::new(env!("CARGO_BIN_EXE_lfmbench"))
        .arg("report")
        .args(runs)
        .arg("--out")
        .arg(out)
        .arg("--format")
        .arg("json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn lfmbench");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child, with valid pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "report failed: status {status}"
    );
    std::mem::forget(child); // reaped above
    usage.ru_maxrss as u64 * 1024
}

#[cfg(target_os = "linux")]
#[test]
fn report_memory_does_not_grow_with_the_number_of_runs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let text = "lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(40);
    let dirs: Vec<PathBuf> = (0..MANY)
        .map(|i| {
            synthetic::write_run_with(
                &tmp.path().join("runs"),
                &format!("run-{i:02}"),
                4,
                200,
                i as u64,
                |r| {
                    if let lfmbench::sample::Body::Chat(c) = &mut r.body {
                        c.text.clone_from(&text);
                    }
                },
            )
        })
        .collect();
    // Each run its own machine: runs of one machine are pooled into one view and read
    // together (crate::report::pool), so the bound is one pool's samples; here every pool
    // is one run.
    for (i, d) in dirs.iter().enumerate() {
        let path = d.join("host.json");
        let mut host: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("host.json")).expect("json");
        host["label"] = format!("machine-{i:02}").into();
        std::fs::write(&path, serde_json::to_vec_pretty(&host).expect("json")).expect("write");
    }
    let per_run: u64 = std::fs::metadata(dirs[0].join("samples.jsonl"))
        .expect("samples")
        .len();
    let few = report_peak_rss(&dirs[..FEW], &tmp.path().join("few/F.md"));
    let many = report_peak_rss(&dirs, &tmp.path().join("many/F.md"));
    // Holding every run's records would add about their JSON size per extra run (the
    // records take at least their text in memory); one run at a time adds only what a
    // report keeps per run (statistics, a bounded distribution per latency).
    let extra = (MANY - FEW) as u64 * per_run;
    eprintln!(
        "peak RSS: {FEW} runs {:.1} MB, {MANY} runs {:.1} MB; samples.jsonl {:.1} MB per run",
        few as f64 / 1e6,
        many as f64 / 1e6,
        per_run as f64 / 1e6
    );
    assert!(
        many.saturating_sub(few) < extra / 4,
        "peak RSS grew by {:.1} MB from {FEW} to {MANY} runs ({:.1} MB of samples more)",
        many.saturating_sub(few) as f64 / 1e6,
        extra as f64 / 1e6
    );
}
