//! Synthetic stored runs, written through the store's own writer (`RunWriter`), for the
//! report-scale benchmark (benches/report_scale.rs) and the bounded-memory test
//! (tests/report_scale.rs). Values are deterministic (no clock, no randomness).
//!
//! A run has the four Phase-0 models (suites/phase0.toml and models.toml of the
//! repository) and `rounds` rounds; each model's round holds `per_round` records: 20
//! decodes (depths 0 and 1024), 10 prefills, two cold starts and one memory sample, the
//! rest chat answers of 16 tokens (15 inter-token gaps each).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use lfmbench::sample::{
    Body, ChatSample, ColdStartSample, DecodeSample, MemorySample, PageCache, PrefillSample,
    Record, SCHEMA_VERSION, Settle, StopReason,
};
use lfmbench::store::{RunMeta, RunState, RunWriter};

pub const MODELS: [&str; 4] = ["lfm2-350m", "qwen3-0.6b", "gemma3-270m", "smollm2-135m"];
/// Records of one model's round that are not chat answers.
pub const FIXED_PER_ROUND: usize = 33;
/// Tokens of each synthetic chat answer.
pub const CHAT_TOKENS: u32 = 16;

/// A deterministic wobble in [0.9, 1.1).
fn wobble(i: u64) -> f64 {
    let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11;
    0.9 + 0.2 * (x as f64 / (1u64 << 53) as f64)
}

/// The records of one model's round: `per_round` of them (at least [`FIXED_PER_ROUND`]).
pub fn round_records(model: usize, round: u32, per_round: usize, seed: u64) -> Vec<Record> {
    let speed = 1.0 + model as f64 * 0.3;
    let k = seed
        .wrapping_mul(1_000_003)
        .wrapping_add(model as u64 * 100_000 + u64::from(round) * 1000);
    let rec = |body| Record {
        model: MODELS[model].into(),
        round,
        point: Default::default(),
        body,
    };
    let mut v = Vec::with_capacity(per_round);
    for rep in 0..10u64 {
        for depth in [0u32, 1024] {
            let tps = speed * 100.0 * wobble(k + rep * 7 + u64::from(depth))
                / (1.0 + f64::from(depth) / 4096.0);
            v.push(rec(Body::Decode(DecodeSample {
                depth,
                n_requested: 128,
                n_generated: 128,
                elapsed_ms: 127.0 * 1000.0 / tps,
                tokens_per_s: tps,
                valid: true,
                invalid_reason: None,
                note: None,
                repetition: rep as u32,
                repetitions: 10,
            })));
        }
        v.push(rec(Body::Prefill(PrefillSample {
            n_tokens: 512,
            n_batch: 256,
            elapsed_ms: 100.0,
            tokens_per_s: speed * 5000.0 * wobble(k + rep * 11 + 3),
            ttft_ms: None,
            note: None,
            repetition: rep as u32,
            repetitions: 10,
        })));
    }
    for page_cache in [PageCache::Dropped, PageCache::Warm] {
        v.push(rec(Body::ColdStart(ColdStartSample {
            page_cache,
            resident_before: Some(0.0),
            total_ms: 400.0 * wobble(k + 9),
            process_ms: 20.0,
            load_ms: 200.0,
            context_ms: 30.0,
            first_token_ms: 50.0,
        })));
    }
    v.push(rec(Body::Memory(MemorySample {
        peak_rss_bytes: (300 << 20) + model as u64 * (50 << 20),
        source: "VmHWM".into(),
        model_file_bytes: 250 << 20,
        use_mmap: true,
        page_cache: Some(Settle::Settled),
        peak_bytes: None,
        peak_source: None,
        phys_footprint_bytes: None,
        phys_footprint_peak_bytes: None,
        gpu_bytes: None,
    })));
    for p in 0..per_round.saturating_sub(FIXED_PER_ROUND) as u64 {
        let itl: Vec<f64> = (0..u64::from(CHAT_TOKENS - 1))
            .map(|t| 10.0 / speed * wobble(k * 131 + p * 17 + t))
            .collect();
        let ttft = 30.0 / speed * wobble(k + 4 + p);
        v.push(rec(Body::Chat(ChatSample {
            prompt_index: (p % 4) as u32,
            prompt: "Explain quantum computing in simple terms.".into(),
            n_prompt_tokens: 20,
            template: Some("gguf".into()),
            max_tokens: CHAT_TOKENS,
            n_generated: CHAT_TOKENS,
            ttft_ms: ttft,
            e2e_ms: ttft + itl.iter().sum::<f64>(),
            itl_ms: itl,
            stop: StopReason::MaxTokens,
            text: "lorem ipsum dolor sit amet ".repeat(3),
            valid: true,
            invalid_reason: None,
            note: None,
            expect: None,
            correct: None,
        })));
    }
    v
}

/// Write one complete synthetic run named `id` under `out`; returns its folder.
pub fn write_run(out: &Path, id: &str, rounds: u32, per_round: usize, seed: u64) -> PathBuf {
    write_run_with(out, id, rounds, per_round, seed, |_| {})
}

/// [`write_run`], each record passed through `edit` before it is written.
pub fn write_run_with(
    out: &Path,
    id: &str,
    rounds: u32,
    per_round: usize,
    seed: u64,
    mut edit: impl FnMut(&mut Record),
) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = std::fs::read_to_string(root.join("suites/phase0.toml")).expect("phase0.toml");
    let models = std::fs::read_to_string(root.join("models.toml")).expect("models.toml");
    let meta = RunMeta {
        schema_version: SCHEMA_VERSION,
        id: id.into(),
        suite: "phase0".into(),
        started_utc: "2026-01-01T00:00:00Z".into(),
        finished_utc: None,
        state: RunState::Running,
        note: None,
        models: MODELS.iter().map(|m| m.to_string()).collect(),
        skipped: Vec::new(),
        rounds,
        not_measured: Vec::new(),
        twins: Default::default(),
        base_models: Default::default(),
        settings: Default::default(),
        files: Default::default(),
        inputs: Vec::new(),
        suite_path: None,
        models_path: None,
        sequential: None,
    };
    let host = lfmbench::measure::host::Host {
        label: format!("synthetic-{}", seed % 3),
        cpu: "synthetic".into(),
        physical_cores: 2,
        logical_cores: 2,
        memory_bytes: 8 << 30,
        os: "linux".into(),
        kernel: "6".into(),
        arch: "x86_64".into(),
        lfmbench_version: env!("CARGO_PKG_VERSION").into(),
        memory_bandwidth_gbps: Some(30.0),
        virtualization: None,
    };
    let mut w = RunWriter::create(out, meta, &suite, &models, &host).expect("run folder");
    w.write_json("engine.json", &serde_json::json!({"backend": "synthetic"}))
        .expect("engine.json");
    for round in 0..rounds {
        for m in 0..MODELS.len() {
            for mut r in round_records(m, round, per_round, seed) {
                edit(&mut r);
                w.append(&r).expect("append");
            }
        }
    }
    w.finish(RunState::Complete, None).expect("finish");
    w.dir.clone()
}

/// Write `n` runs under `out` (`run-000`, `run-001`, …).
pub fn write_runs(out: &Path, n: usize, rounds: u32, per_round: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| write_run(out, &format!("run-{i:03}"), rounds, per_round, i as u64))
        .collect()
}
