//! Criteria → PASS / FAIL / INCONCLUSIVE / NOT MEASURED, and the Go/No-Go decision.
//! No printing here: renderers (terminal, markdown, JSON) take a [`Verdict`].
//!
//! **One criterion.** The candidate's metric (or candidate ÷ baseline, paired by round,
//! for `vs = "baseline"`) is estimated with a 95 % bootstrap interval (see
//! `crate::stats::bootstrap`), then:
//! - PASS — the whole interval satisfies `op target`;
//! - FAIL — the whole interval violates it;
//! - INCONCLUSIVE — the interval straddles the target, or the samples cannot carry the
//!   statistic (P95 with fewer than 20 samples, no interval from a single round);
//! - NOT MEASURED — no valid sample at all (model skipped, every round failed, the
//!   workload not in the suite). Never a silent pass.
//!
//! `min` and `max` have no interval (they are observed extremes) and are decided on the
//! value itself; so is `report.complete`, which the report computes (1 when every
//! required section has measured data) and hands in as [`Completeness`].
//!
//! **The decision**, in this order:
//! 1. NO-GO — a measured criterion with `no_go` has its value (the point estimate) on
//!    the wrong side of that line (e.g. decode ratio < 1.5, memory ratio > 0.7);
//! 2. INCONCLUSIVE — the suite has no criteria;
//! 3. GO — every critical criterion PASSes and at least `pass_at_least` criteria pass
//!    (all of them when the suite has no `[decision]`);
//! 4. INCONCLUSIVE — a critical criterion is NOT MEASURED or INCONCLUSIVE and none
//!    FAILed: the data cannot tell GO from CONDITIONAL, so neither is claimed;
//! 5. CONDITIONAL — anything else; the reasons name every criterion that failed, was
//!    inconclusive or was not measured.
//!
//! Invalid samples (zero-token chat answers, short decodes) never enter a statistic
//! (`crate::metric` leaves them out); a NOT MEASURED note counts them and the failed
//! rounds of the model, and the report lists them one by one.

use std::fmt;

use serde::Serialize;

use crate::config::{Criterion, Suite, Versus};
use crate::metric::{MetricName, Stat};
use crate::sample::{Body, Record};
use crate::stats::{self, Estimate, Quantization, Rounds, StatsError};
use crate::store::Skipped;

/// The state of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum State {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "FAIL")]
    Fail,
    #[serde(rename = "INCONCLUSIVE")]
    Inconclusive,
    #[serde(rename = "NOT MEASURED")]
    NotMeasured,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Pass => "PASS",
            State::Fail => "FAIL",
            State::Inconclusive => "INCONCLUSIVE",
            State::NotMeasured => "NOT MEASURED",
        })
    }
}

/// The Go/No-Go decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Decision {
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "CONDITIONAL")]
    Conditional,
    #[serde(rename = "INCONCLUSIVE")]
    Inconclusive,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Go => "GO",
            Decision::Conditional => "CONDITIONAL",
            Decision::Inconclusive => "INCONCLUSIVE",
            Decision::NoGo => "NO-GO",
        })
    }
}

/// Whether the findings report has every required section filled with measured data
/// (the value of `report.complete`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Completeness {
    /// Required sections checked.
    pub sections: usize,
    /// Sections without measured data, each with what is missing.
    pub missing: Vec<String>,
}

impl Completeness {
    pub fn value(&self) -> f64 {
        if self.missing.is_empty() { 1.0 } else { 0.0 }
    }
}

/// One criterion, decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    pub name: String,
    pub metric: String,
    pub stat: String,
    /// "absolute" or "baseline".
    pub vs: String,
    pub candidate: String,
    /// The denominator of a ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub op: String,
    pub target: f64,
    pub critical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_go: Option<f64>,
    /// The suite's definition, or one generated from the metric.
    pub definition: String,
    /// Unit of the value ("×" for ratios).
    pub unit: String,
    pub state: State,
    /// The measured value with its interval; `None` when NOT MEASURED or not computable.
    pub estimate: Option<Estimate>,
    /// Why the state is not a plain PASS/FAIL (or what was missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The measured value is on the wrong side of `no_go`.
    pub no_go_breached: bool,
}

/// Every criterion of a suite, decided, and the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub suite: String,
    pub decision: Decision,
    /// Why: the criteria that kept the decision from GO (empty for GO).
    pub reasons: Vec<String>,
    pub passed: usize,
    pub pass_at_least: usize,
    pub criteria: Vec<CriterionResult>,
}

