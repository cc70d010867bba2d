//! Sustained load as the report shows it: each model's decode rate per window against
//! time (the median over rounds of each window), the first and the last span's rate, the
//! sustained ratio (last ÷ first, with its interval over rounds), the CPU frequency and
//! temperature where the OS showed them, and whether the host is a VM (which cannot show
//! thermal throttling).

use super::*;
use crate::metric::sustained_span_s;
use crate::sample::SustainedWindow;

/// One model's sustained decode.
#[derive(Debug, Clone, PartialEq)]
pub struct SustainedModel {
    pub model: String,
    pub colour: usize,
    pub rounds: usize,
    /// (window middle in s, median rate over rounds).
    pub rate: Vec<(f64, f64)>,
    /// (window middle in s, median CPU MHz over rounds), where the OS showed it.
    pub mhz: Vec<(f64, f64)>,
    /// Median rate of the first and of the last span's windows (all rounds).
    pub first: Option<f64>,
    pub last: Option<f64>,
    /// `sustained.ratio`: per round last ÷ first, median over rounds with its interval.
    pub ratio: Option<Estimate>,
    /// Hottest temperature seen at the first and at the last window end, °C.
    pub temp_first: Option<f64>,
    pub temp_max: Option<f64>,
}

/// Sustained load of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct SustainedView {
    pub duration_s: u32,
    pub window_s: u32,
    pub cooldown_s: u32,
    pub chunk: u32,
    /// The span at each end the ratio compares (a minute, or half a shorter run).
    pub span_s: f64,
    pub models: Vec<SustainedModel>,
    /// The hypervisor, when the host is a VM; `None` when not, or not recorded.
    pub vm: Option<String>,
    /// Whether the run recorded whether it ran in a VM (runs before it did not).
    pub vm_known: bool,
}

fn median_of(v: &[f64]) -> Option<f64> {
    stats::median(v)
}

pub(super) fn sustained(run: &StoredRun, models: &[ModelView]) -> Option<SustainedView> {
    let all: Vec<(&Record, &SustainedWindow)> = run
        .records
        .iter()
        .filter(|r| r.point.is_named())
        .filter_map(|r| match &r.body {
            Body::Sustained(w) => Some((r, w)),
            _ => None,
        })
        .collect();
    let (_, w0) = all.first()?;
    let span_s = sustained_span_s(w0.duration_s);
    let end = f64::from(w0.duration_s);
    let mut out = Vec::new();
    for (colour, m) in models.iter().enumerate() {
        let mine: Vec<(u32, &SustainedWindow)> = all
            .iter()
            .filter(|(r, _)| r.model == m.id)
            .map(|(r, w)| (r.round, *w))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut by_index: BTreeMap<u32, (f64, Vec<f64>, Vec<f64>)> = BTreeMap::new();
        for (_, w) in &mine {
            let e = by_index.entry(w.index).or_insert((
                (w.start_s + w.end_s) / 2.0,
                Vec::new(),
                Vec::new(),
            ));
            e.1.push(w.tokens_per_s);
            if let Some(mhz) = w.cpu_mhz {
                e.2.push(mhz);
            }
        }
        let rate = by_index
            .values()
            .filter_map(|(x, r, _)| Some((*x, median_of(r)?)))
            .collect();
        let mhz = by_index
            .values()
            .filter_map(|(x, _, f)| Some((*x, median_of(f)?)))
            .collect();
        let pick = |f: &dyn Fn(&SustainedWindow) -> bool| -> Option<f64> {
            let v: Vec<f64> = mine
                .iter()
                .filter(|(_, w)| f(w))
                .map(|(_, w)| w.tokens_per_s)
                .collect();
            median_of(&v)
        };
        let eps = 1e-6;
        let temps: Vec<(u32, f64)> = mine
            .iter()
            .filter_map(|(_, w)| Some((w.index, w.temp_c?)))
            .collect();
        let rounds: Vec<u32> = {
            let mut r: Vec<u32> = mine.iter().map(|(r, _)| *r).collect();
            r.dedup();
            r
        };
        out.push(SustainedModel {
            model: m.id.clone(),
            colour,
            rounds: rounds.len(),
            rate,
            mhz,
            first: pick(&|w| w.end_s <= span_s + eps),
            last: pick(&|w| w.start_s >= end - span_s - eps),
            ratio: Rounds::new(MetricName::SustainedRatio.values_by_round(&run.records, &m.id))
                .ok()
                .and_then(|r| {
                    stats::estimate(
                        &r,
                        Stat::Median,
                        Quantization::for_unit(""),
                        MetricName::SustainedRatio.one_value_per_round(),
                    )
                    .ok()
                }),
            temp_first: temps.iter().min_by_key(|(i, _)| *i).map(|(_, t)| *t),
            temp_max: temps.iter().map(|(_, t)| *t).reduce(f64::max),
        });
    }
    Some(SustainedView {
        duration_s: w0.duration_s,
        window_s: w0.window_s,
        cooldown_s: w0.cooldown_s,
        chunk: w0.chunk,
        span_s,
        models: out,
        vm: run.host.virtualization.clone().filter(|v| v != "none"),
        vm_known: run.host.virtualization.is_some(),
    })
}
