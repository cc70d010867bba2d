//! Seeded percentile bootstrap over rounds, for a statistic of one model's values pooled
//! across rounds when each round holds many of them (P95 of time to first token over
//! the prompts of each round, the median inter-token gap).
//!
//! **Why rounds.** Each round is a fresh process, interleaved with the other models
//! (see `crate::plan`); samples inside one round (the inter-token gaps of one answer,
//! the prompts of one process) share that process's state and are not independent. So
//! the bootstrap resamples whole rounds with replacement and pools their values (a
//! cluster bootstrap).
//!
//! **Not for one value per round.** The median of one value per round (decode, memory,
//! cold start) and ratios paired by round get the order-statistic intervals of
//! `super::order`, whose level is exact: the percentile bootstrap of 5 values returns
//! their range and called it 95 % when it covers 93.75 %. [`pooled`] hands that case to
//! `super::order` itself.
//!
//! **Interval.** Percentile interval of 10 000 resamples at the nominal [`LEVEL`] (type-7
//! quantiles 2.5 % and 97.5 % of the resampled statistics), labelled
//! [`Method::ClusterBootstrap`]. The generator is SplitMix64 with a fixed seed, so the
//! same samples always give the same interval. min and max get no interval: they are
//! observed extremes, decided on the value itself.
//!
//! **Its coverage is far below 95 %.** Simulated (`crate::stats::coverage`,
//! `bootstrap_coverage_table`, 4 000 runs of 4 prompts × 2 repeats per round, log-normal
//! with round effects, a shared trend and outlier rounds), the interval of the pooled P95
//! held the true P95 in 54 % of runs at 3 rounds, 73 % at 5, 70 % at 8, 78 % at 10, 84 %
//! at 20 and 88 % at 30 (±0.8 %), and nearly every miss was an interval *below* the truth:
//! a percentile bootstrap never reaches beyond the values seen, and a few rounds rarely
//! hold the rare slow rounds that make a P95. No interval can do much better there
//! without a model: even 40 independent values cannot bound a P95 from above at 97.5 %
//! (the largest of n values exceeds it with probability 1 − 0.95ⁿ, 87 % for n = 40; 72
//! values are needed). So its [`Interval::level`] is nominal and its label says so
//! ("nominal 95 % interval"); an upper bound on a P95 from few rounds is not evidence.

use super::percentile::{self, Quantization};
use super::{Rounds, StatsError};
use crate::metric::Stat;

pub use super::interval::{Estimate, Interval, LEVEL, Method};

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
        method: Method::ClusterBootstrap,
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
/// over rounds — except the median of one value per round, which is the median of
/// round values and gets the order-statistic interval of [`super::order`] (exact level,
/// where the bootstrap of 5 values returned their range and called it 95 %).
pub fn pooled(rounds: &Rounds, stat: Stat, q: Quantization) -> Result<Estimate, StatsError> {
    let all = rounds.pooled();
    let point = statistic(stat, &all, q)?;
    if stat == Stat::Median && all.len() == rounds.n_rounds() {
        return super::order::median_estimate(&all, LEVEL);
    }
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
        // One value per round: the median of round values, by order statistics; the
        // range of 2 values covers the median half the time, and says so (the bootstrap
        // gave the same range and called it 95 %).
        let e = pooled(&rounds(&[&[1.0], &[3.0]]), Stat::Median, MS()).expect("estimate");
        assert_eq!(e.point, 2.0);
        assert_eq!(
            e.interval,
            Some(Interval {
                lo: 1.0,
                hi: 3.0,
                level: 0.5,
                method: Method::OrderStatistics,
            })
        );
        // Resamples of {0, 1}: 00 → 0, 01 and 10 → 0.5, 11 → 1, each ≥ 25 % likely, so
        // the 2.5 % and 97.5 % quantiles are exactly 0 and 1.
        let m = pooled(&rounds(&[&[0.0], &[1.0]]), Stat::Mean, MS()).expect("mean");
        assert_eq!(
            (m.point, m.interval.map(|i| (i.lo, i.hi, i.level, i.method))),
            (0.5, Some((0.0, 1.0, 0.95, Method::ClusterBootstrap)))
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
}
