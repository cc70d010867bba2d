//! Deciding one criterion: its metric's samples per round (or why there are none), the
//! statistic with its bootstrap interval (or a ratio to the baseline, paired by round),
//! and PASS / FAIL / INCONCLUSIVE / NOT MEASURED against the target.

use super::format::{fmt_value, stat_label};
use super::types::{CriterionResult, Inputs, State};
use crate::config::{At, Criterion, Versus};
use crate::metric::{MetricName, Stat};
use crate::sample::{Body, Point, Record};
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

/// The records' point of `at` for `model` (a value equal to its named one is the named
/// point).
fn point_of(inputs: &Inputs<'_>, at: Option<&At>, model: &str) -> Point {
    let Some(at) = at else {
        return Point::default();
    };
    match inputs.named.and_then(|n| Some((n.settings.get(model)?, n))) {
        Some((settings, n)) => at.point_for(settings, n.files.get(model).map(|f| f.quant.as_str())),
        None => Point {
            threads: at.threads,
            n_batch: at.n_batch,
            quant: at.quant.clone(),
            depth: None,
        },
    }
}

/// Why `model` has no samples of `metric`, or its rounds.
fn rounds_of(
    inputs: &Inputs<'_>,
    metric: MetricName,
    model: &str,
    at: Option<&At>,
) -> Result<Rounds, String> {
    if let Some(s) = inputs.skipped.iter().find(|s| s.model == model) {
        return Err(format!("`{model}` was not run: {}", s.reason));
    }
    if !inputs.models.iter().any(|m| m == model) {
        return Err(format!("`{model}` is not among the models of this run"));
    }
    let point = point_of(inputs, at, model);
    let by_round = metric.values_at(inputs.records, model, &point);
    Rounds::new(by_round).map_err(|e| match e {
        StatsError::Empty if !point.is_named() => format!(
            "no valid sample for `{model}` at {}{}",
            point.label(),
            left_out(inputs.records, model)
        ),
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
        MetricName::PrefillAtTokensPerS { tokens } => {
            format!("prefill tokens/s of {tokens}-token prompts")
        }
        MetricName::PrefillTtftMs { tokens } => {
            format!("time to first token after a {tokens}-token prompt (ms)")
        }
        MetricName::PeakRssAtDepth { depth } => {
            format!("peak RSS of the process that decoded at context depth {depth}")
        }
        MetricName::SustainedTokensPerS => "decode tokens/s of the sustained-load windows".into(),
        MetricName::SustainedRatio => "sustained decode rate, last minute ÷ first minute".into(),
    };
    let what = match &c.at {
        Some(at) => format!("{what}, at {}", at.label()),
        None => what,
    };
    match c.vs {
        Versus::Absolute => format!("{} of the {what}", stat_label(stat)),
        Versus::Baseline => format!(
            "{} of the {what}, candidate ÷ `{baseline}`, per round, then the median over rounds",
            stat_label(stat)
        ),
    }
}

/// Decide one criterion.
pub fn criterion(c: &Criterion, inputs: &Inputs<'_>) -> CriterionResult {
    let s = &inputs.suite.suite;
    let candidate = c.candidate.as_ref().unwrap_or(&s.candidate);
    let baseline = c.baseline.as_ref().unwrap_or(&s.baseline);
    let mut out = CriterionResult {
        name: c.name.clone(),
        metric: c.metric.clone(),
        stat: c.stat.clone(),
        vs: match c.vs {
            Versus::Absolute => "absolute".into(),
            Versus::Baseline => "baseline".into(),
        },
        candidate: candidate.clone(),
        baseline: (c.vs == Versus::Baseline).then(|| baseline.clone()),
        op: c.op.symbol().into(),
        target: c.target,
        at: c.at.as_ref().map(At::label),
        critical: c.critical,
        no_go: c.no_go,
        definition: c.definition.clone().unwrap_or_default(),
        unit: String::new(),
        state: State::NotMeasured,
        estimate: None,
        note: None,
        no_go_breached: false,
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
        out.definition = generated_definition(c, metric, stat, baseline);
    }
    out.unit = match c.vs {
        Versus::Baseline => "×".into(),
        Versus::Absolute => metric.unit().into(),
    };

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
    let at = c.at.as_ref();
    let cand = match rounds_of(inputs, metric, candidate, at) {
        Ok(r) => r,
        Err(why) => {
            out.note = Some(why);
            return out;
        }
    };
    let est = match c.vs {
        Versus::Absolute => stats::pooled(&cand, stat, q),
        Versus::Baseline => {
            let base = match rounds_of(inputs, metric, baseline, at) {
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
    match (est.interval, matches!(stat, Stat::Min | Stat::Max)) {
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
    out
}
