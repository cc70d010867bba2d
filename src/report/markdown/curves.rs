//! "Curves": every sweep of the run — decode and peak RSS against context depth with the
//! candidate ÷ baseline ratio and where its interval crosses each gate, prefill and time
//! to first token against prompt length, and each swept backend setting.

use std::fmt::Write;

use super::charts::chart_link;
use super::text::{cell, heading, level_tag, val};
use crate::report::charts::ChartRef;
use crate::report::view::RunView;
use crate::report::view::curves::{Crossing, ModelCurve, RatioCurve, Rel};
use crate::stats::Estimate;
use crate::verdict::fmt_num;

/// "7.04 (1.00–10.4, 93.8 %)": the point, then its interval with the level it achieves.
fn with_interval(e: &Estimate, unit: &str) -> String {
    match e.interval {
        Some(i) => format!(
            "{} ({}–{}, {})",
            val(e.point, unit),
            val(i.lo, unit),
            val(i.hi, unit),
            level_tag(&i)
        ),
        None => val(e.point, unit),
    }
}

fn link(out: &mut String, charts: &[ChartRef], stem: &str) {
    if let Some(c) = charts
        .iter()
        .find(|c| c.stem == stem || c.stem.ends_with(&format!("-{stem}")))
    {
        chart_link(out, c);
    }
}

