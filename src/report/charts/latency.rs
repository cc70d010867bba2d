//! The latency figures (time to first token, inter-token latency): each model's empirical
//! cumulative distribution with its percentiles marked and the criterion's target drawn.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::figures::LatencySeries;
use super::font::FONT;
use super::style::{DrawResult, TARGET, color, grid, label_style, legend, tick};
use crate::report::view::Pct;
use crate::verdict::fmt_num;

fn pct_text(p: &Pct) -> String {
    match p {
        Pct::Value(v) => fmt_num(*v),
        Pct::TooFew { needed } => format!("n<{needed}"),
    }
}

/// Empirical cumulative distribution per model, percentiles marked, target drawn.
pub fn latency<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    metric: &str,
    series: &[LatencySeries],
    target: Option<&(String, f64)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    // The span of the data (and the target), 5 % of room each side, never below 0: the
    // curves then climb from the left and leave the lower right to the legend.
    let t = target.map(|t| t.1);
    let lo = series
        .iter()
        .filter_map(|s| s.values.first().copied())
        .chain(t)
        .fold(f64::INFINITY, f64::min);
    let hi = series
        .iter()
        .filter_map(|s| s.values.last().copied())
        .chain(t)
        .fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.01).max(1e-3);
    let (xmin, xmax) = ((lo - pad).max(0.0), hi + pad);
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(xmin..xmax, 0.0..1.0)?;
    let xtick = tick(xmax - xmin);
    chart
        .configure_mesh()
        .x_desc(format!("{metric} (ms)"))
        .y_desc("fraction of samples ≤ x")
        .axis_desc_style((FONT, 15))
        .label_style(label_style())
        .x_label_formatter(&xtick)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .bold_line_style(grid())
        .light_line_style(TRANSPARENT)
        .draw()?;
    for s in series {
        let c = color(s.colour);
        if s.values.is_empty() {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(format!("{}: no valid sample", s.model))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.mix(0.5).stroke_width(2))
                });
            continue;
        }
        let n = s.values.len() as f64;
        let mut pts = vec![(xmin, 0.0)];
        for (k, v) in s.values.iter().enumerate() {
            pts.push((*v, k as f64 / n));
            pts.push((*v, (k + 1) as f64 / n));
        }
        let pct: Vec<String> = s
            .pct
            .iter()
            .map(|(p, x)| format!("P{p:.0} {}", pct_text(x)))
            .collect();
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))?
            .label(format!("{} (n={}; {})", s.model, s.n, pct.join(", ")))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)));
        let marks: Vec<(f64, f64)> = s
            .pct
            .iter()
            .filter_map(|(p, x)| match x {
                Pct::Value(v) => Some((*v, p / 100.0)),
                Pct::TooFew { .. } => None,
            })
            .collect();
        chart.draw_series(
            marks
                .into_iter()
                .map(|(x, y)| Circle::new((x, y), 5, c.filled())),
        )?;
    }
    // How the markers read, once.
    chart
        .draw_series(std::iter::once(Circle::new(
            (-1.0, -1.0),
            0,
            BLACK.filled(),
        )))?
        .label("P50 / P95 / P99 (where the samples carry them)")
        .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.filled()));
    if let Some((label, t)) = target {
        let t = *t;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(t, 0.0), (t, 1.0)],
                8,
                5,
                TARGET.stroke_width(2),
            ))?
            .label(label.clone())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], TARGET.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}
