//! "Recommendation and risks": generated from the data, never free text. Per machine, what
//! the decision rests on (real files or twins, how quiet the host was, the instruction
//! sets, the context depth of the criteria), how far each criterion is from flipping
//! (its interval's distance from the target and the NO-GO line) and how many rounds an
//! undecided one would need at the measured spread; then which machines pass and fail
//! each critical criterion, and the next measurement that would most change the decision.
//! Every sentence carries its numbers and links to the section behind it.

use std::fmt::Write;

use super::text::{cell, heading, link};
use super::verdict::class_line;
use crate::metric::MetricName;
use crate::report::view::advice::{Margin, Next, Standing};
use crate::report::view::{Role, RunView};
use crate::stats::interval::fmt_level;
use crate::verdict::{State, fmt_percent, fmt_value};

/// The `nth` occurrence of each per-machine heading is machine `i`'s.
fn at(v_index: usize, multi: bool, text: &str, heading: &str) -> String {
    link(text, heading, if multi { v_index } else { 0 })
}

fn margin_words(m: &Margin, what: &str, unit: &str) -> String {
    let line = fmt_value(m.line, unit);
    if m.straddles {
        format!("straddles the {what} {line}")
    } else if m.clear_by == 0.0 {
        format!("sits exactly on the {what} {line}, which it meets there: no margin at all")
    } else if m.clear_by > 0.0 {
        let rel = if m.line != 0.0 {
            format!(" ({} of it)", fmt_percent((m.clear_by / m.line).abs()))
        } else {
            String::new()
        };
        format!(
            "is clear of the {what} {line} by {}{rel}",
            fmt_value(m.clear_by, unit)
        )
    } else {
        format!(
            "lies wholly beyond the {what} {line}, by {}",
            fmt_value(-m.clear_by, unit)
        )
    }
}

fn standing_sentence(s: &Standing) -> String {
    let name = if s.critical {
        format!("**{}** (critical)", s.name)
    } else {
        format!("**{}**", s.name)
    };
    let u = &s.unit;
    let Some(t) = &s.target else {
        return format!(
            "{name} {}: {}.",
            s.state,
            s.note.as_deref().unwrap_or("no estimate")
        );
    };
    let what = match s.interval {
        Some((lo, hi, level)) => format!(
            "its {} interval {}–{} (median {}, {} rounds)",
            fmt_level(level),
            fmt_value(lo, u),
            fmt_value(hi, u),
            fmt_value(s.point, u),
            s.rounds
        ),
        None => format!("its value {}", fmt_value(s.point, u)),
    };
    let mut out = format!(
        "{name} {}: {what} {}",
        s.state,
        margin_words(t, "target", u)
    );
    if let Some(n) = &s.no_go {
        out.push_str(&format!(" and {}", margin_words(n, "NO-GO line", u)));
    }
    let need: Vec<usize> = [Some(t), s.no_go.as_ref()]
        .into_iter()
        .flatten()
        .filter(|m| m.straddles)
        .filter_map(|m| m.rounds_to_clear)
        .collect();
    let on_line = [Some(t), s.no_go.as_ref()]
        .into_iter()
        .flatten()
        .any(|m| m.straddles && m.rounds_to_clear.is_none());
    if on_line {
        out.push_str("; its median sits on the line, so more rounds alone cannot decide it");
    } else if let Some(total) = need.into_iter().max() {
        out.push_str(&format!(
            "; at the measured spread about {total} rounds in all ({} more) would decide it",
            total.saturating_sub(s.rounds)
        ));
    }
    if s.noisy_host {
        out.push_str("; it rests on samples taken on a busy host");
    }
    out.push('.');
    out
}

