//! The host-noise guard against a real CPU hog: a small run on the real models with a busy
//! loop in another process marks its jobs contended and reads INCONCLUSIVE (noisy host);
//! the same run on a quiet host marks nothing. No mocks: the hog is a real process, the
//! counters are the kernel's.
//!
//! Alone in its own test binary, so no other test of this crate runs beside it (cargo runs
//! test binaries one after another); it still needs a quiet machine for its first half,
//! as every published figure does.

mod util;

use std::process::{Child, Command};

use util::{Sandbox, text};

const SUITE: &str = r#"
[suite]
name = "noise"
candidate = "smol"
baseline = "gemma"
rounds = 2
warmup = 0
timeout_s = 300

[backend]
n_ctx = 256
n_batch = 64

[[workload]]
kind = "decode"
tokens = 32

[[workload]]
kind = "prefill"
tokens = 64

[[criterion]]
name = "Decode speed"
metric = "decode.tokens_per_s"
vs = "baseline"
op = ">="
target = 0.1
"#;

/// Jobs of the newest run as (contended, other CPUs) pairs.
fn loads(sb: &Sandbox) -> Vec<(bool, f64)> {
    let text = std::fs::read_to_string(sb.run_dir().join("jobs.jsonl")).expect("jobs.jsonl");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let load = &v["load"];
            (
                load["contended"].as_bool().expect("contended recorded"),
                load["other_cpu_cores"]
                    .as_f64()
                    .expect("other CPU recorded"),
            )
        })
        .collect()
}

struct Hog(Vec<Child>);

impl Drop for Hog {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn hog() -> Hog {
    Hog(vec![
        Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("start a busy loop"),
    ])
}

#[cfg(target_os = "linux")]
#[test]
fn a_cpu_hog_marks_jobs_contended_and_a_quiet_host_does_not() {
    let sb = Sandbox::new();
    sb.write("suite.toml", SUITE);

    // Quiet: nothing of ours runs beside the run; a shared CI host gets up to a minute per
    // round to settle (the run's own bounded wait), as a user on a shared machine would.
    let o = sb.run(&[
        "run",
        "suite.toml",
        "--format",
        "json",
        "--wait-quiet",
        "60",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let quiet = loads(&sb);
    assert_eq!(quiet.len(), 4, "{quiet:?}");
    assert!(
        quiet.iter().all(|(contended, _)| !contended),
        "a quiet host read as contended (is something else running?): {quiet:?}\n{}",
        text(&o)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("ran on a busy host"), "{stderr}");
    let verdict: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("json verdict on stdout");
    assert!(!verdict.to_string().contains("noisy host"), "{verdict:#}");

    // A busy loop in another process, the whole run long.
    let _hog = hog();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let o = sb.run(&["run", "suite.toml", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let busy = loads(&sb);
    assert_eq!(busy.len(), 4, "{busy:?}");
    assert!(
        busy.iter()
            .all(|(contended, other)| *contended && *other > 0.5),
        "every job ran beside a busy loop: {busy:?}"
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("ran on a busy host"), "{stderr}");
    let verdict: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("json verdict on stdout");
    let decode = verdict["runs"][0]["verdict"]["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "Decode speed"))
        .unwrap_or_else(|| panic!("no Decode speed criterion in {verdict:#}"));
    assert_eq!(decode["state"], "INCONCLUSIVE", "{decode:#}");
    let note = decode["note"].as_str().unwrap_or_default();
    assert!(note.contains("noisy host"), "{note}");
    assert!(
        note.contains("CPUs"),
        "the measured load is in the reason: {note}"
    );
}
