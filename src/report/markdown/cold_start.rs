//! "Cold start": spawn to first token, page cache dropped and warm, split into phases.

use std::fmt::Write;

use super::charts::chart_link;
use super::text::{cell, heading, interval};
use crate::report::charts::ChartRef;
use crate::report::view::{ColdView, RunView};
use crate::verdict::fmt_num;

pub(super) fn cold_row(out: &mut String, id: &str, c: &ColdView) {
    let resident = c
        .resident_before
        .map_or("not measured".into(), |(m, lo, hi)| {
            if lo == hi {
                format!("{:.0} %", m * 100.0)
            } else {
                format!("{:.0} % ({:.0}–{:.0} %)", m * 100.0, lo * 100.0, hi * 100.0)
            }
        });
    let _ = writeln!(
        out,
        "| `{id}` | {} | {} | {resident} | {} | {} | {} | {} | {} | {} |",
        c.state,
        c.n,
        fmt_num(c.process_ms),
        fmt_num(c.load_ms),
        fmt_num(c.context_ms),
        fmt_num(c.first_token_ms),
        fmt_num(c.total.point),
        interval(&c.total, "ms"),
    );
}

pub(super) fn cold_start(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    heading(out, h, "Cold start");
    let _ = writeln!(
        out,
        "A fresh process from spawn to its first generated token, split into process start (spawn → the worker's `main`), model load (open, mmap, tensor setup), context creation (KV cache) and first token (a short chat prompt prefilled, one token sampled). \"dropped\": the model file was evicted from the page cache first (`posix_fadvise(DONTNEED)`); \"warm\": started right after, with the file cached. \"Resident before\" is the fraction of the file in the page cache just before the spawn (`mincore`), so a cold start that was not really cold shows. Medians over rounds, in ms.\n"
    );
    let any = v.models.iter().any(|m| !m.cold.is_empty());
    if !any {
        let _ = writeln!(out, "No cold start was measured.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Page cache | n | Resident before | Process | Load | Context | First token | Total | Interval (its level) |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    );
    let mut reasons = Vec::new();
    for m in &v.models {
        for c in &m.cold {
            cold_row(out, &m.id, c);
            if c.not_really_cold > 0 {
                reasons.push(format!(
                    "`{}`: {} of {} starts meant to be cold found half the model file or more still in the page cache (another process mapping the file keeps its pages resident); those were warm starts in fact",
                    m.id, c.not_really_cold, c.n
                ));
            }
            if let Some(r) = &c.not_dropped_reason {
                reasons.push(format!("`{}`: the cache could not be dropped: {}", m.id, r));
            }
        }
    }
    out.push('\n');
    for r in &reasons {
        let _ = writeln!(out, "- {}", cell(r));
    }
    if !reasons.is_empty() {
        out.push('\n');
    }
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("cold_start")) {
        chart_link(out, c);
    }
}
