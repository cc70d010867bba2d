//! Sweeps and sustained load end to end: the real binary, real llama.cpp, the two small
//! real models. Each depth of a depth sweep and each swept setting runs in processes of
//! their own and its records say which point they are; a short sustained decode writes
//! one record per window; the report draws the curves.

mod util;

use util::{Sandbox, text};

const SUITE: &str = r#"
[suite]
name = "sweeps"
candidate = "smol"
baseline = "gemma"
rounds = 1
warmup = 0
timeout_s = 300

[backend]
threads = 1
n_ctx = 512
n_batch = 64

[[workload]]
kind = "decode"
tokens = 8
depths = [0, 320]   # 328 tokens: past llama.cpp's 256-token context padding, so the KV cache is larger
repetitions = 1   # one record per depth and round (the counts below)

[[workload]]
kind = "prefill"
tokens = [16, 48]
repetitions = 1
sweep = { n_batch = [16] }

[[workload]]
kind = "sustained"
duration_s = 10
window_s = 2
cooldown_s = 1
"#;

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
}

#[test]
fn sweep_points_and_sustained_windows_are_measured_and_drawn() {
    let sb = Sandbox::new();
    sb.write("suite.toml", SUITE);
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let recs = sb.records();
    for model in ["smol", "gemma"] {
        let of = |kind: &str| -> Vec<&serde_json::Value> {
            recs.iter()
                .filter(|r| r["model"] == model && r["kind"] == kind)
                .collect()
        };
        // Each depth decoded in a process of its own, tagged with its depth; its memory
        // record is the peak RSS of that depth, and a deeper context holds more.
        let dec = of("decode");
        assert_eq!(dec.len(), 2, "{dec:?}");
        for d in &dec {
            assert_eq!(d["point"]["depth"], d["depth"], "{d}");
        }
        let mem = of("memory");
        let at = |depth: u64| {
            mem.iter()
                .find(|m| m["point"]["depth"] == depth)
                .map(|m| f(m, "peak_rss_bytes"))
                .unwrap_or_else(|| panic!("{model}: no memory at depth {depth}: {mem:?}"))
        };
        assert!(
            at(320) > at(0),
            "{model}: RSS at depth 320 not above depth 0"
        );
        // The named bench (prefill) and the n_batch 16 point.
        assert!(
            mem.iter().any(|m| m.get("point").is_none()),
            "{model}: no named-point memory"
        );
        let pre = of("prefill");
        assert_eq!(pre.len(), 4, "2 lengths × (named + n_batch 16): {pre:?}");
        for p in &pre {
            assert!(f(p, "ttft_ms") >= f(p, "elapsed_ms"), "{p}");
            let swept = p["point"]["n_batch"] == 16;
            assert_eq!(p["n_batch"], if swept { 16 } else { 64 }, "{p}");
        }
        // Sustained: 10 s in 2 s windows, each rate its tokens over its span.
        let win = of("sustained");
        assert_eq!(win.len(), 5, "{win:?}");
        for (i, w) in win.iter().enumerate() {
            assert_eq!(w["index"], i as u64);
            assert_eq!(
                (w["duration_s"].as_u64(), w["window_s"].as_u64()),
                (Some(10), Some(2))
            );
            assert_eq!(w["cooldown_s"], 1);
            let span = f(w, "end_s") - f(w, "start_s");
            assert!((span - 2.0).abs() < 1e-9, "{w}");
            assert!(
                (f(w, "tokens_per_s") - f(w, "tokens") / span).abs() < 1e-9,
                "{w}"
            );
        }
        let total: f64 = win.iter().map(|w| f(w, "tokens")).sum();
        assert!(total > 0.0, "{model}: no token in 10 s of sustained decode");
    }
    let host: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.run_dir().join("host.json")).expect("host.json"),
    )
    .expect("json");
    let vm = host["virtualization"]
        .as_str()
        .expect("virtualization recorded");
    // The report: curves, sustained load and what a VM cannot show.
    let run = sb.run_dir();
    let o = sb.run(&["report", run.to_str().expect("utf-8"), "--out", "F.md"]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(sb.path().join("F.md")).expect("F.md");
    for want in [
        "### Decode against context depth",
        "### Prefill and time to first token against prompt length",
        "### Against n_batch",
        "## Sustained load",
        "charts/depth_ratio.svg",
        "charts/sustained.svg",
        "charts/prompt_length.svg",
        "charts/n_batch.svg",
    ] {
        assert!(md.contains(want), "`{want}` missing:\n{md}");
    }
    assert_eq!(
        md.contains("**This host is a virtual machine**"),
        vm != "none",
        "host.json says {vm}"
    );
}
