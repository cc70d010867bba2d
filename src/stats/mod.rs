//! Statistics as pure functions over samples: no I/O, no printing, no clocks.
//!
//! - [`sample`]: [`Sample`] and [`Rounds`], value types that refuse NaN, infinities and
//!   too few points, so every function downstream can assume clean input;
//! - [`percentile`]: percentiles through an HDR histogram (3 significant digits) and the
//!   rule for when a sample can carry a percentile at all;
//! - [`spread`]: min/max, MAD and IQR;
//! - [`interval`]: [`Interval`] and [`Estimate`], which carry the level an interval
//!   achieves and the method that built it;
//! - [`order`]: a round's value from its repetitions, and distribution-free
//!   order-statistic intervals for a median of round values (exact level, interpolated
//!   to 95 % where the rounds allow);
//! - [`paired`]: candidate ÷ baseline paired by round, with the interval of [`order`];
//! - [`bootstrap`]: a seeded cluster bootstrap over rounds, for statistics pooled over
//!   many values per round (P95 of latencies over prompts);
//! - [`sequential`]: intervals valid under repeated looks, for `run --until-decided`;
//! - [`coverage`]: how often each interval covers a known truth in simulated runs;
//! - [`quality`]: a correct fraction's Wilson interval, a difference of fractions, bits
//!   per byte and perplexity with a bootstrap over text windows.
//!
//! **Which interval.** A median of one value per round (decode, prefill — each the median
//! of its repetitions —, memory, cold start) and a ratio paired by round:
//! [`order`] / [`paired`]. A statistic pooled over several values per round (P95 of time
//! to first token over prompts): [`bootstrap`]. While deciding round by round:
//! [`sequential`].
//!
//! The basics below (`sorted`, `quantile_sorted`, `median`) are also used by the run
//! summary.

pub mod bootstrap;
pub mod coverage;
pub mod interval;
pub mod order;
pub mod paired;
pub mod percentile;
pub mod quality;
pub mod sample;
pub mod sequential;
pub mod spread;

pub use bootstrap::pooled;
pub use interval::{Estimate, Interval, LEVEL, Method, Side};
pub use order::{median_interval, median_of_rounds, round_value, round_values};
pub use paired::{RoundRatio, paired_ratio, round_ratios};
pub use percentile::{Quantization, min_samples_for};
pub use sample::{Rounds, Sample, StatsError};
pub use sequential::{Look, Plan};

use crate::metric;

/// `stat` of one model's rounds with its interval, by the method that fits (see "Which
/// interval" above): the median of a metric measured once per round (`round_values`:
/// decode and prefill, whose repetitions reduce to the round's median; memory; cold
/// start) over round values with order statistics ([`median_of_rounds`]); anything else
/// pooled over rounds ([`pooled`]).
pub fn estimate(
    rounds: &Rounds,
    stat: metric::Stat,
    q: Quantization,
    round_values: bool,
) -> Result<Estimate, StatsError> {
    if round_values && stat == metric::Stat::Median {
        return Ok(median_of_rounds(rounds, LEVEL));
    }
    pooled(rounds, stat, q)
}

/// Values sorted ascending, NaN dropped.
pub fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Quantile `q` in [0, 1] of already sorted values, linear interpolation between closest
/// ranks (type 7 of Hyndman & Fan, the default of R and numpy). `None` when empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Median of `values` (NaN ignored).
pub fn median(values: &[f64]) -> Option<f64> {
    quantile_sorted(&sorted(values), 0.5)
}

/// Arithmetic mean; `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_quantiles_by_hand() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        let s = sorted(&[10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(quantile_sorted(&s, 0.95), Some(48.0));
        assert_eq!(quantile_sorted(&s, 0.0), Some(10.0));
    }

    #[test]
    fn mean_by_hand() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(mean(&[]), None);
    }
}
