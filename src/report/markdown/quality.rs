//! "Quality": each model's correct answers (with the Wilson interval) and bits per byte of
//! the fixed text, base models named, twins NOT MEASURED with why, the
//! speed-against-quality chart, and every wrong answer (prompt, expected, got).

use std::fmt::Write;

use super::charts::chart_link;
use super::text::{cell, heading, interval};
use crate::metric::MetricName;
use crate::report::charts::ChartRef;
use crate::report::view::{ModelView, RunView};
use crate::stats::Estimate;

/// Longest answer text shown in the wrong-answer table, in characters.
const SHOWN_CHARS: usize = 120;

fn fraction(e: &Estimate, questions: usize) -> String {
    format!(
        "{:.0}% ({} of {questions})",
        e.point * 100.0,
        fmt_count(e.point * questions as f64)
    )
}

/// A count that may be fractional (a question answered right in some rounds only).
fn fmt_count(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

fn pct_interval(e: &Estimate) -> String {
    match e.interval {
        Some(i) => format!("{:.0}–{:.0}%", i.lo * 100.0, i.hi * 100.0),
        None => "—".into(),
    }
}

/// The cell of a metric that is not there: NOT MEASURED with why, or a dash.
fn absent(m: &ModelView, metric: MetricName) -> String {
    match m.quality.not_measured(metric) {
        Some(_) => "*NOT MEASURED*".into(),
        None => "—".into(),
    }
}

fn short(s: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        return "(empty)".into();
    }
    let mut out: String = t.chars().take(SHOWN_CHARS).collect();
    if t.chars().count() > SHOWN_CHARS {
        out.push('…');
    }
    format!("`{}`", cell(&out).replace('`', "'"))
}

pub(super) fn quality(out: &mut String, v: &RunView<'_>, charts: &[ChartRef], h: usize) {
    if v.models.iter().all(|m| m.quality.is_empty()) {
        return;
    }
    heading(out, h, "Quality");
    let _ = writeln!(
        out,
        "Measured in the same run on the same files as the speed figures, once per model (in a process of its own, after the first round's bench). **Correct answers**: the share of questions whose answer contains the expected text (whole words, any case) or matches the expected pattern, with a Wilson 95% interval over questions. **Bits per byte**: the negative log-likelihood of the fixed text's scored tokens in bits ÷ the UTF-8 bytes of those tokens (lower is better); unlike perplexity it compares models whose tokenizers differ. Intervals of bits per byte and perplexity come from a bootstrap over the text's windows (which passages were scored), not from noise: the same file gives the same value.\n"
    );
    let _ = writeln!(
        out,
        "| Model | Correct answers | 95% interval | Bits per byte | 95% interval | Perplexity | Scored |\n|---|--:|--:|--:|--:|--:|---|"
    );
    for m in &v.models {
        let q = &m.quality;
        let mut name = format!("`{}`", m.id);
        if m.twin_of.is_some() {
            name.push_str(" (shape twin)");
        } else if q.base_model.is_some() {
            name.push_str(" (base model)");
        }
        let (correct, correct_i) = match &q.correct {
            Some(e) => (fraction(e, q.questions), pct_interval(e)),
            None => (absent(m, MetricName::QualityCorrectFraction), "—".into()),
        };
        let (bpb, bpb_i) = match &q.bits_per_byte {
            Some(e) => (format!("{:.3}", e.point), interval3(e)),
            None => (absent(m, MetricName::QualityBitsPerByte), "—".into()),
        };
        let ppl = q.perplexity.as_ref().map_or_else(
            || absent(m, MetricName::QualityPerplexity),
            |e| format!("{:.2}", e.point),
        );
        let scored = q.text.as_ref().map_or("—".into(), |t| {
            format!(
                "{} windows of {} tokens: {} tokens, {} of {} bytes",
                t.windows, t.n_ctx, t.scored_tokens, t.scored_bytes, t.text_bytes
            )
        });
        let _ = writeln!(
            out,
            "| {name} | {correct} | {correct_i} | {bpb} | {bpb_i} | {ppl} | {scored} |"
        );
    }
    out.push('\n');
    let mut notes = Vec::new();
    for m in &v.models {
        let q = &m.quality;
        let mut reasons: Vec<&str> = q.not_measured.iter().map(|(_, r)| r.as_str()).collect();
        reasons.dedup();
        for r in reasons {
            notes.push(format!(
                "`{}`: quality NOT MEASURED — {}.",
                m.id,
                cell(r.trim_end_matches('.'))
            ));
        }
        if let Some(why) = &q.base_model {
            notes.push(format!(
                "`{}` is a **base model** ({}): it was not trained to follow instructions, so its chat answers are not meaningful and its correct fraction says so; its latency figures stand.",
                m.id,
                cell(why)
            ));
        }
    }
    for n in &notes {
        let _ = writeln!(out, "- {n}");
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    if let Some(c) = charts.iter().find(|c| c.stem.ends_with("speed_quality")) {
        chart_link(out, c);
    }
    let wrong: Vec<&ModelView> = v
        .models
        .iter()
        .filter(|m| !m.quality.wrong.is_empty())
        .collect();
    if wrong.is_empty() {
        if v.models.iter().any(|m| m.quality.correct.is_some()) {
            let _ = writeln!(out, "Every judged answer was correct.\n");
        }
        return;
    }
    heading(out, h + 1, "Wrong answers");
    let _ = writeln!(
        out,
        "Every judged answer that missed its expectation, as generated (greedy; an answer repeated in several rounds is listed once with its count; longer answers cut at {SHOWN_CHARS} characters).\n\n| Model | Prompt | Expected | Got | Times |\n|---|---|---|---|--:|"
    );
    for m in wrong {
        let tag = if m.quality.base_model.is_some() {
            " (base model)"
        } else {
            ""
        };
        for w in &m.quality.wrong {
            let got = if w.invalid {
                "(no token: invalid)".to_string()
            } else {
                short(&w.got)
            };
            let _ = writeln!(
                out,
                "| `{}`{tag} | {} | {} | {got} | {} |",
                m.id,
                cell(&w.prompt),
                cell(&w.expected).replace('`', "'"),
                w.times
            );
        }
    }
    out.push('\n');
}

fn interval3(e: &Estimate) -> String {
    match e.interval {
        Some(i) => format!("{:.3}–{:.3}", i.lo, i.hi),
        None => interval(e, ""),
    }
}