/// One row per x, one column per model (and per ratio).
fn table(out: &mut String, x: &str, curves: &[ModelCurve], ratios: &[RatioCurve], unit: &str) {
    let mut xs: Vec<(f64, String)> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| (p.x, p.label.clone())))
        .collect();
    xs.sort_by(|a, b| a.0.total_cmp(&b.0));
    xs.dedup_by(|a, b| a.0 == b.0);
    let _ = write!(out, "| {x} |");
    for c in curves {
        let _ = write!(out, " `{}` |", c.model);
    }
    for r in ratios {
        let _ = write!(out, " `{}` ÷ `{}` |", r.candidate, r.baseline);
    }
    let _ = write!(out, "\n|--:|");
    for _ in 0..curves.len() + ratios.len() {
        out.push_str("--:|");
    }
    out.push('\n');
    for (xv, label) in &xs {
        let _ = write!(out, "| {label} |");
        for c in curves {
            let cellv = c
                .points
                .iter()
                .find(|p| p.x == *xv)
                .map_or("—".into(), |p| with_interval(&p.est, unit));
            let _ = write!(out, " {cellv} |");
        }
        for r in ratios {
            let cellv = match r.points.iter().find(|(x, _, _)| x == xv) {
                Some((_, _, Ok(e))) => with_interval(e, "×"),
                Some((_, _, Err(why))) => cell(why),
                None => "—".into(),
            };
            let _ = write!(out, " {cellv} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn rel_word(r: Rel) -> &'static str {
    match r {
        Rel::Clear => "clear of it",
        Rel::Straddles => "straddles it",
        Rel::Short => "short of it",
        Rel::Unknown => "has no interval",
    }
}

/// "short of it at 0–256, straddles it at 512, clear of it at 1024–4096".
fn runs(c: &Crossing) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < c.sides.len() {
        let (d0, r) = c.sides[i];
        let mut j = i;
        while j + 1 < c.sides.len() && c.sides[j + 1].1 == r {
            j += 1;
        }
        let d1 = c.sides[j].0;
        let at = if d0 == d1 {
            format!("{d0}")
        } else {
            format!("{d0}–{d1}")
        };
        parts.push(format!("{} at {at}", rel_word(r)));
        i = j + 1;
    }
    parts.join(", ")
}

fn crossing_line(c: &Crossing) -> String {
    let first = c.sides.first().map(|s| s.0);
    let summary = match c.clear_from {
        Some(d) if Some(d) == first => "clear of it at every measured depth".to_string(),
        Some(d) => format!("**clear of it from depth {d} on**"),
        None => "not clear of it at the deepest depth measured".to_string(),
    };
    format!(
        "- `{}` ÷ `{}` against the {} {}×: {summary} ({}).",
        c.candidate,
        c.baseline,
        c.gate.label,
        fmt_num(c.gate.value),
        runs(c)
    )
}

pub(super) fn curves(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    let c = &v.curves;
    if c.depth.is_none() && c.lengths.is_none() && c.settings.is_empty() {
        return;
    }
    heading(out, h, "Curves");
    let _ = writeln!(
        out,
        "Each point is a configuration measured with samples of its own, in processes of its own, interleaved across models like every other job; values are medians over rounds with their interval, ratios paired by round. The verdict judges the named point (see the verdict above).\n"
    );
    if let Some(d) = &c.depth {
        heading(out, h + 1, "Decode against context depth");
        let _ = writeln!(
            out,
            "Decode tokens/s after the context was filled to each depth (untimed), and candidate ÷ baseline per round.\n"
        );
        table(out, "Depth", &d.decode, &d.ratios, "tok/s");
        if !d.crossings.is_empty() {
            let _ = writeln!(
                out,
                "Where the ratio's interval crosses each gate (clear = the whole interval on the passing side):\n"
            );
            for x in &d.crossings {
                let _ = writeln!(out, "{}", crossing_line(x));
            }
            out.push('\n');
        }
        link(out, charts, "depth_ratio");
        if d.memory.is_empty() {
            let _ = writeln!(
                out,
                "No peak RSS per depth: this run decoded every depth in one process, so its memory is one figure (see Memory).\n"
            );
        } else {
            let _ = writeln!(
                out,
                "Peak RSS at a depth is the high-water mark of a process of its own that decoded at that depth only, its context sized to depth + tokens: llama.cpp allocates and clears the KV cache of the whole context when it creates it, so this is the memory of serving that depth (weights as touched through mmap, KV and recurrent state, compute buffers).\n"
            );
            table(out, "Depth", &d.memory, &[], "bytes");
        }
        link(out, charts, "depth");
    }
    if let Some(l) = &c.lengths {
        heading(
            out,
            h + 1,
            "Prefill and time to first token against prompt length",
        );
        let _ = writeln!(
            out,
            "A synthetic prompt of each length evaluated in batches of n_batch, then the first token picked: prefill tokens/s, and time to first token from submitting the prompt.\n"
        );
        table(out, "Prompt tokens", &l.prefill, &l.ratios, "tok/s");
        table(out, "Prompt tokens (TTFT, ms)", &l.ttft, &[], "ms");
        link(out, charts, "prompt_length");
    }
    for s in &c.settings {
        heading(out, h + 1, &format!("Against {}", s.param));
        let _ = writeln!(
            out,
            "Each value measured on its own, every other setting at the named point.{}\n",
            if s.param == "threads" {
                " Speed-up = rate ÷ the rate at the fewest threads measured, paired by round; efficiency = speed-up ÷ (threads ÷ fewest threads), 1.00 being linear scaling."
            } else {
                ""
            }
        );
        for m in &s.metrics {
            let threads = s.param == "threads";
            let _ = writeln!(
                out,
                "| Model | {} | {} | {}\n|---|--:|--:|{}",
                s.param,
                m.label,
                if threads {
                    "Speed-up | Efficiency |"
                } else {
                    ""
                },
                if threads { "--:|--:|" } else { "" }
            );
            for c in &m.curves {
                for p in &c.points {
                    let mut row = format!(
                        "| `{}` | {} | {} |",
                        c.model,
                        p.label,
                        with_interval(&p.est, m.unit)
                    );
                    if threads {
                        let find = |v: &[ModelCurve]| {
                            v.iter()
                                .find(|x| x.model == c.model)
                                .and_then(|x| x.points.iter().find(|q| q.x == p.x))
                                .map_or("—".into(), |q| with_interval(&q.est, "×"))
                        };
                        let eff = m
                            .efficiency
                            .iter()
                            .find(|x| x.model == c.model)
                            .and_then(|x| x.points.iter().find(|q| q.x == p.x))
                            .map_or("—".into(), |q| with_interval(&q.est, ""));
                        let _ = write!(row, " {} | {eff} |", find(&m.speedup));
                    }
                    let _ = writeln!(out, "{row}");
                }
            }
            out.push('\n');
        }
        for why in &s.missing {
            let _ = writeln!(out, "- Not measured: {}", cell(why));
        }
        if !s.missing.is_empty() {
            out.push('\n');
        }
        link(out, charts, s.param);
    }
}
