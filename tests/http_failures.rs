//! The http backend end to end (the real lfmbench binary) against small stand-in servers
//! on 127.0.0.1: a well-behaved one (records, notes, the API key), and the failures a
//! real server shows — down, killed mid-stream, garbage, HTTP 500 with a JSON body, too
//! slow. Every stand-in and every run is bounded in time.

mod http_common;

use std::time::Duration;

use http_common::standin::{
    Conn, KEY, KEY_ENV, Request, content, event, llama_like, minimal, respond, side_endpoints,
    stand_in, start_stream,
};
use http_common::{Run, free_port, run_lfmbench};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(90);

/// Two tokens, then the process "dies": the connection closes mid-stream.
fn killed_mid_stream(s: &mut dyn Conn, req: &Request) {
    if side_endpoints(s, req) {
        return;
    }
    start_stream(s);
    event(s, &content("a"));
    event(s, &content("b"));
    s.kill();
}

/// A 200 "stream" of bytes that are not server-sent events.
fn garbage(s: &mut dyn Conn, req: &Request) {
    if side_endpoints(s, req) {
        return;
    }
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n<html>502 Bad Gateway</html>\r\n\u{1}\u{2}garbage\r\n"
    );
}

/// HTTP 500 with an OpenAI-style JSON error body.
fn http_500(s: &mut dyn Conn, req: &Request) {
    if side_endpoints(s, req) {
        return;
    }
    respond(
        s,
        "500 Internal Server Error",
        "application/json",
        r#"{"error":{"code":500,"message":"failed to allocate the KV cache","type":"server_error"}}"#,
    );
}

/// One token, then silence past the client's 1 s idle timeout (3 s, then close).
fn slow(s: &mut dyn Conn, req: &Request) {
    if side_endpoints(s, req) {
        return;
    }
    start_stream(s);
    event(s, &content("a"));
    std::thread::sleep(Duration::from_secs(3));
}

/// A 401 whose body echoes the Authorization header it got (some proxies do).
fn echo_key(s: &mut dyn Conn, req: &Request) {
    if side_endpoints(s, req) {
        return;
    }
    let got = req.authorization.clone().unwrap_or_default();
    respond(
        s,
        "401 Unauthorized",
        "application/json",
        &json!({"error": {"message": format!("key rejected: {got}"), "type": "auth"}}).to_string(),
    );
}

const SUITE: &str = r#"
[suite]
name = "http-stand-in"
candidate = "a"
baseline = "b"
rounds = 1
warmup = 0
timeout_s = 60

[[workload]]
kind = "decode"
tokens = 4

[[workload]]
kind = "prefill"
tokens = 8

[[workload]]
kind = "chat"
max_tokens = 8
prompts = ["Hi there"]

[[workload]]
kind = "cold_start"
"#;

/// Two http models on the same server, `extra` added to each http table.
fn models(port: u16, extra: &str) -> String {
    let mut s = String::new();
    for id in ["a", "b"] {
        s.push_str(&format!(
            "[[model]]\nid = \"{id}\"\nfamily = \"test\"\nbackend = \"http\"\nhttp = {{ base_url = \"http://127.0.0.1:{port}\", model = \"stand-in\"{extra} }}\n\n"
        ));
    }
    s
}

fn run_against(port: u16, extra: &str) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_lfmbench(
        dir.path(),
        SUITE,
        &models(port, extra),
        &[(KEY_ENV, KEY)],
        LIMIT,
    );
    (dir, run)
}

/// Each bench workload of `model` failed, with `want` in its reason.
fn assert_all_failed(run: &Run, model: &str, want: &str) {
    let f = run.failures(model);
    for stage in ["decode", "prefill", "chat"] {
        let reason = f
            .iter()
            .find(|(s, _)| s == stage)
            .map(|(_, r)| r.as_str())
            .unwrap_or_else(|| panic!("no {stage} failure for {model}: {f:?}\n{}", run.stderr));
        assert!(
            reason.contains(want),
            "{model} {stage}: `{want}` not in: {reason}"
        );
    }
    for kind in ["decode", "prefill", "chat", "memory", "cold_start"] {
        assert_eq!(
            run.of_kind(model, kind).count(),
            0,
            "{model}: a {kind} record"
        );
    }
}

