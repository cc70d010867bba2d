//! Spread of a sample beyond its range ([`Sample::min`], [`Sample::max`]): the MAD.
//!
//! MAD is the median absolute deviation from the median, unscaled (multiply by 1.4826 to
//! estimate a normal σ); it ignores up to half the sample being outliers, which suits
//! timings with rare stalls — and unlike an IQR it means something with 2–5 rounds.

use super::Sample;

/// Median absolute deviation from the median (unscaled).
pub fn mad(s: &Sample) -> f64 {
    let m = s.median();
    let dev: Vec<f64> = s.values().iter().map(|v| (v - m).abs()).collect();
    super::median(&dev).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mad_by_hand() {
        // median 3; |dev| = 2 1 0 1 97 → sorted 0 1 1 2 97 → MAD 1.
        let s = Sample::new(&[1.0, 2.0, 3.0, 4.0, 100.0]).expect("sample");
        assert_eq!(mad(&s), 1.0);
        // Two points: median 1.5, |dev| 0.5 0.5 → MAD 0.5.
        let t = Sample::new(&[1.0, 2.0]).expect("sample");
        assert_eq!(mad(&t), 0.5);
        // Constant: 0.
        assert_eq!(mad(&Sample::new(&[3.0; 4]).expect("sample")), 0.0);
    }
}
