//! One model's quality, as the report shows it: its correct fraction (Wilson interval) and
//! wrong answers, bits per byte and perplexity of the fixed text (bootstrap over windows),
//! whether it is a base model, and which quality metrics it cannot have and why (a shape
//! twin: random weights).

use super::*;
use crate::metric::{judged_by_question, text_windows};
use crate::sample::PerplexitySample;
use crate::stats::quality::estimate;

/// A judged answer that missed its expectation (or was empty).
#[derive(Debug, Clone, PartialEq)]
pub struct WrongAnswer {
    pub prompt: String,
    pub expected: String,
    pub got: String,
    /// How many answers of the run were this one (greedy answers repeat).
    pub times: usize,
    /// A zero-token answer (invalid, counted wrong).
    pub invalid: bool,
}

/// What the text scored was.
#[derive(Debug, Clone, PartialEq)]
pub struct TextFacts {
    pub file: String,
    pub n_ctx: u32,
    pub windows: usize,
    pub scored_tokens: u64,
    pub scored_bytes: u64,
    pub text_bytes: u64,
    /// Wall time of one evaluation of the text (median when several).
    pub elapsed_ms: f64,
}

/// One model's quality.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QualityView {
    /// Quality metrics this model cannot have, each with why (run.json `not_measured`;
    /// for a twin every one: random weights).
    pub not_measured: Vec<(MetricName, String)>,
    /// Why it counts as a base model (not instruction-tuned), when it does.
    pub base_model: Option<String>,
    pub correct: Option<Estimate>,
    /// Distinct questions judged, and answers judged.
    pub questions: usize,
    pub answers: usize,
    pub wrong: Vec<WrongAnswer>,
    pub bits_per_byte: Option<Estimate>,
    pub perplexity: Option<Estimate>,
    pub text: Option<TextFacts>,
}

impl QualityView {
    /// Why `metric` is not measured for this model, if it is not.
    pub fn not_measured(&self, metric: MetricName) -> Option<&str> {
        self.not_measured
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, why)| why.as_str())
    }

    /// Whether there is anything to show.
    pub fn is_empty(&self) -> bool {
        self.correct.is_none()
            && self.bits_per_byte.is_none()
            && self.not_measured.is_empty()
            && self.wrong.is_empty()
    }
}

const QUALITY: [MetricName; 3] = [
    MetricName::QualityCorrectFraction,
    MetricName::QualityBitsPerByte,
    MetricName::QualityPerplexity,
];

pub(super) fn quality_view(run: &StoredRun, id: &str) -> QualityView {
    let records = &run.records;
    let mut not_measured: Vec<(MetricName, String)> = Vec::new();
    for n in run.meta.not_measured.iter().filter(|n| n.model == id) {
        for m in &n.metrics {
            if let Ok(m) = MetricName::parse(m)
                && m.is_quality()
            {
                not_measured.push((m, n.reason.clone()));
            }
        }
    }
    // A twin is never judged on quality, whatever its records say (runs made before
    // lfmbench recorded why).
    if run.twin_of(id).is_some() {
        for m in QUALITY {
            if !not_measured.iter().any(|(x, _)| *x == m) {
                not_measured.push((m, crate::plan::RANDOM_WEIGHTS.to_string()));
            }
        }
    }
    let blocked = |m: MetricName| not_measured.iter().any(|(x, _)| *x == m);
    let judged = judged_by_question(records, id);
    let mut v = QualityView {
        base_model: run.meta.base_models.get(id).cloned(),
        ..QualityView::default()
    };
    if !blocked(MetricName::QualityCorrectFraction) {
        v.correct = estimate(MetricName::QualityCorrectFraction, records, id);
        v.questions = judged.len();
        v.answers = judged.iter().map(|(_, _, n)| n).sum();
        v.wrong = wrong_answers(records, id);
    }
    if !blocked(MetricName::QualityBitsPerByte) {
        v.bits_per_byte = estimate(MetricName::QualityBitsPerByte, records, id);
        v.perplexity = estimate(MetricName::QualityPerplexity, records, id);
        v.text = text_facts(records, id);
    }
    v.not_measured = not_measured;
    v
}

fn wrong_answers(records: &[Record], id: &str) -> Vec<WrongAnswer> {
    let mut out: Vec<WrongAnswer> = Vec::new();
    for r in records.iter().filter(|r| r.model == id) {
        let (Body::Chat(c) | Body::Answer(c)) = &r.body else {
            continue;
        };
        if c.correct != Some(false) {
            continue;
        }
        let expected = c
            .expect
            .as_ref()
            .map_or_else(String::new, |e| e.to_string());
        match out
            .iter_mut()
            .find(|w| w.prompt == c.prompt && w.got == c.text)
        {
            Some(w) => w.times += 1,
            None => out.push(WrongAnswer {
                prompt: c.prompt.clone(),
                expected,
                got: c.text.clone(),
                times: 1,
                invalid: !c.valid,
            }),
        }
    }
    out
}

fn text_facts(records: &[Record], id: &str) -> Option<TextFacts> {
    let samples: Vec<&PerplexitySample> = records
        .iter()
        .filter(|r| r.model == id)
        .filter_map(|r| match &r.body {
            Body::Perplexity(p) => Some(p),
            _ => None,
        })
        .collect();
    let first = samples.first()?;
    let (windows, _) = text_windows(records, id);
    let (_, tokens, bytes) = crate::metric::window_totals(&windows);
    let times: Vec<f64> = samples.iter().map(|p| p.elapsed_ms).collect();
    Some(TextFacts {
        file: first.file.clone(),
        n_ctx: first.n_ctx,
        windows: windows.len(),
        scored_tokens: tokens,
        scored_bytes: bytes,
        text_bytes: first.text_bytes,
        elapsed_ms: stats::median(&times).unwrap_or(f64::NAN),
    })
}
