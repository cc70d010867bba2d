//! Statistics over realistic and large sample counts: percentiles of 100 000 values
//! (type-7 and the HDR histogram the report uses), the bootstrap behind `lfmbench
//! compare` at the size of a Phase-0 run's inter-token latencies (5 rounds × 4 prompts ×
//! 127 gaps ≈ 2 500 values a run), the report's pooled bootstrap over 100 000 values, the
//! order-statistic intervals and sequential looks the report and `run --until-decided`
//! take per criterion, and the coverage table the methodology prints.
//!
//! `just bench` (or `cargo bench --bench stats`).

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// Deterministic, latency-like values (xorshift, skewed to the right).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            10.0 + 5.0 * (-u.max(1e-12).ln())
        })
        .collect()
}

fn rounds(n_rounds: u32, per_round: usize, seed: u64) -> BTreeMap<u32, Vec<f64>> {
    (0..n_rounds)
        .map(|r| (r, values(per_round, seed + u64::from(r))))
        .collect()
}

fn percentiles(c: &mut Criterion) {
    let v = values(100_000, 42);
    let mut g = c.benchmark_group("percentiles of 100k");
    g.bench_function("median", |b| {
        b.iter(|| lfmbench::stats::median(black_box(&v)))
    });
    g.bench_function("sort + p50/p95/p99", |b| {
        b.iter(|| {
            let s = lfmbench::stats::sorted(black_box(&v));
            [0.5, 0.95, 0.99].map(|q| lfmbench::stats::quantile_sorted(&s, q))
        })
    });
    let ms = lfmbench::stats::Quantization::for_unit("ms");
    g.bench_function("HDR histogram p95 (3 digits)", |b| {
        b.iter(|| ms.percentile(black_box(&v), 95.0))
    });
    g.finish();
}

fn bootstrap(c: &mut Criterion) {
    let mut g = c.benchmark_group("compare bootstrap (10k resamples)");
    g.sample_size(10);
    for (n_rounds, per_round) in [(5u32, 1usize), (5, 500)] {
        let old = rounds(n_rounds, per_round, 1);
        let new = rounds(n_rounds, per_round, 1000);
        g.bench_with_input(
            BenchmarkId::new("rounds×values", format!("{n_rounds}×{per_round}")),
            &(old, new),
            |b, (old, new)| {
                b.iter(|| {
                    lfmbench::compare::compare_metric(black_box(old), black_box(new), 0.05, true)
                })
            },
        );
    }
    g.finish();

    // The report's interval: one model's median over 5 rounds of 20 000 values.
    let mut g = c.benchmark_group("report bootstrap (10k resamples)");
    g.sample_size(10);
    let r = lfmbench::stats::Rounds::new(rounds(5, 20_000, 7)).expect("rounds");
    g.bench_function("stats::pooled median, 5 rounds × 20k values", |b| {
        b.iter(|| {
            lfmbench::stats::pooled(
                black_box(&r),
                lfmbench::metric::Stat::Median,
                lfmbench::stats::Quantization::for_unit("ms"),
            )
        })
    });
    g.finish();
}

fn order_statistics(c: &mut Criterion) {
    use lfmbench::stats;
    let mut g = c.benchmark_group("order statistics");
    // 30 rounds × 5 repetitions: the most a suite runs.
    let cand = stats::Rounds::new(rounds(30, 5, 11)).expect("rounds");
    let base = stats::Rounds::new(rounds(30, 5, 12)).expect("rounds");
    g.bench_function("median_of_rounds, 30 rounds × 5 repetitions", |b| {
        b.iter(|| stats::median_of_rounds(black_box(&cand), stats::LEVEL))
    });
    g.bench_function("paired_ratio, 30 rounds × 5 repetitions", |b| {
        b.iter(|| {
            stats::paired_ratio(
                black_box(&cand),
                black_box(&base),
                lfmbench::metric::Stat::Median,
                stats::Quantization::for_unit("tok/s"),
            )
        })
    });
    g.bench_function("Plan::new, 30 rounds", |b| {
        b.iter(|| stats::Plan::new(black_box(30), 0.05))
    });
    g.bench_function("Plan::new, 1000 rounds", |b| {
        b.iter(|| stats::Plan::new(black_box(1000), 0.05))
    });
    let plan = stats::Plan::new(30, 0.05).expect("plan");
    let ratios = values(30, 13);
    g.bench_function("Plan::look after 30 rounds", |b| {
        b.iter(|| plan.look(black_box(&ratios), &[2.0, 1.5]))
    });
    g.finish();

    let mut g = c.benchmark_group("coverage");
    g.sample_size(10);
    g.bench_function("coverage_table, 4000 runs × 6 round counts", |b| {
        b.iter(|| {
            stats::coverage::coverage_table(
                stats::coverage::EXPERIMENTS,
                stats::coverage::SEED,
                black_box(&stats::coverage::ROUND_COUNTS),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, percentiles, bootstrap, order_statistics);
criterion_main!(benches);
