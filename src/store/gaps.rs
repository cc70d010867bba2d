//! Which model of a stored run measured nothing for which workload, and why: a model that
//! ran (not one skipped before running) with no valid sample of a workload the suite asks
//! for — every round of it timed out, crashed, ran out of memory, or produced only invalid
//! samples. `run` ends with [`EXIT_MEASURED_NOTHING`] when there is any; the report lists
//! them as NOT MEASURED. Pure over the run's records.
//!
//! A workload is `decode@<depth>` (each depth of a decode workload), `prefill`, `chat`,
//! `cold_start`, `sustained` and `memory` (the peak of a bench process); a valid sample at
//! any sweep point counts. Metrics a model cannot have by
//! design (`run.json` `not_measured`, e.g. a remote server's memory) are not gaps.

use std::collections::BTreeSet;

use super::StoredRun;
use crate::config::Workload;
use crate::sample::{Body, NotMeasured, Record};

/// Exit status of `lfmbench run` when some model measured nothing for some workload.
pub const EXIT_MEASURED_NOTHING: u8 = 5;

/// One model × workload without a single valid sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub model: String,
    pub workload: String,
    /// Why, from the run's failure records and invalid samples (timeout, crash, invalid
    /// samples), or "no record" when nothing at all was stored for it.
    pub why: String,
}

/// Every gap of `run`, in model order (as run) then workload order (as the suite lists them).
pub fn of_run(run: &StoredRun) -> Vec<Gap> {
    gaps(
        &run.suite.workloads,
        &run.meta.models,
        &run.meta.not_measured,
        &run.records,
    )
}

/// The gaps of `models` (those that ran) asked for `workloads`, given their `records`.
pub fn gaps(
    workloads: &[Workload],
    models: &[String],
    not_measured: &[NotMeasured],
    records: &[Record],
) -> Vec<Gap> {
    let mut out = Vec::new();
    for model in models {
        let wanted = wanted(workloads, model);
        let by_design = |kind: &str| {
            not_measured.iter().any(|n| {
                &n.model == model && n.metrics.iter().any(|m| m.starts_with(&format!("{kind}.")))
            })
        };
        let records: Vec<&Record> = records.iter().filter(|r| &r.model == model).collect();
        for w in &wanted {
            if by_design(w.kind()) || records.iter().any(|r| w.valid_in(&r.body)) {
                continue;
            }
            out.push(Gap {
                model: model.clone(),
                workload: w.name(),
                why: why(w, &records),
            });
        }
    }
    out
}

/// What the suite asks a model for.
#[derive(Debug, Clone, PartialEq)]
enum Wanted {
    Decode(u32),
    Prefill,
    Chat,
    ColdStart,
    Sustained,
    Memory,
}

/// What `workloads` ask of `model` (a sustained workload may name the models it runs).
fn wanted(workloads: &[Workload], model: &str) -> Vec<Wanted> {
    let mut out = Vec::new();
    let mut depths = BTreeSet::new();
    for w in workloads {
        match w {
            Workload::Decode { depths: ds, .. } => {
                for d in ds {
                    if depths.insert(*d) {
                        out.push(Wanted::Decode(*d));
                    }
                }
            }
            Workload::Prefill { .. } if !out.contains(&Wanted::Prefill) => {
                out.push(Wanted::Prefill)
            }
            Workload::Chat { .. } if !out.contains(&Wanted::Chat) => out.push(Wanted::Chat),
            Workload::ColdStart { .. } if !out.contains(&Wanted::ColdStart) => {
                out.push(Wanted::ColdStart)
            }
            Workload::Sustained { models, .. }
                if (models.is_empty() || models.iter().any(|m| m == model))
                    && !out.contains(&Wanted::Sustained) =>
            {
                out.push(Wanted::Sustained)
            }
            _ => {}
        }
    }
    // A bench process runs whenever the suite has decode, prefill or chat.
    if workloads.iter().any(|w| {
        matches!(
            w,
            Workload::Decode { .. } | Workload::Prefill { .. } | Workload::Chat { .. }
        )
    }) {
        out.push(Wanted::Memory);
    }
    out
}

