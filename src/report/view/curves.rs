//! Curves, not points: each sweep of a run as the report shows it — decode tok/s and peak
//! RSS against context depth with the candidate ÷ baseline ratio, its interval and where
//! that interval crosses each gate; prefill and time to first token against prompt length;
//! and each swept backend setting (threads with speed-up and efficiency, n_batch, quant).
//! Every value is a median over rounds with its interval, every ratio paired by round.

use super::*;
use crate::config::{At, Op, Versus, Workload};
use crate::metric::prefill_lengths;
use crate::sample::Point;

/// One measured value of a curve: where on x, how x reads, the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    pub x: f64,
    pub label: String,
    pub est: Estimate,
}

/// One model's curve; `colour` is its position in the run, so it keeps its colour.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCurve {
    pub model: String,
    pub colour: usize,
    pub points: Vec<CurvePoint>,
}

/// candidate ÷ baseline along a sweep, paired by round at each x.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioCurve {
    pub candidate: String,
    pub baseline: String,
    pub colour: usize,
    /// (x, label, the ratio or why there is none).
    pub points: Vec<(f64, String, Result<Estimate, String>)>,
}

/// A line a ratio is held against: a criterion's target or its NO-GO line.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub value: f64,
    /// "target", "NO-GO" or "2× (no criterion)".
    pub label: String,
    /// Whether the passing side is above the line (`>=`, `>`).
    pub higher_passes: bool,
}

/// Where a ratio's interval lies against a gate at one x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    /// The whole interval on the passing side.
    Clear,
    /// The line is inside the interval.
    Straddles,
    /// The whole interval on the failing side.
    Short,
    /// No interval (one round, or no ratio).
    Unknown,
}

/// A ratio curve against one gate: the side at each depth, and the depth from which the
/// whole interval stays on the passing side to the deepest point measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub candidate: String,
    pub baseline: String,
    pub gate: Gate,
    pub sides: Vec<(u32, Rel)>,
    pub clear_from: Option<u32>,
}

/// Decode against context depth.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DepthSweep {
    pub depths: Vec<u32>,
    pub decode: Vec<ModelCurve>,
    /// Peak RSS of each depth's own process (`memory@D`); empty for runs that decoded
    /// every depth in one process.
    pub memory: Vec<ModelCurve>,
    pub ratios: Vec<RatioCurve>,
    pub gates: Vec<Gate>,
    pub crossings: Vec<Crossing>,
}

/// Prefill and time to first token against prompt length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LengthSweep {
    pub lengths: Vec<u32>,
    pub prefill: Vec<ModelCurve>,
    pub ttft: Vec<ModelCurve>,
    pub ratios: Vec<RatioCurve>,
}

/// One metric along a swept setting.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingMetric {
    pub label: String,
    pub unit: &'static str,
    pub curves: Vec<ModelCurve>,
    /// threads only: rate ÷ the rate at the fewest threads measured, paired by round.
    pub speedup: Vec<ModelCurve>,
    /// threads only: speed-up ÷ (threads ÷ fewest threads).
    pub efficiency: Vec<ModelCurve>,
}

/// A swept backend setting.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingSweep {
    /// "threads", "n_batch" or "quant".
    pub param: &'static str,
    pub metrics: Vec<SettingMetric>,
    /// Points a model could not be measured at, and why.
    pub missing: Vec<String>,
}

/// Every sweep of one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curves {
    pub depth: Option<DepthSweep>,
    pub lengths: Option<LengthSweep>,
    pub settings: Vec<SettingSweep>,
    /// How the run really ran (runs made before these did not): some decode depth had a
    /// process of its own; some prefill timed its first token.
    pub per_depth_processes: bool,
    pub first_token: bool,
}

fn estimate(run: &StoredRun, metric: MetricName, model: &str, at: &Point) -> Option<Estimate> {
    let rounds = Rounds::new(metric.values_at(&run.records, model, at)).ok()?;
    stats::estimate(
        &rounds,
        Stat::Median,
        Quantization::for_unit(metric.unit()),
        metric.one_value_per_round(),
    )
    .ok()
}

