//! The report's view-model: everything a renderer shows, computed once from a stored
//! run. Renderers (markdown, charts, terminal, JSON) only format what is here, so they
//! always agree, and none of them computes a statistic.
//!
//! Everything is ordered deterministically (models by role then suite order, metrics in
//! a fixed order, rounds ascending), so the same samples give the same report.
//!
//! A view keeps no valid sample: once [`summarise`] has run, the run's records can be dropped
//! (`lfmbench report` over many runs holds the samples of one run at a time), and what
//! stays is bounded per run — a latency distribution keeps at most [`CDF_POINTS`] of its
//! values for its chart.

use std::collections::BTreeMap;

use crate::metric::{MetricName, Stat};
use crate::sample::{Body, ChatSample, DecodeSample, FailureRecord, PageCache, Record, Settle};
use crate::stats::{self, Estimate, Quantization, Rounds, Sample, StatsError};
use crate::store::{Skipped, StoredRun};
use crate::verdict::{self, Completeness, Verdict};

/// What a model is in its suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Candidate,
    Baseline,
    Other,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Candidate => "candidate",
            Role::Baseline => "baseline",
            Role::Other => "alongside",
        }
    }
}

/// One metric of one model: median with interval, range and spread.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub metric: MetricName,
    pub label: String,
    pub median: Estimate,
    pub min: f64,
    pub max: f64,
    /// Median absolute deviation; `None` with a single value.
    pub mad: Option<f64>,
}

/// A percentile, or how many samples it would need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pct {
    Value(f64),
    TooFew { needed: usize },
}

/// A latency distribution: its percentiles and its values (for charts).
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyRow {
    pub metric: MetricName,
    pub label: &'static str,
    pub n: usize,
    pub rounds: usize,
    /// (P, value) for P50, P95, P99.
    pub pct: Vec<(f64, Pct)>,
    /// The largest value.
    pub max: f64,
    /// The distribution for a chart, sorted ascending: every valid value, or, with more
    /// than [`CDF_POINTS`], that many evenly spaced order statistics (the smallest and the
    /// largest among them). `n` is the count of values.
    pub values: Vec<f64>,
}

/// The most values a latency distribution keeps for its chart: a cumulative
/// distribution drawn 960 pixels wide shows no difference beyond this, and a report over
/// many long runs keeps a bounded amount per run.
pub const CDF_POINTS: usize = 1024;

/// At most `max` (≥ 2) evenly spaced order statistics of `sorted`, the first and the last
/// included; `sorted` itself when it is not longer.
pub fn cdf_points(sorted: Vec<f64>, max: usize) -> Vec<f64> {
    let n = sorted.len();
    if n <= max || max < 2 {
        return sorted;
    }
    (0..max)
        .map(|i| sorted[(i * (n - 1) + (max - 1) / 2) / (max - 1)])
        .collect()
}

/// How the bench processes' model files sat in the page cache (from memory samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageCacheCounts {
    /// Dropped and read back before the process.
    pub settled: usize,
    /// Only read back (the file could not be dropped).
    pub read_back: usize,
    /// Mapped as it happened to be cached (runs before settling, or a server's).
    pub unknown: usize,
}

/// Peak RSS against the model file.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryView {
    pub peak: Estimate,
    pub min: f64,
    pub max: f64,
    pub file_bytes: u64,
    pub use_mmap: bool,
}

/// Cold starts of one page-cache state.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdView {
    /// "dropped", "warm" or "not dropped".
    pub state: &'static str,
    /// Why the cache could not be dropped, when it could not.
    pub not_dropped_reason: Option<String>,
    pub n: usize,
    /// Median, min and max of the file fraction resident just before the start.
    pub resident_before: Option<(f64, f64, f64)>,
    /// Starts meant to be cold that found half the file or more still cached (another
    /// process mapping the file keeps its pages in).
    pub not_really_cold: usize,
    pub process_ms: f64,
    pub load_ms: f64,
    pub context_ms: f64,
    pub first_token_ms: f64,
    pub total: Estimate,
}

/// Decode against the memory-bandwidth bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Roofline {
    pub depth: u32,
    pub bound_tokens_per_s: f64,
    pub decode_median: f64,
    pub percent: f64,
}

