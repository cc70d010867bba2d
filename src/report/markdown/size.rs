//! "Model size": every model by its parameter count, with its decode speed and peak RSS.

use std::fmt::Write;

use super::charts::chart_link;
use super::text::{heading, interval, mib, val};
use crate::report::charts::ChartRef;
use crate::report::view::RunView;

pub(super) fn size(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    if v.sizes.len() < 2 {
        return;
    }
    heading(out, h, "Model size");
    let _ = writeln!(
        out,
        "Parameters are the sum of the file's tensor element counts (read from its GGUF at pre-flight); decode at the shallowest depth and peak RSS of the named bench process, medians over rounds with their interval.\n"
    );
    let _ = writeln!(
        out,
        "| Model | Parameters | Quant | File | Decode tok/s | Interval (its level) | Peak RSS | Interval (its level) |\n|---|--:|---|--:|--:|--:|--:|--:|"
    );
    for r in &v.sizes {
        let (d, di) = match &r.decode {
            Some((depth, e)) => (
                format!("{} (depth {depth})", val(e.point, "tok/s")),
                interval(e, "tok/s"),
            ),
            None => ("—".into(), "—".into()),
        };
        let (m, mi) = match &r.peak_rss {
            Some(e) => (val(e.point, "bytes"), interval(e, "bytes")),
            None => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {:.0} M | {} | {} | {d} | {di} | {m} | {mi} |",
            r.model,
            r.n_params as f64 / 1e6,
            r.quant,
            r.file_bytes.map_or("—".into(), mib),
        );
    }
    out.push('\n');
    if let Some(c) = charts
        .iter()
        .find(|c| c.stem == "model_size" || c.stem.ends_with("-model_size"))
    {
        chart_link(out, c);
    }
}
