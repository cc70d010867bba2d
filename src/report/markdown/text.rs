//! Text helpers every section uses: values in their unit, intervals, table cells, headings,
//! verdict words and code fences.

use std::fmt::Write;

use crate::stats::interval::fmt_level;
use crate::stats::{Estimate, Interval, Method};
use crate::verdict::{CriterionResult, Decision, State, fmt_num, fmt_percent, fmt_value};

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

/// The level an interval achieves, as a cell says it: "93.8 %", "95 %"; a bootstrap's
/// level is only nominal: "nominal 95 %"; a confidence sequence's holds at every look:
/// "95.4 %, sequential".
pub(super) fn level_tag(i: &Interval) -> String {
    let l = fmt_level(i.level);
    match i.method {
        Method::ClusterBootstrap => format!("nominal {l}"),
        // Valid at every look of an --until-decided run (see Methodology).
        Method::ConfidenceSequence => format!("{l}, sequential"),
        _ => l,
    }
}

/// "lo–hi (93.8 %)" in a table whose row names the unit (bytes as MiB, ratios with ×).
pub(super) fn interval(e: &Estimate, unit: &str) -> String {
    match e.interval {
        Some(i) => format!(
            "{}–{} ({})",
            val(i.lo, unit),
            val(i.hi, unit),
            level_tag(&i)
        ),
        None => "—".into(),
    }
}

/// A range with its unit once: "141–194 ms", "1.87×–2.03×", "423.5–423.9 MiB",
/// "95–100 %".
pub(super) fn range(lo: f64, hi: f64, unit: &str) -> String {
    match unit {
        "×" => format!("{}–{}", fmt_value(lo, unit), fmt_value(hi, unit)),
        "bytes" => format!("{:.1}–{:.1} MiB", lo / MIB, hi / MIB),
        "" => format!(
            "{}–{}",
            fmt_percent(lo).trim_end_matches(" %"),
            fmt_percent(hi)
        ),
        u => format!("{}–{} {u}", fmt_num(lo), fmt_num(hi)),
    }
}

/// An interval with its unit and level: "1.87×–2.03× (93.8 %)".
pub(super) fn interval_with_unit(e: &Estimate, unit: &str) -> String {
    match e.interval {
        Some(i) => format!("{} ({})", range(i.lo, i.hi, unit), level_tag(&i)),
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

/// The measured value with its unit.
pub(super) fn measured(c: &CriterionResult) -> String {
    match &c.estimate {
        Some(e) => fmt_value(e.point, &c.unit),
        None => "—".into(),
    }
}

/// The target with its unit: "< 100 ms", ">= 2.00×".
pub(super) fn target(c: &CriterionResult) -> String {
    format!("{} {}", c.op, fmt_value(c.target, &c.unit))
}

/// The NO-GO line with its unit, or "—".
pub(super) fn no_go(c: &CriterionResult) -> String {
    c.no_go.map_or("—".into(), |l| {
        format!("{} {}", c.op, fmt_value(l, &c.unit))
    })
}

pub(super) fn metric_text(c: &CriterionResult) -> String {
    if c.metric == "report.complete" {
        // Decided on the deliverables the report holds: no statistic over samples.
        return "`report.complete`, deliverables present".into();
    }
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

/// A link to a heading of this document, GitHub's way: lowercase, punctuation dropped,
/// spaces as hyphens; the `nth` heading of that name (0 for the first) gets `-nth`.
pub(super) fn link(text: &str, heading: &str, nth: usize) -> String {
    let mut slug: String = heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect();
    if nth > 0 {
        slug.push_str(&format!("-{nth}"));
    }
    format!("[{text}](#{slug})")
}