impl Wanted {
    fn kind(&self) -> &'static str {
        match self {
            Wanted::Decode(_) => "decode",
            Wanted::Prefill => "prefill",
            Wanted::Chat => "chat",
            Wanted::ColdStart => "cold_start",
            Wanted::Sustained => "sustained",
            Wanted::Memory => "memory",
        }
    }

    fn name(&self) -> String {
        match self {
            Wanted::Decode(d) => format!("decode@{d}"),
            other => other.kind().to_string(),
        }
    }

    fn valid_in(&self, body: &Body) -> bool {
        match (self, body) {
            (Wanted::Decode(depth), Body::Decode(d)) => d.depth == *depth && d.valid,
            (Wanted::Prefill, Body::Prefill(_)) => true,
            (Wanted::Chat, Body::Chat(c)) => c.valid,
            (Wanted::ColdStart, Body::ColdStart(_)) => true,
            (Wanted::Sustained, Body::Sustained(_)) => true,
            (Wanted::Memory, Body::Memory(_)) => true,
            _ => false,
        }
    }

    /// An invalid sample of this workload, with its reason.
    fn invalid_in<'a>(&self, body: &'a Body) -> Option<&'a str> {
        match (self, body) {
            (Wanted::Decode(depth), Body::Decode(d)) if d.depth == *depth && !d.valid => {
                Some(d.invalid_reason.as_deref().unwrap_or("invalid"))
            }
            (Wanted::Chat, Body::Chat(c)) if !c.valid => {
                Some(c.invalid_reason.as_deref().unwrap_or("invalid"))
            }
            _ => None,
        }
    }

    /// Whether a failure at `stage` took this workload with it: the whole process it runs
    /// in (a bench process, at a sweep point too: `bench@threads=1`; a decode depth's own
    /// process), or the workload itself.
    fn failed_at(&self, stage: &str) -> bool {
        let bench = stage == "round" || stage == "bench" || stage.starts_with("bench@");
        match self {
            Wanted::ColdStart => stage.starts_with("cold_start"),
            Wanted::Sustained => stage == "sustained",
            Wanted::Memory => bench,
            // Each depth in a process of its own: `decode@depth=64`.
            Wanted::Decode(d) => bench || stage == "decode" || stage == format!("decode@depth={d}"),
            other => bench || stage == other.kind(),
        }
    }
}

