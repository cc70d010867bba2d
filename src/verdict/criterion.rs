//! Deciding one criterion: its metric's samples per round (or why there are none), the
//! statistic with its bootstrap interval (or a ratio to the baseline, paired by round),
//! and PASS / FAIL / INCONCLUSIVE / NOT MEASURED against the target.

use super::format::{fmt_value, stat_label};
use super::types::{CriterionResult, Inputs, State};
use crate::config::{Criterion, Versus};
use crate::metric::{MetricName, Stat};
use crate::sample::{Body, Record};
use crate::stats::{self, Estimate, Quantization, Rounds, StatsError};

/// Counts of what was left out for `model`: failed rounds and invalid samples.
fn left_out(records: &[Record], model: &str) -> String {
    let mut failures = 0;
    let mut invalid = 0;
    for r in records.iter().filter(|r| r.model == model) {
        match &r.body {
            Body::Failure(_) => failures += 1,
            Body::Chat(c) if !c.valid => invalid += 1,
            Body::Decode(d) if !d.valid => invalid += 1,
            _ => {}
        }
    }
    match (failures, invalid) {
        (0, 0) => String::new(),
        (f, 0) => format!(" ({f} failure record(s) for `{model}`)"),
        (0, i) => format!(" ({i} invalid sample(s) of `{model}` left out)"),
        (f, i) => {
            format!(" ({f} failure record(s) and {i} invalid sample(s) of `{model}` left out)")
        }
    }
}

/// Why `model` cannot have `metric` at all: not run, not in the run, or listed in
/// run.json's `not_measured` (a twin's quality: random weights).
pub(super) fn absent(inputs: &Inputs<'_>, metric: MetricName, model: &str) -> Option<String> {
    if let Some(s) = inputs.skipped.iter().find(|s| s.model == model) {
        return Some(format!("`{model}` was not run: {}", s.reason));
    }
    if !inputs.models.iter().any(|m| m == model) {
        return Some(format!("`{model}` is not among the models of this run"));
    }
    let name = metric.name();
    inputs
        .not_measured
        .iter()
        .find(|n| n.model == model && n.metrics.contains(&name))
        .map(|n| format!("`{model}`: {}", n.reason))
}

/// Why `model` has no samples of `metric`, or its rounds.
fn rounds_of(inputs: &Inputs<'_>, metric: MetricName, model: &str) -> Result<Rounds, String> {
    if let Some(why) = absent(inputs, metric, model) {
        return Err(why);
    }
    let by_round = metric.values_by_round(inputs.records, model);
    Rounds::new(by_round).map_err(|e| match e {
        StatsError::Empty => format!(
            "no valid sample for `{model}`{}",
            left_out(inputs.records, model)
        ),
        other => format!("`{model}`: {other}"),
    })
}

fn generated_definition(c: &Criterion, metric: MetricName, stat: Stat, baseline: &str) -> String {
    let what = match metric {
        MetricName::DecodeTokensPerS { depth } => {
            format!("decode tokens/s at context depth {depth}")
        }
        MetricName::PrefillTokensPerS => "prefill tokens/s".into(),
        MetricName::ChatTtftMs => "time to first token of the chat prompts (ms)".into(),
        MetricName::ChatItlMs => "inter-token latency of the chat answers (ms)".into(),
        MetricName::ChatE2eMs => "end-to-end time of the chat answers (ms)".into(),
        MetricName::ChatTokensPerS => "generation tokens/s of the chat answers".into(),
        MetricName::ColdStartTotalMs => {
            "spawn to first token with the page cache dropped (ms)".into()
        }
        MetricName::ColdStartWarmTotalMs => "spawn to first token, page cache warm (ms)".into(),
        MetricName::PeakRssBytes => "peak RSS of the bench process".into(),
        MetricName::IntegrationValidFraction => {
            "fraction of chat answers with at least one token".into()
        }
        MetricName::ReportComplete => {
            "1 when every required section of the findings has measured data".into()
        }
        MetricName::QualityCorrectFraction => {
            "fraction of the questions answered correctly (Wilson interval)".into()
        }
        MetricName::QualityBitsPerByte => "bits per byte of the fixed text".into(),
        MetricName::QualityPerplexity => "perplexity of the fixed text".into(),
    };
    match (c.vs, metric.is_quality()) {
        (Versus::Absolute, true) => what,
        (Versus::Absolute, false) => format!("{} of the {what}", stat_label(stat)),
        (Versus::Baseline, true) => format!("{what}, candidate ÷ `{baseline}`"),
        (Versus::Baseline, false) => format!(
            "{} of the {what}, candidate ÷ `{baseline}`, per round, then the median over rounds",
            stat_label(stat)
        ),
        (Versus::BaselineDifference, _) => format!("{what}, candidate − `{baseline}`"),
    }
}

