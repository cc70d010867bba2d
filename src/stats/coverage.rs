//! How often the intervals cover the truth, measured on synthetic benchmark runs whose
//! truth is known: the figures the report's methodology prints, and what the tests
//! assert. Pure and seeded: the same arguments give the same table.
//!
//! **The synthetic run ([`Synthetic`])** imitates decode measurements: each round every
//! model takes 3 repetitions (the round's value is their median); values are log-normal
//! (skewed) around the model's speed, with a round-level spread (σ = 0.15 in log, the
//! process's own state) and a repetition spread (σ = 0.05). Drift is shared by the models
//! of a round: a slow trend (−10 % … +10 % across the run, e.g. heat) and outlier rounds
//! (1 in 10 rounds 40 % slower, a busy host). One model alone also stalls now and then
//! (1 in 20 rounds 30 % slower). The truth:
//! - the paired ratio's median is candidate ÷ baseline exactly (the shared drift cancels
//!   inside a round, and the rest of log(ratio) is symmetric);
//! - one model's median is the median of the mixture of its rounds' distributions
//!   (rounds differ by the trend), computed by numerical integration
//!   ([`Synthetic::true_median`]).
//!
//! **The latency run ([`SyntheticLatency`])** imitates the chat workload behind "P95 of
//! time to first token": 4 prompts (fixed offsets) × 2 repeats per round, log-normal
//! values (σ = 0.25) with a round effect (σ = 0.15) and the same shared trend and outlier
//! rounds; the truth is the P95 of the mixture of normals in log, solved by bisection.
//!
//! Coverage is the fraction of simulated runs whose interval holds the truth; its
//! Monte-Carlo standard error is √(c(1 − c)/runs) (4 000 runs: ±0.35 %).

use serde::Serialize;

use super::bootstrap::SplitMix64;
use super::interval::{LEVEL, Method};
use super::sequential::Plan;
use super::{Quantization, Rounds};
use crate::metric::Stat;

/// Simulated runs per table row (Monte-Carlo standard error ≤ ±0.8 % at any level).
pub const EXPERIMENTS: usize = 4000;
/// Seed of the tables ("coverage" in ASCII).
pub const SEED: u64 = 0x636f_7665_7261_6765;
/// Round counts of the table: the suites' range.
pub const ROUND_COUNTS: [usize; 6] = [3, 5, 8, 10, 20, 30];

/// Normal deviates by Box–Muller over [`SplitMix64`].
#[derive(Debug, Clone)]
pub struct Normal {
    rng: SplitMix64,
    spare: Option<f64>,
}

impl Normal {
    pub fn new(seed: u64) -> Normal {
        Normal {
            rng: SplitMix64::new(seed),
            spare: None,
        }
    }
    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() <= p
    }
    /// A standard normal deviate.
    pub fn standard(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let (u1, u2) = (self.uniform(), self.uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        self.spare = Some(r * a.sin());
        r * a.cos()
    }
}

/// Standard normal CDF (erfc of Numerical Recipes §6.2, fractional error < 1.2·10⁻⁷).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// The x where the increasing `cdf` reaches `p`, by bisection in [lo, hi].
fn solve(mut lo: f64, mut hi: f64, p: f64, cdf: impl Fn(f64) -> f64) -> f64 {
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The shared log-drift of round `r` of `n`: a linear trend from −trend/2 to +trend/2.
fn trend_at(trend: f64, r: usize, n: usize) -> f64 {
    if n < 2 {
        0.0
    } else {
        trend * (r as f64 / (n - 1) as f64 - 0.5)
    }
}

/// A synthetic decode benchmark (see the module doc; [`Default`] is the documented one).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Synthetic {
    /// The candidate's typical speed (tokens/s).
    pub candidate: f64,
    /// The baseline's typical speed (tokens/s).
    pub baseline: f64,
    /// Log-normal σ of a model's round (its process's state).
    pub round_sigma: f64,
    /// Log-normal σ of a repetition inside a round.
    pub rep_sigma: f64,
    /// Repetitions per round (the round's value is their median).
    pub repetitions: usize,
    /// Shared linear trend across the run, in log units from first to last round.
    pub trend: f64,
    /// Chance that a round is an outlier for every model in it.
    pub outlier_p: f64,
    /// Speed factor of an outlier round.
    pub outlier_factor: f64,
    /// Chance that one model alone stalls in a round.
    pub stall_p: f64,
    /// Speed factor of a stalled round.
    pub stall_factor: f64,
}

