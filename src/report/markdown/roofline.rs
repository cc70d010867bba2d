//! "Roofline: decode against memory bandwidth": decode speed as a share of what the host's
//! measured bandwidth allows.

use std::fmt::Write;

use super::text::{heading, mib};
use crate::report::view::RunView;
use crate::verdict::fmt_num;

pub(super) fn roofline(out: &mut String, v: &RunView<'_>, h: usize) {
    heading(out, h, "Roofline: decode against memory bandwidth");
    let Some(bw) = v.run.host.memory_bandwidth_gbps else {
        let _ = writeln!(
            out,
            "Memory bandwidth was not probed for this run (host.json has none), so no bound can be drawn.\n"
        );
        return;
    };
    let _ = writeln!(
        out,
        "Measured read bandwidth: **{bw:.1} GB/s** (all physical cores scanning a buffer far larger than the last-level cache; best of 10 passes). Each decoded token reads every weight once, so decode cannot beat bandwidth ÷ bytes of weights. The model file size stands in for the weights read per token: it slightly overstates them (the file also holds the tokenizer and metadata, and embedding rows are looked up, not streamed) and ignores the KV cache and recurrent state read at depth — so the bound is approximate, and real decode also pays for compute.\n"
    );
    let rows: Vec<_> = v
        .models
        .iter()
        .filter_map(|m| Some((m, m.roofline.as_ref()?)))
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "No model has both a decode speed and a file size.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Model file | Bound (tok/s) | Decode (median tok/s) | Depth | % of bound |\n|---|--:|--:|--:|--:|--:|"
    );
    for (m, r) in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {:.0} % |",
            m.id,
            m.file_bytes.map_or("—".into(), mib),
            fmt_num(r.bound_tokens_per_s),
            fmt_num(r.decode_median),
            r.depth,
            r.percent
        );
    }
    out.push('\n');
}
