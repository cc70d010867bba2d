//! The speed-against-quality figure: one point per model, decode tokens/s (up: faster)
//! against bits per byte of the fixed text (left: better), each with its 95% interval as
//! whiskers, so a reader sees at a glance which model is faster at equal quality. Models
//! without both figures (a twin has no quality) are named under the plot, not drawn.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figures::QualityPoint;
use super::font::FONT;
use super::style::{DrawResult, color, grid, label_style, legend, tick};

/// The span `lo..hi` with 12 % room each side (never empty).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs().max(hi.abs() * 0.05).max(1e-3);
    (lo - span * 0.12, hi + span * 0.12)
}

/// Scatter of decode tokens/s against bits per byte, with interval whiskers.
pub fn speed_quality<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[QualityPoint],
    left_out: &[String],
    decode_label: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (plot, foot) = area.split_vertically(area.dim_in_pixel().1 - 34);
    let xs = points.iter().flat_map(|p| {
        [
            p.bpb,
            p.bpb_ci.map_or(p.bpb, |c| c.0),
            p.bpb_ci.map_or(p.bpb, |c| c.1),
        ]
    });
    let ys = points.iter().flat_map(|p| {
        [
            p.tps,
            p.tps_ci.map_or(p.tps, |c| c.0),
            p.tps_ci.map_or(p.tps, |c| c.1),
        ]
    });
    let (xlo, xhi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (ylo, yhi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (xlo, xhi) = if xlo.is_finite() {
        padded(xlo, xhi)
    } else {
        (0.0, 1.0)
    };
    let (ylo, yhi) = if ylo.is_finite() {
        padded(ylo, yhi)
    } else {
        (0.0, 1.0)
    };
    let (ylo, yhi) = (ylo.max(0.0), yhi * 1.25);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
    let ytick = tick(yhi - ylo);
    chart
        .configure_mesh()
        .x_desc("bits per byte of the fixed text (lower is better) →")
        .y_desc(format!("{decode_label} (higher is faster)"))
        .axis_desc_style((FONT, 15))
        .label_style(label_style())
        .x_label_formatter(&|v| format!("{v:.3}"))
        .y_label_formatter(&ytick)
        .bold_line_style(grid())
        .light_line_style(TRANSPARENT)
        .draw()?;
    for p in points {
        let c = color(p.colour);
        let mut whiskers = Vec::new();
        if let Some((lo, hi)) = p.bpb_ci {
            whiskers.push(PathElement::new(
                vec![(lo, p.tps), (hi, p.tps)],
                c.stroke_width(2),
            ));
        }
        if let Some((lo, hi)) = p.tps_ci {
            whiskers.push(PathElement::new(
                vec![(p.bpb, lo), (p.bpb, hi)],
                c.stroke_width(2),
            ));
        }
        chart.draw_series(whiskers)?;
        chart
            .draw_series(std::iter::once(Circle::new((p.bpb, p.tps), 7, c.filled())))?
            .label(format!(
                "{}: {:.3} bits/byte, {:.1} tok/s",
                p.model, p.bpb, p.tps
            ))
            .legend(move |(x, y)| Circle::new((x + 9, y), 6, c.filled()));
        let style = label_style().pos(Pos::new(HPos::Left, VPos::Bottom));
        chart.draw_series(std::iter::once(
            EmptyElement::at((p.bpb, p.tps)) + Text::new(p.model.clone(), (9, -6), style),
        ))?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(xlo, ylo), (xlo, ylo)],
            BLACK.stroke_width(2),
        )))?
        .label("whiskers: 95% intervals")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    let note = if left_out.is_empty() {
        "Up and to the left: faster and better at once.".to_string()
    } else {
        format!(
            "Up and to the left: faster and better. Not drawn: {}.",
            left_out.join("; ")
        )
    };
    foot.draw(&Text::new(
        note,
        (16, 8),
        label_style().pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(())
}
