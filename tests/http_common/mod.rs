//! Shared helpers of the http backend tests: run the real lfmbench binary on a suite in a
//! temporary folder (bounded in time), read back what it stored, and the stand-in servers
//! and proxy it is run against ([`standin`]).

#![allow(dead_code)]

pub mod standin;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What one `lfmbench run` left behind.
pub struct Run {
    pub status: Option<i32>,
    pub stderr: String,
    /// The run folder (None when the run did not start).
    pub dir: Option<PathBuf>,
    pub records: Vec<Value>,
    pub meta: Value,
}

impl Run {
    pub fn of_kind<'a>(
        &'a self,
        model: &str,
        kind: &str,
    ) -> impl Iterator<Item = &'a Value> + use<'a> {
        let (model, kind) = (model.to_string(), kind.to_string());
        self.records
            .iter()
            .filter(move |r| r["model"] == model.as_str() && r["kind"] == kind.as_str())
    }

    /// Failure records of `model`, as (stage, reason).
    pub fn failures(&self, model: &str) -> Vec<(String, String)> {
        self.of_kind(model, "failure")
            .map(|r| {
                (
                    r["stage"].as_str().unwrap_or("").to_string(),
                    r["reason"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// Every file of the run folder, concatenated (for secrets that must not be there).
    pub fn all_text(&self) -> String {
        let mut out = String::new();
        if let Some(dir) = &self.dir {
            for e in std::fs::read_dir(dir).expect("run folder").flatten() {
                if let Ok(t) = std::fs::read(e.path()) {
                    out.push_str(&String::from_utf8_lossy(&t));
                }
            }
        }
        out
    }
}

/// The variables that would route requests through a proxy: cleared for every run, so
/// that a developer's own proxy settings never reach the stand-ins; a test sets them
/// through `env`.
pub const PROXY_VARS: &[&str] = &[
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// Write `suite` and `models` into `dir` and run `lfmbench run` there with `env` (and no
/// proxy variables but those in `env`), killing it after `limit`.
pub fn run_lfmbench(
    dir: &Path,
    suite: &str,
    models: &str,
    env: &[(&str, &str)],
    limit: Duration,
) -> Run {
    std::fs::write(dir.join("suite.toml"), suite).expect("write suite");
    std::fs::write(dir.join("models.toml"), models).expect("write models");
    let out_dir = dir.join("runs");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lfmbench"));
    cmd.arg("run")
        .arg(dir.join("suite.toml"))
        .arg("--models")
        .arg(dir.join("models.toml"))
        .arg("--out")
        .arg(&out_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for k in PROXY_VARS {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn lfmbench");
    let stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr }, &mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s.code();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let err = reader.join().unwrap_or_default();
            panic!("lfmbench ran past {limit:?} and was killed; its stderr:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = reader.join().unwrap_or_default();
    let dir = std::fs::read_dir(&out_dir)
        .ok()
        .and_then(|d| d.flatten().map(|e| e.path()).find(|p| p.is_dir()));
    let (records, meta) = match &dir {
        Some(d) => {
            let samples = std::fs::read_to_string(d.join("samples.jsonl")).unwrap_or_default();
            let records = samples
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).expect("a record line is JSON"))
                .collect();
            let meta = std::fs::read_to_string(d.join("run.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null);
            (records, meta)
        }
        None => (Vec::new(), Value::Null),
    };
    Run {
        status,
        stderr,
        dir,
        records,
        meta,
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