/// Everything about one model of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelView {
    pub id: String,
    pub role: Role,
    /// The architecture it is a shape twin of, when it is one.
    pub twin_of: Option<String>,
    pub file_bytes: Option<u64>,
    pub metrics: Vec<MetricRow>,
    pub latency: Vec<LatencyRow>,
    pub memory: Option<MemoryView>,
    pub cold: Vec<ColdView>,
    pub roofline: Option<Roofline>,
    /// How samples were taken where a backend says so (e.g. the http backend's source of
    /// a rate: the server's own timings or the stream), each distinct note once.
    pub notes: Vec<String>,
}

impl ModelView {
    pub fn metric(&self, m: MetricName) -> Option<&MetricRow> {
        self.metrics.iter().find(|r| r.metric == m)
    }
    pub fn latency(&self, m: MetricName) -> Option<&LatencyRow> {
        self.latency.iter().find(|r| r.metric == m)
    }
}

/// candidate ÷ one other model, metric by metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub other: String,
    pub other_role: Role,
    pub rows: Vec<ComparisonRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub metric: MetricName,
    pub label: String,
    pub candidate_median: f64,
    pub other_median: f64,
    /// The paired ratio, or why there is none.
    pub ratio: Result<Estimate, String>,
}

/// Samples left out of every statistic, and runs that did not finish.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Problems {
    pub zero_token: Vec<(String, u32, ChatSample)>,
    pub short_decodes: Vec<(String, u32, DecodeSample)>,
    pub failures: Vec<(String, u32, FailureRecord)>,
    pub skipped: Vec<Skipped>,
    /// The run did not complete: its note.
    pub incomplete: Option<String>,
    /// Torn lines and the like, from reading the run.
    pub warnings: Vec<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.zero_token.is_empty()
            && self.short_decodes.is_empty()
            && self.failures.is_empty()
            && self.skipped.is_empty()
            && self.incomplete.is_none()
            && self.warnings.is_empty()
    }
}

/// One stored run, ready to render.
#[derive(Debug, Clone)]
pub struct RunView<'a> {
    /// The run's identity, inputs and environment. Its `records` and `jobs` may have been
    /// dropped (see [`summarise`]): renderers use the fields below, never the samples.
    pub run: &'a StoredRun,
    /// The machine's name in matrices (host label, made unique among the runs).
    pub machine: String,
    pub models: Vec<ModelView>,
    pub comparisons: Vec<Comparison>,
    pub problems: Problems,
    pub completeness: Completeness,
    pub verdict: Verdict,
    pub page_cache: PageCacheCounts,
}

/// Everything a view computes from a run's samples: what is kept of a run once its
/// samples are dropped.
#[derive(Debug, Clone)]
pub struct Summary {
    pub models: Vec<ModelView>,
    pub comparisons: Vec<Comparison>,
    pub problems: Problems,
    pub completeness: Completeness,
    pub verdict: Verdict,
    pub page_cache: PageCacheCounts,
}

impl Summary {
    /// The view of `run` (the run this summary was made from, with or without its
    /// samples), named `machine` in matrices.
    pub fn attach(self, run: &StoredRun, machine: String) -> RunView<'_> {
        RunView {
            run,
            machine,
            models: self.models,
            comparisons: self.comparisons,
            problems: self.problems,
            completeness: self.completeness,
            verdict: self.verdict,
            page_cache: self.page_cache,
        }
    }
}

impl RunView<'_> {
    pub fn model(&self, id: &str) -> Option<&ModelView> {
        self.models.iter().find(|m| m.id == id)
    }
}

