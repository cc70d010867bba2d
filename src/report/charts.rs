//! The report's figures, drawn with plotters into SVG and PNG bytes (the caller writes
//! the files). One function per figure, each generic over the backend, so SVG and PNG
//! always show the same thing.
//!
//! Sizes are fixed (960 × 540) and the font is embedded (DejaVu Sans, `assets/`), so a
//! chart is the same bytes on every machine — no system font lookup, which also makes
//! PNG text work on a fresh Linux box and on macOS alike.

use std::error::Error;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metric::MetricName;
use crate::report::view::{ModelView, Pct, RunView};
use crate::verdict::fmt_num;

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (960, 540);

const FONT: &str = "sans-serif";
pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Okabe–Ito, a palette that colour-blind readers can tell apart.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];
const TARGET: RGBColor = RGBColor(200, 30, 30);

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

type DrawResult = Result<(), Box<dyn Error>>;

/// Register the embedded font once; every chart text uses it.
fn ensure_font() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "the embedded DejaVu Sans font is not a valid TrueType file".to_string())
    })
    .clone()
}

/// A chart as the markdown links it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRef {
    /// File name without extension, e.g. "throughput" or "run2-throughput".
    pub stem: String,
    /// Paths relative to the markdown file.
    pub svg: String,
    pub png: String,
    pub title: String,
    /// Alt text.
    pub alt: String,
}

/// Charts of one run: their links and their files (names relative to `charts/`).
#[derive(Debug, Default)]
pub struct Rendered {
    pub refs: Vec<ChartRef>,
    pub files: Vec<(String, Vec<u8>)>,
}

