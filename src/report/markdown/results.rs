//! "Results per model": every metric's median with its interval, spread and counts.

use std::fmt::Write;

use super::text::{heading, interval, val};
use crate::report::view::RunView;

pub(super) fn per_model(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Results per model");
    let _ = writeln!(
        out,
        "Median with its interval and the level that interval achieves (see Methodology): decode and prefill take the median of each round's repetitions, then the median of the round values; memory and cold start have one value per round; chat latencies pool every answer of every round. n counts samples (rounds in brackets); Min–max and MAD (median absolute deviation) are over every sample.\n"
    );
    for m in &v.models {
        let twin = if m.twin_of.is_some() {
            ", shape twin"
        } else if m.quality.base_model.is_some() {
            ", base model: its chat answers are not meaningful"
        } else {
            ""
        };
        heading(
            out,
            h + 1,
            &format!("`{}` ({}{twin})", m.id, m.role.label()),
        );
        if m.metrics.is_empty() {
            let _ = writeln!(out, "No valid sample (see Validity problems).\n");
            continue;
        }
        let _ = writeln!(
            out,
            "| Metric | n (rounds) | Median | Interval (its level) | Min–max | MAD |\n|---|--:|--:|--:|--:|--:|"
        );
        for r in &m.metrics {
            let u = r.metric.unit();
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {} | {}–{} | {} |",
                r.label,
                r.median.n,
                r.median.rounds,
                val(r.median.point, u),
                interval(&r.median, u),
                val(r.min, u),
                val(r.max, u),
                r.mad.map_or("—".into(), |x| val(x, u)),
            );
        }
        out.push('\n');
        if !m.notes.is_empty() {
            let _ = writeln!(out, "How the backend took these samples:\n");
            for n in &m.notes {
                let _ = writeln!(out, "- {n}");
            }
            out.push('\n');
        }
    }
}
