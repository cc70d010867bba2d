//! What each figure shows, taken from the run's view: the data of the throughput,
//! memory, cold start and latency charts, with their titles and alt texts, then the curve
//! figures of [`super::sweeps`]. No drawing.

use crate::metric::MetricName;
use crate::report::view::{ModelView, Pct, RunView};
use crate::verdict::fmt_num;

/// One bar of a group: (series label, median, interval).
pub type Bar = (String, f64, Option<(f64, f64)>);
/// Cold start phases (process, load, context, first token) of one page-cache state.
pub type ColdBar = (&'static str, [f64; 4]);
/// A model's cold start bars.
pub type ColdGroup = (String, Vec<ColdBar>);

/// What one figure shows.
#[derive(Debug, Clone)]
pub enum Figure {
    /// Decode groups, prefill groups, and what the whiskers are (their level and method).
    Throughput(Vec<Group>, Vec<Group>, String),
    Latency {
        metric: &'static str,
        series: Vec<LatencySeries>,
        target: Option<(String, f64)>,
    },
    Memory(Vec<(String, f64, f64)>),
    ColdStart(Vec<ColdGroup>),
    /// Decode speed against bits per byte, one point per model; the models left out and
    /// why; the decode metric's label.
    SpeedQuality {
        points: Vec<QualityPoint>,
        left_out: Vec<String>,
        decode_label: String,
    },
    /// Curve panels side by side (the sweeps, sustained load, model size).
    Panels(Vec<super::curve::Panel>),
}

/// One model in the speed-against-quality figure.
#[derive(Debug, Clone)]
pub struct QualityPoint {
    pub model: String,
    /// Position of the model in the run (its colour in every chart).
    pub colour: usize,
    pub bpb: f64,
    pub bpb_ci: Option<(f64, f64)>,
    pub tps: f64,
    pub tps_ci: Option<(f64, f64)>,
}

/// One model's bars: (series label, median, interval).
#[derive(Debug, Clone)]
pub struct Group {
    pub model: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone)]
pub struct LatencySeries {
    pub model: String,
    /// Position of the model in the run, so a model keeps its colour in every chart.
    pub colour: usize,
    /// Sorted (at most `view::CDF_POINTS` of them); empty when the model has no valid
    /// sample (it is then named as such).
    pub values: Vec<f64>,
    /// How many values there are.
    pub n: usize,
    pub pct: Vec<(f64, Pct)>,
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
                        (MetricName::PrefillAtTokensPerS { tokens }, false) => {
                            format!("{tokens} tokens")
                        }
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

type Entry = (&'static str, String, String, Figure);

/// Decode tokens/s (the shallowest depth measured) against bits per byte, for the models
/// that have both; `None` when none has.
fn speed_quality(v: &RunView<'_>) -> Option<Entry> {
    let mut points = Vec::new();
    let mut left_out = Vec::new();
    let mut depth_used = None;
    for (colour, m) in v.models.iter().enumerate() {
        let decode = m.metrics.iter().find_map(|r| match r.metric {
            MetricName::DecodeTokensPerS { depth } => Some((depth, r)),
            _ => None,
        });
        match (&m.quality.bits_per_byte, decode) {
            (Some(b), Some((depth, d))) => {
                depth_used.get_or_insert(depth);
                points.push(QualityPoint {
                    model: m.id.clone(),
                    colour,
                    bpb: b.point,
                    bpb_ci: b.interval.map(|i| (i.lo, i.hi)),
                    tps: d.median.point,
                    tps_ci: d.median.interval.map(|i| (i.lo, i.hi)),
                });
            }
            (None, _) => left_out.push(format!(
                "{} ({})",
                m.id,
                if m.quality
                    .not_measured(MetricName::QualityBitsPerByte)
                    .is_some()
                    && m.twin_of.is_some()
                {
                    "twin: quality not measured"
                } else {
                    "no bits per byte"
                }
            )),
            (Some(_), None) => left_out.push(format!("{} (no decode speed)", m.id)),
        }
    }
    if points.is_empty() {
        return None;
    }
    let depth = depth_used.unwrap_or(0);
    Some((
        "speed_quality",
        "Decode speed against quality".to_string(),
        format!(
            "Decode tokens/s at depth {depth} against bits per byte of the fixed text, one point per model with 95% interval whiskers"
        ),
        Figure::SpeedQuality {
            points,
            left_out,
            decode_label: format!("decode tokens/s, depth {depth}"),
        },
    ))
}

/// What the throughput whiskers are: the label of their intervals ("93.8 % interval
/// (order statistics)"), or the levels they take where rounds differ between models.
fn whiskers_label(models: &[ModelView]) -> String {
    let mut labels: Vec<String> = Vec::new();
    let mut levels: Vec<String> = Vec::new();
    for r in models.iter().flat_map(|m| &m.metrics).filter(|r| {
        matches!(
            r.metric,
            MetricName::DecodeTokensPerS { .. } | MetricName::PrefillTokensPerS
        )
    }) {
        if let Some(i) = r.median.interval {
            if !labels.contains(&i.label()) {
                labels.push(i.label());
            }
            let l = crate::stats::interval::fmt_level(i.level);
            if !levels.contains(&l) {
                levels.push(l);
            }
        }
    }
    match labels.as_slice() {
        [one] => one.clone(),
        [] => "no interval".into(),
        _ => format!("intervals ({})", levels.join(", ")),
    }
}

/// Every figure of one run: (file stem, title, alt text, data), in report order.
pub fn figures(v: &RunView<'_>) -> Vec<(&'static str, String, String, Figure)> {
    let mut out = Vec::new();
    let decode = throughput_groups(&v.models, true);
    let prefill = throughput_groups(&v.models, false);
    if !decode.is_empty() || !prefill.is_empty() {
        let whiskers = whiskers_label(&v.models);
        out.push((
            "throughput",
            "Decode and prefill throughput".to_string(),
            format!("Decode and prefill tokens/s per model: median bars with {whiskers} whiskers"),
            Figure::Throughput(decode, prefill, whiskers),
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
    if let Some(f) = speed_quality(v) {
        out.push(f);
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
    out.extend(
        super::sweeps::sweep_figures(v)
            .into_iter()
            .map(|(stem, title, alt, panels)| (stem, title, alt, Figure::Panels(panels))),
    );
    out
}
