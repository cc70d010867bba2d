//! PHASE_0_FINDINGS.md: the verdict first, then the evidence, then how it was measured.
//! A pure function of the view-model: no clock, no paths outside the report folder.
//!
//! This file puts the document together ([`render`]) and writes each run's opening lines;
//! every section is its own file, named after its heading: `verdict` (the verdict at the
//! top), `device_matrix` (several runs), then per run `results`, `comparisons`, `charts`,
//! `memory`, `roofline`, `cold_start`, `latency`, `quality`, `validity`, `twins`, `environment`,
//! `completeness`, and last `methodology`. `text` holds the cell and number formatting
//! they share.

mod charts;
mod cold_start;
mod comparisons;
mod completeness;
mod device_matrix;
mod environment;
mod latency;
mod memory;
mod methodology;
mod quality;
mod results;
mod roofline;
mod text;
mod twins;
mod validity;
mod verdict;

use std::fmt::Write;

use self::charts::charts_section;
use self::cold_start::cold_start;
use self::comparisons::comparisons;
use self::completeness::completeness;
use self::device_matrix::device_matrix;
use self::environment::environment;
use self::latency::latency;
use self::memory::memory;
use self::methodology::methodology;
use self::quality::quality;
use self::results::per_model;
use self::roofline::roofline;
use self::text::heading;
use self::twins::twins;
use self::validity::validity;
use self::verdict::{verdict_multi, verdict_single};
use crate::report::charts::ChartRef;
use crate::report::view::{Role, RunView};

/// The whole findings document.
pub fn render(views: &[RunView<'_>], charts: &[Vec<ChartRef>]) -> String {
    let mut out = String::new();
    let multi = views.len() > 1;
    match views {
        [v] => {
            let _ = writeln!(
                out,
                "# Phase 0 findings: suite `{}`\n",
                v.run.suite.suite.name
            );
            verdict_single(&mut out, v);
        }
        _ => {
            let _ = writeln!(out, "# Phase 0 findings: {} runs\n", views.len());
            verdict_multi(&mut out, views);
            device_matrix(&mut out, views);
        }
    }
    let _ = writeln!(
        out,
        "_Written by `lfmbench report` from stored samples only; the same runs always give this same file._\n"
    );
    for (i, v) in views.iter().enumerate() {
        let level = if multi {
            heading(
                &mut out,
                2,
                &format!("Machine `{}` — run `{}`", v.machine, v.run.meta.id),
            );
            verdict_single(&mut out, v);
            3
        } else {
            2
        };
        let no_charts = Vec::new();
        run_sections(&mut out, v, charts.get(i).unwrap_or(&no_charts), level);
    }
    methodology(&mut out, views);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn run_sections(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    run_header(out, v);
    per_model(out, v, h);
    comparisons(out, v, h);
    charts_section(out, charts, h);
    memory(out, v, charts, h);
    roofline(out, v, h);
    cold_start(out, v, charts, h);
    latency(out, v, charts, h);
    quality(out, v, charts, h);
    validity(out, &v.problems, h);
    twins(out, v, h);
    environment(out, v, h);
    completeness(out, v, h);
}

fn run_header(out: &mut String, v: &RunView<'_>) {
    let m = &v.run.meta;
    let s = &v.run.suite.suite;
    let state = match m.state {
        crate::store::RunState::Complete => "complete",
        crate::store::RunState::Incomplete => "incomplete",
        crate::store::RunState::Running => "not finished",
    };
    let _ = writeln!(
        out,
        "Run `{}` of suite `{}` ({state}; {} rounds, warm-up {}; started {}) on `{}`.",
        m.id, s.name, m.rounds, s.warmup, m.started_utc, v.machine
    );
    let others: Vec<String> = v
        .models
        .iter()
        .filter(|x| x.role == Role::Other)
        .map(|x| format!("`{}`", x.id))
        .collect();
    let _ = writeln!(
        out,
        "Candidate `{}`, baseline `{}`{}.\n",
        s.candidate,
        s.baseline,
        if others.is_empty() {
            String::new()
        } else {
            format!(", alongside {}", others.join(", "))
        }
    );
}
