//! Ctrl-C keeps every finished sample, and `--resume` finishes only what is missing.

mod util;

use std::time::{Duration, Instant};

use util::{Sandbox, text, tiny_suite};

fn lines(p: &std::path::Path) -> usize {
    std::fs::read_to_string(p)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn sigint_keeps_samples_and_resume_completes_the_run() {
    let sb = Sandbox::new();
    sb.write(
        "suite.toml",
        &tiny_suite("").replace("rounds = 2", "rounds = 3"),
    );
    let child = sb
        .cmd(&["run", "suite.toml"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until some jobs are done, then interrupt the parent as a terminal would.
    let t = Instant::now();
    let jobs = loop {
        if let Ok(rd) = std::fs::read_dir(sb.path().join("reports/runs"))
            && let Some(Ok(e)) = rd.into_iter().next()
        {
            let j = e.path().join("jobs.jsonl");
            if lines(&j) >= 4 {
                break j;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(180), "no progress");
        std::thread::sleep(Duration::from_millis(50));
    };
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--resume"),
        "{}",
        text(&out)
    );
    let dir = sb.run_dir();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("meta"))
            .expect("json");
    assert_eq!(meta["state"], "incomplete");
    let done_before = lines(&jobs);
    // 3 rounds × 2 models × 5 processes (bench, one per decode depth, two cold starts).
    assert!((4..30).contains(&done_before), "{done_before}");
    let samples_before = std::fs::read_to_string(dir.join("samples.jsonl")).expect("samples");
    assert!(!samples_before.is_empty());
    // The records of finished jobs end where the last job line says; after that come
    // those of the job that was interrupted, which runs again on resume.
    let finished_end = util::finished_end(&std::fs::read_to_string(&jobs).expect("jobs"));
    assert!(finished_end <= samples_before.len());

    // Resume: finishes exactly the missing jobs, keeps what was there.
    let dir_s = dir.display().to_string();
    let o = sb.run(&["run", "--resume", &dir_s]);
    assert!(o.status.success(), "{}", text(&o));
    let samples_after = std::fs::read_to_string(dir.join("samples.jsonl")).expect("samples");
    assert!(
        samples_after.starts_with(&samples_before[..finished_end]),
        "samples of finished jobs were rewritten"
    );
    util::assert_each_job_once(&samples_after);
    let jobs_text = std::fs::read_to_string(&jobs).expect("jobs");
    util::assert_jobs_once(&jobs_text, 30);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("meta"))
            .expect("json");
    assert_eq!(meta["state"], "complete");
}

#[test]
fn resume_refuses_when_the_suite_changed() {
    let sb = Sandbox::new();
    let suite = tiny_suite("").replace("rounds = 2", "rounds = 1");
    sb.write("suite.toml", &suite);
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    sb.write("suite.toml", &suite.replace("tokens = 12", "tokens = 13"));
    let dir = sb.run_dir().display().to_string();
    let o = sb.run(&["run", "--resume", &dir]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`suite` changed"), "{err}");
}