impl Verdict {
    /// "5 of 6 criteria pass (5 needed)", plus ", every critical one passes" for GO.
    pub fn counts(&self) -> String {
        let mut s = format!(
            "{} of {} criteria pass ({} needed)",
            self.passed,
            self.criteria.len(),
            self.pass_at_least
        );
        if self.decision == Decision::Go {
            s.push_str(", every critical one passes");
        }
        s
    }
}

/// What a verdict is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub suite: &'a Suite,
    pub records: &'a [Record],
    /// Models that were run.
    pub models: &'a [String],
    /// Models of the suite that were not run.
    pub skipped: &'a [Skipped],
    /// The report's own completeness; `None` leaves `report.complete` NOT MEASURED.
    pub completeness: Option<&'a Completeness>,
}

/// Decide every criterion of the suite, then the decision.
pub fn evaluate(inputs: &Inputs<'_>) -> Verdict {
    let criteria: Vec<CriterionResult> = inputs
        .suite
        .criteria
        .iter()
        .map(|c| criterion(c, inputs))
        .collect();
    let pass_at_least = inputs
        .suite
        .decision
        .as_ref()
        .map_or(criteria.len(), |d| d.pass_at_least as usize);
    decide(&inputs.suite.suite.name, criteria, pass_at_least)
}

/// The decision from decided criteria (see the module documentation for the order).
pub fn decide(suite: &str, criteria: Vec<CriterionResult>, pass_at_least: usize) -> Verdict {
    let passed = criteria.iter().filter(|c| c.state == State::Pass).count();
    let mut reasons = Vec::new();
    let breached: Vec<&CriterionResult> = criteria.iter().filter(|c| c.no_go_breached).collect();
    let decision = if !breached.is_empty() {
        for c in &breached {
            reasons.push(no_go_reason(c));
        }
        Decision::NoGo
    } else if criteria.is_empty() {
        reasons.push("the suite has no [[criterion]], so nothing can be decided".into());
        Decision::Inconclusive
    } else {
        let critical_ok = criteria
            .iter()
            .filter(|c| c.critical)
            .all(|c| c.state == State::Pass);
        if critical_ok && passed >= pass_at_least {
            Decision::Go
        } else {
            let critical_failed = criteria
                .iter()
                .any(|c| c.critical && c.state == State::Fail);
            let critical_open = criteria
                .iter()
                .any(|c| c.critical && matches!(c.state, State::Inconclusive | State::NotMeasured));
            // Critical criteria first, then the others, each in suite order.
            for c in criteria
                .iter()
                .filter(|c| c.critical && c.state != State::Pass)
            {
                reasons.push(reason(c));
            }
            for c in criteria
                .iter()
                .filter(|c| !c.critical && c.state != State::Pass)
            {
                reasons.push(reason(c));
            }
            if passed < pass_at_least {
                reasons.push(format!(
                    "{passed} of {} criteria pass, at least {pass_at_least} needed",
                    criteria.len()
                ));
            }
            if critical_open && !critical_failed {
                Decision::Inconclusive
            } else {
                Decision::Conditional
            }
        }
    };
    Verdict {
        suite: suite.to_string(),
        decision,
        reasons,
        passed,
        pass_at_least,
        criteria,
    }
}

fn critical_tag(c: &CriterionResult) -> &'static str {
    if c.critical { " (critical)" } else { "" }
}

/// Why a criterion is where it is, in a few words: the measured value against the target
/// for a FAIL, else its note.
pub fn why(c: &CriterionResult) -> String {
    match (&c.estimate, c.state) {
        (Some(e), State::Fail) => format!(
            "measured {}, target {} {}",
            fmt_value(e.point, &c.unit),
            c.op,
            fmt_value(c.target, &c.unit)
        ),
        _ => c.note.clone().unwrap_or_default(),
    }
}

fn reason(c: &CriterionResult) -> String {
    format!("{}{} {}: {}", c.name, critical_tag(c), c.state, why(c))
}