impl Default for Synthetic {
    fn default() -> Synthetic {
        Synthetic {
            candidate: 60.0,
            baseline: 30.0,
            round_sigma: 0.15,
            rep_sigma: 0.05,
            repetitions: 3,
            trend: 0.2,
            outlier_p: 0.1,
            outlier_factor: 0.6,
            stall_p: 0.05,
            stall_factor: 0.7,
        }
    }
}

/// One simulated run: per round, the repetitions of the candidate and of the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedRun {
    pub candidate: Vec<Vec<f64>>,
    pub baseline: Vec<Vec<f64>>,
}

impl SimulatedRun {
    /// Each round's value of the candidate (median of its repetitions).
    pub fn candidate_values(&self) -> Vec<f64> {
        self.candidate.iter().map(|r| round_median(r)).collect()
    }
    /// Each round's candidate ÷ baseline ratio of round values.
    pub fn ratios(&self) -> Vec<f64> {
        self.candidate
            .iter()
            .zip(&self.baseline)
            .map(|(c, b)| round_median(c) / round_median(b))
            .collect()
    }
}

fn round_median(reps: &[f64]) -> f64 {
    super::order::round_value(reps).unwrap_or(f64::NAN)
}

impl Synthetic {
    /// The same benchmark without shared drift (no trend, no outlier rounds): rounds are
    /// then independent and identically distributed, the case where the order-statistic
    /// level is exact for one model too.
    pub fn without_drift(&self) -> Synthetic {
        Synthetic {
            trend: 0.0,
            outlier_p: 0.0,
            ..*self
        }
    }

    /// A run of `n` rounds (the trend spans these `n` rounds).
    pub fn run(&self, n: usize, rng: &mut Normal) -> SimulatedRun {
        self.run_spanning(n, n, rng)
    }

    /// The first `n` rounds of a run whose trend spans `span` rounds (a sequential run
    /// planned for `span` rounds).
    pub fn run_spanning(&self, n: usize, span: usize, rng: &mut Normal) -> SimulatedRun {
        let mut candidate = Vec::with_capacity(n);
        let mut baseline = Vec::with_capacity(n);
        for r in 0..n {
            let mut shared = trend_at(self.trend, r, span);
            if rng.chance(self.outlier_p) {
                shared += self.outlier_factor.ln();
            }
            candidate.push(self.model_round(self.candidate, shared, rng));
            baseline.push(self.model_round(self.baseline, shared, rng));
        }
        SimulatedRun {
            candidate,
            baseline,
        }
    }

    fn model_round(&self, speed: f64, shared: f64, rng: &mut Normal) -> Vec<f64> {
        let mut log = speed.ln() + shared + self.round_sigma * rng.standard();
        if rng.chance(self.stall_p) {
            log += self.stall_factor.ln();
        }
        (0..self.repetitions)
            .map(|_| (log + self.rep_sigma * rng.standard()).exp())
            .collect()
    }

    /// The true median of the paired ratio: candidate ÷ baseline (see the module doc).
    pub fn true_ratio(&self) -> f64 {
        self.candidate / self.baseline
    }

    /// CDF of one round value's log-deviation from its round's centre: round noise plus
    /// the median of `repetitions` normal repetition deviations, by Simpson's rule.
    fn deviation_cdf(&self, x: f64) -> f64 {
        let m = self.repetitions.max(1);
        // P(median of m ≤ u) = P(at least ⌈m/2⌉ of m below u) (odd m; even m: the mean
        // of the middle two, approximated by the lower one's law — only odd m is used).
        let median_cdf = |u: f64| {
            let f = normal_cdf(u / self.rep_sigma.max(1e-12));
            let need = m.div_ceil(2);
            (need..=m)
                .map(|j| binomial(m, j) * f.powi(j as i32) * (1.0 - f).powi((m - j) as i32))
                .sum::<f64>()
        };
        if self.round_sigma <= 0.0 {
            return median_cdf(x);
        }
        const STEPS: usize = 400;
        let (a, b) = (-8.0, 8.0);
        let h = (b - a) / STEPS as f64;
        let mut sum = 0.0;
        for i in 0..=STEPS {
            let z = a + i as f64 * h;
            let w = if i == 0 || i == STEPS {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let pdf = (-0.5 * z * z).exp() / (std::f64::consts::TAU).sqrt();
            sum += w * pdf * median_cdf(x - self.round_sigma * z);
        }
        sum * h / 3.0
    }

    /// The true median of a model's round values over a run of `n` rounds whose typical
    /// speed is `speed`: the median of the mixture of the rounds' distributions (they
    /// differ by the trend; outlier rounds and stalls are mixture components).
    pub fn true_median(&self, speed: f64, n: usize) -> f64 {
        let n = n.max(1);
        let shifts: Vec<(f64, f64)> = {
            let mut v = Vec::new();
            for (o, po) in [
                (0.0, 1.0 - self.outlier_p),
                (self.outlier_factor.ln(), self.outlier_p),
            ] {
                for (s, ps) in [
                    (0.0, 1.0 - self.stall_p),
                    (self.stall_factor.ln(), self.stall_p),
                ] {
                    v.push((o + s, po * ps));
                }
            }
            v
        };
        let cdf = |y: f64| {
            let mut total = 0.0;
            for r in 0..n {
                let centre = speed.ln() + trend_at(self.trend, r, n);
                for &(shift, w) in &shifts {
                    if w > 0.0 {
                        total += w * self.deviation_cdf(y - centre - shift);
                    }
                }
            }
            total / n as f64
        };
        solve(speed.ln() - 5.0, speed.ln() + 5.0, 0.5, cdf).exp()
    }
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, j| c * (n - j) as f64 / (j + 1) as f64)
}

