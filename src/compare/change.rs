//! One metric between two runs: the relative change of the medians with its unpaired
//! bootstrap interval, judged against the noise threshold as REGRESSED / IMPROVED /
//! UNCHANGED. Plain values in, plain values out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED, SplitMix64, median_in_place};

/// What happened to one metric between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    Regressed,
    Improved,
    Unchanged,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Regressed => "REGRESSED",
            Change::Improved => "IMPROVED",
            Change::Unchanged => "UNCHANGED",
        })
    }
}

/// One run's side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// Median of every value, rounds pooled (P50 for latencies).
    pub median: f64,
    /// Values the median was taken over.
    pub n: usize,
    /// Rounds that contributed values.
    pub rounds: usize,
}

/// A relative change with its bootstrap interval, both as fractions (0.05 = +5 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// NEW median ÷ OLD median − 1.
    pub change: f64,
    /// 95 % interval of the change; `None` when a side has fewer than 2 rounds.
    pub interval: Option<[f64; 2]>,
    pub verdict: Change,
    /// Why the verdict is what it is, when that is not obvious ("inconclusive: …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

// The unpaired bootstrap. Generator, seed, level and resample count are the ones every
// interval in lfmbench uses (`crate::stats::bootstrap`); `percentile_bootstrap` there
// draws one index vector per resample (one model, or rounds paired across models),
// while two independent runs need one draw per run, hence this loop.

/// Draw `groups.len()` groups with replacement and pool them into `buf`.
fn resample_into(rng: &mut SplitMix64, groups: &[Vec<f64>], buf: &mut Vec<f64>) {
    buf.clear();
    for _ in 0..groups.len() {
        buf.extend_from_slice(&groups[rng.below(groups.len())]);
    }
}

/// The 95 % unpaired percentile-bootstrap interval of median(NEW) ÷ median(OLD) − 1,
/// resampling each run's rounds independently. `None` when a side has fewer than two
/// rounds (nothing to resample) or the statistic is undefined.
pub fn change_interval(old: &[Vec<f64>], new: &[Vec<f64>]) -> Option<[f64; 2]> {
    if old.len() < 2 || new.len() < 2 {
        return None;
    }
    let mut rng = SplitMix64::new(SEED);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut stats = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        resample_into(&mut rng, old, &mut a);
        resample_into(&mut rng, new, &mut b);
        let o = median_in_place(&mut a);
        if o == 0.0 {
            return None;
        }
        stats.push(median_in_place(&mut b) / o - 1.0);
    }
    let s = crate::stats::sorted(&stats);
    let tail = (1.0 - LEVEL) / 2.0;
    let lo = crate::stats::quantile_sorted(&s, tail)?;
    let hi = crate::stats::quantile_sorted(&s, 1.0 - tail)?;
    (lo.is_finite() && hi.is_finite()).then_some([lo, hi])
}

/// The verdict on a change with its interval. `threshold` is a fraction (0.05).
pub fn judge(
    change: f64,
    interval: Option<[f64; 2]>,
    threshold: f64,
    higher_is_better: bool,
) -> Delta {
    let Some([lo, hi]) = interval else {
        return Delta {
            change,
            interval,
            verdict: Change::Unchanged,
            note: Some(
                "inconclusive: fewer than 2 rounds on a side, so no interval; run more rounds"
                    .into(),
            ),
        };
    };
    // In "good is positive" terms: a slowdown of a rate and a growth of a latency are
    // both negative here.
    let (glo, ghi) = if higher_is_better {
        (lo, hi)
    } else {
        (-hi, -lo)
    };
    let (verdict, note) = if ghi < -threshold {
        (Change::Regressed, None)
    } else if glo > threshold {
        (Change::Improved, None)
    } else if glo < -threshold || ghi > threshold {
        (
            Change::Unchanged,
            Some(format!(
                "inconclusive: the interval reaches past ±{}%; more rounds would narrow it",
                threshold * 100.0
            )),
        )
    } else {
        (Change::Unchanged, None)
    };
    Delta {
        change,
        interval,
        verdict,
        note,
    }
}

/// Compare one metric given each run's values grouped by round. `Err` says why it
/// cannot be compared (a side without values, an OLD median of 0).
pub fn compare_metric(
    old: &BTreeMap<u32, Vec<f64>>,
    new: &BTreeMap<u32, Vec<f64>>,
    threshold: f64,
    higher_is_better: bool,
) -> Result<(Side, Side, Delta), String> {
    let groups = |m: &BTreeMap<u32, Vec<f64>>| -> Vec<Vec<f64>> {
        m.values()
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().copied().filter(|x| x.is_finite()).collect())
            .filter(|v: &Vec<f64>| !v.is_empty())
            .collect()
    };
    let (og, ng) = (groups(old), groups(new));
    let side = |g: &[Vec<f64>]| -> Option<Side> {
        let all: Vec<f64> = g.iter().flatten().copied().collect();
        Some(Side {
            median: crate::stats::median(&all)?,
            n: all.len(),
            rounds: g.len(),
        })
    };
    let o = side(&og).ok_or("no values in OLD")?;
    let n = side(&ng).ok_or("no values in NEW")?;
    if o.median == 0.0 {
        return Err("the OLD median is 0, so a relative change is undefined".into());
    }
    let change = n.median / o.median - 1.0;
    let delta = judge(
        change,
        change_interval(&og, &ng),
        threshold,
        higher_is_better,
    );
    Ok((o, n, delta))
}
