//! Seeded percentile bootstrap over rounds, for one model's statistic and for a
//! candidate/baseline ratio paired by round.
//!
//! **Why rounds.** Each round is a fresh process, interleaved with the other models
//! (see `crate::plan`); samples inside one round (the inter-token gaps of one answer,
//! the prompts of one process) share that process's state and are not independent. So
//! the bootstrap resamples whole rounds with replacement and pools their values (a
//! cluster bootstrap); with one value per round it is the ordinary bootstrap.
//!
//! **Ratios.** Candidate and baseline ran side by side in each round, so a ratio is
//! taken per round (statistic of the candidate's values in round r ÷ the baseline's in
//! round r) and the ratios are bootstrapped; the point estimate is their median. Pairing
//! cancels drift that hits both models in the same round.
//!
//! **Interval.** 95 % percentile interval of 10 000 resamples (type-7 quantiles 2.5 % and
//! 97.5 % of the resampled statistics). The generator is SplitMix64 with a fixed seed,
//! so the same samples always give the same interval. With very few rounds (2–4) a
//! percentile bootstrap is too narrow, and it can never reach beyond the values seen:
//! with 2 rounds the interval is simply their range. min and max get no interval: they
//! are observed extremes, decided on the value itself.

use serde::Serialize;

use super::percentile::{self, Quantization};
use super::{Rounds, Sample, StatsError};
use crate::metric::Stat;

/// Confidence level of every interval.
pub const LEVEL: f64 = 0.95;
/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 10_000;
/// Seed of every bootstrap ("lfmbench" in ASCII).
pub const SEED: u64 = 0x6c66_6d62_656e_6368;

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and good enough to draw
/// resampling indices.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (multiply-shift; the bias, n / 2^64, is negligible).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
    pub level: f64,
}

/// A statistic with its interval, as stored in verdicts and reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub point: f64,
    /// `None` when there is no interval (see `no_interval`).
    pub interval: Option<Interval>,
    /// Values the point was computed from (for a ratio: paired rounds).
    pub n: usize,
    /// Rounds that contributed.
    pub rounds: usize,
    /// Why there is no interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_interval: Option<String>,
}

/// The median of `buf` (reorders it), type 7; `buf` must not be empty.
pub fn median_in_place(buf: &mut [f64]) -> f64 {
    let n = buf.len();
    if n <= 32 {
        // Small resamples (one value per round) are the common case: an insertion sort
        // is cheaper than a selection there, and plain loops stay fast in debug builds.
        for i in 1..n {
            let x = buf[i];
            let mut j = i;
            while j > 0 && buf[j - 1] > x {
                buf[j] = buf[j - 1];
                j -= 1;
            }
            buf[j] = x;
        }
        return if n % 2 == 1 {
            buf[n / 2]
        } else {
            (buf[n / 2 - 1] + buf[n / 2]) / 2.0
        };
    }
    let (left, hi, _) = buf.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        hi
    } else {
        let lo = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// `stat` of `values` (any order). Percentiles go through the histogram and refuse a
/// sample too small to carry them.
pub fn statistic(stat: Stat, values: &[f64], q: Quantization) -> Result<f64, StatsError> {
    if values.is_empty() {
        return Err(StatsError::Empty);
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(StatsError::NotFinite {
            index,
            value: values[index],
        });
    }
    Ok(match stat {
        Stat::Median => super::median(values).unwrap_or(f64::NAN),
        Stat::Mean => super::mean(values).unwrap_or(f64::NAN),
        Stat::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        Stat::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Stat::Percentile(p) => q.percentile(values, p)?,
    })
}

/// The 95 % percentile-bootstrap interval of `stat_of(indices)`, where each resample
/// draws `units` indices in 0..units with replacement.
pub fn percentile_bootstrap(units: usize, mut stat_of: impl FnMut(&[usize]) -> f64) -> Interval {
    let mut rng = SplitMix64::new(SEED);
    let mut idx = vec![0usize; units];
    let mut stats = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        for i in idx.iter_mut() {
            *i = rng.below(units);
        }
        stats.push(stat_of(&idx));
    }
    let tail = (1.0 - LEVEL) / 2.0;
    Interval {
        lo: quantile_select(&mut stats, tail),
        hi: quantile_select(&mut stats, 1.0 - tail),
        level: LEVEL,
    }
}

