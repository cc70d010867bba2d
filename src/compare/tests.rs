//! The comparison's rules on synthetic rounds: a real slowdown regresses, noise and a
//! single round stay unchanged, intervals are reproducible, verdicts serialise as printed.

use std::collections::BTreeMap;

use super::*;
use crate::stats::bootstrap::SplitMix64;

/// `rounds` rounds of `per_round` values around `center` with a deterministic ±`spread`
/// relative wobble (no RNG needed, no timing).
fn synth(center: f64, spread: f64, rounds: u32, per_round: usize) -> BTreeMap<u32, Vec<f64>> {
    let mut s = SplitMix64::new(u64::from(rounds) * 7919 + per_round as u64);
    (0..rounds)
        .map(|r| {
            let v = (0..per_round)
                .map(|_| {
                    let u = (s.next_u64() >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
                    center * (1.0 + spread * (2.0 * u - 1.0))
                })
                .collect();
            (r, v)
        })
        .collect()
}

#[test]
fn a_twenty_percent_slowdown_regresses() {
    let old = synth(100.0, 0.02, 5, 1);
    let new = synth(80.0, 0.02, 5, 1);
    let (o, n, d) = compare_metric(&old, &new, 0.05, true).expect("compared");
    assert_eq!(d.verdict, Change::Regressed, "{d:?}");
    assert!((d.change + 0.2).abs() < 0.03, "{d:?}");
    assert_eq!((o.rounds, n.rounds), (5, 5));
    // The same values as a latency (lower is better) are an improvement.
    let (_, _, d) = compare_metric(&old, &new, 0.05, false).expect("compared");
    assert_eq!(d.verdict, Change::Improved, "{d:?}");
    // And a 20 % speed-up of a rate is an improvement, of a latency a regression.
    let (_, _, d) = compare_metric(&new, &old, 0.05, true).expect("compared");
    assert_eq!(d.verdict, Change::Improved, "{d:?}");
    let (_, _, d) = compare_metric(&new, &old, 0.05, false).expect("compared");
    assert_eq!(d.verdict, Change::Regressed, "{d:?}");
}

#[test]
fn identical_distributions_are_unchanged() {
    let a = synth(50.0, 0.03, 5, 20);
    let (_, _, d) = compare_metric(&a, &a.clone(), 0.05, true).expect("compared");
    assert_eq!(d.verdict, Change::Unchanged);
    assert_eq!(d.change, 0.0);
    assert!(d.note.is_none(), "a tight interval needs no note: {d:?}");
    let [lo, hi] = d.interval.expect("interval");
    assert!(lo <= 0.0 && hi >= 0.0 && hi - lo < 0.1, "{d:?}");
}

#[test]
fn noisy_small_samples_are_inconclusive_not_regressed() {
    // A 15 % drop in the medians, but ±40 % noise over 3 rounds.
    let old: BTreeMap<u32, Vec<f64>> = [(0, vec![100.0]), (1, vec![60.0]), (2, vec![140.0])]
        .into_iter()
        .collect();
    let new: BTreeMap<u32, Vec<f64>> = [(0, vec![85.0]), (1, vec![130.0]), (2, vec![50.0])]
        .into_iter()
        .collect();
    let (_, _, d) = compare_metric(&old, &new, 0.05, true).expect("compared");
    assert_eq!(d.verdict, Change::Unchanged, "{d:?}");
    assert!((d.change + 0.15).abs() < 1e-12, "{d:?}");
    assert!(
        d.note
            .as_deref()
            .is_some_and(|n| n.contains("inconclusive")),
        "{d:?}"
    );
}

#[test]
fn one_round_has_no_interval_and_decides_nothing() {
    let old: BTreeMap<u32, Vec<f64>> = [(0, vec![100.0, 101.0])].into_iter().collect();
    let new: BTreeMap<u32, Vec<f64>> = [(0, vec![50.0, 51.0])].into_iter().collect();
    let (_, _, d) = compare_metric(&old, &new, 0.05, true).expect("compared");
    assert_eq!(d.verdict, Change::Unchanged);
    assert!(d.interval.is_none());
    assert!(
        d.note
            .as_deref()
            .is_some_and(|n| n.contains("inconclusive"))
    );
    assert!(compare_metric(&old, &BTreeMap::new(), 0.05, true).is_err());
}

#[test]
fn intervals_are_reproducible() {
    let old = synth(100.0, 0.1, 4, 7);
    let new = synth(97.0, 0.1, 6, 7);
    let a = change_interval(
        &old.values().cloned().collect::<Vec<_>>(),
        &new.values().cloned().collect::<Vec<_>>(),
    );
    let b = change_interval(
        &old.values().cloned().collect::<Vec<_>>(),
        &new.values().cloned().collect::<Vec<_>>(),
    );
    assert!(a.is_some());
    assert_eq!(a, b);
}

#[test]
fn judge_needs_the_whole_interval_beyond_the_threshold() {
    // Higher is better: [−9 %, −6 %] is beyond −5 %; [−9 %, −4 %] is not.
    assert_eq!(
        judge(-0.07, Some([-0.09, -0.06]), 0.05, true).verdict,
        Change::Regressed
    );
    let d = judge(-0.07, Some([-0.09, -0.04]), 0.05, true);
    assert_eq!(d.verdict, Change::Unchanged);
    assert!(d.note.is_some());
    // Lower is better: +6 %…+9 % latency is a regression.
    assert_eq!(
        judge(0.07, Some([0.06, 0.09]), 0.05, false).verdict,
        Change::Regressed
    );
    assert_eq!(
        judge(-0.07, Some([-0.09, -0.06]), 0.05, false).verdict,
        Change::Improved
    );
    // Within ±threshold: unchanged, nothing to say.
    let d = judge(0.01, Some([-0.02, 0.03]), 0.05, true);
    assert_eq!((d.verdict, d.note), (Change::Unchanged, None));
}

#[test]
fn verdicts_serialise_in_capitals() {
    assert_eq!(
        serde_json::to_string(&Change::Regressed).expect("json"),
        "\"REGRESSED\""
    );
}