/// A synthetic chat-latency benchmark (see the module doc; [`Default`] is the documented
/// one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyntheticLatency {
    /// Typical time to first token (ms).
    pub base_ms: f64,
    /// Log offsets of the prompts (each prompt is run in every round).
    pub prompts: Vec<f64>,
    /// Repeats of each prompt per round.
    pub repeats: usize,
    /// Log-normal σ of a round (its process's state).
    pub round_sigma: f64,
    /// Log-normal σ of one answer.
    pub sigma: f64,
    /// Shared linear trend across the run (log units).
    pub trend: f64,
    /// Chance that a round is an outlier.
    pub outlier_p: f64,
    /// Latency factor of an outlier round.
    pub outlier_factor: f64,
}

impl Default for SyntheticLatency {
    fn default() -> SyntheticLatency {
        SyntheticLatency {
            base_ms: 80.0,
            prompts: vec![-0.3, -0.1, 0.1, 0.3],
            repeats: 2,
            round_sigma: 0.15,
            sigma: 0.25,
            trend: 0.2,
            outlier_p: 0.1,
            outlier_factor: 1.0 / 0.6,
        }
    }
}

impl SyntheticLatency {
    /// A run of `n` rounds: each round's latencies.
    pub fn run(&self, n: usize, rng: &mut Normal) -> Vec<Vec<f64>> {
        (0..n)
            .map(|r| {
                let mut centre = self.base_ms.ln() + trend_at(self.trend, r, n);
                if rng.chance(self.outlier_p) {
                    centre += self.outlier_factor.ln();
                }
                centre += self.round_sigma * rng.standard();
                let mut v = Vec::with_capacity(self.prompts.len() * self.repeats);
                for p in &self.prompts {
                    for _ in 0..self.repeats {
                        v.push((centre + p + self.sigma * rng.standard()).exp());
                    }
                }
                v
            })
            .collect()
    }

    /// The true P-th percentile of all latencies of a run of `n` rounds (the mixture over
    /// rounds, outliers and prompts of log-normals).
    pub fn true_percentile(&self, p: f64, n: usize) -> f64 {
        let n = n.max(1);
        let s = (self.round_sigma.powi(2) + self.sigma.powi(2)).sqrt();
        let cdf = |y: f64| {
            let mut total = 0.0;
            for r in 0..n {
                let centre = self.base_ms.ln() + trend_at(self.trend, r, n);
                for (o, w) in [
                    (0.0, 1.0 - self.outlier_p),
                    (self.outlier_factor.ln(), self.outlier_p),
                ] {
                    for off in &self.prompts {
                        total += w * normal_cdf((y - centre - o - off) / s);
                    }
                }
            }
            total / (n * self.prompts.len().max(1)) as f64
        };
        let c = self.base_ms.ln();
        solve(c - 10.0, c + 10.0, p / 100.0, cdf).exp()
    }
}

/// One row of a coverage table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// What the interval is for.
    pub statistic: &'static str,
    pub method: Method,
    pub rounds: usize,
    /// The level the interval states (what it achieves, or the nominal level).
    pub stated: f64,
    /// Fraction of simulated runs whose interval held the truth.
    pub coverage: f64,
    /// Monte-Carlo standard error of `coverage`.
    pub mc_error: f64,
    pub experiments: usize,
}

