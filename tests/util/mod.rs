//! Shared helpers for integration tests: a temp folder per test with a models.toml that
//! points at the real small models, and a command builder for the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn smol() -> PathBuf {
    repo().join("models/cache/SmolLM2-135M-Instruct.Q4_1.gguf")
}

pub fn gemma() -> PathBuf {
    repo().join("models/cache/gemma-3-270m-q4_k_m.gguf")
}

/// The test models must be present: `scripts/fetch-test-models.sh` puts them there
/// (`.ci/run` and `just setup` call it). Failing loudly beats skipping silently.
pub fn require_models() {
    for p in [smol(), gemma()] {
        assert!(
            p.exists(),
            "{} is missing: run scripts/fetch-test-models.sh first",
            p.display()
        );
    }
}

/// A temp folder with models.toml naming the two real models.
///
/// Sandboxes of one test binary run one at a time: each run already uses every core, and
/// runs competing for two cores would make timeouts fire on healthy models.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    _serial: std::sync::MutexGuard<'static, ()>,
}

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Sandbox {
    pub fn new() -> Sandbox {
        require_models();
        let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().expect("tempdir");
        let models = format!(
            r#"
[[model]]
id = "smol"
path = "{}"
family = "llama"

[[model]]
id = "gemma"
path = "{}"
family = "gemma3"
chat_template = "gemma"
"#,
            smol().display(),
            gemma().display()
        );
        std::fs::write(dir.path().join("models.toml"), models).expect("write models");
        Sandbox {
            dir,
            _serial: serial,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// `lfmbench ARGS` run in the sandbox.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lfmbench"));
        c.current_dir(self.dir.path())
            .args(args)
            .env("NO_COLOR", "1");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("spawn lfmbench")
    }

    /// The newest run folder under reports/runs.
    pub fn run_dir(&self) -> PathBuf {
        let runs = self.dir.path().join("reports/runs");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&runs)
            .expect("runs dir")
            .map(|e| e.expect("entry").path())
            .collect();
        dirs.sort();
        dirs.pop().expect("a run folder")
    }

    pub fn records(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.run_dir().join("samples.jsonl")).expect("samples");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

/// A small suite over both models; `extra` is appended to [suite].
pub fn tiny_suite(extra: &str) -> String {
    format!(
        r#"
[suite]
name = "tiny"
candidate = "smol"
baseline = "gemma"
rounds = 2
warmup = 0
timeout_s = 120
{extra}

[backend]
n_ctx = 512
n_batch = 64

[[workload]]
kind = "decode"
tokens = 12
depths = [0, 64]

[[workload]]
kind = "prefill"
tokens = 96

[[workload]]
kind = "chat"
max_tokens = 12
prompts = ["What is the capital of France?", "Name a colour."]

[[workload]]
kind = "cold_start"
"#
    )
}

pub fn text(o: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every job's records appear exactly once in `samples` (a run's samples.jsonl text): for
/// each model, kind of record and point, every round holds the same number of records —
/// a job whose records were stored twice (or lost) makes its round differ from the others.
pub fn assert_each_job_once(samples: &str) {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(String, String, String), BTreeMap<u64, usize>> = BTreeMap::new();
    let mut rounds = 0;
    for line in samples.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        let round = v["round"].as_u64().expect("round");
        rounds = rounds.max(round + 1);
        let key = (
            v["model"].to_string(),
            v["kind"].to_string(),
            format!("{}{}", v["point"], v["depth"]),
        );
        *counts.entry(key).or_default().entry(round).or_default() += 1;
    }
    assert!(!counts.is_empty(), "no records");
    for (key, per_round) in &counts {
        let first = per_round.values().next().copied();
        assert!(
            per_round.len() as u64 == rounds && per_round.values().all(|&n| Some(n) == first),
            "{key:?}: records per round {per_round:?} (expected the same count in each of {rounds} rounds)"
        );
    }
}

/// `jobs` (a run's jobs.jsonl text) has `expected` lines, each a different job.
pub fn assert_jobs_once(jobs: &str, expected: usize) {
    let mut keys: Vec<String> = jobs
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("job line");
            format!("{}/{}/{}", v["model"], v["round"], v["part"])
        })
        .collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(
        (n, keys.len()),
        (expected, expected),
        "every job exactly once: {keys:?}"
    );
}

/// Where the records of a run's finished jobs end in samples.jsonl: the length the last
/// whole line of `jobs` (jobs.jsonl text; a torn last line is passed over) records.
pub fn finished_end(jobs: &str) -> usize {
    jobs.lines()
        .rev()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["samples_bytes"].as_u64())
        .expect("the last job line records the length of samples.jsonl") as usize
}
