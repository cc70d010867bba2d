//! Twins end to end, through the built binary: every catalogued architecture's twin is
//! made by a run's pre-flight (as `twin = …` in models.toml makes it), loaded by llama.cpp
//! in lfmbench's worker processes, and generates the tokens asked for.
//!
//! Twins are cached in models/twins/ (shared with real runs and the unit tests), so only
//! the first run pays for generating them (several minutes on 2 cores). The two large
//! architectures (LFM2-2.6B, LFM2-8B-A1B) load and generate in an ignored test, as their
//! generation does in the unit tests; their sizes are checked in every run from
//! `lfmbench twin --dry-run`.
//!
//! The side-by-side speed check of the SmolLM2 twin against the real file is a
//! benchmark, ignored by default:
//!   cargo test --test twin -- --ignored --nocapture

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// Tests that run models take turns: two at once would only slow both down.
static HEAVY: Mutex<()> = Mutex::new(());

/// (catalogue name, quantization) of every catalogued architecture, as the unit tests
/// cache them (src/twin/tests.rs `test_quant`).
const TWINS: &[(&str, &str, &str)] = &[
    ("lfm2-350m", "Q4_K_M", "lfm2"),
    ("lfm2-700m", "Q4_0", "lfm2"),
    ("lfm2-1.2b", "Q4_0", "lfm2"),
    ("qwen3-0.6b", "Q4_K_M", "qwen3"),
    ("qwen3-1.7b", "Q4_0", "qwen3"),
    ("lfm2.5-230m", "Q4_0", "lfm2"),
    ("lfm2.5-350m", "Q4_0", "lfm2"),
    ("lfm2.5-1.2b", "Q4_0", "lfm2"),
    ("gemma3-270m", "Q4_K_M", "gemma3"),
    ("gemma3-1b", "Q4_0", "gemma3"),
    ("smollm2-135m", "Q4_1", "llama"),
    // The unquantized twin, as written before llama.cpp quantizes it.
    ("smollm2-135m", "F16", "llama"),
];