fn ratio(
    run: &StoredRun,
    metric: MetricName,
    (a, pa): (&str, &Point),
    (b, pb): (&str, &Point),
) -> Result<Estimate, String> {
    let get = |m: &str, p: &Point| Rounds::new(metric.values_at(&run.records, m, p)).ok();
    let (Some(x), Some(y)) = (get(a, pa), get(b, pb)) else {
        return Err("no samples".into());
    };
    stats::paired_ratio(&x, &y, Stat::Median, Quantization::for_unit(metric.unit())).map_err(|e| {
        match e {
            StatsError::NoPairs => "no round has both".to_string(),
            other => other.to_string(),
        }
    })
}

/// The pairs a run compares: the suite's candidate and baseline, then its `pairs`, each
/// with both models run.
pub fn pairs(run: &StoredRun) -> Vec<(String, String)> {
    let s = &run.suite.suite;
    let mut v = vec![(s.candidate.clone(), s.baseline.clone())];
    for [a, b] in &s.pairs {
        if !v.contains(&(a.clone(), b.clone())) {
            v.push((a.clone(), b.clone()));
        }
    }
    v.retain(|(a, b)| run.meta.models.contains(a) && run.meta.models.contains(b));
    v
}

fn curves_of(
    run: &StoredRun,
    models: &[ModelView],
    xs: &[(f64, String, MetricName, Point)],
) -> Vec<ModelCurve> {
    models
        .iter()
        .enumerate()
        .map(|(colour, m)| ModelCurve {
            model: m.id.clone(),
            colour,
            points: xs
                .iter()
                .filter_map(|(x, label, metric, at)| {
                    Some(CurvePoint {
                        x: *x,
                        label: label.clone(),
                        est: estimate(run, *metric, &m.id, at)?,
                    })
                })
                .collect(),
        })
        .filter(|c| !c.points.is_empty())
        .collect()
}

fn ratio_curves(run: &StoredRun, xs: &[(f64, String, MetricName)]) -> Vec<RatioCurve> {
    let named = Point::default();
    pairs(run)
        .into_iter()
        .enumerate()
        .map(|(colour, (a, b))| RatioCurve {
            points: xs
                .iter()
                .map(|(x, label, metric)| {
                    (
                        *x,
                        label.clone(),
                        ratio(run, *metric, (&a, &named), (&b, &named)),
                    )
                })
                .collect(),
            candidate: a,
            baseline: b,
            colour,
        })
        .collect()
}

/// The gates of the decode ratio: the first decode criterion against the baseline
/// (its target, then its NO-GO line), else the 2× line the Phase-0 plan asks for.
fn gates(run: &StoredRun) -> Vec<Gate> {
    let c = run.suite.criteria.iter().find(|c| {
        c.vs == Versus::Baseline
            && c.at.is_none()
            && matches!(
                MetricName::parse(&c.metric),
                Ok(MetricName::DecodeTokensPerS { .. })
            )
    });
    match c {
        Some(c) => {
            let higher_passes = matches!(c.op, Op::Ge | Op::Gt);
            let mut g = vec![Gate {
                value: c.target,
                label: "target".into(),
                higher_passes,
            }];
            if let Some(n) = c.no_go {
                g.push(Gate {
                    value: n,
                    label: "NO-GO".into(),
                    higher_passes,
                });
            }
            g
        }
        None => vec![Gate {
            value: 2.0,
            label: "2× (no decode criterion)".into(),
            higher_passes: true,
        }],
    }
}

/// Where each depth's interval lies against `gate`, and the depth from which it stays clear.
pub fn crossing(r: &RatioCurve, gate: &Gate) -> Crossing {
    let sides: Vec<(u32, Rel)> = r
        .points
        .iter()
        .map(|(x, _, e)| {
            let rel = match e.as_ref().ok().and_then(|e| e.interval) {
                None => Rel::Unknown,
                Some(i) => {
                    let over = i.lo > gate.value || (i.lo == gate.value && gate.higher_passes);
                    let under = i.hi < gate.value || (i.hi == gate.value && !gate.higher_passes);
                    match (over, under, gate.higher_passes) {
                        (true, _, true) | (_, true, false) => Rel::Clear,
                        (_, true, true) | (true, _, false) => Rel::Short,
                        _ => Rel::Straddles,
                    }
                }
            };
            (*x as u32, rel)
        })
        .collect();
    let mut clear_from = None;
    for (d, rel) in sides.iter().rev() {
        if *rel != Rel::Clear {
            break;
        }
        clear_from = Some(*d);
    }
    Crossing {
        candidate: r.candidate.clone(),
        baseline: r.baseline.clone(),
        gate: gate.clone(),
        sides,
        clear_from,
    }
}

