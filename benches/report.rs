//! Reading and rendering a stored run of Phase-0 size (4 models × 5 rounds: decode at two
//! depths, prefill, 4 chat answers of 128 tokens, cold and warm starts, memory), written
//! once to a temp folder through the store: loading it, the end-of-run summary table,
//! the findings report (view-model, verdict, markdown and charts), and `lfmbench
//! compare` of two such runs (bootstrap included). Also the report of the checked-in
//! fixture run (tests/fixtures/runs/smoke).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use lfmbench::sample::{
    Body, ChatSample, ColdStartSample, DecodeSample, MemorySample, PageCache, PrefillSample,
    Record, SCHEMA_VERSION, StopReason,
};
use lfmbench::store::{RunMeta, RunState, RunWriter, StoredRun};

const MODELS: [&str; 4] = ["lfm2-350m", "qwen3-0.6b", "gemma3-270m", "smollm2-135m"];

/// A deterministic wobble in [0.9, 1.1).
fn wobble(i: u64) -> f64 {
    let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11;
    0.9 + 0.2 * (x as f64 / (1u64 << 53) as f64)
}

fn records(model: usize, round: u32, speed: f64) -> Vec<Record> {
    let k = (model as u64) * 1000 + u64::from(round) * 10;
    let rec = |body| Record {
        model: MODELS[model].into(),
        round,
        point: Default::default(),
        body,
    };
    let mut v = Vec::new();
    for (j, depth) in [0u32, 2048].into_iter().enumerate() {
        let tps = speed * 100.0 * wobble(k + j as u64) / (1.0 + f64::from(depth) / 4096.0);
        v.push(rec(Body::Decode(DecodeSample {
            depth,
            n_requested: 128,
            n_generated: 128,
            elapsed_ms: 127.0 * 1000.0 / tps,
            tokens_per_s: tps,
            valid: true,
            invalid_reason: None,
            note: None,
            repetition: 0,
            repetitions: 1,
        })));
    }
    v.push(rec(Body::Prefill(PrefillSample {
        n_tokens: 512,
        n_batch: 256,
        elapsed_ms: 100.0,
        tokens_per_s: speed * 5000.0 * wobble(k + 3),
        ttft_ms: None,
        note: None,
        repetition: 0,
        repetitions: 1,
    })));
    for p in 0..4u32 {
        let itl: Vec<f64> = (0..127u64)
            .map(|t| 10.0 / speed * wobble(k * 131 + u64::from(p) * 127 + t))
            .collect();
        let ttft = 30.0 / speed * wobble(k + 4 + u64::from(p));
        v.push(rec(Body::Chat(ChatSample {
            prompt_index: p,
            prompt: "Explain quantum computing in simple terms.".into(),
            n_prompt_tokens: 20,
            template: Some("gguf".into()),
            max_tokens: 128,
            n_generated: 128,
            ttft_ms: ttft,
            e2e_ms: ttft + itl.iter().sum::<f64>(),
            itl_ms: itl,
            stop: StopReason::MaxTokens,
            text: "lorem ipsum ".repeat(40),
            valid: true,
            invalid_reason: None,
            note: None,
            expect: None,
            correct: None,
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
        peak_rss_bytes: 300 << 20,
        source: "wait4".into(),
        model_file_bytes: 250 << 20,
        use_mmap: true,
        page_cache: None,
        ..MemorySample::default()
    })));
    v
}

/// Write one synthetic run under `out` and return its folder.
fn write_run(out: &Path, id: &str, speed: f64) -> PathBuf {
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
        rounds: 5,
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
    let host = lfmbench::measure::host::fingerprint();
    let mut w = RunWriter::create(out, meta, &suite, &models, &host).expect("run folder");
    for round in 0..5 {
        for m in 0..MODELS.len() {
            for r in records(m, round, speed) {
                w.append(&r).expect("append");
            }
        }
    }
    w.finish(RunState::Complete, None).expect("finish");
    w.dir.clone()
}

fn stored_run(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let old_dir = write_run(tmp.path(), "old", 1.0);
    let new_dir = write_run(tmp.path(), "new", 0.9);
    let old: StoredRun = lfmbench::store::load(&old_dir).expect("load");
    let new: StoredRun = lfmbench::store::load(&new_dir).expect("load");

    c.bench_function("store::load phase0-sized run", |b| {
        b.iter(|| lfmbench::store::load(black_box(&old_dir)).map(|r| r.records.len()))
    });
    c.bench_function("summary table of a run", |b| {
        b.iter(|| lfmbench::store::summary::table(black_box(&old)).to_string())
    });
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    let fixture = lfmbench::store::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs/smoke"),
    )
    .expect("tests/fixtures/runs/smoke");
    for (name, run) in [("fixture smoke run", &fixture), ("phase0-sized run", &old)] {
        g.bench_function(format!("findings (markdown + charts) of a {name}"), |b| {
            b.iter(|| {
                let pools = lfmbench::report::pools(std::slice::from_ref(black_box(run)));
                let views = lfmbench::report::views(&pools);
                lfmbench::report::findings(&views).map(|f| f.markdown.len() + f.charts.len())
            })
        });
        g.bench_function(format!("terminal verdict of a {name}"), |b| {
            b.iter(|| {
                let pools = lfmbench::report::pools(std::slice::from_ref(black_box(run)));
                let views = lfmbench::report::views(&pools);
                lfmbench::report::terminal::render(&views, false)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("compare");
    g.sample_size(10);
    g.bench_function("compare two runs + render", |b| {
        b.iter(|| {
            let cmp = lfmbench::compare::compare_runs(black_box(&old), black_box(&new), 5.0);
            lfmbench::compare::render_table(&cmp)
        })
    });
    g.finish();
}

criterion_group!(benches, stored_run);
criterion_main!(benches);
