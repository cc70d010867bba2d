//! "Minimum hardware": per model, the RAM it needs (peak RSS at the suite's context, the
//! largest over the machines measured) and the memory bandwidth for interactive decode
//! rates from the roofline fitted to the machines, with each machine's predicted decode
//! against its measured one (`view::hardware`).

use std::fmt::Write;

use super::text::{heading, link, val};
use crate::report::view::RunView;
use crate::report::view::hardware::{INTERACTIVE_RATES, requirements};
use crate::verdict::{fmt_num, fmt_percent};

pub(super) fn hardware(out: &mut String, views: &[RunView<'_>]) {
    heading(out, 2, "Minimum hardware");
    let reqs = requirements(views);
    let rates: Vec<String> = INTERACTIVE_RATES
        .iter()
        .map(|r| format!("{r:.0}"))
        .collect();
    let _ = writeln!(
        out,
        "Derived from the machines measured ({} in this report). RAM: the largest median peak RSS over the machines, at the context the model ran with; how it grows with depth is not measured (RSS is one value per round, not per depth). Bandwidth for {} tokens/s: R · B ÷ f with B the model file (bytes read per token at depth 0) and f the median fraction of the bandwidth bound the machines achieved ({}; formula in Methodology). At the deepest depth measured, the bandwidth needed grows by decode(0) ÷ decode(depth) as measured.\n",
        views.len(),
        rates.join(" and "),
        link("Roofline", "Roofline decode against memory bandwidth", 0)
    );
    let _ = write!(out, "| Model | RAM (peak RSS) | Context | f (machines) |");
    for r in &rates {
        let _ = write!(out, " Bandwidth for {r} tok/s |");
    }
    let _ = writeln!(out, " Deeper context |");
    let _ = write!(out, "|---|--:|--:|--:|");
    for _ in &rates {
        out.push_str("--:|");
    }
    out.push_str("---|\n");
    for r in &reqs {
        let ram = r
            .rss
            .iter()
            .map(|(_, b)| *b)
            .reduce(f64::max)
            .map_or("not measured".into(), |b| val(b, "bytes"));
        let _ = write!(
            out,
            "| `{}` | {ram} | {} | {} |",
            r.model,
            r.n_ctx.map_or("—".into(), |n| format!("n_ctx {n}")),
            r.fraction.map_or("not measured".into(), |f| format!(
                "{} ({})",
                fmt_percent(f),
                r.points.len()
            ))
        );
        for rate in INTERACTIVE_RATES {
            let text = r
                .bandwidth_for
                .iter()
                .find(|(x, _)| *x == rate)
                .map_or("not measured".into(), |(_, gbps)| {
                    format!("{} GB/s", fmt_num(*gbps))
                });
            let _ = write!(out, " {text} |");
        }
        let deep = r.depth_factor.map_or("not measured".into(), |(d, f)| {
            format!("×{} at depth {d}", fmt_num(f))
        });
        let _ = writeln!(out, " {deep} |");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "How well the relation predicts each machine (predicted = f · bandwidth ÷ B; with one machine it reproduces it by construction):\n\n| Model | Machine | Bandwidth | f of this machine | Predicted decode | Measured decode | Error |\n|---|---|--:|--:|--:|--:|--:|"
    );
    for r in &reqs {
        for p in &r.points {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {:.1} GB/s | {} | {} | {} | {} |",
                r.model,
                p.machine,
                p.bandwidth_gbps,
                fmt_percent(p.fraction),
                fmt_num(p.predicted),
                fmt_num(p.measured),
                fmt_percent((p.predicted - p.measured) / p.measured)
            );
        }
    }
    out.push('\n');
}
