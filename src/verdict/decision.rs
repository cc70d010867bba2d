//! The Go/No-Go decision from decided criteria (the order is in the module documentation
//! of [`crate::verdict`]), and the reasons it gives, one per criterion that kept it from GO.

use super::criterion::criterion;
use super::format::fmt_value;
use super::rule::interval_text;
use super::twins::verdict_twins;
use super::types::{CriterionResult, Decision, Inputs, NoGoState, State, Verdict};

/// Decide every criterion of the suite, then the decision.
pub fn evaluate(inputs: &Inputs<'_>) -> Verdict {
    let criteria: Vec<CriterionResult> = inputs
        .suite
        .criteria
        .iter()
        .map(|c| {
            let mut r = super::noise::adjust(c, inputs, criterion(c, inputs));
            // An --until-decided run: an undecided criterion says first why it stopped.
            if let Some(seq) = super::sequential::applies(inputs.sequential, c) {
                super::sequential::annotate(seq, &mut r);
            }
            r
        })
        .collect();
    let deciding = criteria.iter().filter(|c| !c.advisory).count();
    let pass_at_least = inputs
        .suite
        .decision
        .as_ref()
        .map_or(deciding, |d| d.pass_at_least as usize);
    let mut v = decide(&inputs.suite.suite.name, criteria, pass_at_least);
    v.twins = verdict_twins(inputs);
    not_measured(&mut v, inputs);
    v
}

/// A candidate or baseline without a single valid sample (skipped, or every job of it
/// failed) leaves nothing to decide on: the decision is NOT MEASURED, whatever the
/// criteria about other data (`report.complete`, say) would have made it. The baseline
/// counts when a criterion is taken against it.
fn not_measured(v: &mut Verdict, inputs: &Inputs<'_>) {
    let s = &inputs.suite.suite;
    let against_baseline = inputs
        .suite
        .criteria
        .iter()
        .any(|c| c.vs == crate::config::Versus::Baseline);
    let mut judged = vec![("candidate", &s.candidate)];
    if against_baseline {
        judged.push(("baseline", &s.baseline));
    }
    let mut empty: Vec<String> = Vec::new();
    for (role, id) in judged {
        let measured = inputs
            .records
            .iter()
            .any(|r| &r.model == id && r.body.is_valid_measurement());
        if !measured && !empty.iter().any(|e| e.starts_with(&format!("`{id}`"))) {
            let how = if inputs.skipped.iter().any(|k| &k.model == id) {
                "was skipped before running"
            } else {
                "has no valid sample (every job of it failed or produced only invalid samples)"
            };
            empty.push(format!("`{id}` ({role}) {how}"));
        }
    }
    if empty.is_empty() {
        return;
    }
    v.decision = Decision::NotMeasured;
    v.reasons.insert(
        0,
        format!("{}: no decision can rest on this run", empty.join("; ")),
    );
}

/// The decision from decided criteria (see the module documentation for the order).
pub fn decide(suite: &str, all: Vec<CriterionResult>, pass_at_least: usize) -> Verdict {
    // Advisory criteria are shown, never counted: everything below sees the others only.
    let criteria: Vec<&CriterionResult> = all.iter().filter(|c| !c.advisory).collect();
    let passed = criteria.iter().filter(|c| c.state == State::Pass).count();
    let mut reasons = Vec::new();
    let breached: Vec<&&CriterionResult> = criteria.iter().filter(|c| c.no_go_breached).collect();
    // NO-GO lines that their interval neither clears nor crosses.
    let open: Vec<&&CriterionResult> = criteria
        .iter()
        .filter(|c| {
            matches!(
                c.no_go_state,
                Some(NoGoState::Straddled | NoGoState::Undecided)
            )
        })
        .collect();
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
        if open.is_empty() && critical_ok && passed >= pass_at_least {
            Decision::Go
        } else {
            let critical_failed = criteria
                .iter()
                .any(|c| c.critical && c.state == State::Fail);
            let critical_open = criteria
                .iter()
                .any(|c| c.critical && matches!(c.state, State::Inconclusive | State::NotMeasured));
            // Open NO-GO lines first, then critical criteria, then the others, each in
            // suite order.
            for c in &open {
                reasons.push(open_line_reason(c));
            }
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
            // NO-GO not ruled out, or a critical criterion open and none failed: the data
            // cannot tell the decisions apart, so none is claimed.
            if !open.is_empty() || (critical_open && !critical_failed) {
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
        criteria: all,
        twins: Vec::new(),
    }
}

fn critical_tag(c: &CriterionResult) -> &'static str {
    if c.critical { " (critical)" } else { "" }
}

/// Why a criterion is where it is, in a few words: the measured value against the target
/// for a FAIL, else its note.
pub fn why(c: &CriterionResult) -> String {
    match (&c.estimate, c.state) {
        (Some(e), State::Fail) => {
            let interval = e
                .interval
                .map(|i| format!(" ({})", interval_text(&i, &c.unit)))
                .unwrap_or_default();
            format!(
                "measured {}{interval}, target {} {}",
                fmt_value(e.point, &c.unit),
                c.op,
                fmt_value(c.target, &c.unit)
            )
        }
        _ => c.note.clone().unwrap_or_default(),
    }
}

fn reason(c: &CriterionResult) -> String {
    format!("{}{} {}: {}", c.name, critical_tag(c), c.state, why(c))
}

/// Why a criterion is NO-GO: its whole interval beyond the line (or, for min/max, its
/// value).
fn no_go_reason(c: &CriterionResult) -> String {
    let line = fmt_value(c.no_go.unwrap_or(f64::NAN), &c.unit);
    let rule = format!("must be {} {line}", c.op);
    match c.estimate.as_ref() {
        Some(e) => match &e.interval {
            Some(i) => format!(
                "{}: {} lies wholly beyond the NO-GO line {line} ({rule}; median {})",
                c.name,
                interval_text(i, &c.unit),
                fmt_value(e.point, &c.unit)
            ),
            None => format!(
                "{}: measured {} is beyond the NO-GO line {line} ({rule}; {} has no interval and is decided on its value)",
                c.name,
                fmt_value(e.point, &c.unit),
                c.stat
            ),
        },
        None => format!("{}: beyond the NO-GO line {line} ({rule})", c.name),
    }
}

/// Why a NO-GO line keeps the decision open.
fn open_line_reason(c: &CriterionResult) -> String {
    let line = fmt_value(c.no_go.unwrap_or(f64::NAN), &c.unit);
    let why = match (c.no_go_state, &c.estimate) {
        (Some(NoGoState::Straddled), Some(e)) => match &e.interval {
            Some(i) => format!("{} straddles it", interval_text(i, &c.unit)),
            None => "its interval straddles it".into(),
        },
        (_, Some(_)) if c.noisy_host => format!(
            "it rests on samples from a busy host ({})",
            c.note.as_deref().unwrap_or("noisy host")
        ),
        (_, Some(e)) => format!(
            "no interval to judge it ({})",
            e.no_interval.as_deref().unwrap_or("none computed")
        ),
        (_, None) => format!(
            "{} ({})",
            c.state,
            c.note.as_deref().unwrap_or("no estimate")
        ),
    };
    format!(
        "{}: the NO-GO line {line} is neither cleared nor crossed — {why}; NO-GO can be neither claimed nor ruled out",
        c.name
    )
}
