//! Spread of a sample: range, MAD and IQR.
//!
//! MAD is the median absolute deviation from the median, unscaled (multiply by 1.4826 to
//! estimate a normal σ); it ignores up to half the sample being outliers, which suits
//! timings with rare stalls. IQR uses the same type-7 quartiles as [`super::quantile_sorted`].

use super::Sample;

/// Median absolute deviation from the median (unscaled).
pub fn mad(s: &Sample) -> f64 {
    let m = s.median();
    let dev: Vec<f64> = s.values().iter().map(|v| (v - m).abs()).collect();
    super::median(&dev).unwrap_or(0.0)
}

/// Interquartile range, Q3 − Q1 (type 7).
pub fn iqr(s: &Sample) -> f64 {
    let q1 = super::quantile_sorted(s.sorted(), 0.25).unwrap_or(0.0);
    let q3 = super::quantile_sorted(s.sorted(), 0.75).unwrap_or(0.0);
    q3 - q1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mad_and_iqr_by_hand() {
        // median 3; |dev| = 2 1 0 1 97 → sorted 0 1 1 2 97 → MAD 1.
        let s = Sample::new(&[1.0, 2.0, 3.0, 4.0, 100.0]).expect("sample");
        assert_eq!(mad(&s), 1.0);
        // Q1 = 2 (h = 1), Q3 = 4 (h = 3) → IQR 2.
        assert_eq!(iqr(&s), 2.0);
        // Two points: median 1.5, |dev| 0.5 0.5 → MAD 0.5; Q1 1.25, Q3 1.75 → IQR 0.5.
        let t = Sample::new(&[1.0, 2.0]).expect("sample");
        assert_eq!((mad(&t), iqr(&t)), (0.5, 0.5));
    }
}