/// The large architectures, in the quantization the unit tests' ignored test makes them.
const LARGE_TWINS: &[(&str, &str, &str)] = &[
    ("lfm2-2.6b", "Q4_K_M", "lfm2"),
    ("lfm2-8b-a1b", "Q4_K_M", "lfm2moe"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lfmbench(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lfmbench"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run lfmbench")
}

fn text(o: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A folder with models.toml (one twin per entry), whose models/twins is the repository's
/// cache, so twins resolve to the shared cached files.
fn workspace(models: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = repo().join("models/twins");
    std::fs::create_dir_all(&cache).expect("models/twins");
    std::fs::create_dir_all(dir.path().join("models")).expect("models");
    std::os::unix::fs::symlink(&cache, dir.path().join("models/twins")).expect("symlink");
    std::fs::write(dir.path().join("models.toml"), models).expect("models.toml");
    dir
}

fn suite(name: &str, ids: &[String], rounds: u32, threads: u32, workloads: &str) -> String {
    let others = ids[2..]
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"[suite]
name = "{name}"
candidate = "{}"
baseline = "{}"
others = [{others}]
rounds = {rounds}
warmup = 0
timeout_s = 600

[backend]
threads = {threads}
n_ctx = 512
n_batch = 128

{workloads}

[[criterion]]
name = "Real backend integration"
metric = "integration.valid_fraction"
stat = "min"
op = ">="
target = 1.0

[decision]
pass_at_least = 1
"#,
        ids[0], ids[1]
    )
}

/// Every line of samples.jsonl of the only run under `runs`.
fn samples(runs: &Path) -> Vec<serde_json::Value> {
    let run = std::fs::read_dir(runs)
        .expect("runs")
        .next()
        .expect("a run folder")
        .expect("entry")
        .path();
    std::fs::read_to_string(run.join("samples.jsonl"))
        .expect("samples.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn list_shows_the_catalogue() {
    let o = lfmbench(&repo(), &["twin", "--list"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for (name, _, _) in TWINS.iter().chain(LARGE_TWINS) {
        assert!(out.contains(name), "{name} missing:\n{out}");
    }
    for source in [
        "LiquidAI/LFM2-350M config.json",
        "LiquidAI/LFM2-2.6B config.json",
        "LiquidAI/LFM2-8B-A1B config.json",
        "LiquidAI/LFM2.5-230M config.json",
        "google/gemma-3-1b-it config.json",
    ] {
        assert!(out.contains(source), "{source} missing:\n{out}");
    }
    // LFM2.5-350M is listed by name, with the shapes it shares.
    let row = out
        .lines()
        .find(|l| l.contains("lfm2.5-350m"))
        .unwrap_or_else(|| panic!("no lfm2.5-350m row:\n{out}"));
    assert!(row.contains("shapes of lfm2-350m"), "{row}");
    let moe = out
        .lines()
        .find(|l| l.contains("lfm2-8b-a1b"))
        .unwrap_or_else(|| panic!("no lfm2-8b-a1b row:\n{out}"));
    assert!(
        moe.contains("lfm2moe") && moe.contains("32 experts"),
        "{moe}"
    );
}

/// `--dry-run` prints the size llama.cpp's own dry run plans for the twin, writes nothing,
/// and that size is within 1% of the published file's: here LFM2-8B-A1B, whose twin is
/// 5 GB (LiquidAI/LFM2-8B-A1B-GGUF's Q4_K_M is 5,044,779,712 bytes).
#[test]
fn dry_run_plans_the_published_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = lfmbench(
        dir.path(),
        &["twin", "lfm2-8b-a1b", "--quant", "Q4_K_M", "--dry-run"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let bytes: u64 = out
        .split_once(": ")
        .and_then(|(_, rest)| rest.split_once(" bytes"))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no byte count: {out}"));
    let d = (bytes as f64 - 5_044_779_712.0) / 5_044_779_712.0;
    eprintln!(
        "lfm2-8b-a1b Q4_K_M twin: {bytes} bytes, {:+.3}% from the published file",
        d * 100.0
    );
    assert!(d.abs() < 0.01, "{out}");
    assert!(out.contains("Q4_K") && out.contains("F32"), "{out}");
    assert!(!dir.path().join("models").exists(), "nothing written");
    assert_eq!(
        std::fs::read_dir(std::env::temp_dir())
            .expect("temp dir")
            .filter_map(Result::ok)
            .filter(|e| e
                .file_name()
                .to_string_lossy()
                .contains("lfm2-8b-a1b-q4_k_m.skeleton"))
            .count(),
        0,
        "the skeleton is removed"
    );
}

#[test]
fn refuses_unknown_architectures_and_quants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = lfmbench(dir.path(), &["twin", "lfm3-9b"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("lfm3-9b") && err.contains("twin --list"),
        "{err}"
    );
    let o = lfmbench(dir.path(), &["twin", "lfm2-350m", "--quant", "Q3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Q4_K_M"));
    assert!(!dir.path().join("models").exists(), "nothing written");
}

/// A workspace whose models.toml names `twins`, after one run of a 4-token decode and a
/// 4-token chat on each; every twin generated exactly the tokens asked for, in decode and
/// through its chat template.
fn load_and_generate(twins: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let mut models = String::new();
    let id = |name: &str, quant: &str| format!("{name}-{}", quant.to_ascii_lowercase());
    for (name, quant, family) in twins {
        models.push_str(&format!(
            "[[model]]\nid = \"{}\"\ntwin = \"{name}\"\nquant = \"{quant}\"\nfamily = \"{family}\"\n\n",
            id(name, quant)
        ));
    }
    let dir = workspace(&models);
    let ids: Vec<String> = twins.iter().map(|(n, q, _)| id(n, q)).collect();
    // One repetition: this checks that models work, not how fast.
    let workloads = r#"[[workload]]
kind = "decode"
tokens = 4
depths = [0]
repetitions = 1

[[workload]]
kind = "chat"
max_tokens = 4
prompts = ["What is the capital of France?"]"#;
    std::fs::write(
        dir.path().join("suite.toml"),
        suite("twins", &ids, 1, 1, workloads),
    )
    .expect("suite");
    let t = std::time::Instant::now();
    let o = lfmbench(dir.path(), &["run", "suite.toml", "--out", "runs"]);
    eprintln!(
        "run of {} twins: {:.1} s",
        ids.len(),
        t.elapsed().as_secs_f64()
    );
    assert!(o.status.success(), "{}", text(&o));
    let s = samples(&dir.path().join("runs"));
    for id in &ids {
        let of = |kind: &str| {
            s.iter()
                .find(|r| r["model"] == id.as_str() && r["kind"] == kind)
                .unwrap_or_else(|| panic!("{id}: no {kind} sample\n{}", text(&o)))
        };
        let d = of("decode");
        assert_eq!(d["n_generated"], 4, "{id}: {d}");
        assert_eq!(d["valid"], true, "{id}: {d}");
        let c = of("chat");
        assert_eq!(c["n_generated"], 4, "{id}: {c}");
        assert_eq!(c["valid"], true, "{id}: {c}");
        assert_eq!(c["template"], "gguf", "{id}: the twin's own template");
        assert!(c["n_prompt_tokens"].as_u64().unwrap_or(0) > 10, "{id}: {c}");
        eprintln!(
            "{id}: decode {:.1} tok/s, chat prompt {} tokens, answer {:?}",
            d["tokens_per_s"].as_f64().unwrap_or(0.0),
            c["n_prompt_tokens"],
            c["text"]
        );
    }
    dir
}

/// Each catalogued twin (but the large two) loads in llama.cpp and generates exactly the
/// tokens asked for, in decode and through its chat template; `lfmbench models` shows
/// what it is. One thread per model: this checks that models work, not how fast, and a
/// single thread does not stall when a busy machine deschedules its partner.
#[test]
fn every_catalogued_twin_loads_and_generates() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let dir = load_and_generate(TWINS);
    let o = lfmbench(dir.path(), &["models"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for (name, _, _) in TWINS {
        assert!(
            out.contains(&format!("twin of {name} (seed 0)")),
            "{name}:\n{out}"
        );
    }
    assert!(out.contains("354.5 M") && out.contains("1720.6 M"), "{out}");
}

/// LFM2-2.6B and the mixture-of-experts LFM2-8B-A1B load and generate like the others
/// (their Q4_K_M twins: 1.6 and 5 GB, made once by the unit tests' ignored
/// `large_twins_are_made_as_planned`, or here on first use).
#[test]
#[ignore = "needs the 1.6 and 5 GB twins (generating them takes tens of minutes on 2 cores): cargo test --test twin large -- --ignored --nocapture"]
fn large_twins_load_and_generate() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let dir = load_and_generate(LARGE_TWINS);
    let o = lfmbench(dir.path(), &["models"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("lfm2moe") && out.contains("8339.9 M"), "{out}");
}

/// Benchmark: a twin against the real registry file, decode and prefill speed side by
/// side, 7 rounds interleaved (A B A B …), one thread each (on a shared 2-core machine two
/// llama.cpp threads stall whenever one is descheduled, which swamps any difference between
/// the files). The twin must be within the run's noise: its median decode speed inside the
/// real file's range of rounds widened by 10%. Each bench process maps its file settled in
/// the page cache (dropped, read back), so the files' histories do not enter.
///
/// Measured (2-core VM, llama.cpp -O3, generator version 2): SmolLM2-135M Q4_1 twin/real
/// decode 0.98, prefill 0.99; Gemma3-270M Q4_K_M decode 1.085, prefill 0.99. Version 1
/// (weights of one magnitude) decoded 18-23% faster than the real SmolLM2 file: see
/// src/twin/generate.rs for why and README "Shape twins".
fn twin_side_by_side(real_file: &str, twin: &str, quant: &str, family: &str) {
    let real = repo().join("models/cache").join(real_file);
    if !real.exists() {
        eprintln!("SKIPPED: {} is absent", real.display());
        return;
    }
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let models = format!(
        "[[model]]\nid = \"real\"\npath = \"{}\"\nfamily = \"{family}\"\n\n[[model]]\nid = \"twin\"\ntwin = \"{twin}\"\nquant = \"{quant}\"\nfamily = \"{family}\"\n",
        real.display()
    );
    let dir = workspace(&models);
    // One repetition per round: seven independent rounds of each file.
    let workloads = r#"[[workload]]
kind = "decode"
tokens = 64
depths = [0]
repetitions = 1

[[workload]]
kind = "prefill"
tokens = 128
repetitions = 1"#;
    let ids = vec!["real".to_string(), "twin".to_string()];
    let text_suite = suite("twin-side-by-side", &ids, 7, 1, workloads);
    std::fs::write(dir.path().join("suite.toml"), text_suite).expect("suite");
    let o = lfmbench(dir.path(), &["run", "suite.toml", "--out", "runs"]);
    assert!(o.status.success(), "{}", text(&o));
    let s = samples(&dir.path().join("runs"));
    let rates = |id: &str, kind: &str| {
        let mut v: Vec<f64> = s
            .iter()
            .filter(|r| r["model"] == id && r["kind"] == kind)
            .filter_map(|r| r["tokens_per_s"].as_f64())
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let median = |v: &[f64]| v[v.len() / 2];
    let mut decode_ok = true;
    for kind in ["decode", "prefill"] {
        let (r, t) = (rates("real", kind), rates("twin", kind));
        assert_eq!(r.len(), 7, "{kind}: {}", text(&o));
        assert_eq!(t.len(), 7, "{kind}");
        eprintln!(
            "{twin} {kind} tok/s: real median {:.1} (range {:.1}–{:.1}), twin median {:.1} (range {:.1}–{:.1}), twin/real {:.3}",
            median(&r),
            r[0],
            r[6],
            median(&t),
            t[0],
            t[6],
            median(&t) / median(&r)
        );
        if kind == "decode" {
            decode_ok = median(&t) >= r[0] * 0.9 && median(&t) <= r[6] * 1.1;
        }
    }
    assert!(
        decode_ok,
        "{twin}: the twin's median decode speed is outside the real file's range"
    );
}

#[test]
#[ignore = "benchmark (about 40 s): cargo test --test twin -- --ignored --nocapture"]
fn smollm2_twin_decodes_like_the_real_file() {
    twin_side_by_side(
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "smollm2-135m",
        "Q4_1",
        "llama",
    );
}

#[test]
#[ignore = "benchmark (about 90 s): cargo test --test twin -- --ignored --nocapture"]
fn gemma3_twin_decodes_like_the_real_file() {
    twin_side_by_side(
        "gemma-3-270m-q4_k_m.gguf",
        "gemma3-270m",
        "Q4_K_M",
        "gemma3",
    );
}

/// A twin named by `path` (not `twin`) is still a twin: its own GGUF metadata marks it, the
/// run records it, and the summary table and the report say so.
#[test]
fn a_twin_file_named_by_path_is_marked_a_twin() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let models = r#"[[model]]
id = "by-twin"
twin = "smollm2-135m"
quant = "Q4_1"
family = "llama"

[[model]]
id = "by-path"
path = "models/twins/smollm2-135m-q4_1.gguf"
family = "llama"
"#;
    let dir = workspace(models);
    let ids = vec!["by-twin".to_string(), "by-path".to_string()];
    let workloads = "[[workload]]\nkind = \"decode\"\ntokens = 4\ndepths = [0]";
    std::fs::write(
        dir.path().join("suite.toml"),
        suite("twin-by-path", &ids, 1, 1, workloads),
    )
    .expect("suite");
    let o = lfmbench(dir.path(), &["run", "suite.toml", "--out", "runs"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("by-path (twin)"),
        "summary table: {}",
        text(&o)
    );
    let run = std::fs::read_dir(dir.path().join("runs"))
        .expect("runs")
        .next()
        .expect("a run")
        .expect("entry")
        .path();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(meta["twins"]["by-path"], "smollm2-135m", "{meta}");
    let out = dir.path().join("report/FINDINGS.md");
    let o = lfmbench(
        dir.path(),
        &[
            "report",
            run.to_str().expect("utf-8 path"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(&out).expect("report");
    assert!(
        md.contains("`by-path` is a shape twin of `smollm2-135m`"),
        "{md}"
    );
}

/// A cached twin that is stale (here: of another quantization under the file name a Q8_0
/// twin has; the same check covers another generator version) is made again by the run's
/// pre-flight, and every bench process reports its model file settled in the page cache.
#[test]
fn a_stale_twin_is_made_again_and_bench_files_are_settled() {
    let _turn = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let twins = dir.path().join("models/twins");
    std::fs::create_dir_all(&twins).expect("models/twins");
    let cached = repo().join("models/twins/smollm2-135m-q4_1.gguf");
    let wanted = twins.join("smollm2-135m-q8_0.gguf");
    // The Q4_1 twin under the Q8_0 name: a twin, but not the one asked for.
    let entry = |id: &str, quant: &str| {
        format!(
            "[[model]]\nid = \"{id}\"\ntwin = \"smollm2-135m\"\nquant = \"{quant}\"\nfamily = \"llama\"\n\n"
        )
    };
    // A two-token decode of two twin entries `ids` in the workspace `dir`.
    let run_two = |dir: &Path, ids: [&str; 2]| {
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        let workload = "[[workload]]\nkind = \"decode\"\ntokens = 2\ndepths = [0]";
        std::fs::write(dir.join("suite.toml"), suite("stale", &ids, 1, 1, workload))
            .expect("suite");
        let o = lfmbench(dir, &["run", "suite.toml", "--out", "runs"]);
        assert!(o.status.success(), "{}", text(&o));
        o
    };
    // Make sure the cached Q4_1 twin is this version's before copying it.
    let probe = workspace(&(entry("a", "Q4_1") + &entry("b", "Q4_1")));
    run_two(probe.path(), ["a", "b"]);
    std::fs::copy(&cached, &wanted).expect("copy");
    std::fs::write(
        dir.path().join("models.toml"),
        entry("q8", "Q8_0") + &entry("again", "Q8_0"),
    )
    .expect("models.toml");
    let o = run_two(dir.path(), ["q8", "again"]);
    let log = text(&o);
    assert!(log.contains("generating twin q8"), "{log}");
    assert!(!log.contains("generating twin again"), "made once: {log}");
    let o = lfmbench(dir.path(), &["models"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Q8_0"),
        "{}",
        text(&o)
    );
    let s = samples(&dir.path().join("runs"));
    let mem = s
        .iter()
        .find(|r| r["kind"] == "memory")
        .unwrap_or_else(|| panic!("no memory sample: {s:?}"));
    assert_eq!(mem["page_cache"]["state"], "settled", "{mem}");
}