impl CoverageRow {
    fn new(
        statistic: &'static str,
        method: Method,
        rounds: usize,
        stated: f64,
        hits: usize,
        experiments: usize,
    ) -> CoverageRow {
        let c = hits as f64 / experiments.max(1) as f64;
        CoverageRow {
            statistic,
            method,
            rounds,
            stated,
            coverage: c,
            mc_error: (c * (1.0 - c) / experiments.max(1) as f64).sqrt(),
            experiments,
        }
    }
}

/// Names of the table's statistics.
pub const RATIO: &str = "median of paired ratios";
pub const MEDIAN: &str = "median of one model's round values";
pub const MEDIAN_IID: &str = "median of one model's round values, no drift";
pub const POOLED_P95: &str = "P95 pooled over rounds";

/// The simulated coverage of the cluster bootstrap's nominal 95 % interval for a P95
/// pooled over 5 rounds of [`SyntheticLatency::default`] ([`bootstrap_coverage_table`]
/// with [`EXPERIMENTS`] runs and [`SEED`]; `bootstrap_table` prints it). Stored rather
/// than computed per report (10 000 resamples per run make it minutes); the test
/// `cluster_bootstrap_of_a_pooled_p95_covers_what_its_doc_says` re-simulates it.
pub const BOOTSTRAP_P95_COVERAGE_5_ROUNDS: f64 = 0.7342;

/// Counts how often intervals of one statistic hold the truth.
struct Tally {
    hits: usize,
    level: f64,
    method: Method,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            hits: 0,
            level: f64::NAN,
            method: Method::OrderStatistics,
        }
    }
    fn add(&mut self, values: &[f64], truth: f64) {
        if let Ok(iv) = super::order::median_interval(values, LEVEL) {
            self.hits += usize::from(iv.lo <= truth && truth <= iv.hi);
            (self.level, self.method) = (iv.level, iv.method);
        }
    }
    fn row(&self, statistic: &'static str, rounds: usize, experiments: usize) -> CoverageRow {
        CoverageRow::new(
            statistic,
            self.method,
            rounds,
            self.level,
            self.hits,
            experiments,
        )
    }
}

/// Coverage of the order-statistic intervals ([`super::order`]) at each of
/// `round_counts`, over `experiments` runs of [`Synthetic::default`]: three rows per
/// round count — the paired ratio ([`RATIO`]), one model's median ([`MEDIAN`]), and one
/// model's median when rounds do not drift ([`MEDIAN_IID`], from
/// [`Synthetic::without_drift`]).
///
/// Rounds that drift are independent but not identically distributed; for one model
/// the order-statistic level is then a lower bound (Hoeffding 1956, "On the
/// distribution of the number of successes in independent trials", *Ann. Math.
/// Statist.* 27, 713–721: the count below the median is then more concentrated than
/// Binomial(n, ½)), so [`MEDIAN`] covers somewhat more than it states. The paired ratio
/// cancels the shared drift and is at its stated level.
///
/// Costs about experiments × rounds × 40 normal draws: [`EXPERIMENTS`] runs at
/// [`ROUND_COUNTS`] take about a second in an optimised build.
pub fn coverage_table(experiments: usize, seed: u64, round_counts: &[usize]) -> Vec<CoverageRow> {
    let syn = Synthetic::default();
    let iid = syn.without_drift();
    let mut rows = Vec::new();
    for (i, &n) in round_counts.iter().enumerate() {
        let mut rng = Normal::new(seed.wrapping_add(i as u64));
        let truth_median = syn.true_median(syn.candidate, n);
        let truth_iid = iid.true_median(iid.candidate, n);
        let truth_ratio = syn.true_ratio();
        let (mut ratio, mut median, mut median_iid) = (Tally::new(), Tally::new(), Tally::new());
        for _ in 0..experiments {
            let run = syn.run(n, &mut rng);
            ratio.add(&run.ratios(), truth_ratio);
            median.add(&run.candidate_values(), truth_median);
            median_iid.add(&iid.run(n, &mut rng).candidate_values(), truth_iid);
        }
        rows.push(ratio.row(RATIO, n, experiments));
        rows.push(median.row(MEDIAN, n, experiments));
        rows.push(median_iid.row(MEDIAN_IID, n, experiments));
    }
    rows
}

