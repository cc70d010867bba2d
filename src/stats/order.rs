//! Distribution-free intervals for a median from order statistics, and the reduction of a
//! round's repetitions to the round's value.
//!
//! **Rounds are the unit.** Each round is a fresh process, interleaved with the other
//! models; its repetitions (as llama-bench's `-r`) share that process's state, so they
//! are reduced to one value, their median ([`round_value`]), and intervals are taken over
//! round values.
//!
//! **The interval.** For n independent values of a continuous distribution, the number
//! below the true median is Binomial(n, ½) whatever the distribution, so the interval
//! `[X(k), X(n−k+1)]` between the k-th smallest and k-th largest value covers the median
//! with probability γₖ = 1 − 2·P(Bin(n, ½) ≤ k − 1) exactly (the interval of the sign
//! test; e.g. Hollander, Wolfe & Chicken, *Nonparametric Statistical Methods*, 3rd ed.,
//! §3.6). Ties only raise the coverage. γₖ jumps in steps (n = 8: 99.2 % for k = 1,
//! 93.0 % for k = 2), so:
//! - when γ₁ (the range of the values) is below the nominal level, the interval is the
//!   range and says what it achieves: 5 rounds, 1 − 2·0.5⁵ = **93.75 %**; 4 rounds
//!   87.5 %; 3 rounds 75 % ([`Method::OrderStatistics`]);
//! - otherwise the largest k with γₖ ≥ nominal is interpolated towards k + 1 as
//!   Hettmansperger & Sheather (1986, "Confidence intervals based on interpolated order
//!   statistics", *Statistics & Probability Letters* 4, 75–79) propose: with
//!   I = (γₖ − γ)/(γₖ − γₖ₊₁) and λ = (n − k)·I / (k + (n − 2k)·I), the bounds are
//!   (1 − λ)·X(k) + λ·X(k+1) and (1 − λ)·X(n−k+1) + λ·X(n−k). Exact for symmetric
//!   distributions, close to nominal for skewed ones (simulated in
//!   `crate::stats::coverage`) ([`Method::InterpolatedOrderStatistics`]).
//!
//! A percentile bootstrap of the median over n rounds is, at n = 5, the same range of
//! the five values — but it called that 95 %.

use super::interval::{Estimate, Interval, Method};
use super::{Rounds, StatsError};

/// P(Bin(n, ½) ≤ k): exact for n ≤ 50 (binomial coefficients are whole numbers below
/// 2⁵³), in log space beyond, so that any n works.
pub fn binomial_half_cdf(n: usize, k: usize) -> f64 {
    if k >= n {
        return 1.0;
    }
    if n <= 50 {
        // C(n, j) = C(n, j − 1)·(n − j + 1)/j: each step a whole number, exact in f64.
        let (mut c, mut sum) = (1.0f64, 1.0f64);
        for j in 1..=k {
            c = c * (n - j + 1) as f64 / j as f64;
            sum += c;
        }
        return sum * 0.5f64.powi(n as i32);
    }
    let ln_half_n = n as f64 * 0.5f64.ln();
    // ln C(n, j) built up from ln C(n, 0) = 0.
    let mut ln_choose = 0.0f64;
    let mut sum = 0.0;
    for j in 0..=k {
        if j > 0 {
            ln_choose += ((n - j + 1) as f64).ln() - (j as f64).ln();
        }
        sum += (ln_choose + ln_half_n).exp();
    }
    sum.min(1.0)
}

/// Coverage of `[X(k), X(n−k+1)]` for the median of n continuous values:
/// 1 − 2·P(Bin(n, ½) ≤ k − 1). `k` in 1..=⌈n/2⌉; 0 (no bound at all) covers always.
pub fn order_coverage(n: usize, k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    (1.0 - 2.0 * binomial_half_cdf(n, k - 1)).max(0.0)
}

/// The interval for the median of `values` (any order) at `level`, or at the highest
/// level n values can reach when that is less (see the module doc). Needs 2 finite
/// values.
pub fn median_interval(values: &[f64], level: f64) -> Result<Interval, StatsError> {
    let s = super::Sample::new(values)?;
    let x = super::sorted(s.values());
    let n = x.len();
    // X(k) as 1-based order statistics.
    let at = |k: usize| x[k - 1];
    let g1 = order_coverage(n, 1);
    if g1 <= level {
        return Ok(Interval {
            lo: at(1),
            hi: at(n),
            level: g1,
            method: Method::OrderStatistics,
        });
    }
    // Largest k with γₖ ≥ level (γ decreases in k; k ≤ ⌈n/2⌉ keeps X(k) ≤ X(n−k+1)).
    let mut k = 1;
    while k < n.div_ceil(2) && order_coverage(n, k + 1) >= level {
        k += 1;
    }
    let gk = order_coverage(n, k);
    if k + 1 > n - k || (gk - level).abs() < 1e-12 {
        // No narrower interval inside to interpolate towards, or γₖ is the level itself.
        return Ok(Interval {
            lo: at(k),
            hi: at(n - k + 1),
            level: gk,
            method: Method::OrderStatistics,
        });
    }
    let gk1 = order_coverage(n, k + 1);
    // I: how far the level lies from γₖ towards γₖ₊₁; λ: the weight of the inner
    // order statistics.
    let i = (gk - level) / (gk - gk1);
    let (nf, kf) = (n as f64, k as f64);
    let lambda = (nf - kf) * i / (kf + (nf - 2.0 * kf) * i);
    Ok(Interval {
        lo: (1.0 - lambda) * at(k) + lambda * at(k + 1),
        hi: (1.0 - lambda) * at(n - k + 1) + lambda * at(n - k),
        level,
        method: Method::InterpolatedOrderStatistics,
    })
}

