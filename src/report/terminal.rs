//! The verdict matrix in the terminal (comfy-table), coloured when stdout is a terminal
//! and `NO_COLOR` is not set (https://no-color.org).

use std::io::IsTerminal;

use comfy_table::{Cell, Color, Table, presets::UTF8_FULL_CONDENSED};

use crate::report::view::RunView;
use crate::stats::Method;
use crate::stats::interval::fmt_level;
use crate::verdict::{CriterionResult, Decision, State, fmt_value};

/// Whether to colour: stdout is a terminal and NO_COLOR is unset or empty.
pub fn colour_enabled() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stdout().is_terminal()
}

fn state_colour(s: State) -> Color {
    match s {
        State::Pass => Color::Green,
        State::Fail => Color::Red,
        State::Inconclusive => Color::Yellow,
        State::NotMeasured => Color::Magenta,
    }
}

fn decision_ansi(d: Decision) -> &'static str {
    match d {
        Decision::Go => "\x1b[1;32m",
        Decision::Conditional | Decision::Inconclusive => "\x1b[1;33m",
        Decision::NotMeasured => "\x1b[1;35m",
        Decision::NoGo => "\x1b[1;31m",
    }
}

fn measured(c: &CriterionResult) -> (String, String) {
    match &c.estimate {
        Some(e) => (
            fmt_value(e.point, &c.unit),
            e.interval.map_or("—".into(), |i| {
                let level = fmt_level(i.level);
                format!(
                    "{} – {} ({}{level})",
                    fmt_value(i.lo, &c.unit),
                    fmt_value(i.hi, &c.unit),
                    if i.method == Method::ClusterBootstrap {
                        "nominal "
                    } else {
                        ""
                    }
                )
            }),
        ),
        None => ("—".into(), "—".into()),
    }
}

fn target(c: &CriterionResult) -> String {
    format!("{} {}", c.op, fmt_value(c.target, &c.unit))
}

fn name(c: &CriterionResult) -> String {
    if c.advisory {
        format!("{} (advisory)", c.name)
    } else if c.critical {
        format!("{} *", c.name)
    } else {
        c.name.clone()
    }
}

fn table(colour: bool) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    if colour {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn state_cell(s: State, text: String, colour: bool) -> Cell {
    let c = Cell::new(text);
    if colour { c.fg(state_colour(s)) } else { c }
}

/// The verdict matrix and the decision line(s), ready to print.
pub fn render(views: &[RunView<'_>], colour: bool) -> String {
    let mut t = table(colour);
    if let [v] = views {
        t.set_header(vec![
            "Criterion (* critical)",
            "Measured",
            "Interval (its level)",
            "Target",
            "Result",
        ]);
        for c in &v.verdict.criteria {
            let (m, i) = measured(c);
            t.add_row(vec![
                Cell::new(name(c)),
                Cell::new(m),
                Cell::new(i),
                Cell::new(target(c)),
                state_cell(c.state, c.state.to_string(), colour),
            ]);
        }
    } else {
        let mut header = vec!["Criterion (* critical)".to_string(), "Target".to_string()];
        header.extend(views.iter().map(|v| v.machine.clone()));
        t.set_header(header);
        let mut names: Vec<(String, String)> = Vec::new();
        for v in views {
            for c in &v.verdict.criteria {
                if !names.iter().any(|(n, _)| n == &name(c)) {
                    names.push((name(c), target(c)));
                }
            }
        }
        for (n, tgt) in names {
            let mut row = vec![Cell::new(&n), Cell::new(tgt)];
            for v in views {
                row.push(match v.verdict.criteria.iter().find(|c| name(c) == n) {
                    Some(c) => {
                        let (m, i) = measured(c);
                        state_cell(c.state, format!("{} {m} ({i})", c.state), colour)
                    }
                    None => Cell::new("—"),
                });
            }
            t.add_row(row);
        }
    }
    let mut out = format!("{t}\n");
    for v in views {
        let verdict = &v.verdict;
        let on = if views.len() > 1 {
            format!(" on {}", v.machine)
        } else {
            String::new()
        };
        let head = format!(
            "Verdict{on}: {} on {} — {}",
            verdict.decision,
            verdict.basis(),
            verdict.counts()
        );
        let line = match verdict.reasons.as_slice() {
            [] => head,
            [one] => format!("{head}; {one}"),
            _ => format!("{head}:"),
        };
        if colour {
            out.push_str(&format!(
                "{}{line}\x1b[0m\n",
                decision_ansi(verdict.decision)
            ));
        } else {
            out.push_str(&line);
            out.push('\n');
        }
        if verdict.reasons.len() > 1 {
            for r in &verdict.reasons {
                out.push_str(&format!("  - {r}\n"));
            }
        }
    }
    out
}
