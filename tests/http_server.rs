//! The http backend against a real llama.cpp `llama-server` serving SmolLM2-135M, side by
//! side with the in-process backend on the same GGUF, through the real lfmbench binary.
//!
//! lfmbench starts the server itself (`start_command`), so this also covers the cold
//! start (spawn -> ready -> first token), the server's peak RSS and its shutdown, and an
//! API key (the server requires it; it must never reach the run folder).
//!
//! Needs llama-server — LFMBENCH_LLAMA_SERVER=<path>, or where scripts/setup.sh builds it
//! (`$LFMBENCH_TOOLS`, by default ~/.cache/lfmbench/tools, or .tools/ of this checkout:
//! `scripts/build-llama-tool.sh llama-server`) — and
//! models/cache/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch-test-models.sh).
//!
//! It never counts as passed without running: this file has its own harness
//! (libtest-mimic, `harness = false`), so that a missing prerequisite makes cargo report
//! the test *ignored*, with the reason and the command that fixes it; under `CI=true` a
//! missing prerequisite fails it.

mod http_common;

use std::path::PathBuf;
use std::time::Duration;

use http_common::{Run, free_port, run_lfmbench};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::Value;

const TEST: &str = "llama_server_over_http_matches_the_in_process_backend";

fn main() {
    let args = Arguments::from_args();
    let trial = Trial::ignorable_test(TEST, || match prerequisites() {
        Ok((server, model)) => {
            llama_server_over_http_matches_the_in_process_backend(&server, &model);
            Ok(Completion::Completed)
        }
        Err(why) if on_ci() => Err(Failed::from(format!(
            "{why}\n(CI=true: the real-server test must run, not be skipped)"
        ))),
        Err(why) => Ok(Completion::ignored_with(why)),
    });
    libtest_mimic::run(&args, vec![trial]).exit();
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The server binary and the model, or why the test cannot run.
fn prerequisites() -> Result<(PathBuf, PathBuf), String> {
    let server = server_binary();
    let model = model_file();
    match (server, model) {
        (Ok(s), Ok(m)) => Ok((s, m)),
        (s, m) => Err([s.err(), m.err()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

const KEY: &str = "sk-llama-server-test-41d9e0b7";
const KEY_ENV: &str = "LFMBENCH_TEST_SERVER_KEY";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where set-up puts llama-server, in the order looked at.
fn server_candidates() -> Vec<PathBuf> {
    const BIN: &str = "llama-server/bin/llama-server";
    if let Some(p) = std::env::var_os("LFMBENCH_LLAMA_SERVER") {
        // Named explicitly: that one or none.
        return vec![PathBuf::from(p)];
    }
    let mut out = Vec::new();
    if let Some(t) = std::env::var_os("LFMBENCH_TOOLS") {
        out.push(PathBuf::from(t).join(BIN));
    }
    if let Some(home) = std::env::var_os("HOME") {
        out.push(PathBuf::from(home).join(".cache/lfmbench/tools").join(BIN));
    }
    out.push(root().join(".tools").join(BIN));
    out
}

fn server_binary() -> Result<PathBuf, String> {
    let candidates = server_candidates();
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "needs llama-server: not found at {} — build it with `scripts/setup.sh` or `scripts/build-llama-tool.sh llama-server` (or set LFMBENCH_LLAMA_SERVER)",
        looked.join(", ")
    ))
}

fn model_file() -> Result<PathBuf, String> {
    let p = root().join("models/cache/SmolLM2-135M-Instruct.Q4_1.gguf");
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "needs the test model: {} not found — fetch it with `scripts/fetch-test-models.sh` (scripts/setup.sh does)",
            p.display()
        ))
    }
}

fn first<'a>(run: &'a Run, model: &str, kind: &str) -> &'a Value {
    run.of_kind(model, kind)
        .next()
        .unwrap_or_else(|| panic!("no {kind} record of {model}\n{}", run.stderr))
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} is not a number in {v}"))
}

/// `a / b` lies within one order of magnitude either way (the machine is shared and
/// noisy; this catches unit and definition errors, not performance changes).
fn same_order(what: &str, http: f64, local: f64) {
    let r = http / local;
    assert!(
        (0.1..=10.0).contains(&r),
        "{what}: http {http:.2} vs in-process {local:.2} (ratio {r:.2}) differ by more than 10x"
    );
}

