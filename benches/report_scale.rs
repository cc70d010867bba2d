//! `lfmbench report` at scale (issue 15): 200 stored runs holding 1 million records
//! (`samples.jsonl` lines) in all, written once into a temp folder through the store's
//! own writer (tests/util/synthetic.rs: the four Phase-0 models × 10 rounds, 125 records
//! per model and round, most of them 16-token chat answers), then the report over all of
//! them — every run read, pooled (three machine labels), each pool read again and
//! summarised, its charts drawn and written, the markdown
//! written — as `lfmbench report RUN…` does, without printing the verdict.
//!
//! `LFMBENCH_SCALE_RUNS` sets the number of runs (default 200, 5 000 records each).
//! The first line printed says how big the store is on disk.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/util/synthetic.rs"]
mod synthetic;

const ROUNDS: u32 = 10;
const PER_ROUND: usize = 125;

fn report_scale(c: &mut Criterion) {
    let n: usize = std::env::var("LFMBENCH_SCALE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let dirs = synthetic::write_runs(&runs, n, ROUNDS, PER_ROUND);
    let records = n * synthetic::MODELS.len() * ROUNDS as usize * PER_ROUND;
    let bytes: u64 = dirs
        .iter()
        .filter_map(|d| std::fs::metadata(d.join("samples.jsonl")).ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "report_scale: {n} runs, {records} records, samples.jsonl {:.0} MB in all",
        bytes as f64 / 1e6
    );
    let out = tmp.path().join("report/FINDINGS.md");
    let mut g = c.benchmark_group("report_scale");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    g.bench_function(format!("report over {n} runs, {records} records"), |b| {
        b.iter(|| {
            let loaded = lfmbench::report::load_runs(black_box(&dirs));
            assert!(loaded.left_out.is_empty(), "{:?}", loaded.left_out);
            let pools = lfmbench::report::pools(&loaded.runs);
            let summaries = lfmbench::report::summarise_pools(&pools, None).expect("summarised");
            let views = lfmbench::report::views_of(&pools, summaries);
            lfmbench::report::write_findings(&views, &[], &out).expect("report written")
        })
    });
    g.finish();
}

criterion_group!(benches, report_scale);
criterion_main!(benches);
