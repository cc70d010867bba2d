//! The throughput figure's panels: grouped bars (one slot per model, one bar per depth or
//! for prefill) with interval whiskers, labelled with the level they achieve.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::figures::Group;
use super::font::FONT;
use super::style::{
    DrawResult, category_chart, category_labels, color, headroom, label_style, legend,
};

/// Grouped bars with interval whiskers, one slot per model.
pub fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    groups: &[Group],
    unit: &str,
    whiskers_label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut labels: Vec<String> = Vec::new();
    for g in groups {
        for (l, _, _) in &g.bars {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
    }
    let top = groups
        .iter()
        .flat_map(|g| {
            g.bars
                .iter()
                .map(|(_, v, i)| i.map_or(*v, |(_, hi)| hi.max(*v)))
        })
        .fold(0.0, f64::max);
    let n = groups.len().max(1);
    let mut builder = ChartBuilder::on(area);
    builder.caption(caption, (FONT, 18)).margin(12);
    let mut chart = category_chart(builder, n, top, unit)?;
    if groups.is_empty() {
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.0, headroom(top) / 2.0))
                + Text::new("not measured", (-40, 0), label_style()),
        ))?;
        return Ok(());
    }
    let k = labels.len().max(1);
    let width = 0.7 / k as f64;
    for (li, label) in labels.iter().enumerate() {
        let c = color(li);
        let mut rects = Vec::new();
        let mut whiskers = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let Some((_, v, ci)) = g.bars.iter().find(|(l, _, _)| l == label) else {
                continue;
            };
            let x0 = gi as f64 - 0.35 + li as f64 * width;
            let x1 = x0 + width * 0.9;
            rects.push(Rectangle::new([(x0, 0.0), (x1, *v)], c.mix(0.85).filled()));
            if let Some((lo, hi)) = ci {
                let xm = (x0 + x1) / 2.0;
                let cap = width * 0.2;
                for seg in [
                    vec![(xm, *lo), (xm, *hi)],
                    vec![(xm - cap, *lo), (xm + cap, *lo)],
                    vec![(xm - cap, *hi), (xm + cap, *hi)],
                ] {
                    whiskers.push(PathElement::new(seg, BLACK.stroke_width(2)));
                }
            }
        }
        chart
            .draw_series(rects)?
            .label(format!("{label} (median)"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
        chart.draw_series(whiskers)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, 0.0)],
            BLACK.stroke_width(2),
        )))?
        .label(whiskers_label)
        .legend(|(x, y)| {
            PathElement::new(vec![(x + 7, y - 6), (x + 7, y + 6)], BLACK.stroke_width(2))
        });
    let names: Vec<String> = groups.iter().map(|g| g.model.clone()).collect();
    category_labels(&mut chart, &names)?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(())
}