/// One round's value from its repetitions: their median (type 7, the mean of the two
/// middle values for an even count). Refuses an empty round and non-finite values.
pub fn round_value(repetitions: &[f64]) -> Result<f64, StatsError> {
    if repetitions.is_empty() {
        return Err(StatsError::Empty);
    }
    super::sample::check_finite(repetitions)?;
    Ok(super::median(repetitions).unwrap_or(f64::NAN))
}

/// Every round's value ([`round_value`] of its repetitions), rounds in order.
pub fn round_values(rounds: &Rounds) -> Vec<f64> {
    rounds
        .rounds()
        .iter()
        // `Rounds` holds no empty round and no non-finite value.
        .map(|(_, reps)| round_value(reps).unwrap_or(f64::NAN))
        .collect()
}

/// The median of per-round values with its interval at `level` (see
/// [`median_interval`]); the point is the median of the values.
pub fn median_estimate(values: &[f64], level: f64) -> Result<Estimate, StatsError> {
    if values.is_empty() {
        return Err(StatsError::Empty);
    }
    super::sample::check_finite(values)?;
    let point = super::median(values).unwrap_or(f64::NAN);
    let mut est = Estimate {
        point,
        interval: None,
        n: values.len(),
        rounds: values.len(),
        no_interval: None,
    };
    if values.len() < 2 {
        est.no_interval = Some("one round: an interval needs at least 2 rounds".into());
    } else {
        est.interval = Some(median_interval(values, level)?);
    }
    Ok(est)
}

