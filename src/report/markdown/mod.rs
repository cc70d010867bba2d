//! PHASE_0_FINDINGS.md: the verdict first, then the evidence, then how it was measured.
//! A pure function of the view-model: no clock, no paths outside the report folder.
//!
//! This file puts the document together ([`render`]) and writes each machine's opening
//! lines; every section is its own file, named after its heading: `verdict` (one verdict
//! line per machine with what it rests on, the criteria, their definitions once),
//! `recommendation` (recommendation and risks, from the data), `compatibility` (the
//! compatibility matrix per device class), `hardware` (minimum hardware), `device_matrix`
//! (several machines), then per machine `results`, `comparisons` (with the
//! suite's further pairs), `charts`, `curves` (the sweeps), `sustained`, `size`, `memory`,
//! `roofline`, `cold_start`, `latency`, `quality`, `validity`, `twins`, `environment`,
//! `deliverables` (the plan's week-4 deliverables), and last, once, `methodology`.
//! `text` holds the cell and number formatting they share; `gpu` the GPU's words that the
//! verdict line's basis does not carry (devices, layers, bytes per device) and the label
//! "GPU requested, not used: …" that the device matrix and the environment both show.

mod charts;
mod cold_start;
mod comparisons;
mod compatibility;
mod curves;
mod deliverables;
mod device_matrix;
mod environment;
mod gpu;
mod hardware;
mod latency;
mod memory;
mod methodology;
mod quality;
mod recommendation;
mod results;
mod roofline;
mod size;
mod sustained;
mod text;
mod twins;
mod validity;
mod verdict;

use std::fmt::Write;

use self::charts::charts_section;
use self::cold_start::cold_start;
use self::comparisons::comparisons;
use self::compatibility::compatibility;
use self::curves::curves;
use self::deliverables::deliverables;
use self::device_matrix::device_matrix;
use self::environment::environment;
use self::hardware::hardware;
use self::latency::latency;
use self::memory::memory;
use self::methodology::methodology;
use self::quality::quality;
use self::recommendation::recommendation;
use self::results::per_model;
use self::roofline::roofline;
use self::size::size;
use self::sustained::sustained;
use self::text::{cell, heading};
use self::twins::twins;
use self::validity::validity;
use self::verdict::{criteria_table, definitions, verdict_multi, verdict_single};
use crate::report::charts::ChartRef;
use crate::report::view::{Role, RunView};

/// The whole findings document.
pub fn render(views: &[RunView<'_>], charts: &[Vec<ChartRef>]) -> String {
    render_with(views, charts, &[])
}

/// [`render`], naming the runs that were asked for but could not be read (`left_out`:
/// why each was, naming its file).
pub fn render_with(views: &[RunView<'_>], charts: &[Vec<ChartRef>], left_out: &[String]) -> String {
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
            let mut labels: Vec<&str> = Vec::new();
            for v in views {
                if !labels.contains(&v.label.as_str()) {
                    labels.push(&v.label);
                }
            }
            let runs: usize = views.iter().map(|v| v.runs.len()).sum();
            let _ = writeln!(
                out,
                "# Phase 0 findings: {runs} runs on {} machine label(s)\n",
                labels.len()
            );
            verdict_multi(&mut out, views);
        }
    }
    definitions(&mut out, views);
    recommendation(&mut out, views);
    compatibility(&mut out, views);
    hardware(&mut out, views);
    if multi {
        device_matrix(&mut out, views);
    }
    let _ = writeln!(
        out,
        "_Written by `lfmbench report` from stored samples only; the same runs always give this same file._\n"
    );
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "**{} run(s) left out**: named but unreadable, so not in any figure below.\n",
            left_out.len()
        );
        for l in left_out {
            let _ = writeln!(out, "- {}", cell(&l.replace('\n', " ")));
        }
        out.push('\n');
    }
    for (i, v) in views.iter().enumerate() {
        let level = if multi {
            heading(&mut out, 2, &format!("Machine `{}`", v.machine));
            criteria_table(&mut out, v);
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
    curves(out, v, charts, h);
    sustained(out, v, charts, h);
    size(out, v, charts, h);
    memory(out, v, charts, h);
    roofline(out, v, h);
    cold_start(out, v, charts, h);
    latency(out, v, charts, h);
    quality(out, v, charts, h);
    validity(out, &v.problems, h);
    twins(out, v, h);
    environment(out, v, h);
    deliverables(out, v, h);
}

fn run_header(out: &mut String, v: &RunView<'_>) {
    let m = &v.run.meta;
    let s = &v.run.suite.suite;
    let state = match m.state {
        crate::store::RunState::Complete => "complete",
        crate::store::RunState::Incomplete => "incomplete",
        crate::store::RunState::Running => "not finished",
    };
    let ids: Vec<String> = v.runs.iter().map(|r| format!("`{r}`")).collect();
    let what = if ids.len() > 1 {
        format!(
            "Runs {} of suite `{}`, pooled ({state}; {} rounds in all, warm-up {}; first started {})",
            ids.join(", "),
            s.name,
            m.rounds,
            s.warmup,
            m.started_utc
        )
    } else {
        format!(
            "Run {} of suite `{}` ({state}; {} rounds, warm-up {}; started {})",
            ids.join(", "),
            s.name,
            m.rounds,
            s.warmup,
            m.started_utc
        )
    };
    let _ = writeln!(out, "{what} on `{}`.", v.label);
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
