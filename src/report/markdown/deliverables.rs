//! "Deliverables": the plan's week-4 deliverables (performance comparison, memory
//! profile, device compatibility matrix, recommendations, risk assessment), each present
//! or missing, with the measured data it comes from — what `report.complete`
//! ("Documentation") is judged on.

use std::fmt::Write;

use super::text::{cell, heading};
use crate::report::view::RunView;
use crate::verdict::fmt_percent;

pub(super) fn deliverables(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Deliverables");
    let c = &v.completeness;
    let _ = writeln!(
        out,
        "The plan's week-4 deliverables, each present only where a section of this report computes it from measured data: {} of {} present (`report.complete` = {}).\n",
        c.present().count(),
        c.deliverables.len(),
        fmt_percent(c.value())
    );
    let _ = writeln!(
        out,
        "| Deliverable | In this report | From what data, or what is missing |\n|---|---|---|"
    );
    for d in &c.deliverables {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&d.name),
            if d.present { "present" } else { "**missing**" },
            cell(&d.detail)
        );
    }
    out.push('\n');
}
