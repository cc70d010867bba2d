//! "Latency distributions": time to first token and inter-token latency percentiles.

use std::fmt::Write;

use super::charts::chart_link;
use super::text::heading;
use crate::report::charts::ChartRef;
use crate::report::view::{Pct, RunView};
use crate::verdict::fmt_num;

pub(super) fn pct(p: &Pct, n: usize) -> String {
    match p {
        Pct::Value(v) => fmt_num(*v),
        Pct::TooFew { needed } => format!("needs {needed} (n = {n})"),
    }
}

pub(super) fn latency(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    heading(out, h, "Latency distributions");
    let _ = writeln!(
        out,
        "Valid chat answers only. TTFT: prompt submitted → first generated token; inter-token: gaps between consecutive tokens of an answer; end-to-end: prompt submitted → last token. Percentiles come from an HDR histogram with 3 significant digits (at most 0.1 % above the sample at that rank); a percentile is shown only when at least one sample lies above its rank — P95 needs 20 samples, P99 needs 100.\n"
    );
    let any = v.models.iter().any(|m| !m.latency.is_empty());
    if !any {
        let _ = writeln!(out, "No valid chat answer was measured.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Latency (ms) | n (rounds) | P50 | P95 | P99 | Max |\n|---|---|--:|--:|--:|--:|--:|"
    );
    for m in &v.models {
        for r in &m.latency {
            let get = |p: f64| {
                r.pct
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map_or("—".into(), |(_, x)| pct(x, r.n))
            };
            let _ = writeln!(
                out,
                "| `{}`{} | {} | {} ({}) | {} | {} | {} | {} |",
                m.id,
                if m.quality.base_model.is_some() {
                    " (base model)"
                } else {
                    ""
                },
                r.label,
                r.n,
                r.rounds,
                get(50.0),
                get(95.0),
                get(99.0),
                fmt_num(r.max),
            );
        }
    }
    out.push('\n');
    for stem in ["ttft", "itl"] {
        if let Some(c) = charts.iter().find(|c| c.stem.ends_with(stem)) {
            chart_link(out, c);
        }
    }
}