/// Decide one criterion.
pub fn criterion(c: &Criterion, inputs: &Inputs<'_>) -> CriterionResult {
    let s = &inputs.suite.suite;
    let mut out = CriterionResult {
        name: c.name.clone(),
        metric: c.metric.clone(),
        stat: c.stat.clone(),
        vs: match c.vs {
            Versus::Absolute => "absolute".into(),
            Versus::Baseline => "baseline".into(),
            Versus::BaselineDifference => "baseline_difference".into(),
        },
        candidate: s.candidate.clone(),
        baseline: (c.vs != Versus::Absolute).then(|| s.baseline.clone()),
        op: c.op.symbol().into(),
        target: c.target,
        critical: c.critical,
        no_go: c.no_go,
        definition: c.definition.clone().unwrap_or_default(),
        unit: String::new(),
        state: State::NotMeasured,
        estimate: None,
        note: None,
        no_go_breached: false,
        advisory: c.advisory,
    };
    let (metric, stat) = match (MetricName::parse(&c.metric), Stat::parse(&c.stat)) {
        (Ok(m), Some(st)) => (m, st),
        (Err(e), _) => {
            out.note = Some(e);
            return out;
        }
        (_, None) => {
            out.note = Some(format!("unknown stat `{}`", c.stat));
            return out;
        }
    };
    if out.definition.is_empty() {
        out.definition = generated_definition(c, metric, stat, &s.baseline);
    }
    out.unit = match c.vs {
        Versus::Baseline => "×".into(),
        Versus::Absolute | Versus::BaselineDifference => metric.unit().into(),
    };
    if metric.is_quality() {
        super::quality::decide(c, inputs, metric, &mut out);
        return out;
    }

    if metric == MetricName::ReportComplete {
        let Some(done) = inputs.completeness else {
            out.note = Some("decided by `lfmbench report` from the findings it writes".into());
            return out;
        };
        let v = done.value();
        out.estimate = Some(Estimate {
            point: v,
            interval: None,
            n: done.sections,
            rounds: 0,
            no_interval: Some("decided by the report itself".into()),
        });
        out.state = if c.op.holds(v, c.target) {
            State::Pass
        } else {
            State::Fail
        };
        if !done.missing.is_empty() {
            out.note = Some(format!("missing: {}", done.missing.join("; ")));
        }
        return out;
    }

    let q = Quantization::for_unit(metric.unit());
    let cand = match rounds_of(inputs, metric, &s.candidate) {
        Ok(r) => r,
        Err(why) => {
            out.note = Some(why);
            return out;
        }
    };
    let est = match c.vs {
        Versus::Absolute => stats::pooled(&cand, stat, q),
        // Refused for these metrics when the suite is loaded (config).
        Versus::BaselineDifference => {
            out.note =
                Some("a difference to the baseline is defined for quality metrics only".into());
            return out;
        }
        Versus::Baseline => {
            let base = match rounds_of(inputs, metric, &s.baseline) {
                Ok(r) => r,
                Err(why) => {
                    out.note = Some(why);
                    return out;
                }
            };
            stats::paired_ratio(&cand, &base, stat, q)
        }
    };
    let est = match est {
        Ok(e) => e,
        Err(StatsError::NoPairs) => {
            out.note = Some(StatsError::NoPairs.to_string());
            return out;
        }
        Err(e) => {
            out.state = State::Inconclusive;
            let per_round = if c.vs == Versus::Baseline {
                " in a round (a ratio takes the statistic per round)"
            } else {
                ""
            };
            out.note = Some(match e {
                StatsError::TooFew { needed, got, what } => format!(
                    "{what} needs at least {needed} samples{per_round}, {got} measured; add rounds, prompts or `repeat`"
                ),
                other => other.to_string(),
            });
            return out;
        }
    };
    out.no_go_breached = c.no_go.is_some_and(|line| !c.op.holds(est.point, line));
    decide_on(c, est, matches!(stat, Stat::Min | Stat::Max), &mut out);
    out
}

/// PASS / FAIL / INCONCLUSIVE of an estimate against the target: on the whole interval,
/// or on the value itself where `on_value` (min, max) and no interval exists.
pub(super) fn decide_on(c: &Criterion, est: Estimate, on_value: bool, out: &mut CriterionResult) {
    match (est.interval, on_value) {
        (Some(i), _) => {
            let (lo, hi) = (c.op.holds(i.lo, c.target), c.op.holds(i.hi, c.target));
            out.state = match (lo, hi) {
                (true, true) => State::Pass,
                (false, false) => State::Fail,
                _ => {
                    out.note = Some(format!(
                        "the 95% interval {}–{} straddles the target {}",
                        fmt_value(i.lo, &out.unit),
                        fmt_value(i.hi, &out.unit),
                        fmt_value(c.target, &out.unit)
                    ));
                    State::Inconclusive
                }
            };
        }
        (None, true) => {
            out.state = if c.op.holds(est.point, c.target) {
                State::Pass
            } else {
                State::Fail
            };
        }
        (None, false) => {
            out.state = State::Inconclusive;
            out.note = est.no_interval.clone();
        }
    }
    out.estimate = Some(est);
}
