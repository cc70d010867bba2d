//! The report's view-model: everything a renderer shows, computed once from a stored
//! run. Renderers (markdown, charts, terminal, JSON) only format what is here, so they
//! always agree, and none of them computes a statistic.
//!
//! Everything is ordered deterministically (models by role then suite order, metrics in
//! a fixed order, rounds ascending), so the same samples give the same report.
//!
//! A view keeps no valid sample: once [`summarise`] has run, the runs' records can be
//! dropped (`lfmbench report` over many runs holds the samples of one pool at a time), and
//! what stays is bounded per pool — a latency distribution keeps at most [`CDF_POINTS`] of
//! its values for its chart.

pub mod advice;
mod basis;
mod checks;
mod comparisons;
pub mod curves;
pub mod device;
mod gpu;
pub mod hardware;
mod models;
mod quality;
pub mod sequential;
mod size;
mod sustained;

use std::collections::BTreeMap;

use crate::metric::{MetricName, Stat, decode_depths};
use crate::report::pool::Pool;
use crate::sample::{Body, ChatSample, DecodeSample, FailureRecord, PageCache, Record, Settle};
use crate::stats::{self, Estimate, Quantization, Rounds, Sample, StatsError};
use crate::store::{Skipped, StoredRun};
use crate::verdict::{self, Completeness, Verdict};
pub use basis::{Basis, Offload, Quiet, engine_text, isa_text};
pub use checks::completeness;
use checks::problems;
use comparisons::comparison;
pub use curves::Curves;
pub use gpu::{GpuView, Layers, ModelGpu};
use models::model_view;
pub use models::{cdf_points, metric_list};
pub use quality::{QualityView, TextFacts, WrongAnswer};
pub use size::SizeRow;
pub use sustained::{SustainedModel, SustainedView};

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

/// The measured repetitions per round the samples stored (a run made before repetitions
/// has 1), each sorted without repeats; empty where no sample of the kind was stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepetitionsSeen {
    pub decode: Vec<u32>,
    pub prefill: Vec<u32>,
}

/// Peak RSS against the model file.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryView {
    pub peak: Estimate,
    pub min: f64,
    pub max: f64,
    pub file_bytes: u64,
    pub use_mmap: bool,
    /// Peak memory as the platform counts it (`memory.peak_bytes`), where a record's
    /// figure differs from its peak RSS (macOS footprint, GPU buffers added): the median
    /// and the sources the records name.
    pub platform: Option<(Estimate, Vec<String>)>,
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
    /// Correct answers, bits per byte, base model or not, and what cannot be measured.
    pub quality: QualityView,
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
    /// Models that ran but have no valid sample of a workload (NOT MEASURED), and why.
    pub measured_nothing: Vec<crate::store::gaps::Gap>,
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
            && self.measured_nothing.is_empty()
            && self.incomplete.is_none()
            && self.warnings.is_empty()
    }
}

/// One machine's runs (one run, or several pooled: see `crate::report::pool`), ready to
/// render.
#[derive(Debug, Clone)]
pub struct RunView<'a> {
    /// The run the figures come from: the only run, or the pooled runs merged. Its
    /// `records` and `jobs` may have been dropped (see [`summarise`]): renderers use the
    /// fields below, never the samples.
    pub run: &'a StoredRun,
    /// The machine's name: its label, with what sets it apart where the label has
    /// several pools.
    pub machine: String,
    /// `host.json` `label`.
    pub label: String,
    /// Ids of the runs pooled into this view.
    pub runs: Vec<String>,
    /// Why these runs are not pooled with other runs of the same label.
    pub apart: Option<String>,
    /// Each pooled run's memory-bandwidth probe.
    pub bandwidths: Vec<Option<f64>>,
    /// Everything computed from the runs' samples (basis, models, comparisons, verdict …),
    /// reached through `Deref`: `view.verdict` is `view.summary.verdict`.
    pub summary: Summary,
}

