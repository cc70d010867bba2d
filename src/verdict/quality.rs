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
    if let Some(at) = &c.at {
        return Err(format!(
            "quality is measured at the named point only, not at {}",
            at.label()
        ));
    }
    let candidate = c.candidate.as_deref().unwrap_or(&s.candidate);
    let baseline = c.baseline.as_deref().unwrap_or(&s.baseline);
    let mut models = vec![candidate];
    if c.vs != Versus::Absolute {
        models.push(baseline);
    }
    for m in &models {
        if let Some(why) = inputs.absent(metric, m) {
            return Err(why);
        }
    }
    let records = inputs.records;
    let est = match c.vs {
        Versus::Absolute => quality::estimate(metric, records, candidate),
        Versus::Baseline => quality::versus(metric, records, candidate, baseline, How::Ratio),
        Versus::BaselineDifference => {
            quality::versus(metric, records, candidate, baseline, How::Difference)
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
