//! Percentiles through an HDR histogram, and the rule for when a sample can carry one.
//!
//! **Quantization.** Values are recorded as whole multiples of a metric's `step`
//! (milliseconds with a step of 0.001, i.e. whole microseconds; tokens/s in steps of
//! 0.001; bytes as bytes) into an `hdrhistogram` with 3 significant digits. A
//! percentile is then the upper edge of the bucket holding the sample at its rank: at
//! most 1 part in 1000 (0.1 %) above that sample, plus half a step of rounding
//! (0.5 µs for latencies). That is far below run-to-run noise.
//!
//! **Rank.** As hdrhistogram defines it: the P-th percentile of n values is the k-th
//! smallest, k = max(1, ⌈P/100 · n⌉) (nearest rank, no interpolation).
//!
//! **When a sample can carry P.** Only when at least one sample lies above the
//! percentile's rank, i.e. n · (1 − P/100) ≥ 1: P95 needs 20 samples, P99 needs 100,
//! P90 needs 10, P50 needs 2. With fewer, "P95" would simply be the largest value seen,
//! and the report says "not enough samples" instead of printing a number.

use hdrhistogram::Histogram;

use super::StatsError;

/// Significant decimal digits of the histogram.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// Samples needed before the P-th percentile (0 < P ≤ 100) is reported.
pub fn min_samples_for(p: f64) -> usize {
    let q = p / 100.0;
    if q >= 1.0 {
        return 1;
    }
    // 1e-9 absorbs the binary error of 1 / 0.05 = 20.000000000000004.
    ((1.0 / (1.0 - q)) - 1e-9).ceil().max(1.0) as usize
}

/// 1-based rank of the P-th percentile among `n` values.
pub fn rank(n: usize, p: f64) -> usize {
    let k = ((p / 100.0).clamp(0.0, 1.0) * n as f64).ceil() as usize;
    k.clamp(1, n.max(1))
}

/// How a metric's values are turned into histogram integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantization {
    step: f64,
}

impl Quantization {
    /// One histogram unit is worth `step` of the metric; a non-positive step means 1.
    pub fn new(step: f64) -> Quantization {
        Quantization {
            step: if step.is_finite() && step > 0.0 {
                step
            } else {
                1.0
            },
        }
    }

    /// The step for a unit as [`crate::metric::MetricName::unit`] names it.
    pub fn for_unit(unit: &str) -> Quantization {
        match unit {
            "bytes" => Quantization::new(1.0),
            "ms" | "tok/s" => Quantization::new(0.001),
            _ => Quantization::new(1e-6),
        }
    }

    fn to_int(self, index: usize, v: f64) -> Result<u64, StatsError> {
        if !v.is_finite() {
            return Err(StatsError::NotFinite { index, value: v });
        }
        if v < 0.0 {
            return Err(StatsError::Negative { index, value: v });
        }
        Ok((v / self.step).round() as u64)
    }

    fn histogram() -> Histogram<u64> {
        // 3 digits is a valid precision; the auto-resizing constructor cannot fail then.
        match Histogram::<u64>::new(SIGNIFICANT_DIGITS) {
            Ok(h) => h,
            Err(_) => unreachable!("3 significant digits is within hdrhistogram's 0..=5"),
        }
    }

    /// The P-th percentile (0 < P ≤ 100) of `values` from an HDR histogram; refuses a
    /// sample too small to carry it (see [`min_samples_for`]).
    pub fn percentile(&self, values: &[f64], p: f64) -> Result<f64, StatsError> {
        if values.is_empty() {
            return Err(StatsError::Empty);
        }
        let needed = min_samples_for(p);
        if values.len() < needed {
            return Err(StatsError::TooFew {
                needed,
                got: values.len(),
                what: format!("P{}", fmt_p(p)),
            });
        }
        let mut h = Self::histogram();
        for (i, v) in values.iter().enumerate() {
            let x = self.to_int(i, *v)?;
            h.record(x).map_err(|_| StatsError::NotFinite {
                index: i,
                value: *v,
            })?;
        }
        Ok(h.value_at_quantile(p / 100.0) as f64 * self.step)
    }