/// One model's median over rounds: each round reduced to its value (the median of its
/// repetitions), then the median of the round values with an order-statistic interval
/// at `level`. `n` counts every repetition, `rounds` the rounds.
pub fn median_of_rounds(rounds: &Rounds, level: f64) -> Estimate {
    let values = round_values(rounds);
    let mut est = match median_estimate(&values, level) {
        Ok(e) => e,
        // Unreachable: `Rounds` guarantees at least one round of finite values.
        Err(e) => Estimate {
            point: f64::NAN,
            interval: None,
            n: 0,
            rounds: 0,
            no_interval: Some(e.to_string()),
        },
    };
    est.n = rounds.rounds().iter().map(|(_, v)| v.len()).sum();
    est
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn binomial_by_hand() {
        // Bin(5, ½): P(0) = 1/32, P(≤1) = 6/32, P(≤2) = 16/32.
        assert!((binomial_half_cdf(5, 0) - 1.0 / 32.0).abs() < 1e-15);
        assert!((binomial_half_cdf(5, 1) - 6.0 / 32.0).abs() < 1e-15);
        assert!((binomial_half_cdf(5, 2) - 0.5).abs() < 1e-15);
        assert_eq!(binomial_half_cdf(5, 5), 1.0);
        // Far beyond 2^-1074: still a probability, symmetric.
        let p = binomial_half_cdf(3000, 1499);
        assert!(
            (p + binomial_half_cdf(3000, 1500) - 1.0).abs() < 1e-9,
            "{p}"
        );
    }

    #[test]
    fn coverage_of_order_statistics_by_hand() {
        assert_eq!(order_coverage(5, 1), 0.9375);
        assert_eq!(order_coverage(4, 1), 0.875);
        assert_eq!(order_coverage(3, 1), 0.75);
        assert_eq!(order_coverage(2, 1), 0.5);
        // n = 8: 1 − 2/256 and 1 − 2·9/256.
        assert!((order_coverage(8, 1) - 254.0 / 256.0).abs() < 1e-15);
        assert!((order_coverage(8, 2) - 238.0 / 256.0).abs() < 1e-15);
        // n = 20, k = 6: 1 − 2·21700/2^20 (Σ C(20, j), j ≤ 5 = 21700).
        assert!((order_coverage(20, 6) - (1.0 - 43400.0 / 1048576.0)).abs() < 1e-12);
    }

    #[test]
    fn five_rounds_give_their_range_at_93_75_percent() {
        let i = median_interval(&[5.0, 1.0, 4.0, 2.0, 3.0], 0.95).expect("interval");
        assert_eq!((i.lo, i.hi, i.level), (1.0, 5.0, 0.9375));
        assert_eq!(i.method, Method::OrderStatistics);
        assert_eq!(i.label(), "93.8 % interval (order statistics)");
        // 3 rounds: the range, 75 %.
        let i = median_interval(&[3.0, 1.0, 2.0], 0.95).expect("interval");
        assert_eq!((i.lo, i.hi, i.level), (1.0, 3.0, 0.75));
    }

    #[test]
    fn interpolation_by_hand() {
        // n = 8, 95 %: k = 1 (99.22 %), k + 1 = 2 (92.97 %).
        // I = (254/256 − 0.95)/(254/256 − 238/256) = (254 − 243.2)/16 = 0.675;
        // λ = 7·0.675/(1 + 6·0.675) = 4.725/5.05, the weight of X(2) and X(7) (as in
        // Wilcox's `sint`).
        let v: Vec<f64> = (1..=8).map(f64::from).collect();
        let i = median_interval(&v, 0.95).expect("interval");
        let lambda = 4.725 / 5.05;
        assert!((i.lo - ((1.0 - lambda) * 1.0 + lambda * 2.0)).abs() < 1e-12);
        assert!((i.hi - ((1.0 - lambda) * 8.0 + lambda * 7.0)).abs() < 1e-12);
        assert_eq!(
            (i.level, i.method),
            (0.95, Method::InterpolatedOrderStatistics)
        );
        // A level exactly reached by an order statistic needs no interpolation.
        let i = median_interval(&v, 238.0 / 256.0).expect("interval");
        assert_eq!((i.lo, i.hi, i.method), (2.0, 7.0, Method::OrderStatistics));
    }

    #[test]
    fn interval_holds_the_median_and_ignores_order() {
        let v = [9.0, 3.0, 7.0, 1.0, 5.0, 8.0, 2.0, 6.0, 4.0, 10.0, 30.0];
        let i = median_interval(&v, 0.95).expect("interval");
        let mut w = v;
        w.reverse();
        assert_eq!(Ok(i), median_interval(&w, 0.95));
        let m = crate::stats::median(&v).expect("median");
        assert!(i.lo < m && m < i.hi && i.lo >= 1.0 && i.hi <= 30.0, "{i:?}");
        // The outlier 30 does not reach the interval: only order matters.
        let mut tame = v;
        tame[10] = 11.0;
        assert_eq!(median_interval(&tame, 0.95).map(|t| t.hi), Ok(i.hi));
    }

    #[test]
    fn too_few_or_bad_values_are_refused() {
        assert!(matches!(
            median_interval(&[1.0], 0.95),
            Err(StatsError::TooFew { got: 1, .. })
        ));
        assert!(matches!(
            median_interval(&[1.0, f64::NAN], 0.95),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
        assert_eq!(round_value(&[]), Err(StatsError::Empty));
        assert!(matches!(
            round_value(&[1.0, f64::INFINITY]),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
    }

    #[test]
    fn repetitions_reduce_to_their_median() {
        assert_eq!(round_value(&[30.0, 10.0, 20.0]), Ok(20.0));
        assert_eq!(round_value(&[10.0, 40.0]), Ok(25.0));
        let mut m = BTreeMap::new();
        m.insert(0, vec![10.0, 12.0, 11.0]);
        m.insert(1, vec![20.0]);
        m.insert(2, vec![14.0, 13.0, 90.0]);
        m.insert(3, vec![9.0, 9.5, 9.0]);
        m.insert(4, vec![15.0, 16.0, 17.0]);
        let r = Rounds::new(m).expect("rounds");
        assert_eq!(round_values(&r), vec![11.0, 20.0, 14.0, 9.0, 16.0]);
        let e = median_of_rounds(&r, 0.95);
        // Round values 9 11 14 16 20: median 14, range at 93.75 %.
        assert_eq!((e.point, e.n, e.rounds), (14.0, 13, 5));
        let i = e.interval.expect("interval");
        assert_eq!((i.lo, i.hi, i.level), (9.0, 20.0, 0.9375));
        assert_eq!(e.level(), Some(0.9375));
    }

    #[test]
    fn one_round_has_no_interval() {
        let mut m = BTreeMap::new();
        m.insert(3, vec![1.0, 2.0, 3.0]);
        let e = median_of_rounds(&Rounds::new(m).expect("rounds"), 0.95);
        assert_eq!((e.point, e.rounds, e.n), (2.0, 1, 3));
        assert!(e.interval.is_none() && e.no_interval.is_some());
    }
}
