//! The http backend over `https://`, end to end (the real lfmbench binary), against a
//! TLS stand-in server on 127.0.0.1 whose certificate a test-made authority signed: the
//! run works when `ca_file` names that authority, and is refused — with a message naming
//! the URL and the fix — when the certificate is not trusted or not issued for the name.

mod http_common;

use std::time::Duration;

use http_common::standin::{KEY, KEY_ENV, TestCa, llama_like, stand_in_tls};
use http_common::{Run, run_lfmbench};

const LIMIT: Duration = Duration::from_secs(90);

const SUITE: &str = r#"
[suite]
name = "https-stand-in"
candidate = "a"
baseline = "b"
rounds = 1
warmup = 0
timeout_s = 60

[[workload]]
kind = "decode"
tokens = 4

[[workload]]
kind = "chat"
max_tokens = 8
prompts = ["Hi there"]
"#;

/// Two https models on `host:port`, `extra` added to each http table.
fn models(host: &str, port: u16, extra: &str) -> String {
    let mut s = String::new();
    for id in ["a", "b"] {
        s.push_str(&format!(
            "[[model]]\nid = \"{id}\"\nfamily = \"test\"\nbackend = \"http\"\nhttp = {{ base_url = \"https://{host}:{port}/v1\", model = \"stand-in\", api_key_env = \"{KEY_ENV}\"{extra} }}\n\n"
        ));
    }
    s
}

/// Run the suite with `ca_pem` written to ca.pem beside models.toml (when given).
fn run(models: &str, ca_pem: Option<&str>) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(pem) = ca_pem {
        std::fs::write(dir.path().join("ca.pem"), pem).expect("write ca.pem");
    }
    let run = run_lfmbench(dir.path(), SUITE, models, &[(KEY_ENV, KEY)], LIMIT);
    (dir, run)
}

fn failure_reasons(run: &Run, model: &str) -> Vec<String> {
    run.failures(model).into_iter().map(|(_, r)| r).collect()
}

#[test]
fn https_with_the_test_authority_in_ca_file_is_measured() {
    let ca = TestCa::new("lfmbench test CA");
    let server = stand_in_tls(llama_like, &ca.server_cert(&["localhost", "127.0.0.1"]));
    let (_dir, run) = run(
        &models("127.0.0.1", server.port, ", ca_file = \"ca.pem\""),
        Some(&ca.pem()),
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    for m in ["a", "b"] {
        assert!(run.failures(m).is_empty(), "{m}: {:?}", run.failures(m));
        let d = run.of_kind(m, "decode").next().expect("decode record");
        assert_eq!(d["n_generated"], 4, "{d}");
        assert_eq!(d["valid"], true, "{d}");
        let c = run.of_kind(m, "chat").next().expect("chat record");
        assert_eq!(c["text"], "t0 t1 t2 ", "{c}");
        assert_eq!(c["itl_ms"].as_array().map(Vec::len), Some(2), "{c}");
    }
    // The stand-in speaks only TLS: every request it read came over https.
    let posts = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .count();
    assert!(posts >= 4, "{posts} POST requests");
    let files = run.all_text();
    assert!(
        files.contains("TLS, certificate verified against")
            && files.contains("and the 1 of ca_file"),
        "engine.json says how the server was verified: {files}"
    );
    assert!(
        !run.all_text().contains(KEY),
        "the key reached the run folder"
    );
}

#[test]
fn a_certificate_from_an_unknown_authority_is_refused_with_the_fix() {
    let ca = TestCa::new("lfmbench test CA");
    let server = stand_in_tls(llama_like, &ca.server_cert(&["localhost", "127.0.0.1"]));
    let url = format!("https://127.0.0.1:{}", server.port);

    // Neither the system's roots nor another authority's certificate vouch for it.
    let other = TestCa::new("some other CA");
    for (extra, pem) in [("", None), (", ca_file = \"ca.pem\"", Some(other.pem()))] {
        let (_dir, run) = run(&models("127.0.0.1", server.port, extra), pem.as_deref());
        assert_eq!(
            run.status,
            Some(5),
            "failed samples, finished run, measured nothing (exit 5): {}",
            run.stderr
        );
        for m in ["a", "b"] {
            let reasons = failure_reasons(&run, m);
            assert_eq!(reasons.len(), 2, "decode and chat failed: {reasons:?}");
            for r in &reasons {
                assert!(
                    r.contains(&format!("the certificate of {url} is not trusted")),
                    "names the URL: {r}"
                );
                assert!(r.contains("set `ca_file = "), "says the fix: {r}");
                assert!(
                    r.contains("never turns certificate verification off"),
                    "{r}"
                );
            }
            assert_eq!(run.of_kind(m, "decode").count(), 0);
            assert_eq!(run.of_kind(m, "chat").count(), 0);
        }
        if pem.is_some() {
            let r = &failure_reasons(&run, "a")[0];
            assert!(
                r.contains("and the 1 of ca_file"),
                "says what was tried: {r}"
            );
        }
    }
    assert!(
        server.requests().iter().all(|r| r.method != "POST"),
        "no request may cross a refused handshake"
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = TestCa::new("lfmbench test CA");
    let server = stand_in_tls(llama_like, &ca.server_cert(&["llm.example.test"]));
    let (_dir, run) = run(
        &models("127.0.0.1", server.port, ", ca_file = \"ca.pem\""),
        Some(&ca.pem()),
    );
    assert_eq!(run.status, Some(5), "measured nothing: {}", run.stderr);
    let reasons = failure_reasons(&run, "a");
    assert!(!reasons.is_empty(), "{}", run.stderr);
    for r in &reasons {
        assert!(r.contains("is not valid for the name `127.0.0.1`"), "{r}");
        assert!(r.contains("help: write base_url with a name"), "{r}");
    }
}

#[test]
fn a_ca_file_that_is_no_certificate_stops_the_run_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ca.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let models = models("127.0.0.1", 9, ", ca_file = \"ca.pem\"");
    let run = run_lfmbench(dir.path(), SUITE, &models, &[(KEY_ENV, KEY)], LIMIT);
    assert_eq!(run.status, Some(2), "bad input: {}", run.stderr);
    assert!(
        run.stderr.contains("models.toml:5"),
        "file and line: {}",
        run.stderr
    );
    assert!(run.stderr.contains("ca_file"), "{}", run.stderr);
    assert!(run.dir.is_none(), "no run started");
}
