//! What the report must flag: validity problems (skipped models, workloads a model measured
//! nothing of, zero-token answers, short decodes, failed rounds, an unfinished run) and
//! which of the plan's deliverables it holds (`report.complete`).

use super::*;
use crate::verdict::Deliverable;

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
/// data named; a deliverable no section produces yet (recommendations, risk assessment)
/// is missing. `machines`: the machine labels the whole report covers.
pub fn completeness(
    run: &StoredRun,
    models: &[ModelView],
    comparisons: &[Comparison],
    machines: &[String],
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
    for name in ["Recommendations", "Risk assessment"] {
        d.push(Deliverable {
            name: name.into(),
            present: false,
            detail: "no section of the report computes it from measured data yet".into(),
        });
    }
    Completeness { deliverables: d }
}