/// Why a workload has no valid sample: its failures and invalid samples, each distinct
/// reason once with how many rounds it took.
fn why(w: &Wanted, records: &[&Record]) -> String {
    let mut reasons: Vec<(String, usize)> = Vec::new();
    let mut note = |r: String| match reasons.iter_mut().find(|(x, _)| *x == r) {
        Some((_, n)) => *n += 1,
        None => reasons.push((r, 1)),
    };
    for r in records {
        match &r.body {
            Body::Failure(f) if w.failed_at(&f.stage) => {
                let reason = f.reason.lines().next().unwrap_or("");
                if reason.starts_with("out of memory") {
                    note(reason.to_string());
                    continue;
                }
                let how = if f.timed_out {
                    "timeout"
                } else if f.signal.is_some() || f.exit_code.is_some() {
                    "crash"
                } else {
                    "error"
                };
                note(format!("{how}: {reason}"));
            }
            body => {
                if let Some(reason) = w.invalid_in(body) {
                    note(format!("invalid samples: {reason}"));
                }
            }
        }
    }
    if reasons.is_empty() {
        return "no record of it at all (its jobs stored nothing)".into();
    }
    reasons
        .into_iter()
        .map(|(r, n)| if n > 1 { format!("{r} (×{n})") } else { r })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{DecodeSample, FailureRecord, MemorySample};

    fn workloads() -> Vec<Workload> {
        vec![Workload::Decode {
            tokens: 8,
            depths: vec![0, 64],
            repetitions: 1,
            sweep: None,
        }]
    }

    fn of(records: Vec<Record>) -> Vec<Gap> {
        gaps(&workloads(), &["a".into(), "b".into()], &[], &records)
    }

    fn decode(model: &str, depth: u32, valid: bool) -> Record {
        Record {
            model: model.into(),
            point: Default::default(),
            round: 0,
            body: Body::Decode(DecodeSample {
                depth,
                n_requested: 8,
                n_generated: if valid { 8 } else { 3 },
                elapsed_ms: 1.0,
                tokens_per_s: 8.0,
                valid,
                invalid_reason: (!valid).then(|| "3 of 8 tokens".to_string()),
                note: None,
                repetition: 0,
                repetitions: 1,
            }),
        }
    }

    fn memory(model: &str) -> Record {
        Record {
            model: model.into(),
            point: Default::default(),
            round: 0,
            body: Body::Memory(MemorySample::default()),
        }
    }

    fn timeout(model: &str, round: u32) -> Record {
        Record {
            model: model.into(),
            point: Default::default(),
            round,
            body: Body::Failure(FailureRecord {
                stage: "bench".into(),
                reason: "timed out after 1 s and was killed".into(),
                exit_code: None,
                signal: Some(9),
                timed_out: true,
                stderr_tail: String::new(),
            }),
        }
    }

    #[test]
    fn a_sustained_workload_for_some_models_is_no_gap_for_the_others() {
        let workloads = vec![Workload::Sustained {
            duration_s: 1,
            window_s: 1,
            cooldown_s: 0,
            chunk: 64,
            rounds: 1,
            models: vec!["a".into()],
        }];
        let g = gaps(&workloads, &["a".into(), "b".into()], &[], &[]);
        assert_eq!(
            g.iter()
                .map(|g| (g.model.as_str(), g.workload.as_str()))
                .collect::<Vec<_>>(),
            vec![("a", "sustained")],
            "{g:?}"
        );
    }

    #[test]
    fn a_model_that_measured_everything_has_no_gap() {
        let g = of(vec![
            decode("a", 0, true),
            decode("a", 64, true),
            memory("a"),
            decode("b", 0, true),
            decode("b", 64, true),
            memory("b"),
        ]);
        assert_eq!(g, vec![]);
    }

    #[test]
    fn every_round_timed_out_names_the_model_each_workload_and_the_timeout() {
        let g = of(vec![
            decode("a", 0, true),
            decode("a", 64, true),
            memory("a"),
            timeout("b", 0),
            timeout("b", 1),
        ]);
        let names: Vec<(&str, &str)> = g
            .iter()
            .map(|g| (g.model.as_str(), g.workload.as_str()))
            .collect();
        assert_eq!(
            names,
            [("b", "decode@0"), ("b", "decode@64"), ("b", "memory")]
        );
        assert_eq!(g[0].why, "timeout: timed out after 1 s and was killed (×2)");
    }

    #[test]
    fn only_invalid_samples_of_one_depth_is_a_gap_with_their_reason() {
        let g = of(vec![
            decode("a", 0, true),
            decode("a", 64, false),
            memory("a"),
            decode("b", 0, true),
            decode("b", 64, true),
            memory("b"),
        ]);
        assert_eq!(
            g,
            vec![Gap {
                model: "a".into(),
                workload: "decode@64".into(),
                why: "invalid samples: 3 of 8 tokens".into(),
            }]
        );
    }

    #[test]
    fn metrics_not_measured_by_design_and_skipped_models_are_not_gaps() {
        let records = vec![decode("a", 0, true), decode("a", 64, true)];
        let by_design = [NotMeasured {
            model: "a".into(),
            metrics: vec!["memory.peak_rss_bytes".into()],
            reason: "a remote server".into(),
        }];
        // "b" was skipped: it is not among the models that ran.
        assert_eq!(
            gaps(&workloads(), &["a".into()], &by_design, &records),
            vec![]
        );
    }
}
