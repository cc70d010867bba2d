//! The GPU the engine really used, on this machine's CPU-only build: a run that asks for
//! offload says at start that it will not happen, engine.json lists the CPU device and no
//! GPU, every worker records where its model went, and the report says the same thing in
//! the verdict line and the environment table (no "GPU layers 99" beside "GPU offload no").

mod util;

use util::{Sandbox, text};

fn suite(n_gpu_layers: u32) -> String {
    format!(
        r#"
[suite]
name = "gpu"
candidate = "smol"
baseline = "gemma"
rounds = 1
warmup = 0
timeout_s = 120

[backend]
n_ctx = 256
n_batch = 64
n_gpu_layers = {n_gpu_layers}

[[workload]]
kind = "decode"
tokens = 4
depths = [0]

[[workload]]
kind = "cold_start"
"#
    )
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn offload_asked_of_a_cpu_only_build_is_said_at_start_recorded_and_labelled() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &suite(99));
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let warning = "warning: GPU requested, not used: this build has no GPU backend";
    let at = stderr.find(warning).unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        stderr.find("[  1/").is_some_and(|first_job| at < first_job),
        "the warning comes before the first job: {stderr}"
    );

    let dir = sb.run_dir();
    let engine = json(&dir.join("engine.json"));
    assert_eq!(engine["gpu_offload"], false);
    let devices = engine["devices"].as_array().expect("devices");
    assert!(!devices.is_empty(), "{engine}");
    assert!(devices.iter().all(|d| d["kind"] == "cpu"), "{engine}");
    assert!(devices.iter().any(|d| d["name"] == "CPU"), "{engine}");
    for model in ["smol", "gemma"] {
        let p = &engine["placements"][model];
        assert_eq!(p["gpu"]["state"], "requested_not_used", "{engine}");
        assert_eq!(p["placement"]["n_gpu_layers"], 99);
        let bufs = p["placement"]["buffers"].as_array().expect("buffers");
        assert!(bufs.iter().all(|b| b["device"] == "CPU"), "{p}");
        assert!(
            bufs.iter().any(|b| b["kind"] == "weights"),
            "weights logged: {p}"
        );
        assert!(bufs.iter().any(|b| b["kind"] == "kv"), "KV logged: {p}");
    }

    let recs = sb.records();
    for model in ["smol", "gemma"] {
        // One offload record per worker: the bench and both cold starts.
        let mut parts: Vec<&str> = recs
            .iter()
            .filter(|r| r["model"] == model && r["kind"] == "offload")
            .map(|r| r["part"].as_str().expect("part"))
            .collect();
        parts.sort_unstable();
        assert_eq!(parts, ["bench", "cold_start", "cold_start_warm"], "{model}");
        let file = std::fs::metadata(if model == "smol" {
            util::smol()
        } else {
            util::gemma()
        })
        .expect("model file")
        .len() as f64;
        for r in recs
            .iter()
            .filter(|r| r["model"] == model && r["kind"] == "offload")
        {
            // The weights llama.cpp logged are the file's tensors (a little under the file),
            // plus any it repacked for this CPU into a buffer of their own (gemma's Q4_K).
            let weights: f64 = r["placement"]["buffers"]
                .as_array()
                .expect("buffers")
                .iter()
                .filter(|b| b["kind"] == "weights")
                .map(|b| b["bytes"].as_f64().expect("bytes"))
                .sum();
            assert!(
                weights > 0.8 * file && weights < 1.2 * file,
                "{weights} of {file}: {r}"
            );
        }
        let mem: Vec<&serde_json::Value> = recs
            .iter()
            .filter(|r| r["model"] == model && r["kind"] == "memory")
            .collect();
        assert_eq!(mem.len(), 1);
        // No GPU: the platform's figure is the worker's VmHWM, and the record says so.
        assert_eq!(mem[0]["peak_bytes"], mem[0]["peak_rss_bytes"], "{}", mem[0]);
        assert!(
            mem[0]["peak_source"]
                .as_str()
                .is_some_and(|s| s.starts_with("VmHWM")),
            "{}",
            mem[0]
        );
        assert!(mem[0].get("gpu_bytes").is_none(), "{}", mem[0]);
    }

    let md_path = sb.path().join("F.md");
    let o = sb.run(&[
        "report",
        dir.to_str().expect("dir"),
        "--out",
        md_path.to_str().expect("out"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(&md_path).expect("report");
    let verdict = md
        .lines()
        .find(|l| l.starts_with("**Verdict on "))
        .expect("verdict");
    assert!(
        verdict.contains("GPU requested (99 layers), not used: this build has no GPU backend"),
        "{verdict}"
    );
    let row = |k: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {k} |")))
            .unwrap_or_else(|| panic!("no {k} row"))
            .to_string()
    };
    assert!(
        row("GPU offload achieved").contains(
            "GPU requested, not used: this build has no GPU backend (llama.cpp lists only CPU)"
        ),
        "{}",
        row("GPU offload achieved")
    );
    assert_eq!(
        row("GPU layers"),
        "| GPU layers | 99 requested, 0 offloaded |"
    );
    assert!(
        row("Devices").starts_with("| Devices | CPU — "),
        "{}",
        row("Devices")
    );
    assert!(
        md.contains("| `smol` | 99 requested, 0 offloaded | CPU ")
            && md.contains(" | requested, not used |"),
        "{md}"
    );
}

#[test]
fn a_cpu_run_by_choice_is_not_warned_about() {
    let sb = Sandbox::new();
    let mut s = suite(0);
    s = s.replace("[[workload]]\nkind = \"cold_start\"\n", "");
    sb.write("suite.toml", &s);
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("GPU requested"), "{stderr}");
    let engine = json(&sb.run_dir().join("engine.json"));
    assert_eq!(
        engine["placements"]["smol"]["gpu"]["state"],
        "not_requested"
    );
}