fn depth_sweep(run: &StoredRun, models: &[ModelView]) -> Option<DepthSweep> {
    let depths = decode_depths(&run.records);
    if depths.len() < 2 {
        return None;
    }
    let named = Point::default();
    let xs: Vec<(f64, String, MetricName, Point)> = depths
        .iter()
        .map(|&d| {
            (
                f64::from(d),
                d.to_string(),
                MetricName::DecodeTokensPerS { depth: d },
                named.clone(),
            )
        })
        .collect();
    let mem: Vec<(f64, String, MetricName, Point)> = depths
        .iter()
        .map(|&d| {
            (
                f64::from(d),
                d.to_string(),
                MetricName::PeakRssAtDepth { depth: d },
                named.clone(),
            )
        })
        .collect();
    let ratios = ratio_curves(
        run,
        &xs.iter()
            .map(|(x, l, m, _)| (*x, l.clone(), *m))
            .collect::<Vec<_>>(),
    );
    let gates = gates(run);
    let crossings = ratios
        .iter()
        .flat_map(|r| gates.iter().map(move |g| crossing(r, g)))
        .collect();
    Some(DepthSweep {
        decode: curves_of(run, models, &xs),
        memory: curves_of(run, models, &mem),
        depths,
        ratios,
        gates,
        crossings,
    })
}

fn length_sweep(run: &StoredRun, models: &[ModelView]) -> Option<LengthSweep> {
    let lengths = prefill_lengths(&run.records);
    if lengths.len() < 2 {
        return None;
    }
    let at = |m: fn(u32) -> MetricName| -> Vec<(f64, String, MetricName, Point)> {
        lengths
            .iter()
            .map(|&n| (f64::from(n), n.to_string(), m(n), Point::default()))
            .collect()
    };
    let pre = at(|tokens| MetricName::PrefillAtTokensPerS { tokens });
    Some(LengthSweep {
        prefill: curves_of(run, models, &pre),
        ttft: curves_of(
            run,
            models,
            &at(|tokens| MetricName::PrefillTtftMs { tokens }),
        ),
        ratios: ratio_curves(
            run,
            &pre.iter()
                .map(|(x, l, m, _)| (*x, l.clone(), *m))
                .collect::<Vec<_>>(),
        ),
        lengths,
    })
}

/// The values a suite lists for `param`, in order, each once.
fn listed(run: &StoredRun, param: &str) -> Vec<String> {
    let mut sweeps: Vec<&crate::config::Sweep> = run.suite.backend.sweep.iter().collect();
    sweeps.extend(run.suite.workloads.iter().filter_map(|w| w.sweep(None)));
    let mut out: Vec<String> = Vec::new();
    for s in sweeps {
        let vals: Vec<String> = match param {
            "threads" => s.threads.iter().map(u32::to_string).collect(),
            "n_batch" => s.n_batch.iter().map(u32::to_string).collect(),
            _ => s.quant.clone(),
        };
        for v in vals {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&v)) {
                out.push(v);
            }
        }
    }
    out
}