/// Type-7 quantile `q` by selection (reorders `v`; NaN sorts last). Same value as
/// [`super::quantile_sorted`] on the sorted values, in linear time.
fn quantile_select(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let (_, a, right) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    let frac = h - lo as f64;
    if frac == 0.0 || right.is_empty() {
        return a;
    }
    let b = right.iter().copied().fold(f64::INFINITY, f64::min);
    a + frac * (b - a)
}

fn no_interval_for(stat: Stat) -> Option<&'static str> {
    matches!(stat, Stat::Min | Stat::Max)
        .then_some("min and max are observed extremes: no interval, decided on the value itself")
}

/// `stat` over one model's values pooled across rounds, with a bootstrap interval
/// over rounds.
pub fn pooled(rounds: &Rounds, stat: Stat, q: Quantization) -> Result<Estimate, StatsError> {
    let all = rounds.pooled();
    let point = statistic(stat, &all, q)?;
    let mut est = Estimate {
        point,
        interval: None,
        n: all.len(),
        rounds: rounds.n_rounds(),
        no_interval: None,
    };
    if let Some(why) = no_interval_for(stat) {
        est.no_interval = Some(why.into());
        return Ok(est);
    }
    if rounds.n_rounds() < 2 {
        est.no_interval = Some("one round: an interval needs at least 2 rounds".into());
        return Ok(est);
    }
    // Percentiles resample quantized values so that each resample's rank statistic is
    // exactly what the histogram would report.
    let groups: Vec<Vec<f64>> = match stat {
        Stat::Percentile(_) => rounds
            .rounds()
            .iter()
            .map(|(_, v)| q.quantize(v))
            .collect::<Result<_, _>>()?,
        _ => rounds.rounds().iter().map(|(_, v)| v.clone()).collect(),
    };
    if stat != Stat::Mean && all.len() > RoundPool::MIN_VALUES {
        // Order statistics of large pools without building each resample.
        let pool = RoundPool::new(&groups);
        let mut mult = vec![0u32; groups.len()];
        est.interval = Some(percentile_bootstrap(groups.len(), |idx| {
            mult.fill(0);
            for &i in idx {
                mult[i] += 1;
            }
            let n = pool.len_of(&mult);
            match stat {
                Stat::Percentile(p) => pool.kth(&mult, percentile::rank(n, p) - 1),
                _ if n % 2 == 1 => pool.kth(&mult, n / 2),
                _ => (pool.kth(&mult, n / 2 - 1) + pool.kth(&mult, n / 2)) / 2.0,
            }
        }));
        return Ok(est);
    }
    let mut buf = Vec::with_capacity(all.len() * 2);
    est.interval = Some(percentile_bootstrap(groups.len(), |idx| {
        buf.clear();
        for &i in idx {
            buf.extend_from_slice(&groups[i]);
        }
        match stat {
            Stat::Percentile(p) => percentile::by_rank(&mut buf, p).unwrap_or(f64::NAN),
            Stat::Mean => super::mean(&buf).unwrap_or(f64::NAN),
            _ => median_in_place(&mut buf),
        }
    }));
    Ok(est)
}

/// Every value of every round sorted once, so that the k-th smallest value of a
/// resample of whole rounds (round r taken `mult[r]` times) is found without building
/// the resample: blocks of the sorted values carry their count per round, so a query
/// skips whole blocks by their weight and scans one. With n values over R rounds that
/// costs about n / B · R + B steps (B ≈ √(n·R)) instead of copying and selecting among
/// all pooled values, the same order statistic exactly (values ordered by `total_cmp`,
/// as the selection does). `report` over many long runs spent 95 % of its time there.
struct RoundPool {
    /// Every value, ascending (`total_cmp`).
    values: Vec<f64>,
    /// The round (index into the groups) of each value.
    round: Vec<usize>,
    /// Values per round.
    lens: Vec<u64>,
    block: usize,
    /// Per block, per round: how many of the block's values come from that round.
    counts: Vec<u32>,
}

impl RoundPool {
    /// Pools up to this size are resampled by copying (as cheap; a resample of at most
    /// this many values is sorted by insertion there, which orders ties of -0.0 and 0.0
    /// differently from `total_cmp`).
    const MIN_VALUES: usize = 32;

