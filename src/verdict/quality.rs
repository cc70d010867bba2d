//! Deciding a criterion on a quality metric (`quality.*`): the candidate's correct fraction
//! with its Wilson interval, bits per byte or perplexity with a bootstrap over text windows,
//! or the candidate against the baseline (a difference of fractions; a ratio or
//! difference of text statistics); `criterion` then judges it by the one rule every
//! criterion follows (`crate::stats::quality` has the intervals).
//!
//! A model that cannot have the metric — a shape twin (random weights), a server without
//! logits — makes the criterion NOT MEASURED with that reason, never FAIL and never a number.

use super::types::Inputs;
use crate::config::{Criterion, Versus};
use crate::metric::MetricName;
use crate::stats::Estimate;
use crate::stats::quality::{self, Versus as How};

/// The estimate `c` (on quality `metric`) is judged on, or why there is none.
pub(super) fn estimate(
    c: &Criterion,
    inputs: &Inputs<'_>,
    metric: MetricName,
) -> Result<Estimate, String> {
    let s = &inputs.suite.suite;
    let mut models = vec![s.candidate.as_str()];
    if c.vs != Versus::Absolute {
        models.push(s.baseline.as_str());
    }
    for m in &models {
        if let Some(why) = inputs.absent(metric, m) {
            return Err(why);
        }
    }
    let records = inputs.records;
    let est = match c.vs {
        Versus::Absolute => quality::estimate(metric, records, &s.candidate),
        Versus::Baseline => quality::versus(metric, records, &s.candidate, &s.baseline, How::Ratio),
        Versus::BaselineDifference => {
            quality::versus(metric, records, &s.candidate, &s.baseline, How::Difference)
        }
    };
    let Some(est) = est else {
        let missing: Vec<String> = models
            .iter()
            .filter(|m| quality::estimate(metric, records, m).is_none())
            .map(|m| format!("`{m}`"))
            .collect();
        return Err(if missing.is_empty() {
            format!("`{}` cannot be compared this way", metric.name())
        } else {
            format!(
                "no {} sample for {} (the quality workload did not run or failed; see Validity problems)",
                metric.name(),
                missing.join(", ")
            )
        });
    };
    Ok(est)
}
