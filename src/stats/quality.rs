//! Intervals for the quality metrics, as pure functions: a correct fraction's Wilson score
//! interval, the difference of two fractions (Newcombe), and bits per byte or perplexity
//! of a text with a bootstrap over its windows, alone or candidate against baseline.
//!
//! **Correct fraction.** Wilson (1927) score interval at z = 1.96: unlike the textbook
//! p ± z·√(p(1−p)/n) it stays inside [0, 1] and does not collapse to a point at 0 or n
//! correct answers, which a 40-question set hits. Its coverage is close to 95 % but not
//! exact for small n (Brown, Cai & DasGupta 2001), so it is labelled nominal. The unit is
//! the question, not the answer: greedy decoding answers a repeated question the same
//! way, so repeats add no information (a question answered several times counts with the
//! fraction of its answers that were right).
//!
//! **Difference of two fractions.** Newcombe (1998), method 10: from the two Wilson
//! intervals, L = d − √((p₁−l₁)² + (u₂−p₂)²), U = d + √((u₁−p₁)² + (p₂−l₂)²). It treats the
//! two models' answers as independent; both answered the same questions, whose
//! difficulty they share, so the interval is wider than a paired one would be
//! (conservative).
//!
//! **Bits per byte, perplexity.** The value is exact for the text (the same windows give
//! the same logits); its interval says how much it depends on which passages were scored:
//! a percentile bootstrap that resamples whole windows (10 000 resamples, fixed seed).
//! Two models are compared by resampling each one's windows independently (their windows
//! cover different bytes, since their tokenizers cut the text differently) and taking the
//! ratio or difference resample by resample; as with fractions, that ignores what the
//! models share and errs wide.

use super::bootstrap::{RESAMPLES, SEED, SplitMix64};
use super::interval::{Estimate, Interval, LEVEL, Method};
use crate::metric::{
    MetricName, bits_per_byte, judged_by_question, perplexity, text_windows, window_totals,
};
use crate::sample::{Record, WindowScore};

/// z for a two-sided 95 % interval.
const Z: f64 = 1.959_963_984_540_054;

/// Wilson score interval of `successes` out of `n` (successes may be fractional: the sum
/// of per-question fractions). `None` for n = 0.
pub fn wilson(successes: f64, n: usize) -> Option<Interval> {
    if n == 0 || !successes.is_finite() || successes < 0.0 || successes > n as f64 {
        return None;
    }
    let n = n as f64;
    let p = successes / n;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
        level: LEVEL,
        method: Method::Wilson,
    })
}

/// A fraction with its Wilson interval: `successes` of `n` units.
pub fn fraction(successes: f64, n: usize, rounds: usize) -> Option<Estimate> {
    let interval = wilson(successes, n)?;
    Some(Estimate {
        point: successes / n as f64,
        interval: Some(interval),
        n,
        rounds,
        no_interval: None,
    })
}

/// p₁ − p₂ with Newcombe's hybrid score interval, from each fraction's Wilson estimate.
pub fn difference_of_fractions(a: &Estimate, b: &Estimate) -> Option<Estimate> {
    let (ia, ib) = (a.interval?, b.interval?);
    let d = a.point - b.point;
    let lo = d - ((a.point - ia.lo).powi(2) + (ib.hi - b.point).powi(2)).sqrt();
    let hi = d + ((ia.hi - a.point).powi(2) + (b.point - ib.lo).powi(2)).sqrt();
    Some(Estimate {
        point: d,
        interval: Some(Interval {
            lo,
            hi,
            level: LEVEL,
            method: Method::Newcombe,
        }),
        n: a.n.min(b.n),
        rounds: a.rounds.min(b.rounds),
        no_interval: None,
    })
}

/// What is computed from a text's windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStat {
    BitsPerByte,
    Perplexity,
}

impl TextStat {
    /// The statistic over `windows`; `None` when nothing was scored.
    pub fn of(self, windows: &[WindowScore]) -> Option<f64> {
        let (nll, tokens, bytes) = window_totals(windows);
        match self {
            TextStat::BitsPerByte => (bytes > 0).then(|| bits_per_byte(nll, bytes)),
            TextStat::Perplexity => (tokens > 0).then(|| perplexity(nll, tokens)),
        }
    }
}

