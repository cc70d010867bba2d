//! A run folder belongs to one run (issue 15): several real `lfmbench run` processes
//! started at the same instant, with the same suite name, each get a folder of their own
//! holding only their own samples.
//!
//! Folder names carry the UTC second; to make sure the runs really compete for names
//! (rather than hoping they land in one second), the folders every run would first pick
//! over the next minutes are taken beforehand: each run must then move on to `…-2`,
//! `…-3`, and runs within one second race for the same suffix.

mod util;

use std::collections::BTreeSet;
use std::process::Stdio;

use util::{Sandbox, text};

const RUNS: usize = 3;

/// Each process runs its own two model ids (both the SmolLM2 file), so a folder that
/// holds another process's samples shows it by model id; suite name the same for all.
fn suite(i: usize) -> String {
    format!(
        r#"
[suite]
name = "same"
candidate = "a{i}"
baseline = "b{i}"
rounds = 1
warmup = 0
timeout_s = 120

[backend]
n_ctx = 256
n_batch = 64

[[workload]]
kind = "decode"
tokens = 4
depths = [0]
repetitions = 1
"#
    )
}

fn models(i: usize) -> String {
    let smol = util::smol().display().to_string();
    format!(
        "[[model]]\nid = \"a{i}\"\npath = \"{smol}\"\nfamily = \"llama\"\n\n[[model]]\nid = \"b{i}\"\npath = \"{smol}\"\nfamily = \"llama\"\n"
    )
}

#[test]
fn simultaneous_runs_get_separate_folders_with_only_their_own_samples() {
    let sb = Sandbox::new();
    let runs = sb.path().join("reports/runs");
    std::fs::create_dir_all(&runs).expect("runs dir");
    let now = lfmbench::store::time::now_secs();
    for t in now - 2..now + 600 {
        let taken = runs.join(format!("{}-same", lfmbench::store::time::format_compact(t)));
        std::fs::create_dir(&taken).expect("take a name");
    }
    for i in 0..RUNS {
        sb.write(&format!("suite{i}.toml"), &suite(i));
        sb.write(&format!("models{i}.toml"), &models(i));
    }
    let children: Vec<_> = (0..RUNS)
        .map(|i| {
            sb.cmd(&[
                "run",
                &format!("suite{i}.toml"),
                "--models",
                &format!("models{i}.toml"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lfmbench")
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().expect("wait");
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }

    let folders: Vec<std::path::PathBuf> = std::fs::read_dir(&runs)
        .expect("runs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("run.json").exists())
        .collect();
    assert_eq!(folders.len(), RUNS, "{folders:?}");
    let mut owners = BTreeSet::new();
    for f in &folders {
        let name = f.file_name().expect("name").to_string_lossy().into_owned();
        assert!(
            name.ends_with("-same-2") || name.ends_with("-same-3") || name.ends_with("-same-4"),
            "{name}: every first-choice name was taken, so a suffix is expected"
        );
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(f.join("run.json")).expect("run.json"))
                .expect("json");
        assert_eq!(meta["id"], name, "run.json names its own folder");
        let ids: Vec<String> = meta["models"]
            .as_array()
            .expect("models")
            .iter()
            .map(|m| m.as_str().expect("id").to_string())
            .collect();
        let i = &ids[0][1..];
        assert_eq!(ids, [format!("a{i}"), format!("b{i}")]);
        assert!(owners.insert(i.to_string()), "two folders of run {i}");
        let samples = std::fs::read_to_string(f.join("samples.jsonl")).expect("samples");
        let records: Vec<serde_json::Value> = samples
            .lines()
            .map(|l| serde_json::from_str(l).expect("record"))
            .collect();
        // Nobody else's records; one decode and one memory sample per model (beside
        // what else a worker records, e.g. where its model went).
        for r in &records {
            assert!(
                ids.iter().any(|id| r["model"] == id.as_str()),
                "{name}: {samples}"
            );
        }
        for id in &ids {
            for kind in ["decode", "memory"] {
                let mine = records
                    .iter()
                    .filter(|r| r["model"] == id.as_str() && r["kind"] == kind)
                    .count();
                assert_eq!(mine, 1, "{name}: {id} {kind}: {samples}");
            }
        }
    }
    assert_eq!(owners.len(), RUNS);
}