fn setting_sweep(
    run: &StoredRun,
    models: &[ModelView],
    param: &'static str,
) -> Option<SettingSweep> {
    let listed = listed(run, param);
    if listed.is_empty() {
        return None;
    }
    // Which metric the sweep moved: decode at the shallowest depth, prefill at the first
    // length (what the swept workloads measured).
    let depth = decode_depths(&run.records).first().copied();
    let length = prefill_lengths(&run.records).first().copied();
    let mut metrics: Vec<(String, MetricName)> = Vec::new();
    if let Some(d) = depth {
        metrics.push((
            format!("decode tok/s, depth {d}"),
            MetricName::DecodeTokensPerS { depth: d },
        ));
    }
    if let Some(n) = length {
        metrics.push((
            format!("prefill tok/s, {n} tokens"),
            MetricName::PrefillAtTokensPerS { tokens: n },
        ));
    }
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for (label, metric) in metrics {
        let mut curves = Vec::new();
        for (colour, m) in models.iter().enumerate() {
            let Some(named) = run.meta.settings.get(&m.id) else {
                continue;
            };
            let quant = run.meta.files.get(&m.id).map(|f| f.quant.clone());
            // The named value first, then the listed ones, as (x, label, at).
            let mut values: Vec<String> = match param {
                "threads" => vec![named.threads.to_string()],
                "n_batch" => vec![named.n_batch.to_string()],
                _ => quant.iter().cloned().collect(),
            };
            for v in &listed {
                let v = if param == "threads" && v == "0" {
                    run.host.physical_cores.to_string()
                } else {
                    v.clone()
                };
                if !values.iter().any(|x| x.eq_ignore_ascii_case(&v)) {
                    values.push(v);
                }
            }
            let mut points = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let at = match param {
                    "threads" => At {
                        threads: v.parse().ok(),
                        ..At::default()
                    },
                    "n_batch" => At {
                        n_batch: v.parse().ok(),
                        ..At::default()
                    },
                    _ => At {
                        quant: Some(v.clone()),
                        ..At::default()
                    },
                };
                let point = at.point_for(named, quant.as_deref());
                let x = match param {
                    "quant" => listed
                        .iter()
                        .position(|l| l.eq_ignore_ascii_case(v))
                        .map_or(listed.len() as f64, |p| p as f64),
                    _ => v.parse().unwrap_or(i as f64),
                };
                match estimate(run, metric, &m.id, &point) {
                    Some(est) => points.push((
                        CurvePoint {
                            x,
                            label: v.clone(),
                            est,
                        },
                        point,
                    )),
                    None if !point.is_named() => {
                        let why = if param == "quant" && run.twin_of(&m.id).is_none() {
                            "a model file has one quantization (a sweep generates others for twins only)"
                        } else {
                            "no valid sample (see Validity)"
                        };
                        let line = format!("`{}` at {}: {why}", m.id, point.label());
                        if !missing.contains(&line) {
                            missing.push(line);
                        }
                    }
                    None => {}
                }
            }
            points.sort_by(|a, b| a.0.x.total_cmp(&b.0.x));
            if !points.is_empty() {
                curves.push((colour, m.id.clone(), points));
            }
        }
        let mut speedup = Vec::new();
        let mut efficiency = Vec::new();
        if param == "threads" {
            for (colour, model, points) in &curves {
                let Some((base, base_at)) = points.first() else {
                    continue;
                };
                let mut s = Vec::new();
                let mut e = Vec::new();
                for (p, at) in points {
                    let Ok(r) = ratio(run, metric, (model, at), (model, base_at)) else {
                        continue;
                    };
                    let k = p.x / base.x;
                    let scale = |v: f64| v / k;
                    let mut eff = r.clone();
                    eff.point = scale(r.point);
                    eff.interval = r.interval.map(|i| crate::stats::Interval {
                        lo: scale(i.lo),
                        hi: scale(i.hi),
                        ..i
                    });
                    s.push(CurvePoint {
                        x: p.x,
                        label: p.label.clone(),
                        est: r,
                    });
                    e.push(CurvePoint {
                        x: p.x,
                        label: p.label.clone(),
                        est: eff,
                    });
                }
                speedup.push(ModelCurve {
                    model: model.clone(),
                    colour: *colour,
                    points: s,
                });
                efficiency.push(ModelCurve {
                    model: model.clone(),
                    colour: *colour,
                    points: e,
                });
            }
        }
        let curves: Vec<ModelCurve> = curves
            .into_iter()
            .map(|(colour, model, points)| ModelCurve {
                model,
                colour,
                points: points.into_iter().map(|(p, _)| p).collect(),
            })
            .collect();
        // A metric the sweep did not move has one point per model: not a curve.
        if curves.iter().any(|c| c.points.len() > 1) {
            out.push(SettingMetric {
                label,
                unit: metric.unit(),
                curves,
                speedup,
                efficiency,
            });
        }
    }
    (!out.is_empty() || !missing.is_empty()).then_some(SettingSweep {
        param,
        metrics: out,
        missing,
    })
}

