//! The curve panel every sweep figure is made of: lines of points on a numeric x axis,
//! each point with its interval as a whisker or, for a ratio, as a shaded band, with
//! horizontal reference lines (a target, a NO-GO line, 1×) and vertical marks (where a
//! ratio's interval crosses a gate). What to draw is [`Panel`]; the figures fill it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::FONT;
use super::style::{DrawResult, TARGET, color, grid, label_style, legend, tick};

/// A point of a line: (x, y, its interval).
pub type Pt = (f64, f64, Option<(f64, f64)>);

/// One line of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub colour: usize,
    /// (x, y, interval); sorted by x.
    pub points: Vec<Pt>,
    /// Intervals as a shaded band instead of whiskers.
    pub band: bool,
    /// Drawn dashed, without markers (an ideal or a reference curve).
    pub dashed: bool,
    /// A name written beside each point (empty: none).
    pub names: Vec<String>,
}

/// A horizontal reference line.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub label: String,
    pub y: f64,
    /// A gate (red) or a neutral reference (grey).
    pub gate: bool,
}

/// One chart area: its lines, rules and marks, and how its axes read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    pub caption: String,
    pub x_desc: String,
    pub y_desc: String,
    pub lines: Vec<Line>,
    pub rules: Vec<Rule>,
    /// Vertical dashed marks at x with a short label.
    pub marks: Vec<(f64, String)>,
    /// Tick labels at given x (a categorical axis such as quantizations); `None`: numbers.
    pub x_labels: Option<Vec<(f64, String)>>,
    /// y from 0 (rates, memory) or from a little below the data (ratios).
    pub from_zero: bool,
    /// x from 0 (model sizes) rather than from a little before the first point.
    pub x_from_zero: bool,
}

fn span(p: &Panel) -> ((f64, f64), (f64, f64)) {
    let xs = p.lines.iter().flat_map(|l| l.points.iter().map(|q| q.0));
    let (mut x0, mut x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    let pad = ((x1 - x0) * 0.06).max(0.5);
    if p.x_from_zero {
        x0 = x0.min(0.0) + pad;
    }
    let ys = p
        .lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .flat_map(|(_, y, i)| [Some(*y), i.map(|i| i.0), i.map(|i| i.1)])
        })
        .flatten()
        .chain(p.rules.iter().map(|r| r.y))
        .filter(|y| y.is_finite());
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (y0, y1) = if y0.is_finite() { (y0, y1) } else { (0.0, 1.0) };
    let room = ((y1 - y0) * 0.08).max(y1.abs() * 0.02).max(1e-3);
    let lo = if p.from_zero {
        0.0
    } else {
        (y0 - room).max(0.0)
    };
    // Room above for the legend.
    let hi = y1 + (y1 - lo) * 0.35 + room;
    ((x0 - pad, x1 + pad), (lo, hi))
}

/// Draw one panel into `area`.
pub fn panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let ((x0, x1), (y0, y1)) = span(p);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.caption, (FONT, 17))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let ytick = tick(y1 - y0);
    let xtick = tick(x1 - x0);
    let labels = p.x_labels.clone();
    // Whole-number x (depths, threads): ticks between whole numbers stay blank.
    let whole = p
        .lines
        .iter()
        .all(|l| l.points.iter().all(|q| q.0.fract() == 0.0));
    let xfmt = move |x: &f64| match &labels {
        Some(l) => l
            .iter()
            .find(|(at, _)| (at - x).abs() < 1e-9)
            .map(|(_, s)| s.clone())
            .unwrap_or_default(),
        None if whole && x.fract().abs() > 1e-9 => String::new(),
        None if whole => format!("{x:.0}"),
        None => xtick(x),
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(p.x_desc.as_str())
        .y_desc(p.y_desc.as_str())
        .axis_desc_style((FONT, 15))
        .label_style(label_style())
        .x_label_formatter(&xfmt)
        .y_label_formatter(&ytick)
        .bold_line_style(grid())
        .light_line_style(TRANSPARENT);
    if let Some(l) = &p.x_labels {
        mesh.x_labels(l.len().max(2) * 2 + 1);
    }
    mesh.draw()?;
    for r in &p.rules {
        let c = if r.gate {
            TARGET
        } else {
            RGBColor(110, 110, 110)
        };
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x0, r.y), (x1, r.y)],
                8,
                5,
                c.stroke_width(2),
            ))?
            .label(r.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
    }
    for l in &p.lines {
        let c = color(l.colour);
        if l.band {
            let upper: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter_map(|(x, _, i)| i.map(|i| (*x, i.1)))
                .collect();
            let lower: Vec<(f64, f64)> = l
                .points
                .iter()
                .rev()
                .filter_map(|(x, _, i)| i.map(|i| (*x, i.0)))
                .collect();
            if upper.len() >= 2 {
                let poly: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
                chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.2).filled())))?;
            }
        }
        let pts: Vec<(f64, f64)> = l.points.iter().map(|(x, y, _)| (*x, *y)).collect();
        if l.dashed {
            chart
                .draw_series(DashedLineSeries::new(pts, 6, 4, c.mix(0.7).stroke_width(2)))?
                .label(l.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.mix(0.7).stroke_width(2))
                });
            continue;
        }
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(l.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)));
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, c.filled())))?;
        let tag = label_style().pos(Pos::new(HPos::Left, VPos::Bottom));
        chart.draw_series(
            pts.iter()
                .zip(&l.names)
                .map(|(p, n)| EmptyElement::at(*p) + Text::new(n.clone(), (6, -4), tag.clone())),
        )?;
        if !l.band {
            let cap = (x1 - x0) * 0.006;
            let whiskers = l.points.iter().filter_map(|(x, _, i)| i.map(|i| (*x, i)));
            for (x, (lo, hi)) in whiskers {
                for seg in [
                    vec![(x, lo), (x, hi)],
                    vec![(x - cap, lo), (x + cap, lo)],
                    vec![(x - cap, hi), (x + cap, hi)],
                ] {
                    chart.draw_series(std::iter::once(PathElement::new(seg, c.stroke_width(1))))?;
                }
            }
        }
    }
    let style = label_style().pos(Pos::new(HPos::Left, VPos::Top));
    for (x, text) in &p.marks {
        chart.draw_series(DashedLineSeries::new(
            vec![(*x, y0), (*x, y1)],
            4,
            4,
            BLACK.mix(0.6).stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((*x, y0 + (y1 - y0) * 0.62))
                + Text::new(text.clone(), (4, 0), style.clone()),
        ))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}