/// Metrics shown per model, in order; decode once per depth that was measured.
pub fn metric_list(records: &[Record]) -> Vec<(MetricName, String)> {
    let mut depths: Vec<u32> = records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Decode(d) => Some(d.depth),
            _ => None,
        })
        .collect();
    depths.sort_unstable();
    depths.dedup();
    let mut v: Vec<(MetricName, String)> = depths
        .into_iter()
        .map(|depth| {
            (
                MetricName::DecodeTokensPerS { depth },
                format!("decode tok/s, depth {depth}"),
            )
        })
        .collect();
    v.extend([
        (MetricName::PrefillTokensPerS, "prefill tok/s".to_string()),
        (MetricName::ChatTtftMs, "chat TTFT ms".to_string()),
        (MetricName::ChatItlMs, "chat inter-token ms".to_string()),
        (MetricName::ChatE2eMs, "chat end-to-end ms".to_string()),
        (
            MetricName::ChatTokensPerS,
            "chat generation tok/s".to_string(),
        ),
        (
            MetricName::ColdStartTotalMs,
            "cold start ms (cache dropped)".to_string(),
        ),
        (
            MetricName::ColdStartWarmTotalMs,
            "start ms (cache warm)".to_string(),
        ),
        (MetricName::PeakRssBytes, "peak RSS".to_string()),
    ]);
    v
}

fn rounds_of(records: &[Record], metric: MetricName, model: &str) -> Option<Rounds> {
    Rounds::new(metric.values_by_round(records, model)).ok()
}

fn metric_row(
    records: &[Record],
    model: &str,
    metric: MetricName,
    label: &str,
) -> Option<MetricRow> {
    let rounds = rounds_of(records, metric, model)?;
    let q = Quantization::for_unit(metric.unit());
    let median = stats::pooled(&rounds, Stat::Median, q).ok()?;
    let all = rounds.pooled();
    let (min, max, mad) = match Sample::new(&all) {
        Ok(s) => (s.min(), s.max(), Some(stats::spread::mad(&s))),
        Err(_) => (median.point, median.point, None),
    };
    Some(MetricRow {
        metric,
        label: label.to_string(),
        median,
        min,
        max,
        mad,
    })
}

fn latency_row(records: &[Record], model: &str, metric: MetricName) -> Option<LatencyRow> {
    let rounds = rounds_of(records, metric, model)?;
    let values = stats::sorted(&rounds.pooled());
    let max = *values.last()?;
    let q = Quantization::for_unit(metric.unit());
    let pct = [50.0, 95.0, 99.0]
        .into_iter()
        .map(|p| {
            let v = match q.percentile(&values, p) {
                Ok(v) => Pct::Value(v),
                Err(_) => Pct::TooFew {
                    needed: stats::min_samples_for(p),
                },
            };
            (p, v)
        })
        .collect();
    Some(LatencyRow {
        metric,
        label: match metric {
            MetricName::ChatTtftMs => "TTFT",
            MetricName::ChatItlMs => "inter-token",
            _ => "end-to-end",
        },
        n: values.len(),
        rounds: rounds.n_rounds(),
        pct,
        max,
        values: cdf_points(values, CDF_POINTS),
    })
}

fn memory_view(records: &[Record], model: &str) -> Option<MemoryView> {
    let rounds = rounds_of(records, MetricName::PeakRssBytes, model)?;
    let peak = stats::pooled(&rounds, Stat::Median, Quantization::for_unit("bytes")).ok()?;
    let all = stats::sorted(&rounds.pooled());
    let (file_bytes, use_mmap) =
        records
            .iter()
            .filter(|r| r.model == model)
            .find_map(|r| match &r.body {
                Body::Memory(m) => Some((m.model_file_bytes, m.use_mmap)),
                _ => None,
            })?;
    Some(MemoryView {
        peak,
        min: *all.first()?,
        max: *all.last()?,
        file_bytes,
        use_mmap,
    })
}