    fn new(groups: &[Vec<f64>]) -> RoundPool {
        let mut pairs: Vec<(f64, usize)> = groups
            .iter()
            .enumerate()
            .flat_map(|(r, v)| v.iter().map(move |x| (*x, r)))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n_rounds = groups.len().max(1);
        let block = ((pairs.len() * n_rounds) as f64).sqrt().ceil().max(16.0) as usize;
        let mut counts = vec![0u32; pairs.len().div_ceil(block) * n_rounds];
        for (j, (_, r)) in pairs.iter().enumerate() {
            counts[(j / block) * n_rounds + r] += 1;
        }
        RoundPool {
            values: pairs.iter().map(|p| p.0).collect(),
            round: pairs.iter().map(|p| p.1).collect(),
            lens: groups.iter().map(|g| g.len() as u64).collect(),
            block,
            counts,
        }
    }

    /// How many values the resample `mult` pools.
    fn len_of(&self, mult: &[u32]) -> usize {
        self.lens
            .iter()
            .zip(mult)
            .map(|(l, m)| l * u64::from(*m))
            .sum::<u64>() as usize
    }

    /// The `k`-th smallest (0-based) value of the resample `mult`; NaN past its end.
    fn kth(&self, mult: &[u32], k: usize) -> f64 {
        let k = k as u64;
        let n_rounds = self.lens.len().max(1);
        let mut below = 0u64;
        for (b, per_round) in self.counts.chunks(n_rounds).enumerate() {
            let w: u64 = per_round
                .iter()
                .zip(mult)
                .map(|(c, m)| u64::from(*c) * u64::from(*m))
                .sum();
            if below + w <= k {
                below += w;
                continue;
            }
            let start = b * self.block;
            let end = (start + self.block).min(self.values.len());
            for j in start..end {
                below += u64::from(mult[self.round[j]]);
                if below > k {
                    return self.values[j];
                }
            }
        }
        f64::NAN
    }
}

/// One round's ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RoundRatio {
    pub round: u32,
    pub candidate: f64,
    pub baseline: f64,
    pub ratio: f64,
}

/// The per-round ratios of `stat` (candidate ÷ baseline) over the rounds both have.
pub fn round_ratios(
    candidate: &Rounds,
    baseline: &Rounds,
    stat: Stat,
    q: Quantization,
) -> Result<Vec<RoundRatio>, StatsError> {
    let mut out = Vec::new();
    for (round, c) in candidate.rounds() {
        let Some(b) = baseline.get(*round) else {
            continue;
        };
        let (cv, bv) = (statistic(stat, c, q)?, statistic(stat, b, q)?);
        if bv == 0.0 {
            return Err(StatsError::ZeroDenominator { round: *round });
        }
        out.push(RoundRatio {
            round: *round,
            candidate: cv,
            baseline: bv,
            ratio: cv / bv,
        });
    }
    if out.is_empty() {
        return Err(StatsError::NoPairs);
    }
    Ok(out)
}