/// Coverage of the cluster bootstrap ([`super::pooled`]) for the P95 of latencies pooled
/// over rounds, at each of `round_counts`, over `experiments` runs of
/// [`SyntheticLatency::default`]. Each interval takes 10 000 resamples: about 1 ms per
/// run and round count in an optimised build, so this is for tests and the lead's
/// methodology figures, not for every report.
pub fn bootstrap_coverage_table(
    experiments: usize,
    seed: u64,
    round_counts: &[usize],
) -> Vec<CoverageRow> {
    let syn = SyntheticLatency::default();
    let q = Quantization::for_unit("ms");
    let mut rows = Vec::new();
    for (i, &n) in round_counts.iter().enumerate() {
        let mut rng = Normal::new(seed.wrapping_add(0x100 + i as u64));
        let truth = syn.true_percentile(95.0, n);
        let mut hits = 0;
        let mut done = 0;
        for _ in 0..experiments {
            let by_round = syn.run(n, &mut rng).into_iter().enumerate();
            let Ok(rounds) = Rounds::new(by_round.map(|(r, v)| (r as u32, v)).collect()) else {
                continue;
            };
            if let Ok(e) = super::pooled(&rounds, Stat::Percentile(95.0), q)
                && let Some(iv) = e.interval
            {
                done += 1;
                hits += usize::from(iv.lo <= truth && truth <= iv.hi);
            }
        }
        rows.push(CoverageRow::new(
            POOLED_P95,
            Method::ClusterBootstrap,
            n,
            LEVEL,
            hits,
            done,
        ));
    }
    rows
}

/// What a sequential plan did over simulated `--until-decided` runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequentialRow {
    /// The true paired ratio.
    pub truth: f64,
    /// The line a run stops at once its interval is clear of it.
    pub target: f64,
    /// Fraction of runs that decided (their interval came clear of the target).
    pub decided: f64,
    /// Fraction of runs that decided on the wrong side of the target (or, with the truth
    /// on the target, decided at all).
    pub false_decisions: f64,
    /// Median rounds a run took (the plan's maximum for a run that never decided).
    pub median_rounds: f64,
    pub experiments: usize,
}

