//! Statistics as pure functions over samples: no I/O, no printing.
//!
//! OWNED BY: the report work (issue 4); the basics below are used by the run summary.

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
}