    /// Every value moved to the upper edge of its histogram bucket, in metric units, so
    /// that the `rank`-th smallest of any subset is what the histogram would report
    /// (the bootstrap uses this instead of rebuilding a histogram per resample).
    pub fn quantize(&self, values: &[f64]) -> Result<Vec<f64>, StatsError> {
        let h = Self::histogram();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Ok(h.highest_equivalent(self.to_int(i, *v)?) as f64 * self.step))
            .collect()
    }
}

/// The P-th percentile of already quantized values by rank (reorders `values`).
pub fn by_rank(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let k = rank(values.len(), p);
    let (_, v, _) = values.select_nth_unstable_by(k - 1, f64::total_cmp);
    Some(*v)
}

/// "95", "99.9".
pub fn fmt_p(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rule() {
        assert_eq!(min_samples_for(50.0), 2);
        assert_eq!(min_samples_for(90.0), 10);
        assert_eq!(min_samples_for(95.0), 20);
        assert_eq!(min_samples_for(99.0), 100);
        assert_eq!(min_samples_for(99.9), 1000);
        assert_eq!(min_samples_for(100.0), 1);
    }

    #[test]
    fn nearest_rank_by_hand() {
        // 20 values 1..=20 ms: P95 is the 19th (⌈0.95·20⌉) = 19 000 µs, P50 the 10th.
        // 3 digits → 2048 sub-buckets: values in [1024·2^b, 2048·2^b) share buckets of
        // width 2^b and report the bucket's top. 19 000 µs: b = 4, width 16, bucket
        // 18 992..=19 007 → 19.007 ms. 10 000 µs: b = 3, 10 000..=10 007 → 10.007 ms.
        // 20 000 µs: 20 000..=20 015 → 20.015 ms.
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let q = Quantization::for_unit("ms");
        assert_eq!(q.percentile(&v, 95.0), Ok(19.007));
        assert_eq!(q.percentile(&v, 50.0), Ok(10.007));
        assert_eq!(q.percentile(&v, 100.0), Ok(20.015));
        // Below 2048 µs every microsecond is its own bucket.
        assert_eq!(q.percentile(&[0.5, 1.25, 2.0], 50.0), Ok(1.25));
        assert_eq!(rank(20, 95.0), 19);
        assert_eq!(rank(3, 1.0), 1);
    }

    #[test]
    fn too_few_samples_are_refused_not_guessed() {
        let v: Vec<f64> = (1..=19).map(f64::from).collect();
        let q = Quantization::for_unit("ms");
        assert!(matches!(
            q.percentile(&v, 95.0),
            Err(StatsError::TooFew {
                needed: 20,
                got: 19,
                ..
            })
        ));
        assert_eq!(q.percentile(&[], 50.0), Err(StatsError::Empty));
        assert!(matches!(
            q.percentile(&[1.0, -2.0], 50.0),
            Err(StatsError::Negative { index: 1, .. })
        ));
    }

    #[test]
    fn quantization_is_within_a_thousandth() {
        // 12.3456 ms = 12345.6 µs → 12346 µs recorded → bucket upper edge within 0.1 %.
        let q = Quantization::for_unit("ms");
        let v = vec![12.3456; 2];
        let p = q.percentile(&v, 50.0).expect("p50");
        assert!((12.345..=12.3456 * 1.001).contains(&p), "{p}");
        // Bytes: 300 MB with 3 digits → at most 0.1 % above.
        let b = Quantization::for_unit("bytes");
        let x = b.percentile(&[3e8, 3e8], 50.0).expect("p50");
        assert!((3e8..=3e8 * 1.001).contains(&x), "{x}");
    }

    #[test]
    fn rank_on_quantized_values_equals_the_histogram() {
        // A fixed pseudo-random sample over four decades.
        let mut rng = crate::stats::bootstrap::SplitMix64::new(7);
        let v: Vec<f64> = (0..537)
            .map(|_| (rng.next_u64() % 10_000_000) as f64 / 1000.0)
            .collect();
        let q = Quantization::for_unit("ms");
        let quantized = q.quantize(&v).expect("finite");
        for p in [50.0, 90.0, 95.0, 99.0, 99.5, 100.0] {
            let mut w = quantized.clone();
            assert_eq!(
                Some(q.percentile(&v, p).expect("p")),
                by_rank(&mut w, p),
                "P{p}"
            );
        }
    }
}
