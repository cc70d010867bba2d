//! The front page: each machine's verdict first, in one line with what it rests on (shape
//! twins or real files, engine build and instruction sets, how quiet the host was, GPU
//! offload requested and achieved, the rounds and runs counted); machines of one label
//! kept apart say why; then the criteria with their measured values, intervals, targets
//! and NO-GO lines, all in their units; then each criterion's definition, once.

use std::fmt::Write;

use super::text::{
    cell, decision_word, interval_with_unit, measured, metric_text, no_go, state_word, target,
};
use crate::report::view::RunView;
use crate::verdict::{CriterionResult, Decision, State, fmt_value};

/// "**CONDITIONAL**, on shape twins … — 2 of 6 criteria pass (5 needed). Rests also on:
/// …": the decision, what it rests on (the models first), in one line.
pub(super) fn verdict_line(v: &RunView<'_>) -> String {
    let b = &v.basis;
    format!(
        "{}, on {} — {}. Rests also on: engine {}, {}; {}; {}; {}.",
        decision_word(v.verdict.decision),
        v.verdict.basis(),
        v.verdict.counts(),
        b.engine,
        b.isa,
        b.quiet.text(),
        b.offload.words(),
        b.rounds
    )
}

/// Which device class judged the machine and why, what it changed; or that none matched
/// and the suite's own targets applied.
pub(super) fn class_line(v: &RunView<'_>) -> String {
    let d = &v.device;
    let unit_of = |name: &str| {
        v.verdict
            .criteria
            .iter()
            .find(|c| c.name == name)
            .map_or(String::new(), |c| c.unit.clone())
    };
    match &d.class {
        Some(c) => {
            let mut s = format!(
                "Judged as device class `{c}` (classes from {}; matched on {})",
                d.source,
                d.why.join(", ")
            );
            if !d.overrides.is_empty() {
                let o: Vec<String> = d
                    .overrides
                    .iter()
                    .map(|(n, default, class)| {
                        let u = unit_of(n);
                        format!(
                            "{n} target {} (the suite's: {})",
                            fmt_value(*class, &u),
                            fmt_value(*default, &u)
                        )
                    })
                    .collect();
                s.push_str(&format!("; its targets: {}", o.join(", ")));
            }
            if !d.added.is_empty() {
                s.push_str(&format!("; its own criteria: {}", d.added.join(", ")));
            }
            if d.overrides.is_empty() && d.added.is_empty() {
                s.push_str("; it keeps the suite's targets");
            }
            cell(&format!("{s}."))
        }
        None if v.classes.is_empty() => format!(
            "No device class defined (in {}): the suite's own targets apply.",
            d.source
        ),
        None => cell(&format!(
            "Matched no device class of {} ({}): the suite's own targets apply.",
            d.source,
            d.why.join("; ")
        )),
    }
}

/// The criteria of one machine: measured value, interval with its level, target and NO-GO
/// line, each with its unit.
pub(super) fn criteria_table(out: &mut String, v: &RunView<'_>) {
    let _ = writeln!(
        out,
        "| Criterion | Metric | Measured | Interval (its level) | Target | NO-GO if not | Result |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|---|");
    for c in &v.verdict.criteria {
        let name = if c.advisory {
            format!("{} (advisory, not counted)", cell(&c.name))
        } else if c.critical {
            format!("{} (critical)", cell(&c.name))
        } else {
            cell(&c.name)
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            metric_text(c),
            measured(c),
            c.estimate
                .as_ref()
                .map_or("—".into(), |e| interval_with_unit(e, &c.unit)),
            target(c),
            no_go(c),
            state_word(c.state),
        );
    }
    out.push('\n');
    if crate::report::view::curves::has_sweeps(v.run) {
        let _ = writeln!(out, "{}\n", named_point(v));
    }
}

/// Which configuration the criteria judge: the named point, unless one names another.
fn named_point(v: &RunView<'_>) -> String {
    let b = &v.run.suite.backend;
    let threads = match b.threads.unwrap_or(0) {
        0 => format!(
            "threads {} (one per physical core)",
            v.run.host.physical_cores
        ),
        n => format!("threads {n}"),
    };
    let opt = |x: Option<u32>| x.map_or("default".into(), |n| n.to_string());
    let elsewhere: Vec<String> = v
        .verdict
        .criteria
        .iter()
        .filter_map(|c| Some(format!("{} at {}", cell(&c.name), c.at.as_ref()?)))
        .collect();
    let mut s = format!(
        "The suite measured sweeps (see Curves); its criteria judge the **named point** — {threads}, n_ctx {}, n_batch {}, each model's own file, decode at the depth its metric names",
        opt(b.n_ctx),
        opt(b.n_batch)
    );
    if elsewhere.is_empty() {
        s.push('.');
    } else {
        s.push_str(&format!(", except {}.", elsewhere.join("; ")));
    }
    s
}