/// Simulated `--until-decided` runs of [`Synthetic`] with the candidate at
/// `truth` × the baseline, looking after every round with `plan` and stopping when the
/// paired ratio's interval is clear of `target` (or at the plan's last round).
pub fn sequential_row(
    plan: &Plan,
    truth: f64,
    target: f64,
    experiments: usize,
    seed: u64,
) -> SequentialRow {
    let syn = Synthetic {
        candidate: Synthetic::default().baseline * truth,
        ..Synthetic::default()
    };
    let n_max = plan.max_rounds();
    let mut rng = Normal::new(seed);
    let (mut decided, mut wrong) = (0usize, 0usize);
    let mut rounds_taken = Vec::with_capacity(experiments);
    for _ in 0..experiments {
        let run = syn.run_spanning(n_max, n_max, &mut rng);
        let ratios = run.ratios();
        let mut taken = n_max;
        for n in 1..=n_max {
            let Ok(look) = plan.look(&ratios[..n], &[target]) else {
                break;
            };
            if look.decided {
                decided += 1;
                let above = look.sides.first() == Some(&super::Side::Below);
                // The line below the interval: decided "above the target".
                let truly_above = truth > target;
                if truth == target || above != truly_above {
                    wrong += 1;
                }
                taken = n;
                break;
            }
        }
        rounds_taken.push(taken as f64);
    }
    let e = experiments.max(1) as f64;
    SequentialRow {
        truth,
        target,
        decided: decided as f64 / e,
        false_decisions: wrong as f64 / e,
        median_rounds: super::median(&rounds_taken).unwrap_or(f64::NAN),
        experiments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_by_hand() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-7);
        assert!((normal_cdf(-1.644_853_627) - 0.05).abs() < 1e-7);
        // Box–Muller deviates: mean 0, variance 1.
        let mut g = Normal::new(1);
        let v: Vec<f64> = (0..100_000).map(|_| g.standard()).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
        assert!(m.abs() < 0.01 && (var - 1.0).abs() < 0.015, "{m} {var}");
        let below = v.iter().filter(|&&x| x < -1.644_853_627).count() as f64 / v.len() as f64;
        assert!((below - 0.05).abs() < 0.003, "{below}");
    }

    /// The numerically integrated truths agree with brute force: the median (P95) of
    /// many values drawn from the same mixture.
    #[test]
    fn truths_match_brute_force() {
        let syn = Synthetic::default();
        let n = 10;
        let mut rng = Normal::new(5);
        let mut values = Vec::new();
        let mut ratios = Vec::new();
        for _ in 0..20_000 {
            let run = syn.run(n, &mut rng);
            values.extend(run.candidate_values());
            ratios.extend(run.ratios());
        }
        let m = crate::stats::median(&values).expect("median");
        let truth = syn.true_median(syn.candidate, n);
        assert!((m / truth - 1.0).abs() < 0.002, "{m} vs {truth}");
        let r = crate::stats::median(&ratios).expect("median");
        assert!((r / syn.true_ratio() - 1.0).abs() < 0.002, "{r}");
        // Drift and one-sided outliers move the mixture's median below the typical speed.
        assert!(truth < syn.candidate * 0.99, "{truth}");

        let lat = SyntheticLatency::default();
        let mut all = Vec::new();
        for _ in 0..10_000 {
            all.extend(lat.run(5, &mut rng).into_iter().flatten());
        }
        let s = crate::stats::sorted(&all);
        let p95 = crate::stats::quantile_sorted(&s, 0.95).expect("p95");
        let truth = lat.true_percentile(95.0, 5);
        assert!((p95 / truth - 1.0).abs() < 0.01, "{p95} vs {truth}");
    }

    /// The claim of issue 16: at 5, 8, 10 and 20 rounds the interval covers the truth
    /// as often as it says — within [93 %, 97 %] where it says 95 %, within ±2 % of the
    /// level it states where 95 % cannot be reached (5 rounds: 93.75 %) — for skewed
    /// rounds of repetitions with drift and outlier rounds shared by both models. For one
    /// model's median under drift the stated level is a lower bound (see
    /// [`coverage_table`]): it may cover more, up to 97 %, never 2 % less.
    #[test]
    fn order_statistic_intervals_cover_what_they_state() {
        let rows = coverage_table(EXPERIMENTS, SEED, &[5, 8, 10, 20]);
        assert_eq!(rows.len(), 12);
        for r in &rows {
            let (lo, hi) = match (r.stated == LEVEL, r.statistic == MEDIAN) {
                (true, _) => (0.93, 0.97),
                (false, false) => (r.stated - 0.02, r.stated + 0.02),
                (false, true) => (r.stated - 0.02, 0.97),
            };
            assert!(
                (lo..=hi).contains(&r.coverage),
                "{} at {} rounds: {:.4} for a stated {:.4}",
                r.statistic,
                r.rounds,
                r.coverage,
                r.stated
            );
        }
        for r in rows.iter().filter(|r| r.rounds == 5) {
            assert_eq!((r.stated, r.method), (0.9375, Method::OrderStatistics));
        }
        for r in rows.iter().filter(|r| r.rounds >= 8) {
            assert_eq!(
                (r.stated, r.method),
                (LEVEL, Method::InterpolatedOrderStatistics)
            );
        }
        assert!(
            rows.iter()
                .all(|r| r.experiments == EXPERIMENTS && r.mc_error < 0.005)
        );
        // Seeded: the same table twice.
        assert_eq!(rows, coverage_table(EXPERIMENTS, SEED, &[5, 8, 10, 20]));
    }

    /// The cluster bootstrap of a pooled P95 covers far less than its nominal 95 % at
    /// the suites' round counts: this pins the figure the module doc of
    /// `crate::stats::bootstrap` states for 5 rounds (75 %, simulated with 4 000 runs),
    /// within 4 Monte-Carlo standard errors of 400 runs.
    #[test]
    fn cluster_bootstrap_of_a_pooled_p95_covers_what_its_doc_says() {
        let rows = bootstrap_coverage_table(400, SEED, &[5]);
        let r = &rows[0];
        assert_eq!((r.statistic, r.rounds, r.experiments), (POOLED_P95, 5, 400));
        assert!(
            (r.coverage - BOOTSTRAP_P95_COVERAGE_5_ROUNDS).abs() <= 4.0 * r.mc_error,
            "{:.4}",
            r.coverage
        );
        assert!(
            r.coverage < 0.9,
            "no longer far below 95 %: update the docs"
        );
    }

    /// The full bootstrap table (minutes): `cargo test --lib -- --ignored
    /// bootstrap_table --nocapture`.
    #[test]
    #[ignore]
    fn bootstrap_table() {
        for r in bootstrap_coverage_table(EXPERIMENTS, SEED, &ROUND_COUNTS) {
            println!(
                "{} rounds: {:.1} % ± {:.1} % (nominal {:.0} %)",
                r.rounds,
                100.0 * r.coverage,
                100.0 * r.mc_error,
                100.0 * r.stated
            );
        }
    }
}
