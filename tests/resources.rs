//! Resources the host does not have, on the real binary and real models: a model whose
//! estimated memory need exceeds what is available is refused before anything starts,
//! with the numbers; a worker that runs out of memory (an address-space limit set on it
//! through the test knob `LFMBENCH_WORKER_RLIMIT_AS`) is reported as out of memory, and
//! the run goes on with the other model.

mod util;

use util::{Sandbox, text};

const SUITE: &str = r#"
[suite]
name = "mem"
candidate = "smol"
baseline = "gemma"
rounds = 1
warmup = 0
timeout_s = 120

[backend]
n_ctx = 512
n_batch = 64
threads = 2

[[workload]]
kind = "prefill"
tokens = 32
repetitions = 1
"#;

#[test]
fn a_model_over_the_available_memory_is_refused_with_the_numbers() {
    let sb = Sandbox::new();
    sb.write("suite.toml", SUITE);
    // smol (94 MiB file) fits in 300 MiB; gemma (241 MiB file, a 262k vocabulary) does not.
    let o = sb.run(&["run", "suite.toml", "--mem-available", "300M"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("gemma: ")
            && err.contains("gemma-3-270m-q4_k_m.gguf: not enough memory: needs about"),
        "{}",
        text(&o)
    );
    assert!(
        err.contains("but 300 MiB is available (--mem-available)"),
        "{}",
        text(&o)
    );
    assert!(err.contains("weights 241 MiB + KV cache"), "{}", text(&o));
    assert!(!err.contains("smol: "), "smol fits: {}", text(&o));
    assert!(err.contains("nothing was started"), "{}", text(&o));
    assert!(!sb.path().join("reports/runs").exists(), "no run folder");
    // A size that is not one is bad input.
    let o = sb.run(&["run", "suite.toml", "--mem-available", "lots"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("`lots` is not a size"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_worker_out_of_memory_is_reported_as_such_and_the_run_goes_on() {
    let sb = Sandbox::new();
    sb.write("suite.toml", SUITE);
    // 400 MB of address space: enough for smol, not for gemma's context.
    let o = sb
        .cmd(&["run", "suite.toml"])
        .env("LFMBENCH_WORKER_RLIMIT_AS", "400000000")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let recs = sb.records();
    let fail = recs
        .iter()
        .find(|r| r["model"] == "gemma" && r["kind"] == "failure")
        .unwrap_or_else(|| panic!("a failure record: {}", text(&o)));
    assert!(
        fail["reason"]
            .as_str()
            .expect("reason")
            .starts_with("out of memory: "),
        "{fail}"
    );
    assert!(
        recs.iter()
            .any(|r| r["model"] == "smol" && r["kind"] == "prefill"),
        "smol ran: {}",
        text(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("MEASURED NOTHING gemma prefill: out of memory: "),
        "{}",
        text(&o)
    );
}
