//! candidate ÷ baseline paired by round: one ratio per round, then their median with an
//! order-statistic interval.
//!
//! **Why pair.** Candidate and baseline run side by side in each round (interleaved, see
//! `crate::plan`), so whatever slows the host during a round — a thermal trend, a busy
//! neighbour — hits both. The ratio taken inside the round (the candidate's statistic
//! in round r ÷ the baseline's in round r) cancels that shared drift; the ratios of
//! different rounds are then independent, and their median gets the distribution-free
//! interval of [`super::order`] (exact level at 5 rounds: 93.75 %; interpolated to 95 %
//! from 6 rounds). The simulated coverage, with drift and outlier rounds shared by both
//! models, is in `crate::stats::coverage`.

use serde::Serialize;

use super::bootstrap::statistic;
use super::interval::{Estimate, LEVEL};
use super::{Quantization, Rounds, StatsError};
use crate::metric::Stat;

/// One round's ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RoundRatio {
    pub round: u32,
    pub candidate: f64,
    pub baseline: f64,
    pub ratio: f64,
}

/// The per-round ratios of `stat` (candidate ÷ baseline) over the rounds both have,
/// rounds in order. With repetitions in a round, `Stat::Median` makes each side's round
/// value the median of its repetitions ([`super::order::round_value`]).
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

/// candidate ÷ baseline paired by round: the median of the per-round ratios, with an
/// order-statistic interval at [`LEVEL`] (or the level the rounds can reach).
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
    let mut est = super::order::median_estimate(&ratios, LEVEL)?;
    if est.interval.is_none() {
        est.no_interval = Some("one paired round: an interval needs at least 2".into());
    }
    Ok(est)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::stats::interval::Method;

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
    fn ratio_is_paired_by_round() {
        // Round 0 both slow, round 1 both fast: per-round ratio is 2 in both, although
        // the pooled medians alone would also say 2 with a much wider spread.
        let c = rounds(&[&[10.0], &[40.0]]);
        let b = rounds(&[&[5.0], &[20.0]]);
        let e = paired_ratio(&c, &b, Stat::Median, MS()).expect("ratio");
        assert_eq!(e.point, 2.0);
        assert_eq!(e.interval.map(|i| (i.lo, i.hi)), Some((2.0, 2.0)));
        // Unpaired rounds are left out; ratios 2 and 4 → median 3, interval [2, 4] —
        // the range of 2 rounds, which covers the median only half the time, and says so.
        let mut m = BTreeMap::new();
        m.insert(0, vec![10.0]);
        m.insert(1, vec![40.0]);
        m.insert(5, vec![1.0]);
        let c = Rounds::new(m).expect("c");
        let b = rounds(&[&[5.0], &[10.0]]);
        let e = paired_ratio(&c, &b, Stat::Median, MS()).expect("ratio");
        assert_eq!((e.point, e.rounds), (3.0, 2));
        let i = e.interval.expect("interval");
        assert_eq!((i.lo, i.hi, i.level), (2.0, 4.0, 0.5));
    }

    #[test]
    fn five_paired_rounds_of_repetitions() {
        // Shared drift: round 3 is slow for both; each side's round value is the median
        // of its repetitions, and the ratio of round values is 2 in every round but one.
        let c = rounds(&[
            &[20.0, 21.0, 19.0],
            &[22.0, 20.0, 99.0],
            &[20.0, 20.0, 20.0],
            &[10.0, 10.0, 11.0],
            &[30.0, 29.0, 31.0],
        ]);
        let b = rounds(&[
            &[10.0, 10.5, 9.5],
            &[10.0, 11.0, 11.0],
            &[10.0, 10.0, 10.0],
            &[5.0, 5.0, 5.5],
            &[12.0, 12.0, 12.0],
        ]);
        let ratios: Vec<f64> = round_ratios(&c, &b, Stat::Median, MS())
            .expect("ratios")
            .iter()
            .map(|r| r.ratio)
            .collect();
        assert_eq!(ratios, vec![2.0, 2.0, 2.0, 2.0, 2.5]);
        let e = paired_ratio(&c, &b, Stat::Median, MS()).expect("ratio");
        let i = e.interval.expect("interval");
        assert_eq!((e.point, i.lo, i.hi, i.level), (2.0, 2.0, 2.5, 0.9375));
        assert_eq!(i.method, Method::OrderStatistics);
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
        assert!(one.interval.is_none() && one.no_interval.is_some());
    }
}
