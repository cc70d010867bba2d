//! The twin rule: a shape twin (random weights in a published architecture's shapes) can
//! stand for a model's speed and memory, never for its text. A criterion on answers'
//! validity or correctness — `integration.valid_fraction`, any `quality.*` metric — is
//! NOT MEASURED when a model it judges is a twin, with the reason: a twin whose control
//! tokens are zeroed never stops and always answers, so it would pass by construction.
//!
//! Which models are twins comes from the verdict's inputs (run.json `twins`, models.toml
//! `twin`), never from a model's name.

use super::types::{Inputs, TwinModel};
use crate::config::{Criterion, Versus};

/// Whether `metric` is about the text a model writes, which a twin cannot honestly
/// produce.
pub fn about_text(metric: &str) -> bool {
    metric == "integration.valid_fraction" || metric.starts_with("quality.")
}

/// The models a criterion judges: the candidate, and the baseline of a ratio or a
/// difference.
fn judged<'a>(c: &Criterion, inputs: &'a Inputs<'_>) -> Vec<&'a str> {
    let s = &inputs.suite.suite;
    let mut v = vec![s.candidate.as_str()];
    if c.vs != Versus::Absolute {
        v.push(s.baseline.as_str());
    }
    v
}

/// The twins among the models `c` judges.
pub fn twins_judged(c: &Criterion, inputs: &Inputs<'_>) -> Vec<TwinModel> {
    judged(c, inputs)
        .into_iter()
        .filter_map(|m| {
            inputs.twins.get(m).map(|of| TwinModel {
                model: m.to_string(),
                of: of.clone(),
            })
        })
        .collect()
}

/// Why a criterion about text is NOT MEASURED on `twins`.
pub fn reason(metric: &str, twins: &[TwinModel]) -> String {
    let names: Vec<String> = twins
        .iter()
        .map(|t| format!("`{}` is a shape twin of {}", t.model, t.of))
        .collect();
    let what = if metric.starts_with("quality.") {
        "whether its answers are correct"
    } else {
        "whether its answers are valid (a twin answers with tokens whatever it is asked: its end-of-generation never comes)"
    };
    format!(
        "{}: random weights say nothing about {what}; measure it on the published GGUF (`lfmbench fetch`)",
        names.join(" and ")
    )
}

/// The candidate and the baseline, where they are twins (what the whole verdict rests
/// on), candidate first.
pub fn verdict_twins(inputs: &Inputs<'_>) -> Vec<TwinModel> {
    let s = &inputs.suite.suite;
    let mut out: Vec<TwinModel> = Vec::new();
    for m in [&s.candidate, &s.baseline] {
        if let Some(of) = inputs.twins.get(m.as_str())
            && !out.iter().any(|t| &t.model == m)
        {
            out.push(TwinModel {
                model: m.clone(),
                of: of.clone(),
            });
        }
    }
    out
}
