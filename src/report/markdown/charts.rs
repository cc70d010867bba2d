//! "Charts": the run's figures, linked as SVG with a PNG fallback.

use std::fmt::Write;

use super::text::heading;
use crate::report::charts::ChartRef;

pub(super) fn chart_link(out: &mut String, c: &ChartRef) {
    let _ = writeln!(
        out,
        "![{}]({})\n\n[PNG]({}) · {}\n",
        c.alt, c.svg, c.png, c.title
    );
}

pub(super) fn charts_section(out: &mut String, charts: &[ChartRef], h: usize) {
    heading(out, h, "Charts");
    if charts.is_empty() {
        let _ = writeln!(out, "No chart: no model has measured data.\n");
        return;
    }
    let _ = writeln!(
        out,
        "SVG and PNG of the same figures, under `charts/`; memory, cold start and latency charts sit in their sections below.\n"
    );
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("throughput")) {
        chart_link(out, c);
    }
}
