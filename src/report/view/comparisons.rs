//! The candidate against each other model: per metric, the ratio paired by round with its
//! interval.

use super::models::{metric_list, rounds_of};
use super::*;

pub(super) fn comparison(run: &StoredRun, candidate: &ModelView, other: &ModelView) -> Comparison {
    let mut rows = Vec::new();
    for (metric, label) in metric_list(&run.records) {
        let (Some(c), Some(o)) = (candidate.metric(metric), other.metric(metric)) else {
            continue;
        };
        let q = Quantization::for_unit(metric.unit());
        let ratio = match (
            rounds_of(&run.records, metric, &candidate.id),
            rounds_of(&run.records, metric, &other.id),
        ) {
            (Some(a), Some(b)) => {
                stats::paired_ratio(&a, &b, Stat::Median, q).map_err(|e| match e {
                    StatsError::NoPairs => "no round has both models".to_string(),
                    other => other.to_string(),
                })
            }
            _ => Err("no samples".to_string()),
        };
        rows.push(ComparisonRow {
            metric,
            label,
            candidate_median: c.median.point,
            other_median: o.median.point,
            ratio,
        });
    }
    Comparison {
        other: other.id.clone(),
        other_role: other.role,
        rows,
    }
}