/// "Decode speed is judged at depth 0 of the measured depths 0 and 1024; at depth 1024
/// the ratio is …": the depth a decode criterion rests on, and the other depths measured.
fn depth_sentence(v: &RunView<'_>, i: usize, multi: bool) -> Option<String> {
    let c = v.verdict.criteria.iter().find(|c| {
        matches!(
            MetricName::parse(&c.metric),
            Ok(MetricName::DecodeTokensPerS { .. })
        )
    })?;
    let Ok(MetricName::DecodeTokensPerS { depth }) = MetricName::parse(&c.metric) else {
        return None;
    };
    // From the figures, not the samples (a report drops them once summarised).
    let mut depths: Vec<u32> = v
        .models
        .iter()
        .flat_map(|m| m.metrics.iter())
        .filter_map(|r| match r.metric {
            MetricName::DecodeTokensPerS { depth } => Some(depth),
            _ => None,
        })
        .collect();
    depths.sort_unstable();
    depths.dedup();
    let others: Vec<String> = if c.vs == "baseline" {
        v.comparisons
            .iter()
            .filter(|x| x.other_role == Role::Baseline)
            .flat_map(|x| x.rows.iter())
            .filter_map(|r| match (r.metric, &r.ratio) {
                (MetricName::DecodeTokensPerS { depth: d }, Ok(e)) if d != depth => Some(format!(
                    "at depth {d} the ratio is {}{}",
                    fmt_value(e.point, "×"),
                    e.interval.map_or(String::new(), |i| format!(
                        " ({} interval {}–{})",
                        fmt_level(i.level),
                        fmt_value(i.lo, "×"),
                        fmt_value(i.hi, "×")
                    ))
                )),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let list: Vec<String> = depths.iter().map(u32::to_string).collect();
    let mut s = format!(
        "{} is judged at context depth {depth}; decode was measured at depth {}",
        c.name,
        list.join(", ")
    );
    if !others.is_empty() {
        s.push_str(&format!("; {}", others.join("; ")));
    }
    s.push_str(&format!(
        " ({}).",
        at(
            i,
            multi,
            "Candidate against each other model",
            "Candidate against each other model"
        )
    ));
    Some(s)
}

fn next_sentence(v: &RunView<'_>, i: usize, multi: bool) -> String {
    let crit = |name: &str| v.advice.standings.iter().find(|s| s.name == name);
    match &v.advice.next {
        Some(Next::QuietHost { criterion }) => format!(
            "Rerun on a quiet host (`lfmbench run --wait-quiet`): {criterion} is INCONCLUSIVE because its samples were taken on a busy host ({}; {}).",
            v.basis.quiet.text(),
            at(i, multi, "Environment", "Environment")
        ),
        Some(Next::MoreRounds {
            criterion,
            more,
            total,
        }) => format!(
            "Run {more} more rounds ({total} in all) on `{}`: at the measured spread that would decide {criterion}, the undecided critical criterion needing the fewest ({}).",
            v.machine,
            at(i, multi, "Results per model", "Results per model")
        ),
        Some(Next::Measure { criterion, why }) => format!(
            "Measure {criterion}, a critical criterion without an estimate: {}.",
            cell(why)
        ),
        Some(Next::RealFiles) => format!(
            "Measure the published model files: the verdict rests on {} ({}).",
            v.verdict.basis(),
            at(i, multi, "Environment", "Environment")
        ),
        Some(Next::Decided { criterion }) => {
            let m = crit(criterion).and_then(|s| {
                s.target
                    .as_ref()
                    .map(|t| margin_words(t, "target", &s.unit))
            });
            format!(
                "Every critical criterion is decided here, so more rounds would not change the decision; the nearest to flipping is {criterion}, whose interval {}. A machine of a class not yet measured would (see Compatibility matrix).",
                m.unwrap_or_else(|| "has no margin".into())
            )
        }
        None => "No critical criterion to recommend from.".into(),
    }
}

pub(super) fn recommendation(out: &mut String, views: &[RunView<'_>]) {
    let multi = views.len() > 1;
    heading(out, 2, "Recommendation and risks");
    let _ = writeln!(
        out,
        "Generated from the measured data, never written by hand: what each verdict rests on, how far each criterion's interval stands from its target and NO-GO line (the margin before it flips), how many rounds an undecided criterion would need if the spread stays as measured (half-widths shrink as 1/√rounds; see Methodology), which machines pass and fail, and the next measurement that would most change the decision.\n"
    );
    for (i, v) in views.iter().enumerate() {
        if multi {
            heading(out, 3, &format!("On `{}`", v.machine));
        }
        let verdict_link = if multi {
            link("Machine", &format!("Machine {}", v.machine), 0)
        } else {
            link(
                "Verdict",
                &format!("Phase 0 findings suite {}", v.run.suite.suite.name),
                0,
            )
        };
        let _ = writeln!(
            out,
            "- **{}** — {} ({verdict_link}).",
            v.verdict.decision,
            v.verdict.counts()
        );
        let _ = writeln!(
            out,
            "- Rests on {}; {}; {} ({}).",
            v.verdict.basis(),
            v.basis.quiet.text(),
            v.basis.isa,
            at(i, multi, "Environment", "Environment")
        );
        if let Some(d) = depth_sentence(v, i, multi) {
            let _ = writeln!(out, "- {d}");
        }
        let _ = writeln!(out, "- {}", class_line(v));
        let _ = writeln!(out, "\nRisks — how far each criterion is from flipping:\n");
        for s in &v.advice.standings {
            let _ = writeln!(out, "- {}", cell(&standing_sentence(s)));
        }
        let _ = writeln!(out, "\nNext measurement: {}\n", next_sentence(v, i, multi));
    }
    if multi {
        devices_pass_fail(out, views);
    }
}

/// Each critical criterion: the machines where it passes, fails, or is undecided.
fn devices_pass_fail(out: &mut String, views: &[RunView<'_>]) {
    let _ = writeln!(
        out,
        "Which machines pass and fail ({}):\n",
        link("Compatibility matrix", "Compatibility matrix", 0)
    );
    let mut names: Vec<String> = Vec::new();
    for v in views {
        for c in v.verdict.criteria.iter().filter(|c| c.critical) {
            if !names.contains(&c.name) {
                names.push(c.name.clone());
            }
        }
    }
    for n in &names {
        let pick = |want: &[State]| -> Vec<String> {
            views
                .iter()
                .filter(|v| {
                    v.verdict
                        .criteria
                        .iter()
                        .any(|c| &c.name == n && want.contains(&c.state))
                })
                .map(|v| format!("`{}`", v.machine))
                .collect()
        };
        let (pass, fail, open) = (
            pick(&[State::Pass]),
            pick(&[State::Fail]),
            pick(&[State::Inconclusive, State::NotMeasured]),
        );
        let part = |w: &str, l: &[String]| {
            if l.is_empty() {
                None
            } else {
                Some(format!(
                    "{w} on {} of {} machines ({})",
                    l.len(),
                    views.len(),
                    l.join(", ")
                ))
            }
        };
        let parts: Vec<String> = [
            part("passes", &pass),
            part("fails", &fail),
            part("undecided", &open),
        ]
        .into_iter()
        .flatten()
        .collect();
        let _ = writeln!(out, "- {} (critical): {}.", cell(n), parts.join("; "));
    }
    out.push('\n');
}
