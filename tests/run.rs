//! `lfmbench run` end to end: the real binary, real llama.cpp, real small models.

mod util;

use util::{Sandbox, text, tiny_suite};

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
}

#[test]
fn a_run_measures_every_workload_consistently() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &tiny_suite(""));
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let recs = sb.records();
    let of = |model: &str, kind: &str| -> Vec<&serde_json::Value> {
        recs.iter()
            .filter(|r| r["model"] == model && r["kind"] == kind)
            .collect()
    };
    for model in ["smol", "gemma"] {
        // 2 rounds × 2 depths × 3 repetitions (the default) of decode, each with the
        // tokens asked, each stored with its place among its round's repetitions.
        let dec = of(model, "decode");
        assert_eq!(dec.len(), 12, "{model}: {dec:?}");
        for round in 0..2 {
            for depth in [0, 64] {
                let mut reps: Vec<u64> = dec
                    .iter()
                    .filter(|d| d["round"] == round && d["depth"] == depth)
                    .map(|d| {
                        assert_eq!(d["repetitions"], 3, "{d}");
                        d["repetition"].as_u64().expect("repetition")
                    })
                    .collect();
                reps.sort_unstable();
                assert_eq!(reps, [0, 1, 2], "{model} round {round} depth {depth}");
            }
        }
        for d in &dec {
            assert_eq!(d["n_generated"], 12);
            assert_eq!(d["valid"], true);
            let tps = f(d, "tokens_per_s");
            let from_elapsed = 11.0 * 1000.0 / f(d, "elapsed_ms");
            assert!(tps > 0.0 && (tps - from_elapsed).abs() < 1e-6 * tps, "{d}");
        }
        let pre = of(model, "prefill");
        assert_eq!(pre.len(), 6);
        assert!(pre.iter().all(|p| p["repetitions"] == 3), "{pre:?}");
        for p in &pre {
            let tps = f(p, "tokens_per_s");
            assert!(
                (tps - 96.0 * 1000.0 / f(p, "elapsed_ms")).abs() < 1e-6 * tps,
                "{p}"
            );
        }
        // 2 rounds × 2 prompts; latencies ordered and adding up.
        let chat = of(model, "chat");
        assert_eq!(chat.len(), 4);
        for c in &chat {
            let n = c["n_generated"].as_u64().expect("n");
            assert!((1..=12).contains(&n), "{c}");
            let ttft = f(c, "ttft_ms");
            let e2e = f(c, "e2e_ms");
            let itl: Vec<f64> = c["itl_ms"]
                .as_array()
                .expect("itl")
                .iter()
                .map(|v| v.as_f64().expect("f"))
                .collect();
            assert_eq!(itl.len() as u64, n - 1);
            assert!(ttft > 0.0 && ttft <= e2e, "{c}");
            let sum: f64 = itl.iter().sum();
            assert!(
                (ttft + sum - e2e).abs() < 0.01 * e2e,
                "ttft + Σitl ≠ e2e: {c}"
            );
        }
        // Cold starts: dropped then warm, each split into parts that fit the total.
        let cold = of(model, "cold_start");
        assert_eq!(cold.len(), 4);
        for c in &cold {
            let parts =
                f(c, "process_ms") + f(c, "load_ms") + f(c, "context_ms") + f(c, "first_token_ms");
            assert!(parts <= f(c, "total_ms") * 1.001, "parts exceed total: {c}");
        }
        // Peak RSS of each process is above the mmapped model file: one bench process per
        // round at the named point, plus one per decode depth (records carrying their point).
        let mem = of(model, "memory");
        let named = mem.iter().filter(|m| m.get("point").is_none()).count();
        assert_eq!(named, 2, "{mem:?}");
        assert_eq!(mem.len(), 6, "{mem:?}");
        for m in &mem {
            assert!(f(m, "peak_rss_bytes") > f(m, "model_file_bytes"), "{m}");
        }
    }
    let smol_text = of("smol", "chat")[0]["text"]
        .as_str()
        .expect("text")
        .to_string();
    assert!(
        smol_text.contains("Paris"),
        "SmolLM2 should answer the capital question: {smol_text}"
    );
    let dir = sb.run_dir();
    for f in [
        "run.json",
        "suite.toml",
        "models.toml",
        "host.json",
        "engine.json",
        "samples.jsonl",
        "jobs.jsonl",
        "summary.csv",
    ] {
        assert!(dir.join(f).exists(), "{f} missing in {}", dir.display());
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("meta"))
            .expect("json");
    assert_eq!(meta["state"], "complete");
}