/// candidate ÷ baseline paired by round: the median of the per-round ratios, with a
/// bootstrap interval over rounds.
pub fn paired_ratio(
    candidate: &Rounds,
    baseline: &Rounds,
    stat: Stat,
    q: Quantization,
) -> Result<Estimate, StatsError> {
    let ratios: Vec<f64> = round_ratios(candidate, baseline, stat, q)?
        .iter()
        .map(|r| r.ratio)
        .collect();
    let mut est = Estimate {
        point: super::median(&ratios).unwrap_or(f64::NAN),
        interval: None,
        n: ratios.len(),
        rounds: ratios.len(),
        no_interval: None,
    };
    match Sample::new(&ratios) {
        Ok(s) => {
            let mut buf = vec![0.0; s.len()];
            est.interval = Some(percentile_bootstrap(s.len(), |idx| {
                for (b, &i) in buf.iter_mut().zip(idx) {
                    *b = s.values()[i];
                }
                median_in_place(&mut buf)
            }));
        }
        Err(_) => {
            est.no_interval = Some("one paired round: an interval needs at least 2".into());
        }
    }
    Ok(est)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn rounds(v: &[&[f64]]) -> Rounds {
        let m: BTreeMap<u32, Vec<f64>> = v
            .iter()
            .enumerate()
            .map(|(i, x)| (i as u32, x.to_vec()))
            .collect();
        Rounds::new(m).expect("rounds")
    }

    #[allow(non_snake_case)]
    fn MS() -> Quantization {
        Quantization::for_unit("ms")
    }

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        let mut r = SplitMix64::new(1);
        assert!((0..1000).all(|_| r.below(3) < 3));
    }

    #[test]
    fn quantile_by_selection_equals_the_sorted_one() {
        let mut rng = SplitMix64::new(3);
        let v: Vec<f64> = (0..1001).map(|_| (rng.next_u64() % 1000) as f64).collect();
        let s = crate::stats::sorted(&v);
        for q in [0.0, 0.025, 0.5, 0.975, 1.0] {
            let mut w = v.clone();
            assert_eq!(
                Some(quantile_select(&mut w, q)),
                crate::stats::quantile_sorted(&s, q),
                "q = {q}"
            );
        }
    }

    #[test]
    fn median_in_place_is_type7() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        // Above the insertion-sort size too.
        let mut v: Vec<f64> = (0..40).rev().map(f64::from).collect();
        assert_eq!(median_in_place(&mut v), 19.5);
        let mut v: Vec<f64> = (0..41).rev().map(f64::from).collect();
        assert_eq!(median_in_place(&mut v), 20.0);
    }

    /// The pooled resamples of large pools (order statistics without building them) give
    /// exactly what copying and selecting gives: uneven rounds, ties, every statistic.
    #[test]
    fn large_pools_resample_to_the_same_intervals_as_copying() {
        let mut rng = SplitMix64::new(11);
        for (n_rounds, per_round) in [(2, 200), (5, 120), (10, 900), (37, 40)] {
            let groups: Vec<Vec<f64>> = (0..n_rounds)
                .map(|r| {
                    (0..per_round + r * 7)
                        .map(|_| (rng.next_u64() % 5000) as f64 / 10.0)
                        .collect()
                })
                .collect();
            assert!(groups.iter().map(Vec::len).sum::<usize>() > RoundPool::MIN_VALUES);
            let pool = RoundPool::new(&groups);
            for trial in 0..50 {
                let mult: Vec<u32> = (0..n_rounds).map(|_| (rng.next_u64() % 3) as u32).collect();
                let mut buf: Vec<f64> = groups
                    .iter()
                    .zip(&mult)
                    .flat_map(|(g, m)| (0..*m).flat_map(move |_| g.iter().copied()))
                    .collect();
                assert_eq!(pool.len_of(&mult), buf.len());
                if buf.is_empty() {
                    continue;
                }
                buf.sort_by(f64::total_cmp);
                for k in [0, buf.len() / 3, buf.len() / 2, buf.len() - 1] {
                    assert_eq!(pool.kth(&mult, k), buf[k], "trial {trial}, k {k}");
                }
                assert!(pool.kth(&mult, buf.len()).is_nan());
            }
            // And through `pooled`, against the copying path on the same rounds.
            let rounds = Rounds::new(
                groups
                    .iter()
                    .enumerate()
                    .map(|(r, g)| (r as u32, g.clone()))
                    .collect(),
            )
            .expect("rounds");
            for stat in [Stat::Median, Stat::Percentile(95.0), Stat::Percentile(50.0)] {
                let fast = pooled(&rounds, stat, MS()).expect("fast");
                let groups: Vec<Vec<f64>> = match stat {
                    Stat::Percentile(_) => groups
                        .iter()
                        .map(|g| MS().quantize(g).expect("finite"))
                        .collect(),
                    _ => groups.clone(),
                };
                let mut buf = Vec::new();
                let slow = percentile_bootstrap(groups.len(), |idx| {
                    buf.clear();
                    for &i in idx {
                        buf.extend_from_slice(&groups[i]);
                    }
                    match stat {
                        Stat::Percentile(p) => percentile::by_rank(&mut buf, p).expect("p"),
                        _ => median_in_place(&mut buf),
                    }
                });
                assert_eq!(fast.interval, Some(slow), "{n_rounds} rounds, {stat:?}");
            }
        }
    }

    #[test]
    fn two_rounds_give_their_range() {
        // Resamples of {1, 3}: 11 → 1, 13 and 31 → 2, 33 → 3, each ≥ 25 % likely, so the
        // 2.5 % and 97.5 % quantiles are exactly 1 and 3.
        let e = pooled(&rounds(&[&[1.0], &[3.0]]), Stat::Median, MS()).expect("estimate");
        assert_eq!(e.point, 2.0);
        assert_eq!(
            e.interval,
            Some(Interval {
                lo: 1.0,
                hi: 3.0,
                level: 0.95
            })
        );
        let m = pooled(&rounds(&[&[0.0], &[1.0]]), Stat::Mean, MS()).expect("mean");
        assert_eq!(
            (m.point, m.interval.map(|i| (i.lo, i.hi))),
            (0.5, Some((0.0, 1.0)))
        );
    }

    #[test]
    fn constant_data_has_a_zero_width_interval_and_is_reproducible() {
        let r = rounds(&[&[5.0, 5.0], &[5.0], &[5.0, 5.0, 5.0]]);
        let e = pooled(&r, Stat::Median, MS()).expect("estimate");
        assert_eq!((e.point, e.n, e.rounds), (5.0, 6, 3));
        assert_eq!(e.interval.map(|i| (i.lo, i.hi)), Some((5.0, 5.0)));
        let spread = rounds(&[&[1.0, 9.0], &[2.0], &[7.0, 3.0], &[4.0], &[5.0, 6.0]]);
        let a = pooled(&spread, Stat::Median, MS()).expect("a");
        let b = pooled(&spread, Stat::Median, MS()).expect("b");
        assert_eq!(a, b, "same samples, same interval");
        let i = a.interval.expect("interval");
        assert!(i.lo <= a.point && a.point <= i.hi && i.lo >= 1.0 && i.hi <= 9.0);
    }

    #[test]
    fn one_round_or_an_extreme_has_no_interval() {
        let e = pooled(&rounds(&[&[1.0, 2.0, 3.0]]), Stat::Median, MS()).expect("one round");
        assert_eq!(e.point, 2.0);
        assert!(e.interval.is_none() && e.no_interval.is_some());
        let m = pooled(&rounds(&[&[1.0], &[0.5]]), Stat::Min, MS()).expect("min");
        assert_eq!(m.point, 0.5);
        assert!(m.interval.is_none());
    }

    #[test]
    fn percentiles_follow_the_sample_rule() {
        let few = rounds(&[&[1.0; 5], &[2.0; 5]]);
        assert!(matches!(
            pooled(&few, Stat::Percentile(95.0), MS()),
            Err(StatsError::TooFew { needed: 20, .. })
        ));
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let w: Vec<f64> = (11..=20).map(f64::from).collect();
        let e = pooled(&rounds(&[&v, &w]), Stat::Percentile(95.0), MS()).expect("p95");
        // Quantized as in percentile::tests: 19 → 19.007, 10 → 10.007, 20 → 20.015.
        assert_eq!(e.point, 19.007);
        let i = e.interval.expect("interval");
        // Resamples: round 0 twice → P95 = 10; round 1 twice → 20; one of each → 19.
        assert_eq!((i.lo, i.hi), (10.007, 20.015));
    }

    #[test]
    fn ratio_is_paired_by_round() {
        // Round 0 both slow, round 1 both fast: per-round ratio is 2 in both, although
        // the pooled medians alone would also say 2 with a much wider spread.
        let c = rounds(&[&[10.0], &[40.0]]);
        let b = rounds(&[&[5.0], &[20.0]]);
        let e = paired_ratio(&c, &b, Stat::Median, MS()).expect("ratio");
        assert_eq!(e.point, 2.0);
        assert_eq!(e.interval.map(|i| (i.lo, i.hi)), Some((2.0, 2.0)));
        // Unpaired rounds are left out; ratios 2 and 4 → median 3, interval [2, 4].
        let mut m = BTreeMap::new();
        m.insert(0, vec![10.0]);
        m.insert(1, vec![40.0]);
        m.insert(5, vec![1.0]);
        let c = Rounds::new(m).expect("c");
        let b = rounds(&[&[5.0], &[10.0]]);
        let e = paired_ratio(&c, &b, Stat::Median, MS()).expect("ratio");
        assert_eq!((e.point, e.rounds), (3.0, 2));
        assert_eq!(e.interval.map(|i| (i.lo, i.hi)), Some((2.0, 4.0)));
    }

    #[test]
    fn ratio_errors_are_explicit() {
        let mut m = BTreeMap::new();
        m.insert(7, vec![1.0]);
        let other = Rounds::new(m).expect("r");
        let c = rounds(&[&[1.0]]);
        assert_eq!(
            paired_ratio(&c, &other, Stat::Median, MS()),
            Err(StatsError::NoPairs)
        );
        let z = rounds(&[&[0.0]]);
        assert_eq!(
            paired_ratio(&c, &z, Stat::Median, MS()),
            Err(StatsError::ZeroDenominator { round: 0 })
        );
        let one = paired_ratio(&c, &c, Stat::Median, MS()).expect("one pair");
        assert_eq!(one.point, 1.0);
        assert!(one.interval.is_none());
    }
}