/// How two models' values are put side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versus {
    /// a ÷ b
    Ratio,
    /// a − b
    Difference,
}

/// The statistic of each of `RESAMPLES` bootstrap resamples of `windows` (whole windows,
/// with replacement), drawn from `seed`.
fn resampled(windows: &[WindowScore], stat: TextStat, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    let mut pick = Vec::with_capacity(windows.len());
    (0..RESAMPLES)
        .map(|_| {
            pick.clear();
            pick.extend((0..windows.len()).map(|_| windows[rng.below(windows.len())]));
            stat.of(&pick).unwrap_or(f64::NAN)
        })
        .collect()
}

fn percentile_interval(mut v: Vec<f64>) -> Option<Interval> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - LEVEL) / 2.0;
    Some(Interval {
        lo: super::quantile_sorted(&v, tail)?,
        hi: super::quantile_sorted(&v, 1.0 - tail)?,
        level: LEVEL,
        method: Method::WindowBootstrap,
    })
}

const ONE_WINDOW: &str = "one window: an interval needs at least 2 windows of text";

/// The statistic of one model's windows with its bootstrap interval over windows;
/// `rounds` is how many runs of the text the windows come from.
pub fn text_estimate(windows: &[WindowScore], stat: TextStat, rounds: usize) -> Option<Estimate> {
    let point = stat.of(windows)?;
    let interval = if windows.len() >= 2 {
        percentile_interval(resampled(windows, stat, SEED))
    } else {
        None
    };
    Some(Estimate {
        point,
        no_interval: interval.is_none().then(|| ONE_WINDOW.to_string()),
        interval,
        n: windows.len(),
        rounds,
    })
}

/// a's statistic against b's (ratio or difference), with the interval of the same
/// combination over independent bootstrap resamples of each one's windows.
pub fn text_versus(
    a: &[WindowScore],
    b: &[WindowScore],
    stat: TextStat,
    versus: Versus,
    rounds: usize,
) -> Option<Estimate> {
    let combine = |x: f64, y: f64| match versus {
        Versus::Ratio => x / y,
        Versus::Difference => x - y,
    };
    let point = combine(stat.of(a)?, stat.of(b)?);
    let interval = if a.len() >= 2 && b.len() >= 2 {
        let ra = resampled(a, stat, SEED);
        let rb = resampled(b, stat, SEED ^ 0x5bd1_e995);
        percentile_interval(ra.iter().zip(&rb).map(|(x, y)| combine(*x, *y)).collect())
    } else {
        None
    };
    Some(Estimate {
        point,
        no_interval: interval.is_none().then(|| ONE_WINDOW.to_string()),
        interval,
        n: a.len().min(b.len()),
        rounds,
    })
}

/// A quality metric of `model` with its interval, from the run's records; `None` when
/// the model has no sample of it (or `metric` is not a quality metric).
pub fn estimate(metric: MetricName, records: &[Record], model: &str) -> Option<Estimate> {
    match metric {
        MetricName::QualityCorrectFraction => {
            let q = judged_by_question(records, model);
            let k: f64 = q.iter().map(|(_, f, _)| f).sum();
            fraction(k, q.len(), 1)
        }
        MetricName::QualityBitsPerByte | MetricName::QualityPerplexity => {
            let (w, runs) = text_windows(records, model);
            text_estimate(&w, text_stat(metric)?, runs)
        }
        _ => None,
    }
}

fn text_stat(metric: MetricName) -> Option<TextStat> {
    match metric {
        MetricName::QualityBitsPerByte => Some(TextStat::BitsPerByte),
        MetricName::QualityPerplexity => Some(TextStat::Perplexity),
        _ => None,
    }
}