fn no_go_reason(c: &CriterionResult) -> String {
    let point = c.estimate.as_ref().map_or(f64::NAN, |e| e.point);
    let line = c.no_go.unwrap_or(f64::NAN);
    let interval = c
        .estimate
        .as_ref()
        .and_then(|e| e.interval)
        .map(|i| {
            format!(
                " (95% interval {}–{})",
                fmt_value(i.lo, &c.unit),
                fmt_value(i.hi, &c.unit)
            )
        })
        .unwrap_or_default();
    format!(
        "{}: measured {}{interval} is on the wrong side of the NO-GO line {} (must be {} {})",
        c.name,
        fmt_value(point, &c.unit),
        fmt_value(line, &c.unit),
        c.op,
        fmt_value(line, &c.unit),
    )
}

/// A value with its unit, for reasons and tables: ratios as "2.14×", fractions plain.
pub fn fmt_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match unit {
        "×" => format!("{v:.2}×"),
        "bytes" => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
        "" => format!("{v:.2}"),
        u => format!("{} {u}", fmt_num(v)),
    }
}

/// Three significant digits or so: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23".
pub fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// "median", "P95", ….
pub fn stat_label(stat: Stat) -> String {
    match stat {
        Stat::Median => "median".into(),
        Stat::Mean => "mean".into(),
        Stat::Min => "min".into(),
        Stat::Max => "max".into(),
        Stat::Percentile(p) => format!("P{}", stats::percentile::fmt_p(p)),
    }
}

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

