//! The cold start figure: the phases of a cold start (process, load, context, first token)
//! stacked, one bar per page-cache state, grouped by model.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figures::ColdGroup;
use super::font::FONT;
use super::style::{DrawResult, category_chart, category_labels, color, legend};
use crate::verdict::fmt_num;

/// Stacked cold start phases, one bar per page-cache state, grouped by model.
pub fn cold_start<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[ColdGroup],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    const PHASES: [&str; 4] = ["process start", "model load", "context", "first token"];
    let top = rows
        .iter()
        .flat_map(|(_, s)| s.iter().map(|(_, p)| p.iter().sum::<f64>()))
        .fold(0.0, f64::max);
    let n = rows.len();
    let mut builder = ChartBuilder::on(area);
    builder.margin(16);
    let mut chart = category_chart(builder, n, top, "ms (median)")?;
    // Bars: (x0, x1, state, phases).
    let mut slots = Vec::new();
    for (i, (_, states)) in rows.iter().enumerate() {
        let k = states.len().max(1) as f64;
        let w = 0.7 / k;
        for (j, (state, phases)) in states.iter().enumerate() {
            let x0 = i as f64 - 0.35 + j as f64 * w;
            slots.push((x0, x0 + w * 0.9, *state, *phases));
        }
    }
    for (p, name) in PHASES.iter().enumerate() {
        let c = color(p);
        chart
            .draw_series(slots.iter().map(|(x0, x1, _, ph)| {
                let base: f64 = ph[..p].iter().sum();
                Rectangle::new([(*x0, base), (*x1, base + ph[p])], c.mix(0.85).filled())
            }))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
    }
    let style = (FONT, 13)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(slots.iter().map(|(x0, x1, state, ph)| {
        let total: f64 = ph.iter().sum();
        EmptyElement::at(((x0 + x1) / 2.0, total))
            + Text::new(
                format!("{state}: {}", fmt_num(total)),
                (0, -4),
                style.clone(),
            )
    }))?;
    let names: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    category_labels(&mut chart, &names)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}
