//! What every chart shares: size, colours, label text, the frame of a bar chart with its
//! category labels, tick formatting and the legend box.

use std::error::Error;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::FONT;

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (960, 540);

/// Okabe–Ito, a palette that colour-blind readers can tell apart.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];
pub const TARGET: RGBColor = RGBColor(200, 30, 30);

pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub type DrawResult = Result<(), Box<dyn Error>>;

pub fn label_style() -> TextStyle<'static> {
    (FONT, 14).into_font().color(&BLACK)
}

/// Model names centred under their slots; where the slots are too narrow for the longest
/// name (about 8 px per character at the label size), every other name drops a line so that
/// no two overlap.
pub fn category_labels<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    names: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let y0 = chart.y_range().start;
    let style = label_style().pos(Pos::new(HPos::Center, VPos::Top));
    let slot_px = chart.plotting_area().dim_in_pixel().0 as usize / names.len().max(1);
    let widest_px = names
        .iter()
        .map(|n| n.chars().count() * 8)
        .max()
        .unwrap_or(0);
    let stagger = widest_px + 6 > slot_px;
    chart.draw_series(names.iter().enumerate().map(|(i, n)| {
        let dy = if stagger && i % 2 == 1 { 26 } else { 8 };
        EmptyElement::at((i as f64, y0)) + Text::new(n.clone(), (0, dy), style.clone())
    }))?;
    Ok(())
}

/// Upper end of a value axis: room above the largest value for the legend, never zero.
pub fn headroom(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.4
    } else {
        1.0
    }
}

/// Tick labels with as many decimals as the axis span needs, the same on every tick.
pub fn tick(span: f64) -> impl Fn(&f64) -> String {
    let decimals = if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    };
    move |v: &f64| format!("{v:.decimals$}")
}

/// Grid: bold lines only, faint.
pub fn grid() -> ShapeStyle {
    RGBColor(220, 220, 220).stroke_width(1)
}

/// Grouped bars with interval whiskers, one slot per model.
/// A chart with one category per slot on x (centred on 0, 1, …, `n` − 1) and values from
/// 0 to a little above `top` on y, its mesh drawn: the frame every bar chart here shares.
pub fn category_chart<'a, DB: DrawingBackend>(
    mut builder: ChartBuilder<'a, '_, DB>,
    n: usize,
    top: f64,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = builder
        .x_label_area_size(54)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..headroom(top))?;
    let ytick = tick(headroom(top));
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(y_desc)
        .axis_desc_style((FONT, 15))
        .label_style(label_style())
        .y_label_formatter(&ytick)
        .bold_line_style(grid())
        .light_line_style(TRANSPARENT)
        .draw()?;
    Ok(chart)
}

/// The legend box, at `position`: the same frame and font on every chart.
pub fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(label_style())
        .draw()?;
    Ok(())
}
