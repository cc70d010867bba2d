//! Deciding one criterion: its metric's samples per round (or why there are none), the
//! statistic with its interval (or a ratio to the baseline, paired by round), and
//! PASS / FAIL / INCONCLUSIVE / NOT MEASURED against the target, with its NO-GO line
//! judged by the same rule (`super::rule`). Criteria about text on shape twins are NOT
//! MEASURED (`super::twins`). A run made with `--until-decided` judges its watched
//! criteria on its plan's interval (`super::sequential`).

use super::format::{fmt_value, stat_label};
use super::rule::{interval_text, standing};
use super::sequential;
use super::twins;
use super::types::{Completeness, CriterionResult, Inputs, NoGoState, Standing, State};
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
    if let Some(why) = inputs.absent(metric, model) {
        return Err(why);
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
        MetricName::PeakBytes => {
            "peak memory of the bench process as the platform counts it (macOS: physical footprint; elsewhere RSS plus GPU buffers)".into()
        }
        MetricName::IntegrationValidFraction => {
            "fraction of chat answers with at least one token".into()
        }
        MetricName::ReportComplete => {
            "share of the plan's week-4 deliverables (performance comparison, memory profile, device compatibility matrix, recommendations, risk assessment) the report holds, computed from measured data".into()
        }
        MetricName::QualityCorrectFraction => {
            "fraction of the questions answered correctly (Wilson interval)".into()
        }
        MetricName::QualityBitsPerByte => "bits per byte of the fixed text".into(),
        MetricName::QualityPerplexity => "perplexity of the fixed text".into(),
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
    let candidate = c.candidate.as_ref().unwrap_or(&s.candidate);
    let baseline = c.baseline.as_ref().unwrap_or(&s.baseline);
    let mut out = CriterionResult {
        name: c.name.clone(),
        metric: c.metric.clone(),
        stat: c.stat.clone(),
        vs: match c.vs {
            Versus::Absolute => "absolute".into(),
            Versus::Baseline => "baseline".into(),
            Versus::BaselineDifference => "baseline_difference".into(),
        },
        candidate: candidate.clone(),
        baseline: (c.vs != Versus::Absolute).then(|| baseline.clone()),
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
        advisory: c.advisory,
        // Until an estimate says otherwise, a NO-GO line cannot be judged.
        no_go_state: c.no_go.map(|_| NoGoState::Undecided),
        noisy_host: false,
    };
    if twins::about_text(&c.metric) {
        let on_twins = twins::twins_judged(c, inputs);
        if !on_twins.is_empty() {
            out.note = Some(twins::reason(&c.metric, &on_twins));
            return out;
        }
    }
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
    } else if metric == MetricName::ReportComplete {
        // What `report.complete` measures is lfmbench's to say (a suite written before the
        // deliverables check describes sections); the suite's wording is kept beside it.
        out.definition = format!(
            "{} (the suite: “{}”)",
            generated_definition(c, metric, stat, baseline),
            out.definition
        );
    }
    out.unit = match c.vs {
        Versus::Baseline => "×".into(),
        Versus::Absolute | Versus::BaselineDifference => metric.unit().into(),
    };
    if metric.is_quality() {
        match super::quality::estimate(c, inputs, metric) {
            Ok(est) => judge(c, &mut out, est, false),
            Err(why) => out.note = Some(why),
        }
        return out;
    }

    if metric == MetricName::ReportComplete {
        let Some(done) = inputs.completeness else {
            out.note = Some("decided by `lfmbench report` from the findings it writes".into());
            return out;
        };
        judge(c, &mut out, deliverables_estimate(done), true);
        if done.missing().next().is_some() {
            let missing: Vec<String> = done
                .missing()
                .map(|d| format!("{} ({})", d.name, d.detail))
                .collect();
            out.note = Some(format!("missing: {}", missing.join("; ")));
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
    let base = match c.vs {
        Versus::Absolute => None,
        // Refused for these metrics when the suite is loaded (config).
        Versus::BaselineDifference => {
            out.note =
                Some("a difference to the baseline is defined for quality metrics only".into());
            return out;
        }
        Versus::Baseline => match rounds_of(inputs, metric, baseline, at) {
            Ok(r) => Some(r),
            Err(why) => {
                out.note = Some(why);
                return out;
            }
        },
    };
    let est = match &base {
        None => stats::estimate(&cand, stat, q, metric.one_value_per_round()),
        Some(base) => stats::paired_ratio(&cand, base, stat, q),
    };
    // A run made with --until-decided: the interval its looks decided on.
    let seq = sequential::applies(inputs.sequential, c);
    let est = match (est, seq) {
        (Ok(e), Some(seq)) => per_round(&cand, base.as_ref(), stat, q)
            .and_then(|values| sequential::estimate(seq, &values, e)),
        (est, _) => est,
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
    judge(c, &mut out, est, matches!(stat, Stat::Min | Stat::Max));
    out
}

/// One value per round, rounds in order: candidate ÷ baseline of `stat` in each round
/// (paired, as [`stats::paired_ratio`] takes them), or the candidate's round values.
fn per_round(
    cand: &Rounds,
    base: Option<&Rounds>,
    stat: Stat,
    q: Quantization,
) -> Result<Vec<f64>, StatsError> {
    match base {
        Some(b) => Ok(stats::round_ratios(cand, b, stat, q)?
            .iter()
            .map(|r| r.ratio)
            .collect()),
        None => Ok(stats::round_values(cand)),
    }
}

/// The values a watched criterion's interval is taken over (`super::sequential`), one
/// per round in round order, read exactly as [`criterion`] reads them: what
/// `--until-decided` looks at after each round. `Err` says why there are none yet.
pub fn round_values(c: &Criterion, inputs: &Inputs<'_>) -> Result<Vec<f64>, String> {
    let s = &inputs.suite.suite;
    let candidate = c.candidate.as_ref().unwrap_or(&s.candidate);
    let baseline = c.baseline.as_ref().unwrap_or(&s.baseline);
    let metric = MetricName::parse(&c.metric)?;
    let stat = Stat::parse(&c.stat).ok_or_else(|| format!("unknown stat `{}`", c.stat))?;
    let q = Quantization::for_unit(metric.unit());
    let at = c.at.as_ref();
    let cand = rounds_of(inputs, metric, candidate, at)?;
    let base = match c.vs {
        Versus::Baseline => Some(rounds_of(inputs, metric, baseline, at)?),
        _ => None,
    };
    per_round(&cand, base.as_ref(), stat, q).map_err(|e| e.to_string())
}

/// `report.complete` as an estimate: the share of deliverables present, decided on its
/// value.
fn deliverables_estimate(done: &Completeness) -> Estimate {
    Estimate {
        point: done.value(),
        interval: None,
        n: done.deliverables.len(),
        rounds: 0,
        no_interval: Some("decided by the report itself".into()),
    }
}

/// The state against the target and the NO-GO line, by one rule (`super::rule`).
/// `on_value`: the statistic has no interval by nature (min, max, `report.complete`).
fn judge(c: &Criterion, out: &mut CriterionResult, est: Estimate, on_value: bool) {
    let unit = out.unit.clone();
    let straddled = |line: f64, what: &str| -> String {
        match &est.interval {
            Some(i) => format!(
                "{} straddles the {what} {}",
                interval_text(i, &unit),
                fmt_value(line, &unit)
            ),
            None => format!("no interval to judge the {what} {}", fmt_value(line, &unit)),
        }
    };
    out.state = match standing(&est, c.op, c.target, on_value) {
        Standing::Holds => State::Pass,
        Standing::Violates => State::Fail,
        Standing::Straddles => {
            out.note = Some(straddled(c.target, "target"));
            State::Inconclusive
        }
        Standing::Undecided => {
            out.note = est.no_interval.clone();
            State::Inconclusive
        }
    };
    if let Some(line) = c.no_go {
        let st = NoGoState::from_standing(standing(&est, c.op, line, on_value));
        out.no_go_state = Some(st);
        out.no_go_breached = st == NoGoState::Beyond;
        if st == NoGoState::Straddled {
            // NO-GO can be neither claimed nor ruled out: the criterion cannot be
            // decided, whatever the target says.
            let line_note = straddled(line, "NO-GO line");
            out.note = Some(match (out.state, out.note.take()) {
                (State::Inconclusive, Some(n)) => {
                    format!("{n}, and {}", strip_interval(&line_note))
                }
                _ => line_note,
            });
            out.state = State::Inconclusive;
        }
    }
    out.estimate = Some(est);
}

/// "the … interval a–b straddles the NO-GO line x" → "straddles the NO-GO line x" (to
/// append to a note that already names the interval).
fn strip_interval(note: &str) -> &str {
    note.find("straddles").map_or(note, |i| &note[i..])
}