fn cold_views(records: &[Record], model: &str) -> Vec<ColdView> {
    type Group = (&'static str, fn(&PageCache) -> bool);
    let groups: [Group; 3] = [
        ("dropped", |p| *p == PageCache::Dropped),
        ("not dropped", |p| matches!(p, PageCache::NotDropped { .. })),
        ("warm", |p| *p == PageCache::Warm),
    ];
    let mut out = Vec::new();
    for (state, pick) in groups {
        let samples: Vec<(u32, &crate::sample::ColdStartSample)> = records
            .iter()
            .filter(|r| r.model == model)
            .filter_map(|r| match &r.body {
                Body::ColdStart(c) if pick(&c.page_cache) => Some((r.round, c)),
                _ => None,
            })
            .collect();
        if samples.is_empty() {
            continue;
        }
        let med = |f: fn(&crate::sample::ColdStartSample) -> f64| {
            let v: Vec<f64> = samples.iter().map(|(_, c)| f(c)).collect();
            stats::median(&v).unwrap_or(f64::NAN)
        };
        let mut by_round: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for (r, c) in &samples {
            by_round.entry(*r).or_default().push(c.total_ms);
        }
        let Some(total) = Rounds::new(by_round)
            .ok()
            .and_then(|r| stats::pooled(&r, Stat::Median, Quantization::for_unit("ms")).ok())
        else {
            continue;
        };
        let resident: Vec<f64> = samples
            .iter()
            .filter_map(|(_, c)| c.resident_before)
            .collect();
        let resident_before = stats::median(&resident).map(|m| {
            let s = stats::sorted(&resident);
            (m, s[0], s[s.len() - 1])
        });
        let not_dropped_reason = samples.iter().find_map(|(_, c)| match &c.page_cache {
            PageCache::NotDropped { reason } => Some(reason.clone()),
            _ => None,
        });
        let not_really_cold = if state == "warm" {
            0
        } else {
            resident.iter().filter(|r| **r >= 0.5).count()
        };
        out.push(ColdView {
            state,
            not_dropped_reason,
            n: samples.len(),
            resident_before,
            not_really_cold,
            process_ms: med(|c| c.process_ms),
            load_ms: med(|c| c.load_ms),
            context_ms: med(|c| c.context_ms),
            first_token_ms: med(|c| c.first_token_ms),
            total,
        });
    }
    out
}

/// Decode at the shallowest depth against bandwidth ÷ file size.
fn roofline(metrics: &[MetricRow], file_bytes: Option<u64>, gbps: Option<f64>) -> Option<Roofline> {
    let (file, gbps) = (file_bytes?, gbps?);
    if file == 0 || gbps <= 0.0 {
        return None;
    }
    let (depth, decode) = metrics.iter().find_map(|r| match r.metric {
        MetricName::DecodeTokensPerS { depth } => Some((depth, r.median.point)),
        _ => None,
    })?;
    let bound = gbps * 1e9 / file as f64;
    Some(Roofline {
        depth,
        bound_tokens_per_s: bound,
        decode_median: decode,
        percent: decode / bound * 100.0,
    })
}

/// Model ids of a run in report order: candidate, baseline, the suite's others, then
/// any other model that was run.
pub fn ordered_models(run: &StoredRun) -> Vec<(String, Role)> {
    let s = &run.suite.suite;
    let mut out: Vec<(String, Role)> = Vec::new();
    let mut push = |id: &str, role: Role| {
        if run.meta.models.iter().any(|m| m == id) && !out.iter().any(|(m, _)| m == id) {
            out.push((id.to_string(), role));
        }
    };
    push(&s.candidate, Role::Candidate);
    push(&s.baseline, Role::Baseline);
    for o in &s.others {
        push(o, Role::Other);
    }
    for m in &run.meta.models {
        push(m, Role::Other);
    }
    out
}

fn model_view(run: &StoredRun, id: &str, role: Role) -> ModelView {
    let records = &run.records;
    let metrics: Vec<MetricRow> = metric_list(records)
        .iter()
        .filter_map(|(m, label)| metric_row(records, id, *m, label))
        .collect();
    let latency = [
        MetricName::ChatTtftMs,
        MetricName::ChatItlMs,
        MetricName::ChatE2eMs,
    ]
    .into_iter()
    .filter_map(|m| latency_row(records, id, m))
    .collect();
    let memory = memory_view(records, id);
    let entry = run.models.models.iter().find(|e| e.id == id);
    let file_bytes = memory.as_ref().map(|m| m.file_bytes).or_else(|| {
        // Fall back on the input fingerprint of the model file.
        let path = entry?.path.as_ref()?.display().to_string();
        run.meta
            .inputs
            .iter()
            .find(|i| i.name.ends_with(&path))
            .map(|i| i.bytes)
    });
    let roofline = roofline(&metrics, file_bytes, run.host.memory_bandwidth_gbps);
    ModelView {
        id: id.to_string(),
        role,
        twin_of: run.twin_of(id).map(str::to_string),
        file_bytes,
        metrics,
        latency,
        memory,
        cold: cold_views(records, id),
        roofline,
        notes: notes(records, id),
    }
}

/// The distinct `note`s of a model's samples, in order of first appearance.
fn notes(records: &[Record], model: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in records.iter().filter(|r| r.model == model) {
        let note = match &r.body {
            Body::Decode(d) => d.note.as_ref(),
            Body::Prefill(p) => p.note.as_ref(),
            Body::Chat(c) => c.note.as_ref(),
            _ => None,
        };
        if let Some(n) = note
            && !out.contains(n)
        {
            out.push(n.clone());
        }
    }
    out
}

fn comparison(run: &StoredRun, candidate: &ModelView, other: &ModelView) -> Comparison {
    let mut rows = Vec::new();
    for (metric, label) in metric_list(&run.records) {
        let (Some(c), Some(o)) = (candidate.metric(metric), other.metric(metric)) else {
            continue;
        };
        let q = Quantization::for_unit(metric.unit());
        let ratio = match (
            rounds_of(&run.records, metric, &candidate.id),
            rounds_of(&run.records, metric, &other.id),
        ) {
            (Some(a), Some(b)) => {
                stats::paired_ratio(&a, &b, Stat::Median, q).map_err(|e| match e {
                    StatsError::NoPairs => "no round has both models".to_string(),
                    other => other.to_string(),
                })
            }
            _ => Err("no samples".to_string()),
        };
        rows.push(ComparisonRow {
            metric,
            label,
            candidate_median: c.median.point,
            other_median: o.median.point,
            ratio,
        });
    }
    Comparison {
        other: other.id.clone(),
        other_role: other.role,
        rows,
    }
}

fn problems(run: &StoredRun) -> Problems {
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
            Body::Chat(c) if !c.valid => p.zero_token.push((r.model.clone(), r.round, c.clone())),
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

fn page_cache_counts(records: &[Record]) -> PageCacheCounts {
    let mut c = PageCacheCounts::default();
    for r in records {
        if let Body::Memory(m) = &r.body {
            match &m.page_cache {
                Some(Settle::Settled) => c.settled += 1,
                Some(Settle::ReadBack { .. }) => c.read_back += 1,
                None => c.unknown += 1,
            }
        }
    }
    c
}

/// Compute everything the view of `run` shows from its samples.
pub fn summarise(run: &StoredRun) -> Summary {
    let models: Vec<ModelView> = ordered_models(run)
        .into_iter()
        .map(|(id, role)| model_view(run, &id, role))
        .collect();
    let comparisons: Vec<Comparison> = match models.iter().find(|m| m.role == Role::Candidate) {
        Some(c) => models
            .iter()
            .filter(|m| m.role != Role::Candidate)
            .map(|o| comparison(run, c, o))
            .collect(),
        None => Vec::new(),
    };
    let completeness = completeness(run, &models, &comparisons);
    let verdict = verdict::evaluate(&verdict::Inputs {
        suite: &run.suite,
        records: &run.records,
        models: &run.meta.models,
        skipped: &run.meta.skipped,
        completeness: Some(&completeness),
    });
    Summary {
        problems: problems(run),
        page_cache: page_cache_counts(&run.records),
        models,
        comparisons,
        completeness,
        verdict,
    }
}

/// Build the view of one run; `machine` is its (unique) name in matrices.
pub fn build(run: &StoredRun, machine: String) -> RunView<'_> {
    summarise(run).attach(run, machine)
}

/// Machine names for several runs: the host label, with the run id added where two
/// runs share a label.
pub fn machine_names(runs: &[StoredRun]) -> Vec<String> {
    runs.iter()
        .map(|r| {
            let dup = runs.iter().filter(|o| o.host.label == r.host.label).count() > 1;
            if dup {
                format!("{} ({})", r.host.label, r.meta.id)
            } else {
                r.host.label.clone()
            }
        })
        .collect()
}

/// The criterion (absolute, on the candidate) whose target a latency chart draws.
pub fn target_for(verdict: &Verdict, metric: MetricName) -> Option<(String, String, f64)> {
    verdict.criteria.iter().find_map(|c| {
        (MetricName::parse(&c.metric).ok() == Some(metric) && c.vs == "absolute")
            .then(|| (c.stat.clone(), c.op.clone(), c.target))
    })
}