#[test]
fn a_crashing_model_is_recorded_and_the_other_keeps_its_results() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &tiny_suite(""));
    let o = sb
        .cmd(&["run", "suite.toml"])
        .env("LFMBENCH_FAULT", "smol:decode:segv")
        .output()
        .expect("run");
    // The run goes on, but one model measured nothing of its decode depths (each in a
    // process of its own): exit 5, naming them, never a green status over nothing.
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    for w in ["decode@0", "decode@64"] {
        assert!(
            err.contains(&format!(
                "MEASURED NOTHING smol {w}: crash: killed by signal 11 (SIGSEGV, a crash) (×2)"
            )),
            "{w}: {}",
            text(&o)
        );
    }
    for w in ["prefill", "chat", "memory", "cold_start"] {
        assert!(
            !err.contains(&format!("MEASURED NOTHING smol {w}")),
            "{w}: {}",
            text(&o)
        );
    }
    assert!(!err.contains("MEASURED NOTHING gemma"), "{}", text(&o));
    let recs = sb.records();
    let fails: Vec<_> = recs
        .iter()
        .filter(|r| {
            r["model"] == "smol"
                && r["kind"] == "failure"
                && r["stage"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("decode@depth="))
        })
        .collect();
    assert_eq!(fails.len(), 4, "2 rounds × 2 depths: {fails:?}");
    assert_eq!(fails[0]["signal"], 11, "{}", fails[0]);
    assert!(
        fails[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("SIGSEGV")
    );
    assert!(
        fails[0]["stderr_tail"]
            .as_str()
            .expect("tail")
            .contains("injected fault")
    );
    assert_eq!(
        recs.iter()
            .filter(|r| r["model"] == "gemma" && r["kind"] == "decode")
            .count(),
        12,
        "2 rounds × 2 depths × 3 repetitions"
    );
    assert_eq!(
        recs.iter()
            .filter(|r| r["model"] == "smol" && r["kind"] == "cold_start")
            .count(),
        4
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("FAILED smol"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_hanging_model_is_killed_at_its_timeout() {
    let sb = Sandbox::new();
    sb.write(
        "suite.toml",
        &tiny_suite("")
            .replace("timeout_s = 120", "timeout_s = 30")
            .replace("rounds = 2", "rounds = 1"),
    );
    let t = std::time::Instant::now();
    let o = sb
        .cmd(&["run", "suite.toml"])
        .env("LFMBENCH_FAULT", "gemma:chat:hang")
        .output()
        .expect("run");
    // Its chat (and the bench process's memory) measured nothing: exit 5, naming them.
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("MEASURED NOTHING gemma chat: timeout: timed out after 30 s"),
        "{}",
        text(&o)
    );
    assert!(
        !err.contains("MEASURED NOTHING gemma decode"),
        "{}",
        text(&o)
    );
    assert!(t.elapsed().as_secs() < 120, "the hang was not cut short");
    let recs = sb.records();
    let fail = recs
        .iter()
        .find(|r| r["model"] == "gemma" && r["kind"] == "failure")
        .expect("a failure record");
    assert_eq!(fail["timed_out"], true, "{fail}");
    // What gemma measured before hanging is kept.
    assert_eq!(
        recs.iter()
            .filter(|r| r["model"] == "gemma" && r["kind"] == "decode")
            .count(),
        6,
        "2 depths × 3 repetitions: {}",
        text(&o)
    );
}

/// A model whose every job times out: the run goes on with the other (even under
/// --keep-going), ends with exit 5 naming the model, each workload and the timeout, the
/// verdict is NOT MEASURED (it is the candidate), and the report lists the gaps.
#[test]
fn a_model_whose_every_job_times_out_exits_5_and_names_it() {
    let sb = Sandbox::new();
    // Light work, so that the healthy model finishes well inside the timeout on a busy host.
    sb.write(
        "suite.toml",
        r#"
[suite]
name = "tiny"
candidate = "smol"
baseline = "gemma"
rounds = 1
warmup = 0
timeout_s = 20

[backend]
n_ctx = 256
n_batch = 64

[[workload]]
kind = "decode"
tokens = 4
depths = [0]
repetitions = 1

[[workload]]
kind = "cold_start"
"#,
    );
    let o = sb
        .cmd(&["run", "suite.toml", "--keep-going"])
        .env("LFMBENCH_FAULT", "smol:start:hang")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    for w in ["decode@0", "cold_start", "memory"] {
        assert!(
            err.contains(&format!(
                "MEASURED NOTHING smol {w}: timeout: timed out after 20 s"
            )),
            "{w}: {}",
            text(&o)
        );
    }
    assert!(!err.contains("MEASURED NOTHING gemma"), "{}", text(&o));
    // gemma's results are all there.
    assert_eq!(
        sb.records()
            .iter()
            .filter(|r| r["model"] == "gemma" && r["kind"] == "decode" && r["valid"] == true)
            .count(),
        1
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("NOT MEASURED"), "{}", text(&o));
    let dir = sb.run_dir();
    let r = sb.run(&[
        "report",
        dir.to_str().expect("utf-8"),
        "--out",
        "FINDINGS.md",
        "--format",
        "json",
    ]);
    assert!(r.status.success(), "{}", text(&r));
    let j: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    assert_eq!(j["decision"], "NOT MEASURED", "{j}");
    let md = std::fs::read_to_string(sb.path().join("FINDINGS.md")).expect("findings");
    assert!(
        md.contains("| `smol` | decode@0 | NOT MEASURED | timeout: timed out after 20 s"),
        "{md}"
    );
}

#[test]
fn a_missing_model_file_is_named_before_anything_starts() {
    let sb = Sandbox::new();
    let models = std::fs::read_to_string(sb.path().join("models.toml")).expect("models");
    sb.write("models.toml", &format!("{models}\n[[model]]\nid = \"ghost\"\npath = \"nowhere/ghost.gguf\"\nfamily = \"lfm2\"\nhow_to_get = \"download ghost.gguf\"\n"));
    sb.write("suite.toml", &tiny_suite("others = [\"ghost\"]"));
    let o = sb.run(&["run", "suite.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ghost")
            && err.contains("nowhere/ghost.gguf")
            && err.contains("download ghost.gguf"),
        "{err}"
    );
    assert!(err.contains("--keep-going"), "{err}");
    assert!(
        !sb.path().join("reports/runs").exists(),
        "nothing may start"
    );

    let o = sb.run(&["run", "suite.toml", "--keep-going", "--rounds", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.run_dir().join("run.json")).expect("meta"),
    )
    .expect("json");
    assert_eq!(meta["state"], "incomplete");
    assert_eq!(meta["skipped"][0]["model"], "ghost");
    assert!(
        sb.records()
            .iter()
            .any(|r| r["model"] == "smol" && r["kind"] == "decode")
    );
}

#[test]
fn a_malformed_suite_is_rejected_with_file_and_line() {
    let sb = Sandbox::new();
    sb.write(
        "bad.toml",
        &tiny_suite("").replace("rounds = 2", "rounds = \"two\""),
    );
    let o = sb.run(&["run", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:6:10"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn peak_rss_agrees_with_usr_bin_time() {
    let sb = Sandbox::new();
    if !std::path::Path::new("/usr/bin/time").exists() {
        panic!("/usr/bin/time is missing: scripts/setup.sh installs it (Debian package `time`)");
    }
    let job = serde_json::json!({
        "model": "gemma",
        "path": util::gemma(),
        "settings": {"threads": 2, "n_ctx": 512, "n_batch": 64, "n_gpu_layers": 0, "use_mmap": true},
        "chat_template": "gemma",
        "round": 0,
        "warmup": 0,
        "part": {"part": "bench", "workloads": [{"kind": "decode", "tokens": 8, "depths": [0]}]}
    });
    let o = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_lfmbench"))
        .arg("__worker")
        .arg(job.to_string())
        .current_dir(sb.path())
        .output()
        .expect("time");
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let ours = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["msg"] == "peak")
        .and_then(|v| v["peak_rss_bytes"].as_f64())
        .expect("the worker reports its peak");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let theirs_kb: f64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("time -v output");
    let theirs = theirs_kb * 1024.0;
    assert!(
        (ours - theirs).abs() / theirs < 0.05,
        "lfmbench {ours} vs /usr/bin/time {theirs}"
    );
}
