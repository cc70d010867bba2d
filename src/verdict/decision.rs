//! The Go/No-Go decision from decided criteria (the order is in the module documentation
//! of [`crate::verdict`]), and the reasons it gives, one per criterion that kept it from GO.

use super::criterion::criterion;
use super::format::fmt_value;
use super::types::{CriterionResult, Decision, Inputs, State, Verdict};

/// Decide every criterion of the suite, then the decision.
pub fn evaluate(inputs: &Inputs<'_>) -> Verdict {
    let criteria: Vec<CriterionResult> = inputs
        .suite
        .criteria
        .iter()
        .map(|c| criterion(c, inputs))
        .collect();
    let deciding = criteria.iter().filter(|c| !c.advisory).count();
    let pass_at_least = inputs
        .suite
        .decision
        .as_ref()
        .map_or(deciding, |d| d.pass_at_least as usize);
    decide(&inputs.suite.suite.name, criteria, pass_at_least)
}

/// The decision from decided criteria (see the module documentation for the order).
pub fn decide(suite: &str, all: Vec<CriterionResult>, pass_at_least: usize) -> Verdict {
    // Advisory criteria are shown, never counted: everything below sees the others only.
    let criteria: Vec<&CriterionResult> = all.iter().filter(|c| !c.advisory).collect();
    let passed = criteria.iter().filter(|c| c.state == State::Pass).count();
    let mut reasons = Vec::new();
    let breached: Vec<&&CriterionResult> = criteria.iter().filter(|c| c.no_go_breached).collect();
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
        criteria: all,
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