/// Why `model` has no samples of `metric`, or its rounds.
fn rounds_of(inputs: &Inputs<'_>, metric: MetricName, model: &str) -> Result<Rounds, String> {
    if let Some(s) = inputs.skipped.iter().find(|s| s.model == model) {
        return Err(format!("`{model}` was not run: {}", s.reason));
    }
    if !inputs.models.iter().any(|m| m == model) {
        return Err(format!("`{model}` is not among the models of this run"));
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
    let mut out = CriterionResult {
        name: c.name.clone(),
        metric: c.metric.clone(),
        stat: c.stat.clone(),
        vs: match c.vs {
            Versus::Absolute => "absolute".into(),
            Versus::Baseline => "baseline".into(),
        },
        candidate: s.candidate.clone(),
        baseline: (c.vs == Versus::Baseline).then(|| s.baseline.clone()),
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
    let cand = match rounds_of(inputs, metric, &s.candidate) {
        Ok(r) => r,
        Err(why) => {
            out.note = Some(why);
            return out;
        }
    };
    let est = match c.vs {
        Versus::Absolute => stats::pooled(&cand, stat, q),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{ChatSample, DecodeSample, FailureRecord, MemorySample, StopReason};

    fn suite(criteria: &str) -> Suite {
        let text = format!(
            r#"
[suite]
name = "t"
candidate = "c"
baseline = "b"
rounds = 5
[[workload]]
kind = "decode"
tokens = 8
{criteria}
"#
        );
        toml::from_str(&text).expect("suite")
    }

    fn decode(model: &str, round: u32, tps: f64) -> Record {
        Record {
            model: model.into(),
            round,
            body: Body::Decode(DecodeSample {
                depth: 0,
                note: None,
                n_requested: 8,
                n_generated: 8,
                elapsed_ms: 7000.0 / tps,
                tokens_per_s: tps,
                valid: true,
                invalid_reason: None,
            }),
        }
    }

    fn memory(model: &str, round: u32, bytes: u64) -> Record {
        Record {
            model: model.into(),
            round,
            body: Body::Memory(MemorySample {
                peak_rss_bytes: bytes,
                source: "test".into(),
                model_file_bytes: bytes / 2,
                use_mmap: true,
                page_cache: None,
            }),
        }
    }

    fn chat(model: &str, round: u32, ttft: f64, n: u32) -> Record {
        Record {
            model: model.into(),
            round,
            body: Body::Chat(ChatSample {
                prompt_index: 0,
                note: None,
                prompt: "p".into(),
                n_prompt_tokens: 4,
                template: Some("gguf".into()),
                max_tokens: 8,
                n_generated: n,
                ttft_ms: ttft,
                itl_ms: vec![5.0; n.saturating_sub(1) as usize],
                e2e_ms: ttft + 5.0 * f64::from(n),
                stop: StopReason::MaxTokens,
                text: "x".repeat(n as usize),
                valid: n > 0,
                invalid_reason: (n == 0).then(|| "zero-token answer".into()),
            }),
        }
    }

    fn failure(model: &str, round: u32) -> Record {
        Record {
            model: model.into(),
            round,
            body: Body::Failure(FailureRecord {
                stage: "bench".into(),
                reason: "killed by signal 11".into(),
                exit_code: None,
                signal: Some(11),
                timed_out: false,
                stderr_tail: "boom".into(),
            }),
        }
    }

    fn models() -> Vec<String> {
        vec!["c".into(), "b".into()]
    }

    fn run(suite: &Suite, records: &[Record]) -> Verdict {
        let models = models();
        evaluate(&Inputs {
            suite,
            records,
            models: &models,
            skipped: &[],
            completeness: Some(&Completeness {
                sections: 3,
                missing: vec![],
            }),
        })
    }

    const SPEED: &str = r#"
[[criterion]]
name = "Decode speed"
metric = "decode.tokens_per_s"
vs = "baseline"
op = ">="
target = 2.0
critical = true
no_go = 1.5
"#;

    /// Candidate at `ratios[r]` × a baseline of 100 tok/s in round r.
    fn paired(ratios: &[f64]) -> Vec<Record> {
        let mut v = Vec::new();
        for (r, x) in ratios.iter().enumerate() {
            v.push(decode("c", r as u32, 100.0 * x));
            v.push(decode("b", r as u32, 100.0));
        }
        v
    }

    #[test]
    fn pass_when_the_whole_interval_clears_the_target() {
        let s = suite(SPEED);
        let v = run(&s, &paired(&[2.4, 2.5, 2.6, 2.5, 2.45]));
        let c = &v.criteria[0];
        assert_eq!(c.state, State::Pass, "{c:?}");
        assert_eq!(c.estimate.as_ref().map(|e| e.point), Some(2.5));
        assert_eq!(c.unit, "×");
        assert_eq!(v.decision, Decision::Go);
        assert!(v.reasons.is_empty());
        assert_eq!(
            v.counts(),
            "1 of 1 criteria pass (1 needed), every critical one passes"
        );
    }

    #[test]
    fn fail_when_the_whole_interval_misses_it_and_no_go_below_the_line() {
        let s = suite(SPEED);
        let v = run(&s, &paired(&[1.2, 1.3, 1.25, 1.3, 1.2]));
        assert_eq!(v.criteria[0].state, State::Fail);
        assert!(v.criteria[0].no_go_breached);
        assert_eq!(v.decision, Decision::NoGo);
        assert!(v.reasons[0].contains("NO-GO line 1.50×"), "{:?}", v.reasons);
        // Between the NO-GO line and the target: FAIL, but CONDITIONAL.
        let v = run(&s, &paired(&[1.7, 1.8, 1.75, 1.8, 1.7]));
        assert_eq!(v.criteria[0].state, State::Fail);
        assert_eq!(v.decision, Decision::Conditional);
        assert!(v.reasons[0].starts_with("Decode speed (critical) FAIL: measured 1.75×"));
    }

    #[test]
    fn inconclusive_when_the_interval_straddles_the_target() {
        let s = suite(SPEED);
        let v = run(&s, &paired(&[1.8, 2.2, 1.9, 2.3, 2.0]));
        let c = &v.criteria[0];
        assert_eq!(c.state, State::Inconclusive);
        assert!(
            c.note.as_deref().unwrap_or("").contains("straddles"),
            "{c:?}"
        );
        // A critical criterion open and none failed: the decision is INCONCLUSIVE.
        assert_eq!(v.decision, Decision::Inconclusive);
    }

    #[test]
    fn inconclusive_when_too_few_samples_for_a_percentile() {
        let s = suite(
            r#"
[[criterion]]
name = "Edge latency"
metric = "chat.ttft_ms"
stat = "p95"
op = "<"
target = 100.0
"#,
        );
        let records: Vec<Record> = (0..5).map(|r| chat("c", r, 40.0, 4)).collect();
        let v = run(&s, &records);
        let c = &v.criteria[0];
        assert_eq!(c.state, State::Inconclusive);
        assert!(
            c.note
                .as_deref()
                .unwrap_or("")
                .contains("P95 needs at least 20 samples, 5 measured"),
            "{c:?}"
        );
        assert_eq!(v.decision, Decision::Conditional);
        // With 20 answers it is decided.
        let records: Vec<Record> = (0..5)
            .flat_map(|r| (0..4).map(move |i| chat("c", r, 40.0 + f64::from(i), 4)))
            .collect();
        assert_eq!(run(&s, &records).criteria[0].state, State::Pass);
    }

    #[test]
    fn not_measured_when_there_are_no_samples_never_a_silent_pass() {
        let s = suite(SPEED);
        // Baseline only: the candidate failed every round.
        let mut records: Vec<Record> = (0..3).map(|r| decode("b", r, 100.0)).collect();
        records.extend((0..3).map(|r| failure("c", r)));
        let v = run(&s, &records);
        let c = &v.criteria[0];
        assert_eq!(c.state, State::NotMeasured);
        assert!(c.estimate.is_none());
        assert!(
            c.note
                .as_deref()
                .unwrap_or("")
                .contains("3 failure record(s)"),
            "{c:?}"
        );
        assert_eq!(v.decision, Decision::Inconclusive);

        // A skipped candidate.
        let skipped = vec![Skipped {
            model: "c".into(),
            reason: "file missing".into(),
        }];
        let models = vec!["b".to_string()];
        let v = evaluate(&Inputs {
            suite: &s,
            records: &records,
            models: &models,
            skipped: &skipped,
            completeness: None,
        });
        assert_eq!(v.criteria[0].state, State::NotMeasured);
        assert!(
            v.criteria[0]
                .note
                .as_deref()
                .unwrap_or("")
                .contains("was not run: file missing")
        );
    }

    #[test]
    fn invalid_answers_are_left_out_and_fail_the_integration_criterion() {
        let s = suite(
            r#"
[[criterion]]
name = "Real backend integration"
metric = "integration.valid_fraction"
stat = "min"
op = ">="
target = 1.0
[[criterion]]
name = "TTFT"
metric = "chat.ttft_ms"
op = "<"
target = 100.0
"#,
        );
        let mut records: Vec<Record> = (0..4).map(|r| chat("c", r, 40.0, 4)).collect();
        // A zero-token answer with an absurd TTFT must not reach the median.
        records.push(chat("c", 1, 10_000.0, 0));
        let v = run(&s, &records);
        assert_eq!(v.criteria[0].state, State::Fail);
        assert_eq!(v.criteria[0].estimate.as_ref().map(|e| e.point), Some(0.5));
        assert_eq!(v.criteria[1].state, State::Pass);
        assert_eq!(v.criteria[1].estimate.as_ref().map(|e| e.point), Some(40.0));
        assert_eq!(v.criteria[1].estimate.as_ref().map(|e| e.n), Some(4));
    }

    #[test]
    fn memory_ratio_no_go_is_on_the_upper_side() {
        let s = suite(
            r#"
[[criterion]]
name = "Memory"
metric = "memory.peak_rss_bytes"
vs = "baseline"
op = "<="
target = 0.5
critical = true
no_go = 0.7
"#,
        );
        let mut records = Vec::new();
        for r in 0..3 {
            records.push(memory("c", r, 800));
            records.push(memory("b", r, 1000));
        }
        let v = run(&s, &records);
        assert_eq!(v.criteria[0].estimate.as_ref().map(|e| e.point), Some(0.8));
        assert!(v.criteria[0].no_go_breached);
        assert_eq!(v.decision, Decision::NoGo);
        let mut records = Vec::new();
        for r in 0..3 {
            records.push(memory("c", r, 400));
            records.push(memory("b", r, 1000));
        }
        assert_eq!(run(&s, &records).decision, Decision::Go);
    }

    #[test]
    fn report_complete_comes_from_the_report() {
        let s = suite(
            r#"
[[criterion]]
name = "Documentation"
metric = "report.complete"
op = ">="
target = 1.0
"#,
        );
        let models = models();
        let missing = Completeness {
            sections: 4,
            missing: vec!["Memory: no sample of `b`".into()],
        };
        let mut inputs = Inputs {
            suite: &s,
            records: &[],
            models: &models,
            skipped: &[],
            completeness: Some(&missing),
        };
        let c = &evaluate(&inputs).criteria[0];
        assert_eq!(c.state, State::Fail);
        assert!(c.note.as_deref().unwrap_or("").contains("Memory"));
        inputs.completeness = None;
        assert_eq!(evaluate(&inputs).criteria[0].state, State::NotMeasured);
        let full = Completeness {
            sections: 4,
            missing: vec![],
        };
        inputs.completeness = Some(&full);
        assert_eq!(evaluate(&inputs).criteria[0].state, State::Pass);
    }

    #[test]
    fn one_round_is_inconclusive_and_pass_at_least_counts() {
        let s = suite(&format!(
            "{SPEED}\n[[criterion]]\nname = \"Abs\"\nmetric = \"decode.tokens_per_s\"\nop = \">=\"\ntarget = 10.0\n[decision]\npass_at_least = 2\n"
        ));
        let v = run(&s, &paired(&[2.5]));
        assert_eq!(v.criteria[0].state, State::Inconclusive);
        assert!(
            v.criteria[0]
                .note
                .as_deref()
                .unwrap_or("")
                .contains("one paired round")
        );
        assert_eq!(v.criteria[1].state, State::Inconclusive);
        assert_eq!(v.decision, Decision::Inconclusive);
        // Critical passes, the other fails: 1 of 2 < pass_at_least → CONDITIONAL.
        let mut records = paired(&[2.5, 2.6, 2.4]);
        records.retain(|r| r.model == "b" || matches!(&r.body, Body::Decode(_)));
        let v = run(&s, &records);
        assert_eq!(v.criteria[0].state, State::Pass);
        assert_eq!(v.criteria[1].state, State::Pass);
        let s1 = suite(&format!(
            "{SPEED}\n[[criterion]]\nname = \"Abs\"\nmetric = \"decode.tokens_per_s\"\nop = \">=\"\ntarget = 1000.0\n[decision]\npass_at_least = 2\n"
        ));
        let v = run(&s1, &records);
        assert_eq!(v.criteria[1].state, State::Fail);
        assert_eq!(v.decision, Decision::Conditional);
        assert!(
            v.reasons.iter().any(|r| r.contains("1 of 2 criteria pass")),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn the_phase0_suite_decides_go_and_no_go() {
        use crate::sample::{ColdStartSample, PageCache};
        let s: Suite = toml::from_str(include_str!("../suites/phase0.toml")).expect("phase0");
        let (c, b) = (s.suite.candidate.clone(), s.suite.baseline.clone());
        let build = |speedup: f64| {
            let mut v = Vec::new();
            for r in 0..5 {
                v.push(decode(&c, r, 100.0 * speedup + f64::from(r)));
                v.push(decode(&b, r, 100.0 + f64::from(r)));
                v.push(memory(&c, r, 400));
                v.push(memory(&b, r, 1000));
                for i in 0..4 {
                    v.push(chat(&c, r, 50.0 + f64::from(i), 8));
                }
                v.push(Record {
                    model: c.clone(),
                    round: r,
                    body: Body::ColdStart(ColdStartSample {
                        page_cache: PageCache::Dropped,
                        resident_before: Some(0.0),
                        total_ms: 900.0,
                        process_ms: 5.0,
                        load_ms: 800.0,
                        context_ms: 20.0,
                        first_token_ms: 75.0,
                    }),
                });
            }
            v
        };
        let models = vec![c.clone(), b.clone()];
        let done = Completeness {
            sections: 7,
            missing: vec![],
        };
        let decide = |records: &[Record]| {
            evaluate(&Inputs {
                suite: &s,
                records,
                models: &models,
                skipped: &[],
                completeness: Some(&done),
            })
        };
        let v = decide(&build(2.5));
        let states: Vec<State> = v.criteria.iter().map(|c| c.state).collect();
        assert_eq!(states, vec![State::Pass; 6], "{:?}", v.criteria);
        assert_eq!(v.decision, Decision::Go);
        // Decode only 1.2× the baseline: below the NO-GO line of 1.5.
        let v = decide(&build(1.2));
        assert_eq!(v.decision, Decision::NoGo);
        assert!(
            v.reasons[0].starts_with("Decode speed: measured 1.20×"),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn no_criteria_is_inconclusive() {
        let s = suite("");
        let v = run(&s, &[]);
        assert_eq!(v.decision, Decision::Inconclusive);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_value(2.144, "×"), "2.14×");
        assert_eq!(fmt_value(3.0 * 1024.0 * 1024.0, "bytes"), "3.0 MiB");
        assert_eq!(fmt_value(123.4, "ms"), "123 ms");
        assert_eq!(fmt_value(f64::NAN, "ms"), "—");
        assert_eq!(stat_label(Stat::Percentile(99.9)), "P99.9");
        assert!(Decision::NoGo > Decision::Go);
    }
}
