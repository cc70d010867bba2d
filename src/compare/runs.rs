//! Two stored runs → a [`Comparison`]: every model and metric both measured, compared
//! with [`super::change::compare_metric`], and the notes a reader must know (other
//! machines, other settings, other files, models in one run only).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::JSON_FORMAT;
use super::change::{Change, Delta, Side, compare_metric};
use crate::config::{BackendSettings, Resolved};
use crate::metric::{MetricName, decode_depths};
use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED};
use crate::store::StoredRun;

/// One model × metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub model: String,
    /// Metric name as criteria spell it (`decode@0.tokens_per_s`, `chat.ttft_ms`, …).
    pub metric: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub old: Side,
    pub new: Side,
    #[serde(flatten)]
    pub delta: Delta,
}

/// Which run a side came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    pub dir: PathBuf,
    pub id: String,
    pub suite: String,
    pub machine: String,
}

/// The whole comparison, as printed and as `--format json` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub format: String,
    pub old: RunRef,
    pub new: RunRef,
    /// The noise threshold, percent.
    pub threshold_pct: f64,
    pub level: f64,
    pub resamples: usize,
    pub seed: u64,
    pub rows: Vec<Row>,
    /// Things a reader must know: models or metrics in one run only, different machines
    /// or settings.
    pub notes: Vec<String>,
}

impl Comparison {
    pub fn count(&self, c: Change) -> usize {
        self.rows.iter().filter(|r| r.delta.verdict == c).count()
    }
}

/// The metrics compared, in display order: decode at every depth either run measured,
/// then prefill, chat latencies, start-up and memory.
fn metrics(old: &StoredRun, new: &StoredRun) -> Vec<MetricName> {
    let mut v: Vec<MetricName> = decode_depths(old.records.iter().chain(&new.records))
        .into_iter()
        .map(|depth| MetricName::DecodeTokensPerS { depth })
        .collect();
    v.extend(crate::metric::prefill_metrics(
        old.records.iter().chain(&new.records),
    ));
    v.extend([
        MetricName::ChatTtftMs,
        MetricName::ChatItlMs,
        MetricName::ChatE2eMs,
        MetricName::ColdStartTotalMs,
        MetricName::ColdStartWarmTotalMs,
        MetricName::PeakRssBytes,
        MetricName::PeakBytes,
    ]);
    v
}

/// The `[backend]` settings that differ, as "threads 2 → 1".
fn settings_diff(old: &BackendSettings, new: &BackendSettings) -> Vec<String> {
    fn show<T: std::fmt::Display>(v: Option<T>) -> String {
        v.map_or("default".into(), |v| v.to_string())
    }
    let mut out = Vec::new();
    let mut cmp = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name} {a} → {b}"));
        }
    };
    cmp("threads", show(old.threads), show(new.threads));
    cmp("n_ctx", show(old.n_ctx), show(new.n_ctx));
    cmp("n_batch", show(old.n_batch), show(new.n_batch));
    cmp(
        "n_gpu_layers",
        show(old.n_gpu_layers),
        show(new.n_gpu_layers),
    );
    cmp("use_mmap", show(old.use_mmap), show(new.use_mmap));
    out
}

/// The resolved settings of one model that differ, as "threads 2 → 1".
fn resolved_diff(old: &Resolved, new: &Resolved) -> Vec<String> {
    let pairs = [
        ("threads", old.threads.to_string(), new.threads.to_string()),
        ("n_ctx", old.n_ctx.to_string(), new.n_ctx.to_string()),
        ("n_batch", old.n_batch.to_string(), new.n_batch.to_string()),
        (
            "n_gpu_layers",
            old.n_gpu_layers.to_string(),
            new.n_gpu_layers.to_string(),
        ),
        (
            "use_mmap",
            old.use_mmap.to_string(),
            new.use_mmap.to_string(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(n, a, b)| format!("{n} {a} → {b}"))
        .collect()
}

fn run_ref(r: &StoredRun) -> RunRef {
    RunRef {
        dir: r.dir.clone(),
        id: r.meta.id.clone(),
        suite: r.meta.suite.clone(),
        machine: r.host.label.clone(),
    }
}

/// Compare two loaded runs. `threshold_pct` is in percent.
pub fn compare_runs(old: &StoredRun, new: &StoredRun, threshold_pct: f64) -> Comparison {
    let threshold = threshold_pct / 100.0;
    let mut notes = Vec::new();
    if old.host.label != new.host.label {
        notes.push(format!(
            "different machines: OLD ran on `{}`, NEW on `{}`; changes may be the machine's",
            old.host.label, new.host.label
        ));
    }
    let settings = settings_diff(&old.suite.backend, &new.suite.backend);
    if !settings.is_empty() {
        notes.push(format!(
            "different backend settings (OLD → NEW): {}",
            settings.join(", ")
        ));
    }
    for m in &old.meta.models {
        if let (Some(a), Some(b)) = (old.meta.settings.get(m), new.meta.settings.get(m))
            && a != b
        {
            notes.push(format!(
                "model `{m}` ran with other settings (OLD → NEW): {}",
                resolved_diff(a, b).join(", ")
            ));
        }
    }
    for m in &old.meta.models {
        let file = |r: &StoredRun| {
            r.models
                .models
                .iter()
                .find(|e| &e.id == m)
                .map(|e| match (&e.path, &e.twin) {
                    (Some(p), _) => p.display().to_string(),
                    (None, Some(t)) => {
                        format!("twin {t} {}", e.quant.as_deref().unwrap_or("F16"))
                    }
                    (None, None) => format!("{:?} backend", e.backend),
                })
        };
        if let (Some(a), Some(b)) = (file(old), file(new))
            && a != b
        {
            notes.push(format!(
                "model `{m}` is not the same file in both runs (OLD {a}, NEW {b}): a change may be the model's"
            ));
        }
    }
    for w in old.warnings.iter().chain(&new.warnings) {
        notes.push(w.clone());
    }
    let mut rows = Vec::new();
    for model in &old.meta.models {
        if !new.meta.models.contains(model) {
            notes.push(format!("model `{model}` is only in OLD; not compared"));
            continue;
        }
        for m in metrics(old, new) {
            let o = m.values_by_round(&old.records, model);
            let n = m.values_by_round(&new.records, model);
            let name = m.name();
            if o.is_empty() && n.is_empty() {
                continue;
            }
            match compare_metric(&o, &n, threshold, m.higher_is_better()) {
                Ok((os, ns, delta)) => rows.push(Row {
                    model: model.clone(),
                    metric: name,
                    unit: m.unit().to_string(),
                    higher_is_better: m.higher_is_better(),
                    old: os,
                    new: ns,
                    delta,
                }),
                Err(why) => notes.push(format!("`{model}` {name}: {why}; not compared")),
            }
        }
    }
    for model in &new.meta.models {
        if !old.meta.models.contains(model) {
            notes.push(format!("model `{model}` is only in NEW; not compared"));
        }
    }
    Comparison {
        format: JSON_FORMAT.into(),
        old: run_ref(old),
        new: run_ref(new),
        threshold_pct,
        level: LEVEL,
        resamples: RESAMPLES,
        seed: SEED,
        rows,
        notes,
    }
}
