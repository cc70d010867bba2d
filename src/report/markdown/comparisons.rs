//! "Candidate against each other model": paired ratios by round, with how to read each;
//! then the suite's further pairs (`pairs`), one table each.

use std::fmt::Write;

use super::text::{cell, heading, interval, val};
use crate::metric::MetricName;
use crate::report::view::{Comparison, RunView};
use crate::stats::Estimate;

pub(super) fn reading(metric: MetricName, e: &Estimate) -> &'static str {
    let Some(i) = e.interval else {
        return "one round: no interval";
    };
    // Above 1: the candidate has more of the metric; whether that is better depends on it.
    let more = if i.lo > 1.0 {
        true
    } else if i.hi < 1.0 {
        false
    } else {
        return "no clear difference";
    };
    match (metric.unit(), more) {
        ("tok/s", true) => "candidate faster",
        ("tok/s", false) => "candidate slower",
        ("bytes", true) => "candidate larger",
        ("bytes", false) => "candidate smaller",
        ("ms", true) => "candidate slower",
        ("ms", false) => "candidate quicker",
        _ if more == metric.higher_is_better() => "candidate better",
        _ => "candidate worse",
    }
}

pub(super) fn comparisons(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Candidate against each other model");
    if v.comparisons.is_empty() {
        let _ = writeln!(out, "Nothing to compare: the candidate was not run.\n");
        return;
    }
    let _ = writeln!(
        out,
        "Ratio = candidate ÷ other, taken per round from the two models' medians in that round (they ran side by side), then the median over rounds, with the order-statistic interval of the per-round ratios and the level it achieves (see Methodology). \"No clear difference\" means the interval contains 1.\n"
    );
    let cand = v.run.suite.suite.candidate.as_str();
    for c in &v.comparisons {
        heading(
            out,
            h + 1,
            &format!("`{cand}` ÷ `{}` ({})", c.other, c.other_role.label()),
        );
        table(out, cand, c);
    }
    if !v.pairs.is_empty() {
        heading(out, h + 1, "Further pairs of the suite");
        let _ = writeln!(
            out,
            "The suite's `pairs`: each model against its peer, the same way.\n"
        );
        for (a, c) in &v.pairs {
            heading(out, h + 2, &format!("`{a}` ÷ `{}`", c.other));
            table(out, a, c);
        }
    }
}

/// One comparison's ratio table; "candidate" in its readings is `cand`.
fn table(out: &mut String, cand: &str, c: &Comparison) {
    let _ = writeln!(
        out,
        "| Metric | `{cand}` | `{}` | Ratio | Interval (its level) | Rounds | Reading |\n|---|--:|--:|--:|--:|--:|---|",
        c.other
    );
    for r in &c.rows {
        let u = r.metric.unit();
        match &r.ratio {
            Ok(e) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    r.label,
                    val(r.candidate_median, u),
                    val(r.other_median, u),
                    val(e.point, "×"),
                    interval(e, "×"),
                    e.rounds,
                    reading(r.metric, e)
                );
            }
            Err(why) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | — | — | 0 | {} |",
                    r.label,
                    val(r.candidate_median, u),
                    val(r.other_median, u),
                    cell(why)
                );
            }
        }
    }
    out.push('\n');
}