#[test]
fn well_behaved_server_records_server_figures_and_never_stores_the_key() {
    let server = stand_in(llama_like);
    let key_env = format!(", api_key_env = \"{KEY_ENV}\"");
    let (_dir, run) = run_against(server.port, &key_env);
    assert_eq!(run.status, Some(0), "{}", run.stderr);

    let seen = server.requests();
    let posts: Vec<&Request> = seen.iter().filter(|r| r.method == "POST").collect();
    assert!(!posts.is_empty());
    for r in &posts {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.authorization.as_deref(), Some(&*format!("Bearer {KEY}")));
        assert_eq!(r.body["stream"], true);
        assert_eq!(r.body["stream_options"]["include_usage"], true);
        assert_eq!(r.body["temperature"], 0.0);
        assert_eq!(r.body["model"], "stand-in");
    }
    assert!(posts.iter().any(|r| r.body["ignore_eos"] == true));

    for m in ["a", "b"] {
        assert!(run.failures(m).is_empty(), "{m}: {:?}", run.failures(m));
        let d = run.of_kind(m, "decode").next().expect("decode");
        assert_eq!(d["n_generated"], 4);
        assert_eq!(d["valid"], true);
        assert_eq!(d["tokens_per_s"], 75.0, "server timings preferred: {d}");
        assert!(
            d["note"]
                .as_str()
                .unwrap_or("")
                .contains("server's timings"),
            "{d}"
        );
        let p = run.of_kind(m, "prefill").next().expect("prefill");
        assert_eq!(p["n_tokens"], 18, "prompt_n of the server: {p}");
        assert_eq!(p["tokens_per_s"], 1440.0, "{p}");
        let c = run.of_kind(m, "chat").next().expect("chat");
        assert_eq!(
            c["n_generated"], 3,
            "end-of-generation token not counted: {c}"
        );
        assert_eq!(c["n_prompt_tokens"], 12);
        assert_eq!(c["text"], "t0 t1 t2 ");
        assert_eq!(c["stop"], "end_of_generation");
        assert_eq!(c["itl_ms"].as_array().map(Vec::len), Some(2));
        assert!(
            c["note"].as_str().unwrap_or("").contains("usage report"),
            "{c}"
        );
        // Remote server: no memory, no cold start; run.json says why.
        assert_eq!(run.of_kind(m, "memory").count(), 0);
        assert_eq!(run.of_kind(m, "cold_start").count(), 0);
    }
    let nm = run.meta["not_measured"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (m, metric) in [
        ("a", "memory.peak_rss_bytes"),
        ("a", "cold_start.total_ms"),
        ("b", "memory.peak_rss_bytes"),
    ] {
        assert!(
            nm.iter().any(|n| n["model"] == m
                && n["metrics"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|x| x == metric))),
            "{m} {metric} not in {nm:?}"
        );
    }
    assert!(
        run.stderr.contains("NOT MEASURED a memory.peak_rss_bytes"),
        "{}",
        run.stderr
    );

    let text = run.all_text();
    assert!(
        !text.contains(KEY),
        "the API key was written into the run folder"
    );
    assert!(text.contains(KEY_ENV), "the variable's name is kept");
    assert!(!run.stderr.contains(KEY));
}

#[test]
fn server_without_usage_or_timings_is_measured_client_side_and_says_so() {
    let server = stand_in(minimal);
    let (_dir, run) = run_against(server.port, &format!(", api_key_env = \"{KEY_ENV}\""));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let d = run.of_kind("a", "decode").next().expect("decode");
    assert_eq!(d["n_generated"], 4);
    let note = d["note"].as_str().unwrap_or("");
    assert!(
        note.contains("no timings") && note.contains("no usage report"),
        "{note}"
    );
    let c = run.of_kind("a", "chat").next().expect("chat");
    assert_eq!(c["n_generated"], 3, "chunks counted: {c}");
    assert_eq!(c["n_prompt_tokens"], 0);
    assert!(
        c["note"]
            .as_str()
            .unwrap_or("")
            .contains("n_prompt_tokens unknown"),
        "{c}"
    );
    let p = run.of_kind("a", "prefill").next().expect("prefill");
    assert_eq!(p["n_tokens"], 8, "requested words: {p}");
}

#[test]
fn server_down_fails_each_workload_with_connection_refused() {
    let port = free_port();
    let (_dir, run) = run_against(port, "");
    assert_eq!(
        run.status,
        Some(5),
        "a run with failed samples completes, and exits 5 since it measured nothing: {}",
        run.stderr
    );
    for m in ["a", "b"] {
        assert_all_failed(
            &run,
            m,
            &format!("cannot connect to 127.0.0.1:{port}: connection refused"),
        );
    }
    let (_, reason) = &run.failures("a")[0];
    assert!(reason.contains("start_command"), "actionable: {reason}");
}

