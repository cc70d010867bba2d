//! "Completeness": which required sections have measured data (`report.complete`).

use std::fmt::Write;

use super::text::{cell, heading};
use crate::report::view::RunView;

pub(super) fn completeness(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Completeness");
    if v.completeness.missing.is_empty() {
        let _ = writeln!(
            out,
            "Every required section (results per model, candidate vs baseline, memory, cold start, latency, roofline, environment) has measured data for the candidate and the baseline: `report.complete` = 1.\n"
        );
    } else {
        let _ = writeln!(
            out,
            "`report.complete` = 0; these required sections lack measured data:\n"
        );
        for m in &v.completeness.missing {
            let _ = writeln!(out, "- {}", cell(m));
        }
        out.push('\n');
    }
}
