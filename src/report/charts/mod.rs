//! The report's figures, drawn with plotters into SVG and PNG bytes (the caller writes
//! the files): which figures a run has ([`figures`], the curves' in [`sweeps`]), one
//! drawing function per figure ([`bars`], [`latency`], [`memory`], [`cold_start`],
//! [`quality`], and [`curve`] for every curve panel) each generic over the backend, so SVG
//! and PNG always show the same thing, and their shared look ([`style`]).
//!
//! Sizes are fixed (960 × 540) and the font is embedded ([`font`]), so a chart is the same
//! bytes on every machine — no system font lookup, which also makes PNG text work on a
//! fresh Linux box and on macOS alike ([`glyphs`] places PNG glyphs right).

mod bars;
mod cold_start;
mod curve;
mod figures;
mod font;
mod glyphs;
mod latency;
mod memory;
mod quality;
mod style;
mod sweeps;

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::view::RunView;
use bars::bars;
use cold_start::cold_start;
use figures::{Figure, figures};
use font::{FONT, ensure_font};
use latency::latency;
use memory::memory;
use quality::speed_quality;
use style::DrawResult;
pub use style::SIZE;

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

/// Every stem a chart file can have (before a `runN-` prefix): `report` uses it to tell its
/// own earlier charts from anything else in the charts folder.
pub const STEMS: &[&str] = &[
    "throughput",
    "memory",
    "cold_start",
    "ttft",
    "itl",
    "speed_quality",
    "depth_ratio",
    "depth",
    "prompt_length",
    "threads",
    "n_batch",
    "quant",
    "sustained",
    "model_size",
];

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
        let root = glyphs::Png(BitMapBackend::with_buffer(&mut rgb, SIZE)).into_drawing_area();
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
        Figure::Throughput(decode, prefill, whiskers) => {
            let (left, right) = body.split_horizontally(SIZE.0 * 6 / 10);
            bars(&left, "Decode", decode, "tokens/s", whiskers)?;
            bars(&right, "Prefill", prefill, "tokens/s", whiskers)?;
        }
        Figure::Latency {
            metric,
            series,
            target,
        } => latency(&body, metric, series, target.as_ref())?,
        Figure::Memory(rows) => memory(&body, rows)?,
        Figure::ColdStart(rows) => cold_start(&body, rows)?,
        Figure::SpeedQuality {
            points,
            left_out,
            decode_label,
        } => speed_quality(&body, points, left_out, decode_label)?,
        Figure::Panels(panels) => {
            let n = panels.len().max(1);
            let areas = body.split_evenly((1, n));
            for (area, p) in areas.iter().zip(panels) {
                curve::panel(area, p)?;
            }
        }
    }
    Ok(())
}