/// Everything a view computes from its runs' samples: what is kept of a pool once its
/// samples are dropped.
#[derive(Debug, Clone)]
pub struct Summary {
    /// What the verdict rests on besides the models (engine, host, offload, rounds).
    pub basis: Basis,
    /// How often the order-statistic intervals cover the truth at this run's round count,
    /// simulated (`crate::stats::coverage`; seeded, so the same every time); empty
    /// outside 2..=[`COVERAGE_MAX_ROUNDS`] rounds.
    pub coverage: Vec<stats::coverage::CoverageRow>,
    pub models: Vec<ModelView>,
    pub comparisons: Vec<Comparison>,
    /// The suite's further pairs (`pairs`): (candidate, its comparison with the other).
    pub pairs: Vec<(String, Comparison)>,
    pub curves: Curves,
    pub sustained: Option<SustainedView>,
    /// Every model whose file's size was recorded, smallest first.
    pub sizes: Vec<SizeRow>,
    pub problems: Problems,
    pub completeness: Completeness,
    pub verdict: Verdict,
    pub page_cache: PageCacheCounts,
    pub repetitions: RepetitionsSeen,
    /// The devices, each model's placement, and whether a GPU asked for was used.
    pub gpu: GpuView,
    /// The machine's device class and what it changes (`device`).
    pub device: device::DeviceFit,
    /// Whether the candidate loads and generates here.
    pub compat: device::Compat,
    /// Margins, rounds to decide, the next measurement (`advice`).
    pub advice: advice::Advice,
    /// Every device class in effect, for the compatibility matrix.
    pub classes: Vec<crate::config::DeviceClass>,
    /// The suite as the machine's class applies it (targets overridden, criteria added).
    pub suite: crate::config::Suite,
    /// A run made with `--until-decided`: its plan, outcome and simulated behaviour.
    pub sequential: Option<sequential::SequentialView>,
}

impl Summary {
    /// The view of `pool` (the pool this summary was made from, its runs with or without
    /// their samples).
    pub fn attach<'a>(self, pool: &'a Pool<'a>) -> RunView<'a> {
        RunView {
            run: pool.run(),
            machine: pool.name.clone(),
            label: pool.label.clone(),
            runs: pool.run_ids().iter().map(|s| s.to_string()).collect(),
            apart: pool.apart.clone(),
            bandwidths: pool.bandwidths.clone(),
            summary: self,
        }
    }
}

impl std::ops::Deref for RunView<'_> {
    type Target = Summary;

    fn deref(&self) -> &Summary {
        &self.summary
    }
}

impl RunView<'_> {
    pub fn model(&self, id: &str) -> Option<&ModelView> {
        self.models.iter().find(|m| m.id == id)
    }
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

