//! "Results per model": every metric's median with its interval, spread and counts.

use std::fmt::Write;

use super::text::{heading, interval, val};
use crate::report::view::RunView;

pub(super) fn per_model(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Results per model");
    let _ = writeln!(
        out,
        "Median over every valid sample of every round, with its 95% bootstrap interval over rounds; n counts samples (rounds in brackets); MAD is the median absolute deviation.\n"
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
            "| Metric | n (rounds) | Median | 95% interval | Min–max | MAD |\n|---|--:|--:|--:|--:|--:|"
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
