//! A criterion that rests on contended samples is INCONCLUSIVE (noisy host).
//!
//! The runner stores, with every job, how busy the host was while it ran
//! (`measure::noise`); [`Contended`] lists the jobs over the thresholds. A criterion whose
//! candidate or baseline has contended jobs among the rounds it is computed from is decided
//! a second time without them. It becomes INCONCLUSIVE (noisy host), with the measured load
//! in its note, when
//! - its state without the contended rounds differs (the result rests on them), or
//! - more than a third of its rounds are contended (too few quiet ones to stand alone).
//!
//! Otherwise it keeps its state, and its note says how many rounds were contended.

use std::collections::HashSet;

use super::criterion::criterion;
pub use super::types::Contended;
use super::types::{CriterionResult, Inputs, NoGoState, State};
use crate::config::{Criterion, Versus};
use crate::sample::{Body, PageCache, Record};

/// Share of a criterion's rounds above which it cannot stand on its quiet rounds alone.
pub const MAX_CONTENDED_SHARE: f64 = 1.0 / 3.0;

/// The job (part) a metric is read from.
fn part_of_metric(metric: &str) -> &'static str {
    if metric.starts_with("cold_start_warm.") {
        "cold_start_warm"
    } else if metric.starts_with("cold_start.") {
        "cold_start"
    } else {
        "bench"
    }
}

/// The job (part) a record was measured in.
pub fn part_of(body: &Body) -> &'static str {
    match body {
        Body::ColdStart(c) if c.page_cache == PageCache::Warm => "cold_start_warm",
        Body::ColdStart(_) => "cold_start",
        _ => "bench",
    }
}

/// `result` (the criterion decided on every sample) judged against the contended jobs.
pub fn adjust(c: &Criterion, inputs: &Inputs<'_>, result: CriterionResult) -> CriterionResult {
    if inputs.contended.is_empty() || result.state == State::NotMeasured {
        return result;
    }
    let s = &inputs.suite.suite;
    let mut models = vec![s.candidate.as_str()];
    if c.vs == Versus::Baseline {
        models.push(s.baseline.as_str());
    }
    let part = part_of_metric(&c.metric);
    let hits: Vec<&Contended> = inputs
        .contended
        .iter()
        .filter(|j| models.contains(&j.model.as_str()) && j.part == part)
        .collect();
    if hits.is_empty() {
        return result;
    }
    let rounds: HashSet<u32> = inputs
        .records
        .iter()
        .filter(|r| models.contains(&r.model.as_str()))
        .map(|r| r.round)
        .collect();
    let bad_rounds: HashSet<u32> = hits.iter().map(|j| j.round).collect();
    let share = bad_rounds.len() as f64 / rounds.len().max(1) as f64;
    let quiet: Vec<Record> = inputs
        .records
        .iter()
        .filter(|r| {
            !hits
                .iter()
                .any(|j| j.model == r.model && j.round == r.round && j.part == part_of(&r.body))
        })
        .cloned()
        .collect();
    let without = criterion(
        c,
        &Inputs {
            records: &quiet,
            contended: &[],
            ..*inputs
        },
    );
    let load = worst(&hits);
    let counted = format!(
        "{} of {} rounds ran on a busy host ({load})",
        bad_rounds.len(),
        rounds.len()
    );
    let mut out = result;
    if without.state != out.state || share > MAX_CONTENDED_SHARE {
        let why = if without.state != out.state {
            format!(
                "without them it reads {}: the result rests on contended samples",
                without.state
            )
        } else {
            format!(
                "more than {:.0} % of its rounds: too few quiet ones to decide",
                MAX_CONTENDED_SHARE * 100.0
            )
        };
        out.note = Some(format!("noisy host: {counted}; {why}"));
        out.state = State::Inconclusive;
        out.noisy_host = true;
        // A NO-GO line is judged on the same samples: it cannot be claimed on them either.
        if out.no_go.is_some() {
            out.no_go_breached = false;
            out.no_go_state = Some(NoGoState::Undecided);
        }
    } else {
        let note = format!("{counted}; the quiet rounds alone read the same");
        out.note = Some(match out.note.take() {
            Some(n) => format!("{n}; {note}"),
            None => note,
        });
    }
    out
}

/// The heaviest load among `hits`: other processes' CPU at its worst where measured,
/// else the first job's own reason.
fn worst(hits: &[&Contended]) -> String {
    match hits
        .iter()
        .filter_map(|j| j.other_cpu_cores)
        .max_by(f64::total_cmp)
    {
        Some(cpus) => format!("other processes used up to {cpus:.2} CPUs"),
        None => hits.first().map(|j| j.reason.clone()).unwrap_or_default(),
    }
}

/// The contended jobs of a stored run: each job over a threshold by its own load, and every
/// job of a round whose memory-bandwidth probe (before or after it) fell below the
/// threshold's share of the run's best probe.
pub fn contended_jobs(jobs: &[crate::store::JobDone]) -> Vec<Contended> {
    use crate::measure::noise::{Thresholds, bandwidth_reason};
    let th = Thresholds::DEFAULT;
    let probes = |j: &crate::store::JobDone| {
        j.load
            .iter()
            .flat_map(|l| [l.probe_before_gbps, l.probe_after_gbps])
            .flatten()
            .collect::<Vec<f64>>()
    };
    let best = jobs.iter().flat_map(probes).fold(0.0, f64::max);
    let mut round_reason: std::collections::BTreeMap<u32, String> = Default::default();
    for j in jobs {
        for g in probes(j) {
            if let Some(why) = bandwidth_reason(g, best, &th) {
                round_reason.entry(j.key.round).or_insert(why);
            }
        }
    }
    jobs.iter()
        .filter_map(|j| {
            let load = j.load.as_ref();
            let own = load.filter(|l| l.contended).map(|l| l.reasons.join("; "));
            let reason = own.or_else(|| round_reason.get(&j.key.round).cloned())?;
            Some(Contended {
                model: j.key.model.clone(),
                round: j.key.round,
                part: j.key.part.clone(),
                reason,
                other_cpu_cores: load.filter(|l| l.contended).and_then(|l| l.other_cpu_cores),
            })
        })
        .collect()
}