/// The measured repetitions per round that decode and prefill samples stored, each
/// sorted without repeats.
fn repetitions_seen(records: &[Record]) -> RepetitionsSeen {
    let mut r = RepetitionsSeen::default();
    for rec in records {
        let (seen, n) = match &rec.body {
            Body::Decode(d) => (&mut r.decode, d.repetitions),
            Body::Prefill(p) => (&mut r.prefill, p.repetitions),
            _ => continue,
        };
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    r.decode.sort_unstable();
    r.prefill.sort_unstable();
    r
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

/// Round counts beyond this are not simulated for the methodology (the simulation grows
/// with the rounds; the order-statistic level only gets closer to exact).
pub const COVERAGE_MAX_ROUNDS: usize = 50;

/// The simulated coverage at `rounds` rounds ([`stats::coverage::coverage_table`] with
/// its documented runs and seed): a few hundred milliseconds in a debug build.
pub fn coverage_at(rounds: usize) -> Vec<stats::coverage::CoverageRow> {
    if !(2..=COVERAGE_MAX_ROUNDS).contains(&rounds) {
        return Vec::new();
    }
    stats::coverage::coverage_table(
        stats::coverage::EXPERIMENTS,
        stats::coverage::SEED,
        &[rounds],
    )
}

/// The shape twins among the run's models: id → the architecture (run.json `twins` or
/// models.toml `twin`).
pub fn twins(run: &StoredRun) -> BTreeMap<String, String> {
    run.meta
        .models
        .iter()
        .chain(run.meta.skipped.iter().map(|s| &s.model))
        .filter_map(|id| run.twin_of(id).map(|of| (id.clone(), of.to_string())))
        .collect()
}

/// Compute everything the view of `pool` shows from its runs' samples; `machines`:
/// every machine label the report covers (for the device-matrix deliverable).
/// `devices`: the device classes of `--devices`, else the run's own suite's.
pub fn summarise(
    pool: &Pool<'_>,
    machines: &[String],
    devices: Option<&crate::config::Devices>,
) -> Summary {
    let run = pool.run();
    let classes = device::classes_for(run, devices);
    let source = match devices {
        Some(d) => format!("`{}`", d.file.display()),
        None => "the run's suite.toml".into(),
    };
    let (suite, fit) = device::fit(&run.host, &run.engine, &run.suite, &classes, source);
    let ordered = ordered_models(run);
    let model_ids: Vec<String> = ordered.iter().map(|(id, _)| id.clone()).collect();
    let models: Vec<ModelView> = ordered
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
    let twins = twins(run);
    let contended = verdict::noise::contended_jobs(&run.jobs);
    let pairs = curves::pairs(run)
        .into_iter()
        .skip_while(|(a, b)| *a == run.suite.suite.candidate && *b == run.suite.suite.baseline)
        .filter_map(|(a, b)| {
            let (x, y) = (
                models.iter().find(|m| m.id == a)?,
                models.iter().find(|m| m.id == b)?,
            );
            Some((a.clone(), comparison(run, x, y)))
        })
        .collect();
    let curves = curves::curves(run, &models);
    let sustained = sustained::sustained(run, &models);
    let sizes = size::size_rows(run, &models);
    let inputs = verdict::Inputs::of_run(run, &suite, &twins, &contended);
    // Recommendations and risks come from the criteria's intervals, which do not depend
    // on `report.complete`: read them off the verdict before it is decided.
    let before = advice::advice(&verdict::evaluate(&inputs));
    let completeness = completeness(run, &models, &comparisons, machines, &before);
    let verdict = verdict::evaluate(&verdict::Inputs {
        completeness: Some(&completeness),
        ..inputs
    });
    let advice = advice::advice(&verdict);
    let ids = pool.run_ids();
    let gpu = gpu::gpu_view(run, &model_ids);
    let mut basis = basis::basis(run, &ids);
    basis.offload = gpu::with_records(basis.offload, &gpu);
    Summary {
        basis,
        coverage: coverage_at(run.meta.rounds as usize),
        problems: problems(run),
        page_cache: page_cache_counts(&run.records),
        repetitions: repetitions_seen(&run.records),
        comparisons,
        pairs,
        curves,
        sustained,
        sizes,
        models,
        completeness,
        verdict,
        gpu,
        device: fit,
        compat: device::compat(run, &run.suite.suite.candidate),
        advice,
        classes: classes.classes,
        suite,
        sequential: sequential::sequential(run),
    }
}

/// Build the view of one pool; `machines`: every machine label the report covers (for
/// the device-matrix deliverable).
pub fn build<'a>(pool: &'a Pool<'a>, machines: &[String]) -> RunView<'a> {
    summarise(pool, machines, None).attach(pool)
}

/// The criterion (absolute, on the candidate) whose target a latency chart draws.
pub fn target_for(verdict: &Verdict, metric: MetricName) -> Option<(String, String, f64)> {
    verdict.criteria.iter().find_map(|c| {
        (MetricName::parse(&c.metric).ok() == Some(metric) && c.vs == "absolute")
            .then(|| (c.stat.clone(), c.op.clone(), c.target))
    })
}