/// One bar of a group: (series label, median, 95% interval).
type Bar = (String, f64, Option<(f64, f64)>);
/// Cold start phases (process, load, context, first token) of one page-cache state.
type ColdBar = (&'static str, [f64; 4]);
/// A model's cold start bars.
type ColdGroup = (String, Vec<ColdBar>);

/// What one figure shows.
#[derive(Debug, Clone)]
enum Figure {
    Throughput(Vec<Group>, Vec<Group>),
    Latency {
        metric: &'static str,
        series: Vec<LatencySeries>,
        target: Option<(String, f64)>,
    },
    Memory(Vec<(String, f64, f64)>),
    ColdStart(Vec<ColdGroup>),
}

/// One model's bars: (series label, median, interval).
#[derive(Debug, Clone)]
struct Group {
    model: String,
    bars: Vec<Bar>,
}

#[derive(Debug, Clone)]
struct LatencySeries {
    model: String,
    /// Position of the model in the run, so a model keeps its colour in every chart.
    colour: usize,
    /// Sorted (at most `view::CDF_POINTS` of them); empty when the model has no valid
    /// sample (it is then named as such).
    values: Vec<f64>,
    /// How many values there are.
    n: usize,
    pct: Vec<(f64, Pct)>,
}

fn throughput_groups(models: &[ModelView], decode: bool) -> Vec<Group> {
    models
        .iter()
        .map(|m| Group {
            model: m.id.clone(),
            bars: m
                .metrics
                .iter()
                .filter_map(|r| {
                    let label = match (r.metric, decode) {
                        (MetricName::DecodeTokensPerS { depth }, true) => format!("depth {depth}"),
                        (MetricName::PrefillTokensPerS, false) => "prefill".to_string(),
                        _ => return None,
                    };
                    Some((
                        label,
                        r.median.point,
                        r.median.interval.map(|i| (i.lo, i.hi)),
                    ))
                })
                .collect(),
        })
        .filter(|g| !g.bars.is_empty())
        .collect()
}

fn figures(v: &RunView<'_>) -> Vec<(&'static str, String, String, Figure)> {
    let mut out = Vec::new();
    let decode = throughput_groups(&v.models, true);
    let prefill = throughput_groups(&v.models, false);
    if !decode.is_empty() || !prefill.is_empty() {
        out.push((
            "throughput",
            "Decode and prefill throughput".to_string(),
            "Decode and prefill tokens/s per model: median bars with 95% interval whiskers"
                .to_string(),
            Figure::Throughput(decode, prefill),
        ));
    }
    let memory: Vec<(String, f64, f64)> = v
        .models
        .iter()
        .filter_map(|m| {
            let x = m.memory.as_ref()?;
            Some((m.id.clone(), x.peak.point, x.file_bytes as f64))
        })
        .collect();
    if !memory.is_empty() {
        out.push((
            "memory",
            "Peak RSS per model, model file stacked".to_string(),
            "Peak RSS per model in MiB, split into the model file and the rest".to_string(),
            Figure::Memory(memory),
        ));
    }
    let cold: Vec<ColdGroup> = v
        .models
        .iter()
        .filter(|m| !m.cold.is_empty())
        .map(|m| {
            (
                m.id.clone(),
                m.cold
                    .iter()
                    .map(|c| {
                        (
                            c.state,
                            [c.process_ms, c.load_ms, c.context_ms, c.first_token_ms],
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    if !cold.is_empty() {
        out.push((
            "cold_start",
            "Cold start breakdown".to_string(),
            "Cold start per model, page cache dropped and warm: process, load, context and first token stacked (median ms)".to_string(),
            Figure::ColdStart(cold),
        ));
    }
    for (stem, metric, name) in [
        ("ttft", MetricName::ChatTtftMs, "Time to first token"),
        ("itl", MetricName::ChatItlMs, "Inter-token latency"),
    ] {
        let series: Vec<LatencySeries> = v
            .models
            .iter()
            .enumerate()
            .map(|(colour, m)| {
                let r = m.latency(metric);
                LatencySeries {
                    model: m.id.clone(),
                    colour,
                    values: r.map(|r| r.values.clone()).unwrap_or_default(),
                    n: r.map_or(0, |r| r.n),
                    pct: r.map(|r| r.pct.clone()).unwrap_or_default(),
                }
            })
            .collect();
        if series.iter().all(|s| s.values.is_empty()) {
            continue;
        }
        let target = crate::report::view::target_for(&v.verdict, metric)
            .map(|(stat, op, t)| (format!("target: {stat} {op} {} ms", fmt_num(t)), t));
        out.push((
            stem,
            format!("{name} distribution"),
            format!(
                "Cumulative distribution of {} per model with P50/P95/P99 marked{}",
                name.to_lowercase(),
                if target.is_some() {
                    " and the criterion's target line"
                } else {
                    ""
                }
            ),
            Figure::Latency {
                metric: name,
                series,
                target,
            },
        ));
    }
    out
}

/// Every stem a chart file can have (before a `runN-` prefix): `report` uses it to tell its
/// own earlier charts from anything else in the charts folder.
pub const STEMS: &[&str] = &["throughput", "memory", "cold_start", "ttft", "itl"];

/// Render every chart of one run; file stems get `prefix` (empty for a single run).
pub fn render_run(v: &RunView<'_>, prefix: &str) -> anyhow::Result<Rendered> {
    ensure_font().map_err(anyhow::Error::msg)?;
    let mut out = Rendered::default();
    for (stem, title, alt, fig) in figures(v) {
        let stem = format!("{prefix}{stem}");
        let title = format!("{title} — {}", v.machine);
        let svg =
            svg_bytes(&fig, &title).map_err(|e| anyhow::anyhow!("drawing {stem}.svg: {e}"))?;
        let png =
            png_bytes(&fig, &title).map_err(|e| anyhow::anyhow!("drawing {stem}.png: {e}"))?;
        out.files.push((format!("{stem}.svg"), svg));
        out.files.push((format!("{stem}.png"), png));
        out.refs.push(ChartRef {
            svg: format!("charts/{stem}.svg"),
            png: format!("charts/{stem}.png"),
            stem,
            title,
            alt,
        });
    }
    Ok(out)
}

fn svg_bytes(fig: &Figure, title: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, SIZE).into_drawing_area();
        draw(fig, title, &root)?;
        root.present()?;
    }
    Ok(s.into_bytes())
}

fn png_bytes(fig: &Figure, title: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root =
            super::glyphs::Png(BitMapBackend::with_buffer(&mut rgb, SIZE)).into_drawing_area();
        draw(fig, title, &root)?;
        root.present()?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(&rgb)?;
    }
    Ok(out)
}

fn draw<DB: DrawingBackend>(fig: &Figure, title: &str, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = root.titled(title, (FONT, 22))?;
    match fig {
        Figure::Throughput(decode, prefill) => {
            let (left, right) = body.split_horizontally(SIZE.0 * 6 / 10);
            bars(&left, "Decode", decode, "tokens/s")?;
            bars(&right, "Prefill", prefill, "tokens/s")?;
        }
        Figure::Latency {
            metric,
            series,
            target,
        } => latency(&body, metric, series, target.as_ref())?,
        Figure::Memory(rows) => memory(&body, rows)?,
        Figure::ColdStart(rows) => cold_start(&body, rows)?,
    }
    Ok(())
}

fn label_style() -> TextStyle<'static> {
    (FONT, 14).into_font().color(&BLACK)
}

/// Model names centred under their slots; where the slots are too narrow for the longest
/// name (about 8 px per character at the label size), every other name drops a line so that
/// no two overlap.
fn category_labels<DB: DrawingBackend>(
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
fn headroom(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.4
    } else {
        1.0
    }
}

/// Tick labels with as many decimals as the axis span needs, the same on every tick.
fn tick(span: f64) -> impl Fn(&f64) -> String {
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
fn grid() -> ShapeStyle {
    RGBColor(220, 220, 220).stroke_width(1)
}

/// Grouped bars with interval whiskers, one slot per model.
/// A chart with one category per slot on x (centred on 0, 1, …, `n` − 1) and values from
/// 0 to a little above `top` on y, its mesh drawn: the frame every bar chart here shares.
fn category_chart<'a, DB: DrawingBackend>(
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

fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    groups: &[Group],
    unit: &str,
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
        .label("95% interval")
        .legend(|(x, y)| {
            PathElement::new(vec![(x + 7, y - 6), (x + 7, y + 6)], BLACK.stroke_width(2))
        });
    let names: Vec<String> = groups.iter().map(|g| g.model.clone()).collect();
    category_labels(&mut chart, &names)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(label_style())
        .draw()?;
    Ok(())
}

fn pct_text(p: &Pct) -> String {
    match p {
        Pct::Value(v) => fmt_num(*v),
        Pct::TooFew { needed } => format!("n<{needed}"),
    }
}

/// Empirical cumulative distribution per model, percentiles marked, target drawn.
fn latency<DB: DrawingBackend>(
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
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(label_style())
        .draw()?;
    Ok(())
}

/// Peak RSS bars: the model file at the bottom, the rest on top.
fn memory<DB: DrawingBackend>(
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
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(label_style())
        .draw()?;
    Ok(())
}

/// Stacked cold start phases, one bar per page-cache state, grouped by model.
fn cold_start<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, rows: &[ColdGroup]) -> DrawResult
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
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(label_style())
        .draw()?;
    Ok(())
}
