//! What the report must flag: validity problems (skipped models, workloads a model measured
//! nothing of, zero-token answers, short decodes, failed rounds, an unfinished run) and
//! which of the plan's deliverables it holds (`report.complete`).

use super::advice::{Advice, Next};
use super::*;
use crate::verdict::Deliverable;

/// Recommendations and risk assessment: present when "Recommendation and risks" computes
/// them from measured intervals — the next measurement from the critical criteria, the
/// margins before each criterion flips.
fn decision_deliverables(advice: &Advice) -> (Deliverable, Deliverable) {
    let with_margin: Vec<&str> = advice
        .standings
        .iter()
        .filter(|s| s.target.is_some())
        .map(|s| s.name.as_str())
        .collect();
    let critical = advice
        .standings
        .iter()
        .filter(|s| s.critical && s.target.is_some())
        .count();
    let recommend = match (&advice.next, critical) {
        (Some(next), 1..) => Deliverable {
            name: "Recommendations".into(),
            present: true,
            detail: format!(
                "the decision's basis and the next measurement ({}), from the intervals of {critical} critical criteria (section Recommendation and risks)",
                match next {
                    Next::QuietHost { .. } => "a rerun on a quiet host",
                    Next::MoreRounds { .. } => "more rounds",
                    Next::Measure { .. } => "a criterion not yet measured",
                    Next::RealFiles => "the published files instead of shape twins",
                    Next::Decided { .. } => "none needed to decide; the closest margin named",
                }
            ),
        },
        _ => Deliverable {
            name: "Recommendations".into(),
            present: false,
            detail: "no critical criterion has an estimate to recommend from".into(),
        },
    };
    let risks = if with_margin.is_empty() {
        Deliverable {
            name: "Risk assessment".into(),
            present: false,
            detail: "no criterion has an estimate whose margin to its target could be measured"
                .into(),
        }
    } else {
        Deliverable {
            name: "Risk assessment".into(),
            present: true,
            detail: format!(
                "the margin of {} criteria to their targets and NO-GO lines, and the rounds an undecided one needs, from their intervals (section Recommendation and risks)",
                with_margin.len()
            ),
        }
    };
    (recommend, risks)
}

pub(super) fn problems(run: &StoredRun) -> Problems {
    let mut p = Problems {
        skipped: run.meta.skipped.clone(),
        measured_nothing: crate::store::gaps::of_run(run),
        warnings: run.warnings.clone(),
        incomplete: (run.meta.state != crate::store::RunState::Complete).then(|| {
            let state = match run.meta.state {
                crate::store::RunState::Running => "still running (or killed)",
                _ => "incomplete",
            };
            match &run.meta.note {
                Some(n) => format!("{state}: {n}"),
                None => state.to_string(),
            }
        }),
        ..Problems::default()
    };
    for r in &run.records {
        match &r.body {
            Body::Chat(c) | Body::Answer(c) if !c.valid => {
                p.zero_token.push((r.model.clone(), r.round, c.clone()))
            }
            Body::Decode(d) if !d.valid => {
                p.short_decodes.push((r.model.clone(), r.round, d.clone()))
            }
            Body::Failure(f) => p.failures.push((r.model.clone(), r.round, f.clone())),
            _ => {}
        }
    }
    p
}

/// The plan's week-4 deliverables as this report holds them: each present only when a
/// section computes it from measured data of the candidate and the baseline, with the
/// data named. `machines`: the machine labels the whole report covers; `advice`: the
/// margins and the next measurement, from the verdict before `report.complete` is
/// decided (it does not depend on it).
pub fn completeness(
    run: &StoredRun,
    models: &[ModelView],
    comparisons: &[Comparison],
    machines: &[String],
    advice: &Advice,
) -> Completeness {
    let s = &run.suite.suite;
    let (c, b) = (&s.candidate, &s.baseline);
    let mut d = Vec::new();
    let paired: Vec<&ComparisonRow> = comparisons
        .iter()
        .filter(|x| &x.other == b)
        .flat_map(|x| x.rows.iter().filter(|r| r.ratio.is_ok()))
        .collect();
    let rounds = paired
        .iter()
        .filter_map(|r| r.ratio.as_ref().ok().map(|e| e.rounds))
        .max()
        .unwrap_or(0);
    d.push(if paired.is_empty() {
        Deliverable {
            name: "Performance comparison".into(),
            present: false,
            detail: format!("no metric of `{c}` and `{b}` paired in a round"),
        }
    } else {
        Deliverable {
            name: "Performance comparison".into(),
            present: true,
            detail: format!(
                "{} metrics of `{c}` ÷ `{b}` paired by round over up to {rounds} rounds (section Candidate against each other model)",
                paired.len()
            ),
        }
    });
    let lacking: Vec<String> = [c, b]
        .into_iter()
        .filter(|id| !models.iter().any(|m| &&m.id == id && m.memory.is_some()))
        .map(|id| format!("`{id}`"))
        .collect();
    d.push(Deliverable {
        name: "Memory profile".into(),
        present: lacking.is_empty(),
        detail: if lacking.is_empty() {
            let n: usize = models
                .iter()
                .filter(|m| &m.id == c || &m.id == b)
                .filter_map(|m| m.memory.as_ref().map(|x| x.peak.n))
                .sum();
            format!(
                "peak RSS of {n} bench processes of `{c}` and `{b}` against their model files (section Memory)"
            )
        } else {
            format!("no peak RSS sample for {}", lacking.join(", "))
        },
    });
    d.push(Deliverable {
        name: "Device compatibility matrix".into(),
        present: machines.len() >= 2,
        detail: match machines {
            [] => "no machine measured".into(),
            [one] => format!(
                "one machine measured (`{one}`); a matrix needs runs from at least two (`lfmbench report` over the runs of each device)"
            ),
            many => format!(
                "{} machines side by side: {} (section Device matrix)",
                many.len(),
                many.iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    });
    let (recommend, risks) = decision_deliverables(advice);
    d.push(recommend);
    d.push(risks);
    Completeness { deliverables: d }
}
