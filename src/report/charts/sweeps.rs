//! What each curve figure shows, from the run's view: the candidate ÷ baseline ratio
//! against depth with its band, gates and crossings; decode and peak RSS against depth;
//! prefill and time to first token against prompt length; each swept setting; the
//! sustained decode against time; speed and memory against model size. No drawing: each
//! figure is a list of [`Panel`]s for [`super::curve`].

use super::curve::{Line, Panel, Pt, Rule};
use crate::report::view::RunView;
use crate::report::view::curves::{Crossing, ModelCurve, RatioCurve};
use crate::stats::Estimate;
use crate::verdict::fmt_num;

/// (file stem, title, alt text, the panels side by side); `super::figures` makes each a
/// `Figure::Panels`.
pub type SweepFigure = (&'static str, String, String, Vec<Panel>);

const MIB: f64 = 1024.0 * 1024.0;

fn pt(x: f64, e: &Estimate, scale: f64) -> Pt {
    (
        x,
        e.point / scale,
        e.interval.map(|i| (i.lo / scale, i.hi / scale)),
    )
}

fn lines(curves: &[ModelCurve], scale: f64) -> Vec<Line> {
    curves
        .iter()
        .map(|c| Line {
            label: c.model.clone(),
            colour: c.colour,
            points: c.points.iter().map(|p| pt(p.x, &p.est, scale)).collect(),
            band: false,
            dashed: false,
            names: Vec::new(),
        })
        .collect()
}

fn ratio_lines(ratios: &[RatioCurve]) -> Vec<Line> {
    ratios
        .iter()
        .map(|r| Line {
            label: format!("{} ÷ {} (median, band: interval)", r.candidate, r.baseline),
            colour: r.colour,
            points: r
                .points
                .iter()
                .filter_map(|(x, _, e)| Some(pt(*x, e.as_ref().ok()?, 1.0)))
                .collect(),
            band: true,
            dashed: false,
            names: Vec::new(),
        })
        .filter(|l| !l.points.is_empty())
        .collect()
}

fn crossing_marks(crossings: &[Crossing], first_depth: u32) -> Vec<(f64, String)> {
    crossings
        .iter()
        .filter_map(|c| {
            let d = c.clear_from.filter(|d| *d > first_depth)?;
            Some((
                f64::from(d),
                format!(
                    "clear of {} {}× from {d}",
                    c.gate.label,
                    fmt_num(c.gate.value)
                ),
            ))
        })
        .collect()
}

fn figure(
    out: &mut Vec<SweepFigure>,
    stem: &'static str,
    title: &str,
    alt: String,
    panels: Vec<Panel>,
) {
    if panels
        .iter()
        .any(|p| p.lines.iter().any(|l| !l.points.is_empty()))
    {
        out.push((stem, title.to_string(), alt, panels));
    }
}

/// Every curve figure of one run: (file stem, title, alt text, data), in report order.
pub fn sweep_figures(v: &RunView<'_>) -> Vec<SweepFigure> {
    let mut out = Vec::new();
    if let Some(d) = &v.curves.depth {
        let first = d.depths.first().copied().unwrap_or(0);
        let mut rules: Vec<Rule> = d
            .gates
            .iter()
            .map(|g| Rule {
                label: format!("{} {}×", g.label, fmt_num(g.value)),
                y: g.value,
                gate: true,
            })
            .collect();
        if !d.gates.iter().any(|g| g.value == 1.0) {
            rules.push(Rule {
                label: "1× (equal)".into(),
                y: 1.0,
                gate: false,
            });
        }
        figure(
            &mut out,
            "depth_ratio",
            "Decode ratio against context depth",
            "Candidate ÷ baseline decode tokens/s at each context depth, paired by round: median line, its interval as a band, the criterion's target and NO-GO lines, and the depth from which the interval is clear of each".into(),
            vec![Panel {
                caption: "decode tok/s, candidate ÷ baseline".into(),
                x_desc: "context depth (tokens)".into(),
                y_desc: "ratio (×)".into(),
                lines: ratio_lines(&d.ratios),
                rules,
                marks: crossing_marks(&d.crossings, first),
                ..Panel::default()
            }],
        );
        let mut panels = vec![Panel {
            caption: "decode tokens/s".into(),
            x_desc: "context depth (tokens)".into(),
            y_desc: "tokens/s".into(),
            lines: lines(&d.decode, 1.0),
            from_zero: true,
            ..Panel::default()
        }];
        if !d.memory.is_empty() {
            panels.push(Panel {
                caption: "peak RSS of each depth's process".into(),
                x_desc: "context depth (tokens)".into(),
                y_desc: "MiB".into(),
                lines: lines(&d.memory, MIB),
                from_zero: true,
                ..Panel::default()
            });
        }
        figure(
            &mut out,
            "depth",
            "Decode speed and memory against context depth",
            "Decode tokens/s and peak RSS per model at each context depth: medians with interval whiskers".into(),
            panels,
        );
    }
    if let Some(l) = &v.curves.lengths {
        figure(
            &mut out,
            "prompt_length",
            "Prefill and time to first token against prompt length",
            "Prefill tokens/s and time to first token per model at each prompt length: medians with interval whiskers".into(),
            vec![
                Panel {
                    caption: "prefill tokens/s".into(),
                    x_desc: "prompt tokens".into(),
                    y_desc: "tokens/s".into(),
                    lines: lines(&l.prefill, 1.0),
                    from_zero: true,
                    ..Panel::default()
                },
                Panel {
                    caption: "time to first token".into(),
                    x_desc: "prompt tokens".into(),
                    y_desc: "ms".into(),
                    lines: lines(&l.ttft, 1.0),
                    from_zero: true,
                    ..Panel::default()
                },
            ],
        );
    }
    for s in &v.curves.settings {
        let (stem, title) = match s.param {
            "threads" => ("threads", "Speed against threads"),
            "n_batch" => ("n_batch", "Speed against batch size"),
            _ => ("quant", "Speed against quantization"),
        };
        let mut panels = Vec::new();
        for m in &s.metrics {
            let x_labels = (s.param == "quant").then(|| {
                let mut l: Vec<(f64, String)> = m
                    .curves
                    .iter()
                    .flat_map(|c| c.points.iter().map(|p| (p.x, p.label.clone())))
                    .collect();
                l.sort_by(|a, b| a.0.total_cmp(&b.0));
                l.dedup_by(|a, b| a.0 == b.0);
                l
            });
            panels.push(Panel {
                caption: m.label.clone(),
                x_desc: s.param.into(),
                y_desc: m.unit.into(),
                lines: lines(&m.curves, 1.0),
                x_labels,
                from_zero: true,
                ..Panel::default()
            });
            if s.param == "threads" && !m.speedup.is_empty() {
                let mut l = lines(&m.speedup, 1.0);
                // Ideal: speed-up equal to the thread ratio, from the fewest threads.
                let xs: Vec<f64> = {
                    let mut x: Vec<f64> = m
                        .speedup
                        .iter()
                        .flat_map(|c| c.points.iter().map(|p| p.x))
                        .collect();
                    x.sort_by(f64::total_cmp);
                    x.dedup();
                    x
                };
                if let Some(&x0) = xs.first() {
                    l.push(Line {
                        label: "ideal (linear)".into(),
                        colour: 6,
                        points: xs.iter().map(|x| (*x, x / x0, None)).collect(),
                        band: false,
                        dashed: true,
                        names: Vec::new(),
                    });
                }
                panels.push(Panel {
                    caption: format!("speed-up, {}", m.label),
                    x_desc: "threads".into(),
                    y_desc: "× the fewest threads".into(),
                    lines: l,
                    from_zero: true,
                    ..Panel::default()
                });
            }
        }
        panels.truncate(2);
        figure(
            &mut out,
            stem,
            title,
            format!(
                "Tokens/s per model at each {} measured, the rest at the named point{}",
                s.param,
                if s.param == "threads" {
                    ", and the speed-up over the fewest threads against the ideal"
                } else {
                    ""
                }
            ),
            panels,
        );
    }
    if let Some(s) = &v.sustained {
        let rate: Vec<Line> = s
            .models
            .iter()
            .map(|m| Line {
                label: m.model.clone(),
                colour: m.colour,
                points: m.rate.iter().map(|(x, y)| (*x, *y, None)).collect(),
                band: false,
                dashed: false,
                names: Vec::new(),
            })
            .collect();
        let mut panels = vec![Panel {
            caption: format!("decode tokens/s per {} s window", s.window_s),
            x_desc: "seconds of sustained decode".into(),
            y_desc: "tokens/s".into(),
            lines: rate,
            from_zero: true,
            ..Panel::default()
        }];
        let mhz: Vec<Line> = s
            .models
            .iter()
            .filter(|m| !m.mhz.is_empty())
            .map(|m| Line {
                label: m.model.clone(),
                colour: m.colour,
                points: m.mhz.iter().map(|(x, y)| (*x, *y, None)).collect(),
                band: false,
                dashed: false,
                names: Vec::new(),
            })
            .collect();
        if !mhz.is_empty() {
            panels.push(Panel {
                caption: "CPU clock as the OS reports it".into(),
                x_desc: "seconds of sustained decode".into(),
                y_desc: "MHz".into(),
                lines: mhz,
                from_zero: true,
                ..Panel::default()
            });
        }
        figure(
            &mut out,
            "sustained",
            "Sustained decode against time",
            "Decode tokens/s per window over the sustained run, per model, and the CPU clock the OS reported".into(),
            panels,
        );
    }
    if v.sizes.len() >= 2 {
        // One line per family, smallest model first, each point named.
        let mut families: Vec<&str> = Vec::new();
        for r in &v.sizes {
            if !families.contains(&r.family.as_str()) {
                families.push(&r.family);
            }
        }
        type Get<'a> = dyn Fn(&crate::report::view::SizeRow) -> Option<Pt> + 'a;
        let per = |f: &Get<'_>| -> Vec<Line> {
            families
                .iter()
                .enumerate()
                .map(|(i, fam)| {
                    let rows: Vec<_> = v
                        .sizes
                        .iter()
                        .filter(|r| r.family == *fam)
                        .filter_map(|r| Some((r.model.clone(), f(r)?)))
                        .collect();
                    Line {
                        label: format!("{fam} family"),
                        colour: i,
                        names: rows.iter().map(|(n, _)| n.clone()).collect(),
                        points: rows.into_iter().map(|(_, p)| p).collect(),
                        band: false,
                        dashed: false,
                    }
                })
                .filter(|l| !l.points.is_empty())
                .collect()
        };
        let x = |r: &crate::report::view::SizeRow| r.n_params as f64 / 1e6;
        let decode = per(&|r| Some(pt(x(r), &r.decode.as_ref()?.1, 1.0)));
        let rss = per(&|r| Some(pt(x(r), r.peak_rss.as_ref()?, MIB)));
        figure(
            &mut out,
            "model_size",
            "Decode speed and peak RSS against model size",
            "Decode tokens/s and peak RSS of every model against its parameter count, one line per family: medians with interval whiskers".into(),
            vec![
                Panel {
                    caption: "decode tokens/s".into(),
                    x_desc: "parameters (millions)".into(),
                    y_desc: "tokens/s".into(),
                    lines: decode,
                    from_zero: true,
                    x_from_zero: true,
                    ..Panel::default()
                },
                Panel {
                    caption: "peak RSS".into(),
                    x_desc: "parameters (millions)".into(),
                    y_desc: "MiB".into(),
                    lines: rss,
                    from_zero: true,
                    x_from_zero: true,
                    ..Panel::default()
                },
            ],
        );
    }
    out
}
