//! Proxies from the environment, end to end (the real lfmbench binary): a CONNECT proxy
//! started by the test on 127.0.0.1 records every tunnel. `HTTP_PROXY` carries plain
//! http servers, `HTTPS_PROXY` https ones, `NO_PROXY` sends a server around the proxy,
//! and a proxy that is down fails each sample with a message that names it.

mod http_common;

use std::time::Duration;

use http_common::standin::{
    KEY, KEY_ENV, TestCa, connect_proxy, llama_like, stand_in, stand_in_tls,
};
use http_common::{Run, free_port, run_lfmbench};

const LIMIT: Duration = Duration::from_secs(90);

const SUITE: &str = r#"
[suite]
name = "proxy-stand-in"
candidate = "a"
baseline = "b"
rounds = 1
warmup = 0
timeout_s = 60

[[workload]]
kind = "chat"
max_tokens = 8
prompts = ["Hi there"]
"#;

fn models(base_url: &str, extra: &str) -> String {
    let mut s = String::new();
    for id in ["a", "b"] {
        s.push_str(&format!(
            "[[model]]\nid = \"{id}\"\nfamily = \"test\"\nbackend = \"http\"\nhttp = {{ base_url = \"{base_url}\", model = \"stand-in\", api_key_env = \"{KEY_ENV}\"{extra} }}\n\n"
        ));
    }
    s
}

fn run(models: &str, env: &[(&str, &str)], ca_pem: Option<&str>) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(pem) = ca_pem {
        std::fs::write(dir.path().join("ca.pem"), pem).expect("write ca.pem");
    }
    let mut all = vec![(KEY_ENV, KEY)];
    all.extend_from_slice(env);
    let run = run_lfmbench(dir.path(), SUITE, models, &all, LIMIT);
    (dir, run)
}

fn assert_measured(run: &Run) {
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    for m in ["a", "b"] {
        assert!(run.failures(m).is_empty(), "{m}: {:?}", run.failures(m));
        let c = run.of_kind(m, "chat").next().expect("chat record");
        assert_eq!(c["text"], "t0 t1 t2 ", "{c}");
    }
}

#[test]
fn http_proxy_carries_plain_http_and_no_proxy_bypasses_it() {
    let server = stand_in(llama_like);
    let proxy = connect_proxy();
    let target = format!("127.0.0.1:{}", server.port);
    let base_url = format!("http://{target}");

    let (_dir, through) = run(
        &models(&base_url, ""),
        &[("HTTP_PROXY", &proxy.url())],
        None,
    );
    assert_measured(&through);
    let tunnels = proxy.targets();
    assert!(!tunnels.is_empty(), "the proxy was not used");
    assert!(tunnels.iter().all(|t| *t == target), "{tunnels:?}");
    let files = through.all_text();
    assert!(
        files.contains(&format!(
            "through the proxy {} (from HTTP_PROXY)",
            proxy.url()
        )),
        "engine.json says which proxy carried the requests: {files}"
    );

    let before = proxy.targets().len();
    let (_dir, direct) = run(
        &models(&base_url, ""),
        &[
            ("HTTP_PROXY", &proxy.url()),
            ("NO_PROXY", "localhost, 127.0.0.1"),
        ],
        None,
    );
    assert_measured(&direct);
    assert_eq!(proxy.targets().len(), before, "NO_PROXY: no tunnel opened");
    assert!(!direct.all_text().contains("through the proxy"));
}

#[test]
fn https_proxy_carries_https_and_http_proxy_does_not() {
    let ca = TestCa::new("lfmbench test CA");
    let server = stand_in_tls(llama_like, &ca.server_cert(&["127.0.0.1"]));
    let proxy = connect_proxy();
    // HTTP_PROXY points nowhere: an https server must not use it.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (_dir, run) = run(
        &models(
            &format!("https://127.0.0.1:{}", server.port),
            ", ca_file = \"ca.pem\"",
        ),
        &[("HTTPS_PROXY", &proxy.url()), ("HTTP_PROXY", &dead)],
        Some(&ca.pem()),
    );
    assert_measured(&run);
    let tunnels = proxy.targets();
    assert!(
        !tunnels.is_empty()
            && tunnels
                .iter()
                .all(|t| *t == format!("127.0.0.1:{}", server.port)),
        "{tunnels:?}"
    );
}

#[test]
fn a_proxy_that_is_down_is_named_in_each_failure() {
    let server = stand_in(llama_like);
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (_dir, run) = run(
        &models(&format!("http://127.0.0.1:{}", server.port), ""),
        &[("ALL_PROXY", &dead)],
        None,
    );
    // Every chat failed: the run measured nothing of it, and says so in its exit status.
    assert_eq!(run.status, Some(5), "{}", run.stderr);
    assert!(
        run.stderr.contains("MEASURED NOTHING a chat"),
        "{}",
        run.stderr
    );
    let f = run.failures("a");
    assert!(!f.is_empty(), "{}", run.stderr);
    for (_, reason) in &f {
        assert!(
            reason.contains(&format!(
                "cannot connect to the proxy {dead} (from ALL_PROXY)"
            )),
            "{reason}"
        );
        assert!(reason.contains("NO_PROXY"), "says the way around: {reason}");
    }
    assert!(
        server.requests().is_empty(),
        "nothing reached the server directly"
    );
}
