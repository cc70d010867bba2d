//! The verdict at the top of the findings: the decision, why, and every criterion with its
//! measured value (one run, or the runs side by side).

use std::fmt::Write;

use super::text::{cell, decision_word, interval, measured, metric_text, state_word, target, val};
use crate::report::view::RunView;
use crate::verdict::{CriterionResult, Decision, State};

pub(super) fn verdict_single(out: &mut String, v: &RunView<'_>) {
    let verdict = &v.verdict;
    let _ = writeln!(
        out,
        "**Verdict: {}** — {}.\n",
        verdict.decision,
        verdict.counts()
    );
    let _ = writeln!(
        out,
        "| Criterion | Metric | Measured | 95% interval | Target | NO-GO if not | Result |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|---|");
    for c in &verdict.criteria {
        let name = if c.advisory {
            format!("{} (advisory, not counted)", cell(&c.name))
        } else if c.critical {
            format!("{} (critical)", cell(&c.name))
        } else {
            cell(&c.name)
        };
        let no_go = c
            .no_go
            .map_or("—".into(), |l| format!("{} {}", c.op, val(l, &c.unit)));
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {no_go} | {} |",
            metric_text(c),
            measured(c),
            c.estimate
                .as_ref()
                .map_or("—".into(), |e| interval(e, &c.unit)),
            target(c),
            state_word(c.state),
        );
    }
    out.push('\n');
    if !verdict.reasons.is_empty() {
        let _ = writeln!(out, "Why not GO:\n");
        for r in &verdict.reasons {
            let _ = writeln!(out, "- {}", cell(r));
        }
        out.push('\n');
    }
    // A GO can leave non-critical criteria open; say why they are.
    let open: Vec<&CriterionResult> = verdict
        .criteria
        .iter()
        .filter(|c| verdict.decision == Decision::Go && c.state != State::Pass && !c.advisory)
        .collect();
    if !open.is_empty() {
        let _ = writeln!(out, "Not passed, without blocking GO:\n");
        for c in open {
            let _ = writeln!(
                out,
                "- {} {}: {}",
                cell(&c.name),
                c.state,
                cell(&crate::verdict::why(c))
            );
        }
        out.push('\n');
    }
    let advisory: Vec<&CriterionResult> = verdict.criteria.iter().filter(|c| c.advisory).collect();
    if !advisory.is_empty() {
        let _ = writeln!(out, "Advisory (shown, never counted in the decision):\n");
        for c in advisory {
            let why = crate::verdict::why(c);
            let _ = writeln!(
                out,
                "- {} {}{}",
                cell(&c.name),
                c.state,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", cell(&why))
                }
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Criteria, as defined:\n");
    for c in &verdict.criteria {
        let _ = writeln!(out, "- **{}** — {}", cell(&c.name), cell(&c.definition));
    }
    out.push('\n');
}

pub(super) fn verdict_multi(out: &mut String, views: &[RunView<'_>]) {
    let _ = writeln!(out, "Verdict per machine:\n");
    for v in views {
        let _ = writeln!(
            out,
            "- `{}`: {} — {}",
            v.machine,
            decision_word(v.verdict.decision),
            cell(&v.verdict.counts())
        );
        for r in &v.verdict.reasons {
            let _ = writeln!(out, "  - {}", cell(r));
        }
    }
    out.push('\n');
    let mut names: Vec<(String, String)> = Vec::new();
    for v in views {
        for c in &v.verdict.criteria {
            if !names.iter().any(|(n, _)| n == &c.name) {
                names.push((c.name.clone(), target(c)));
            }
        }
    }
    let _ = write!(out, "| Criterion | Target |");
    for v in views {
        let _ = write!(out, " {} |", cell(&v.machine));
    }
    let _ = write!(out, "\n|---|--:|");
    for _ in views {
        out.push_str("---|");
    }
    out.push('\n');
    for (name, tgt) in &names {
        let _ = write!(out, "| {} | {tgt} |", cell(name));
        for v in views {
            let c = v.verdict.criteria.iter().find(|c| &c.name == name);
            let text = match c {
                Some(c) => match &c.estimate {
                    Some(e) if e.interval.is_some() => format!(
                        "{} {} ({})",
                        state_word(c.state),
                        val(e.point, &c.unit),
                        interval(e, &c.unit)
                    ),
                    Some(e) => format!("{} {}", state_word(c.state), val(e.point, &c.unit)),
                    None => state_word(c.state),
                },
                None => "not in this suite".into(),
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out.push('\n');
}
