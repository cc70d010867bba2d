//! "Memory": peak RSS per model against its file size, and where it came from; and peak
//! memory as the platform counts it (`memory.peak_bytes`) where that differs from RSS.

use std::fmt::Write;

use super::charts::chart_link;
use super::text::{cell, heading, interval, mib, val};
use crate::report::charts::ChartRef;
use crate::report::view::RunView;

pub(super) fn memory(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    heading(out, h, "Memory");
    let _ = writeln!(
        out,
        "Peak RSS is the bench process's own high-water mark of resident memory (Linux: the worker's VmHWM; elsewhere `wait4` `ru_maxrss`; each record stores its source), one per round. With mmap the weights count in RSS only as their pages are touched; what RSS holds beyond the file is KV cache, compute buffers and the runtime.\n"
    );
    let rows: Vec<_> = v
        .models
        .iter()
        .filter_map(|m| Some((m, m.memory.as_ref()?)))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "No peak RSS sample.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Peak RSS (median) | Interval (its level) | Min–max | Model file | RSS − file | RSS ÷ file | mmap |\n|---|--:|--:|--:|--:|--:|--:|---|"
    );
    for (m, x) in rows {
        let extra = x.peak.point - x.file_bytes as f64;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {}–{} | {} | {}{} | {} | {} |",
            m.id,
            val(x.peak.point, "bytes"),
            interval(&x.peak, "bytes"),
            val(x.min, "bytes"),
            val(x.max, "bytes"),
            mib(x.file_bytes),
            if extra < 0.0 { "−" } else { "" },
            val(extra.abs(), "bytes"),
            if x.file_bytes > 0 {
                format!("{:.2}", x.peak.point / x.file_bytes as f64)
            } else {
                "—".into()
            },
            if x.use_mmap { "yes" } else { "no" },
        );
    }
    out.push('\n');
    platform(out, v);
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("memory")) {
        chart_link(out, c);
    }
}

/// Where a record's platform figure differs from its RSS (macOS footprint; GPU buffers
/// added elsewhere): that figure per model, with the sources the records name. On a CPU
/// run the two are equal and nothing is printed.
fn platform(out: &mut String, v: &RunView<'_>) {
    let rows: Vec<_> = v
        .models
        .iter()
        .filter_map(|m| Some((m, m.memory.as_ref()?.platform.as_ref()?)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Peak memory as the platform counts it (`memory.peak_bytes`):\n\n| Model | Peak (median) | 95% interval | Source |\n|---|--:|--:|---|"
    );
    for (m, (est, sources)) in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            m.id,
            val(est.point, "bytes"),
            interval(est, "bytes"),
            cell(&sources.join("; ")),
        );
    }
    out.push('\n');
}