fn llama_server_over_http_matches_the_in_process_backend(
    server: &std::path::Path,
    model: &std::path::Path,
) {
    let port = free_port();
    let prompts = ["What is the capital of France?", "Name three colors."];
    let suite = format!(
        r#"
[suite]
name = "http-vs-in-process"
candidate = "smollm2-http"
baseline = "smollm2"
rounds = 1
warmup = 1
timeout_s = 300

[backend]
threads = 2
n_ctx = 512
n_batch = 128

[[workload]]
kind = "decode"
tokens = 16

[[workload]]
kind = "prefill"
tokens = 64

[[workload]]
kind = "chat"
max_tokens = 24
prompts = {prompts:?}

[[workload]]
kind = "cold_start"
"#
    );
    // --no-jinja: llama-server applies the GGUF's template through llama.cpp's built-in
    // template engine, as the in-process backend does (its default, jinja, renders
    // SmolLM2's template with a default system prompt: another prompt, another answer).
    let cmd: Vec<String> = [
        server.display().to_string(),
        "-m".into(),
        model.display().to_string(),
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string(),
        "-c".into(),
        "512".into(),
        "-b".into(),
        "128".into(),
        "-ub".into(),
        "128".into(),
        "-t".into(),
        "2".into(),
        "-np".into(),
        "1".into(),
        "--no-webui".into(),
        "--no-jinja".into(),
    ]
    .to_vec();
    let models = format!(
        r#"
[[model]]
id = "smollm2"
path = "{model}"
family = "llama"

[[model]]
id = "smollm2-http"
path = "{model}"
family = "llama"
backend = "http"
http = {{ base_url = "http://127.0.0.1:{port}", model = "smollm2", api_key_env = "{KEY_ENV}", start_command = {cmd:?} }}
"#,
        model = model.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    // The server reads its key from LLAMA_API_KEY (inherited through lfmbench), so the
    // key is in no file at all.
    let run = run_lfmbench(
        dir.path(),
        &suite,
        &models,
        &[(KEY_ENV, KEY), ("LLAMA_API_KEY", KEY)],
        Duration::from_secs(580),
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    for m in ["smollm2", "smollm2-http"] {
        assert!(run.failures(m).is_empty(), "{m}: {:?}", run.failures(m));
    }
    let (h, l) = ("smollm2-http", "smollm2");

    // Greedy decoding of the same prompt through the same template: same tokens.
    let chats = |m: &str| -> Vec<Value> { run.of_kind(m, "chat").cloned().collect() };
    let (hc, lc) = (chats(h), chats(l));
    assert_eq!(hc.len(), prompts.len());
    assert_eq!(lc.len(), prompts.len());
    for (a, b) in hc.iter().zip(&lc) {
        assert_eq!(a["prompt"], b["prompt"]);
        assert_eq!(a["text"], b["text"], "greedy answers differ");
        assert_eq!(a["n_generated"], b["n_generated"], "{a}\n{b}");
        assert_eq!(
            a["n_prompt_tokens"], b["n_prompt_tokens"],
            "same template, same prompt"
        );
        assert_eq!(a["stop"], b["stop"]);
        same_order("chat TTFT ms", num(a, "ttft_ms"), num(b, "ttft_ms"));
    }

    let (hd, ld) = (first(&run, h, "decode"), first(&run, l, "decode"));
    assert_eq!(
        (hd["valid"].clone(), hd["n_generated"].clone()),
        (Value::Bool(true), 16.into())
    );
    assert!(
        hd["note"]
            .as_str()
            .unwrap_or("")
            .contains("server's timings"),
        "{hd}"
    );
    same_order(
        "decode tok/s",
        num(hd, "tokens_per_s"),
        num(ld, "tokens_per_s"),
    );
    let (hp, lp) = (first(&run, h, "prefill"), first(&run, l, "prefill"));
    same_order(
        "prefill tok/s",
        num(hp, "tokens_per_s"),
        num(lp, "tokens_per_s"),
    );

    // The server lfmbench started: its memory and its cold starts.
    let mem = first(&run, h, "memory");
    assert!(
        mem["source"]
            .as_str()
            .unwrap_or("")
            .contains("server process started by start_command"),
        "{mem}"
    );
    assert!(num(mem, "peak_rss_bytes") > 50.0 * 1024.0 * 1024.0, "{mem}");
    same_order(
        "peak RSS",
        num(mem, "peak_rss_bytes"),
        num(first(&run, l, "memory"), "peak_rss_bytes"),
    );
    let colds: Vec<&Value> = run.of_kind(h, "cold_start").collect();
    assert_eq!(colds.len(), 2, "dropped and warm");
    for c in &colds {
        assert!(
            num(c, "total_ms") >= num(c, "load_ms") + num(c, "first_token_ms") - 1.0,
            "{c}"
        );
        assert!(num(c, "load_ms") > 0.0, "{c}");
    }
    assert_eq!(
        colds[0]["page_cache"]["state"], "dropped",
        "path names the file"
    );
    assert!(
        run.meta["not_measured"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "everything is measurable with start_command: {}",
        run.meta
    );

    // The key is in no stored file and no log line; the server is gone.
    assert!(
        !run.all_text().contains(KEY),
        "the API key reached the run folder"
    );
    assert!(!run.stderr.contains(KEY));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the started server is still listening after the run"
    );

    // Side by side, for the record.
    let med = |m: &str, kind: &str, k: &str| -> f64 {
        let mut v: Vec<f64> = run.of_kind(m, kind).map(|r| num(r, k)).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    eprintln!("metric               http (llama-server)   in-process");
    for (label, kind, k) in [
        ("chat TTFT ms", "chat", "ttft_ms"),
        ("chat E2E ms", "chat", "e2e_ms"),
        ("chat tokens", "chat", "n_generated"),
        ("decode tok/s", "decode", "tokens_per_s"),
        ("prefill tok/s", "prefill", "tokens_per_s"),
        ("prefill tokens", "prefill", "n_tokens"),
        ("peak RSS bytes", "memory", "peak_rss_bytes"),
        ("cold start ms", "cold_start", "total_ms"),
    ] {
        eprintln!(
            "{label:<20} {:>20.1} {:>12.1}",
            med(h, kind, k),
            med(l, kind, k)
        );
    }
    for (a, b) in hc.iter().zip(&lc) {
        eprintln!("answer http: {}\nanswer  lib: {}", a["text"], b["text"]);
    }
}
