//! What the report must flag: validity problems (skipped models, zero-token answers, short
//! decodes, failed rounds, an unfinished run) and which required sections lack data.

use super::*;

pub(super) fn problems(run: &StoredRun) -> Problems {
    let mut p = Problems {
        skipped: run.meta.skipped.clone(),
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

/// Which required sections of the findings lack measured data. Required: results per
/// model, candidate vs baseline, memory, cold start, latency distributions, roofline,
/// environment — for the candidate and the baseline.
pub fn completeness(
    run: &StoredRun,
    models: &[ModelView],
    comparisons: &[Comparison],
) -> Completeness {
    let s = &run.suite.suite;
    let key: Vec<(&str, Option<&ModelView>)> = [&s.candidate, &s.baseline]
        .into_iter()
        .map(|id| (id.as_str(), models.iter().find(|m| &m.id == id)))
        .collect();
    let mut missing = Vec::new();
    let mut need = |section: &str, what: &str, ok: &dyn Fn(&ModelView) -> bool| {
        let lacking: Vec<String> = key
            .iter()
            .filter(|(_, m)| !m.is_some_and(ok))
            .map(|(id, _)| format!("`{id}`"))
            .collect();
        if !lacking.is_empty() {
            missing.push(format!("{section}: no {what} for {}", lacking.join(", ")));
        }
    };
    need("Results per model", "measured metric", &|m| {
        !m.metrics.is_empty()
    });
    need("Memory", "peak RSS sample", &|m| m.memory.is_some());
    need(
        "Cold start",
        "cold start with the page cache dropped",
        &|m| m.cold.iter().any(|c| c.state != "warm"),
    );
    need("Latency distributions", "valid chat answer", &|m| {
        m.latency(MetricName::ChatTtftMs).is_some()
    });
    need(
        "Roofline",
        "decode speed, model size and measured bandwidth",
        &|m| m.roofline.is_some(),
    );
    let compared = comparisons
        .iter()
        .find(|c| c.other == s.baseline)
        .is_some_and(|c| c.rows.iter().any(|r| r.ratio.is_ok()));
    if !compared {
        missing.push(format!(
            "Candidate vs baselines: no metric of `{}` and `{}` paired in a round",
            s.candidate, s.baseline
        ));
    }
    if run.engine.is_null() {
        missing.push("Environment: engine.json is missing".into());
    }
    Completeness {
        sections: 7,
        missing,
    }
}