/// Every sweep of `run`.
pub fn curves(run: &StoredRun, models: &[ModelView]) -> Curves {
    Curves {
        depth: depth_sweep(run, models),
        lengths: length_sweep(run, models),
        settings: ["threads", "n_batch", "quant"]
            .into_iter()
            .filter_map(|p| setting_sweep(run, models, p))
            .collect(),
        per_depth_processes: run.records.iter().any(|r| r.point.depth.is_some()),
        first_token: run
            .records
            .iter()
            .any(|r| matches!(&r.body, crate::sample::Body::Prefill(p) if p.ttft_ms.is_some())),
    }
}

/// Whether the suite measured anything but its named point (the report then states
/// which point the criteria judge).
pub fn has_sweeps(run: &StoredRun) -> bool {
    run.suite.backend.sweep.is_some()
        || run.suite.workloads.iter().any(|w| match w {
            Workload::Decode { depths, sweep, .. } => depths.len() > 1 || sweep.is_some(),
            Workload::Prefill { tokens, sweep, .. } => tokens.is_sweep() || sweep.is_some(),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Interval, Method};

    fn est(lo: f64, point: f64, hi: f64) -> Result<Estimate, String> {
        Ok(Estimate {
            point,
            interval: Some(Interval {
                lo,
                hi,
                level: 0.95,
                method: Method::OrderStatistics,
            }),
            n: 5,
            rounds: 5,
            no_interval: None,
        })
    }

    fn curve(points: Vec<(f64, Result<Estimate, String>)>) -> RatioCurve {
        RatioCurve {
            candidate: "lfm2".into(),
            baseline: "qwen3".into(),
            colour: 0,
            points: points
                .into_iter()
                .map(|(x, e)| (x, x.to_string(), e))
                .collect(),
        }
    }

    fn gate(value: f64, higher_passes: bool) -> Gate {
        Gate {
            value,
            label: "target".into(),
            higher_passes,
        }
    }

    #[test]
    fn the_crossing_is_where_the_interval_stays_clear_to_the_deepest_depth() {
        // 1.9× [1.8–2.0] at 0, straddling at 512, clear above from 1024 on.
        let r = curve(vec![
            (0.0, est(1.8, 1.9, 1.95)),
            (512.0, est(1.9, 2.1, 2.3)),
            (1024.0, est(2.2, 2.6, 2.9)),
            (2048.0, est(3.5, 4.4, 5.0)),
        ]);
        let c = crossing(&r, &gate(2.0, true));
        assert_eq!(
            c.sides,
            [
                (0, Rel::Short),
                (512, Rel::Straddles),
                (1024, Rel::Clear),
                (2048, Rel::Clear)
            ]
        );
        assert_eq!(c.clear_from, Some(1024));
        // Against the NO-GO line it is clear everywhere.
        assert_eq!(crossing(&r, &gate(1.5, true)).clear_from, Some(0));
        // A dip at the deepest point: not clear at the end, so no crossing depth.
        let mut dip = r.clone();
        dip.points[3].2 = est(1.9, 2.1, 2.4);
        assert_eq!(crossing(&dip, &gate(2.0, true)).clear_from, None);
        // A gate on the lower side (memory ratio <= 0.5): clear when the interval is below.
        let m = curve(vec![
            (0.0, est(0.6, 0.65, 0.7)),
            (4096.0, est(0.3, 0.35, 0.4)),
        ]);
        let c = crossing(&m, &gate(0.5, false));
        assert_eq!(c.sides, [(0, Rel::Short), (4096, Rel::Clear)]);
        assert_eq!(c.clear_from, Some(4096));
        // No interval is not a crossing.
        let one = curve(vec![(0.0, Err("no samples".into()))]);
        assert_eq!(crossing(&one, &gate(2.0, true)).sides, [(0, Rel::Unknown)]);
    }
}
