//! "Compatibility matrix": per device class, each machine judged in it — whether the
//! candidate loads and generates there and whether it meets each target of the class,
//! with the model and engine build used. A class no machine matched says "not measured"
//! rather than vanishing; machines of no class are listed last, judged on the suite's
//! own targets.

use std::fmt::Write;

use super::text::{cell, heading, state_word};
use crate::report::view::RunView;
use crate::report::view::device::Compat;

fn loads(c: &Compat) -> String {
    match (c.loaded_rounds, c.failed_rounds) {
        (0, 0) => "not measured".into(),
        (0, f) => format!(
            "**no** ({f} rounds failed: {})",
            c.first_failure.as_deref().unwrap_or("?")
        ),
        (n, 0) => format!("yes ({n} rounds)"),
        (n, f) => format!(
            "yes in {n} rounds, {f} failed ({})",
            c.first_failure.as_deref().unwrap_or("?")
        ),
    }
}

fn generates(c: &Compat) -> String {
    match (c.generated, c.generations) {
        (_, 0) => "not measured".into(),
        (0, n) => format!("**no** (0 of {n} generations valid)"),
        (g, n) => format!("yes ({g} of {n} generations valid)"),
    }
}

pub(super) fn compatibility(out: &mut String, views: &[RunView<'_>]) {
    heading(out, 2, "Compatibility matrix");
    let _ = writeln!(
        out,
        "Per device class (the suite's `[[device]]`, or `--devices`): each machine judged in it, whether the candidate loads (rounds with a sample, rounds failed) and generates (chat answers with a token and full decodes, of all), and each criterion as that class judges it. Classes no machine matched say “not measured”.\n"
    );
    let mut classes: Vec<String> = Vec::new();
    for v in views {
        for c in &v.classes {
            if !classes.contains(&c.name) {
                classes.push(c.name.clone());
            }
        }
    }
    let mut criteria: Vec<String> = Vec::new();
    for v in views {
        for c in &v.verdict.criteria {
            if !criteria.contains(&c.name) {
                criteria.push(c.name.clone());
            }
        }
    }
    let _ = write!(
        out,
        "| Device class | Machine | Candidate | Engine build | Loads | Generates |"
    );
    for c in &criteria {
        let _ = write!(out, " {} |", cell(c));
    }
    let _ = write!(out, "\n|---|---|---|---|---|---|");
    for _ in &criteria {
        out.push_str("---|");
    }
    out.push('\n');
    let row = |out: &mut String, class: &str, v: &RunView<'_>| {
        let _ = write!(
            out,
            "| {} | `{}` | `{}` ({}) | {} | {} | {} |",
            cell(class),
            cell(&v.machine),
            v.compat.model,
            v.compat.file,
            cell(&v.basis.engine),
            loads(&v.compat),
            generates(&v.compat)
        );
        for name in &criteria {
            let text = v.verdict.criteria.iter().find(|c| &c.name == name).map_or(
                "not in this class".into(),
                |c| {
                    format!(
                        "{} ({} {})",
                        state_word(c.state),
                        c.op,
                        crate::verdict::fmt_value(c.target, &c.unit)
                    )
                },
            );
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    };
    for class in &classes {
        let mine: Vec<&RunView<'_>> = views
            .iter()
            .filter(|v| v.device.class.as_deref() == Some(class))
            .collect();
        if mine.is_empty() {
            let _ = write!(out, "| {} | not measured | — | — | — | — |", cell(class));
            for _ in &criteria {
                out.push_str(" — |");
            }
            out.push('\n');
        }
        for v in mine {
            row(out, class, v);
        }
    }
    for v in views.iter().filter(|v| v.device.class.is_none()) {
        row(out, "no class (the suite's targets)", v);
    }
    out.push('\n');
}