#[test]
fn server_killed_mid_stream_is_a_failed_sample() {
    let server = stand_in(killed_mid_stream);
    let (_dir, run) = run_against(server.port, "");
    // Decode and prefill die in the one-token prefill request; chat after two chunks.
    assert_all_failed(&run, "a", "went away mid-stream");
    let chat = run
        .failures("a")
        .into_iter()
        .find(|(s, _)| s == "chat")
        .map(|(_, r)| r)
        .unwrap_or_default();
    assert!(chat.contains("after 2 content chunks"), "{chat}");
}

#[test]
fn garbage_stream_is_malformed() {
    let server = stand_in(garbage);
    let (_dir, run) = run_against(server.port, "");
    assert_all_failed(&run, "a", "malformed stream from POST http://127.0.0.1:");
    let (_, reason) = &run.failures("a")[0];
    assert!(
        reason.contains("line 1 is not a server-sent event"),
        "{reason}"
    );
    assert!(
        reason.contains("502 Bad Gateway"),
        "shows what came: {reason}"
    );
}

#[test]
fn http_500_carries_the_server_message() {
    let server = stand_in(http_500);
    let (_dir, run) = run_against(server.port, "");
    assert_all_failed(
        &run,
        "b",
        "HTTP 500 Internal Server Error from POST http://127.0.0.1:",
    );
    let (_, reason) = &run.failures("b")[0];
    assert!(
        reason.contains("failed to allocate the KV cache [server_error]"),
        "{reason}"
    );
}

#[test]
fn slow_server_times_out_per_request() {
    let server = stand_in(slow);
    let (_dir, run) = run_against(server.port, ", timeout_s = 1");
    assert_all_failed(&run, "a", "the server sent nothing for 1.0 s");
    let chat = run
        .failures("a")
        .into_iter()
        .find(|(s, _)| s == "chat")
        .map(|(_, r)| r)
        .unwrap_or_default();
    assert!(chat.contains("after 1 content chunks"), "{chat}");
    assert!(chat.contains("timeout_s"), "actionable: {chat}");
}

#[test]
fn a_key_echoed_by_the_server_is_redacted() {
    let server = stand_in(echo_key);
    let (_dir, run) = run_against(server.port, &format!(", api_key_env = \"{KEY_ENV}\""));
    assert_all_failed(&run, "a", "HTTP 401 Unauthorized");
    let (_, reason) = &run.failures("a")[0];
    assert!(
        reason.contains("key rejected: Bearer [REDACTED]"),
        "{reason}"
    );
    assert!(
        reason.contains(KEY_ENV),
        "says which variable to check: {reason}"
    );
    assert!(
        !run.all_text().contains(KEY),
        "the key reached the run folder"
    );
    assert!(!run.stderr.contains(KEY));
}

#[test]
fn a_started_server_that_exits_early_fails_with_its_output() {
    let port = free_port();
    let extra =
        ", start_command = [\"sh\", \"-c\", \"echo 'error: model file is corrupt' >&2; exit 3\"]";
    let (_dir, run) = run_against(port, extra);
    assert_eq!(run.status, Some(5), "measured nothing: {}", run.stderr);
    let f = run.failures("a");
    for stage in ["cold_start", "cold_start_warm", "bench"] {
        let (_, reason) = f
            .iter()
            .find(|(s, _)| s == stage)
            .unwrap_or_else(|| panic!("no {stage} failure: {f:?}"));
        assert!(
            reason.contains("exited with status 3 before it was ready"),
            "{reason}"
        );
        assert!(reason.contains("error: model file is corrupt"), "{reason}");
    }
    assert_eq!(run.of_kind("a", "memory").count(), 0);
    // With start_command, cold start and memory are measurable: no NOT MEASURED note.
    assert!(
        run.meta["not_measured"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{}",
        run.meta
    );
}

#[test]
fn missing_key_variable_stops_the_run_before_it_starts() {
    let server = stand_in(llama_like);
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_lfmbench(
        dir.path(),
        SUITE,
        &models(
            server.port,
            ", api_key_env = \"LFMBENCH_TEST_UNSET_VARIABLE\"",
        ),
        &[],
        LIMIT,
    );
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "environment variable `LFMBENCH_TEST_UNSET_VARIABLE` (api_key_env) is not set"
        ),
        "{}",
        run.stderr
    );
}