/// `a`'s quality metric against `b`'s: a difference of correct fractions (Newcombe), a
/// ratio or difference of a text statistic (bootstrap over windows). `None` when either
/// has no sample, or a ratio of fractions is asked (not defined when `b` has none right).
pub fn versus(
    metric: MetricName,
    records: &[Record],
    a: &str,
    b: &str,
    how: Versus,
) -> Option<Estimate> {
    match (metric, how) {
        (MetricName::QualityCorrectFraction, Versus::Difference) => difference_of_fractions(
            &estimate(metric, records, a)?,
            &estimate(metric, records, b)?,
        ),
        (MetricName::QualityCorrectFraction, Versus::Ratio) => None,
        _ => {
            let (wa, ra) = text_windows(records, a);
            let (wb, rb) = text_windows(records, b);
            text_versus(&wa, &wb, text_stat(metric)?, how, ra.min(rb))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), table I: 81 of 263 → 0.2553–0.3662; 15 of 148 → 0.0624–0.1605;
        // 0 of 10 → 0–0.2775; 1 of 29 → 0.0061–0.1718.
        for (k, n, lo, hi) in [
            (81.0, 263, 0.2553, 0.3662),
            (15.0, 148, 0.0624, 0.1605),
            (0.0, 10, 0.0, 0.2775),
            (1.0, 29, 0.0061, 0.1718),
        ] {
            let i = wilson(k, n).expect("interval");
            assert!(close(i.lo, lo) && close(i.hi, hi), "{k}/{n}: {i:?}");
            assert_eq!(i.method, Method::Wilson);
        }
        let all = wilson(40.0, 40).expect("interval");
        assert!(
            all.hi == 1.0 && all.lo < 1.0,
            "never a point at n of n: {all:?}"
        );
        assert_eq!(wilson(1.0, 0), None);
        assert_eq!(wilson(5.0, 4), None);
    }

    #[test]
    fn newcombe_difference_matches_the_published_example() {
        // Newcombe (1998), table II, example (a): 56/70 − 48/80 = 0.2000, method 10
        // interval 0.0524–0.3339.
        let a = fraction(56.0, 70, 1).expect("a");
        let b = fraction(48.0, 80, 1).expect("b");
        let d = difference_of_fractions(&a, &b).expect("difference");
        assert!(close(d.point, 0.2), "{d:?}");
        let i = d.interval.expect("interval");
        assert!(close(i.lo, 0.0524) && close(i.hi, 0.3339), "{i:?}");
    }

    fn windows(bpb: &[f64]) -> Vec<WindowScore> {
        bpb.iter()
            .map(|b| WindowScore {
                nll: b * 100.0 * std::f64::consts::LN_2,
                tokens: 25,
                bytes: 100,
            })
            .collect()
    }

    #[test]
    fn text_intervals_hold_the_value_and_are_reproducible() {
        let w = windows(&[0.9, 1.1, 1.0, 0.95, 1.05, 1.2, 0.8, 1.0]);
        let e = text_estimate(&w, TextStat::BitsPerByte, 1).expect("estimate");
        assert!(close(e.point, 1.0), "{e:?}");
        let i = e.interval.expect("interval");
        assert!(
            i.lo < 1.0 && 1.0 < i.hi && i.lo > 0.8 && i.hi < 1.2,
            "{i:?}"
        );
        assert_eq!(Some(e.clone()), text_estimate(&w, TextStat::BitsPerByte, 1));
        let one = text_estimate(&w[..1], TextStat::BitsPerByte, 1).expect("one");
        assert!(one.interval.is_none() && one.no_interval.is_some());
        // The same text scored twice as well: ratio 0.5 exactly, an interval around it.
        let half = windows(&[0.45, 0.55, 0.5, 0.475, 0.525, 0.6, 0.4, 0.5]);
        let r = text_versus(&half, &w, TextStat::BitsPerByte, Versus::Ratio, 1).expect("ratio");
        assert!(close(r.point, 0.5), "{r:?}");
        let ri = r.interval.expect("interval");
        assert!(ri.lo < 0.5 && 0.5 < ri.hi, "{ri:?}");
        let d = text_versus(&half, &w, TextStat::BitsPerByte, Versus::Difference, 1)
            .expect("difference");
        assert!(close(d.point, -0.5), "{d:?}");
    }
}