fn reasons(out: &mut String, v: &RunView<'_>, indent: &str) {
    for r in &v.verdict.reasons {
        let _ = writeln!(out, "{indent}- {}", cell(r));
    }
    // A GO can leave non-critical criteria open; say why they are.
    if v.verdict.decision == Decision::Go {
        for c in v
            .verdict
            .criteria
            .iter()
            .filter(|c| c.state != State::Pass && !c.advisory)
        {
            let _ = writeln!(
                out,
                "{indent}- not passed, without blocking GO: {} {}: {}",
                cell(&c.name),
                c.state,
                cell(&crate::verdict::why(c))
            );
        }
    }
}

/// One machine: its verdict line, the criteria, why not GO.
pub(super) fn verdict_single(out: &mut String, v: &RunView<'_>) {
    let _ = writeln!(out, "**Verdict on `{}`:** {}\n", v.machine, verdict_line(v));
    if let Some(w) = &v.basis.isa_warning {
        let _ = writeln!(out, "> **Validity warning:** {}.\n", cell(w));
    }
    let _ = writeln!(out, "{}\n", class_line(v));
    if let Some(a) = &v.apart {
        let _ = writeln!(out, "Shown apart: {}.\n", cell(a));
    }
    criteria_table(out, v);
    if !v.verdict.reasons.is_empty() || v.verdict.decision == Decision::Go {
        let mut list = String::new();
        reasons(&mut list, v, "");
        if !list.is_empty() {
            let title = if v.verdict.decision == Decision::Go {
                "Open without blocking GO"
            } else {
                "Why not GO"
            };
            let _ = writeln!(out, "{title}:\n\n{list}");
        }
    }
    advisory(out, v);
}

/// Advisory criteria with their state and why: shown, never counted in the decision.
fn advisory(out: &mut String, v: &RunView<'_>) {
    let advisory: Vec<&CriterionResult> =
        v.verdict.criteria.iter().filter(|c| c.advisory).collect();
    if advisory.is_empty() {
        return;
    }
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

/// Several machines: one verdict line each (machines of one label kept apart say why),
/// then the criteria side by side.
pub(super) fn verdict_multi(out: &mut String, views: &[RunView<'_>]) {
    let _ = writeln!(out, "Verdict per machine:\n");
    for v in views {
        let _ = writeln!(out, "- **`{}`**: {}", v.machine, verdict_line(v));
        if let Some(w) = &v.basis.isa_warning {
            let _ = writeln!(out, "  - **validity warning:** {}", cell(w));
        }
        let _ = writeln!(out, "  - {}", class_line(v));
        if let Some(a) = &v.apart {
            let _ = writeln!(out, "  - shown apart: {}", cell(a));
        }
        reasons(out, v, "  ");
    }
    out.push('\n');
    let mut names: Vec<(String, String, String)> = Vec::new();
    for v in views {
        for c in &v.verdict.criteria {
            if !names.iter().any(|(n, _, _)| n == &c.name) {
                names.push((c.name.clone(), target(c), no_go(c)));
            }
        }
    }
    let _ = write!(out, "| Criterion | Target | NO-GO if not |");
    for v in views {
        let _ = write!(out, " {} |", cell(&v.machine));
    }
    let _ = write!(out, "\n|---|--:|--:|");
    for _ in views {
        out.push_str("---|");
    }
    out.push('\n');
    for (name, tgt, line) in &names {
        let advisory = views
            .iter()
            .flat_map(|v| &v.verdict.criteria)
            .any(|c| &c.name == name && c.advisory);
        let shown = if advisory {
            format!("{} (advisory, not counted)", cell(name))
        } else {
            cell(name)
        };
        let _ = write!(out, "| {shown} | {tgt} | {line} |");
        for v in views {
            let c = v.verdict.criteria.iter().find(|c| &c.name == name);
            let own_target = |c: &CriterionResult| {
                let t = target(c);
                if &t == tgt {
                    String::new()
                } else {
                    format!(" (its class's target {t})")
                }
            };
            let text = match c {
                Some(c) => {
                    let shown = match &c.estimate {
                        Some(e) if e.interval.is_some() => format!(
                            "{} {}, {}",
                            state_word(c.state),
                            measured(c),
                            interval_with_unit(e, &c.unit)
                        ),
                        Some(_) => format!("{} {}", state_word(c.state), measured(c)),
                        None => state_word(c.state),
                    };
                    shown + &own_target(c)
                }
                None => "not in this suite".into(),
            };
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Each criterion's definition, once for the whole document (the first machine's
/// wording where suites share a criterion's name).
pub(super) fn definitions(out: &mut String, views: &[RunView<'_>]) {
    let mut seen: Vec<&CriterionResult> = Vec::new();
    for v in views {
        for c in &v.verdict.criteria {
            if !seen.iter().any(|s| s.name == c.name) {
                seen.push(c);
            }
        }
    }
    if seen.is_empty() {
        return;
    }
    let _ = writeln!(out, "Criteria, as defined:\n");
    for c in seen {
        let _ = writeln!(out, "- **{}** — {}", cell(&c.name), cell(&c.definition));
    }
    out.push('\n');
}
