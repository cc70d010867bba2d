//! The memory figure: peak RSS per model, the model file stacked under the rest.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{DrawResult, category_chart, category_labels, color, label_style, legend};

/// Peak RSS bars: the model file at the bottom, the rest on top.
pub fn memory<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[(String, f64, f64)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    const MIB: f64 = 1024.0 * 1024.0;
    let top = rows
        .iter()
        .map(|(_, rss, file)| rss.max(*file) / MIB)
        .fold(0.0, f64::max);
    let n = rows.len();
    let mut builder = ChartBuilder::on(area);
    builder.margin(16);
    let mut chart = category_chart(builder, n, top, "MiB")?;
    let (file_c, rest_c) = (color(0), color(1));
    let bar = |i: usize| (i as f64 - 0.3, i as f64 + 0.3);
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, rss, file))| {
            let (x0, x1) = bar(i);
            Rectangle::new(
                [(x0, 0.0), (x1, file.min(*rss) / MIB)],
                file_c.mix(0.85).filled(),
            )
        }))?
        .label("model file (weights, mmapped)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], file_c.filled()));
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, rss, file))| {
            let (x0, x1) = bar(i);
            Rectangle::new(
                [(x0, file.min(*rss) / MIB), (x1, rss / MIB)],
                rest_c.mix(0.85).filled(),
            )
        }))?
        .label("rest of peak RSS (KV cache, buffers, runtime)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], rest_c.filled()));
    // File size marker where RSS stayed below the file (pages never touched).
    chart.draw_series(
        rows.iter()
            .enumerate()
            .filter(|(_, (_, rss, file))| rss < file)
            .map(|(i, (_, _, file))| {
                let (x0, x1) = bar(i);
                PathElement::new(
                    vec![(x0, file / MIB), (x1, file / MIB)],
                    BLACK.stroke_width(2),
                )
            }),
    )?;
    let style = label_style().pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(rows.iter().enumerate().map(|(i, (_, rss, file))| {
        EmptyElement::at((i as f64, rss.max(*file) / MIB))
            + Text::new(
                format!("{:.0} MiB (file {:.0})", rss / MIB, file / MIB),
                (0, -4),
                style.clone(),
            )
    }))?;
    let names: Vec<String> = rows.iter().map(|(n, _, _)| n.clone()).collect();
    category_labels(&mut chart, &names)?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}
