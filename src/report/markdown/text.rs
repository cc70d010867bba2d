//! Text helpers every section uses: values in their unit, intervals, table cells, headings,
//! verdict words and code fences.

use std::fmt::Write;

use crate::stats::Estimate;
use crate::verdict::{CriterionResult, Decision, State, fmt_num};

pub(super) const MIB: f64 = 1024.0 * 1024.0;

/// A value in its metric's unit, for tables (bytes as MiB).
pub(super) fn val(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match unit {
        "bytes" => format!("{:.1} MiB", v / MIB),
        "" => format!("{v:.2}"),
        "×" => format!("{v:.2}×"),
        _ => fmt_num(v),
    }
}

pub(super) fn interval(e: &Estimate, unit: &str) -> String {
    match e.interval {
        Some(i) => format!("{}–{}", val(i.lo, unit), val(i.hi, unit)),
        None => "—".into(),
    }
}

/// Table cell text: pipes escaped, line breaks shown as ⏎.
pub(super) fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace("\r\n", " ⏎ ")
        .replace('\n', " ⏎ ")
}

pub(super) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
}

pub(super) fn decision_word(d: Decision) -> String {
    format!("**{d}**")
}

pub(super) fn state_word(s: State) -> String {
    match s {
        State::Pass | State::Fail => format!("**{s}**"),
        _ => format!("*{s}*"),
    }
}

pub(super) fn measured(c: &CriterionResult) -> String {
    match &c.estimate {
        Some(e) => val(e.point, &c.unit),
        None => "—".into(),
    }
}

pub(super) fn target(c: &CriterionResult) -> String {
    format!("{} {}", c.op, val(c.target, &c.unit))
}

pub(super) fn metric_text(c: &CriterionResult) -> String {
    let mut s = format!("`{}` {}", c.metric, c.stat);
    if let Some(b) = &c.baseline {
        s.push_str(&format!(", ÷ `{b}`"));
    }
    if let Some(at) = &c.at {
        s.push_str(&format!(", at {at}"));
    }
    s
}

pub(super) fn heading(out: &mut String, level: usize, text: &str) {
    let _ = writeln!(out, "{} {text}\n", "#".repeat(level));
}

pub(super) fn fence(text: &str) -> String {
    let t = text.replace("```", "'''");
    if t.trim().is_empty() {
        "```text\n(no stderr output)\n```".into()
    } else {
        format!("```text\n{}\n```", t.trim_end())
    }
}
