//! `lfmbench compare OLD NEW`: two stored runs, metric by metric, REGRESSED / IMPROVED /
//! UNCHANGED.
//!
//! For each model present in both runs and each metric both measured (decode tokens/s per
//! context depth, prefill tokens/s, TTFT / ITL / E2E P50, cold and warm start, peak RSS),
//! the relative change of the medians, NEW ÷ OLD − 1, is given with a 95 % bootstrap
//! interval. The two runs are independent (different processes, often different nights),
//! so the bootstrap is *unpaired*: each resample draws OLD's rounds and NEW's rounds
//! separately, with replacement, and takes the ratio of the two pooled medians. Rounds,
//! not single values, are resampled because the values of one round share one process
//! (see `crate::stats`); with one value per round (decode, prefill, memory) this is the
//! ordinary bootstrap. The generator is seeded, so the same runs always give the same
//! intervals.
//!
//! The verdict against a threshold `t` (percent, default 5), with "bad" the direction
//! that `MetricName::higher_is_better` says is worse:
//! - REGRESSED when the whole interval lies beyond `t` in the bad direction;
//! - IMPROVED when the whole interval lies beyond `t` in the good direction;
//! - UNCHANGED otherwise. When the interval reaches beyond ±t the note says
//!   "inconclusive": the data cannot rule out a change of that size (more rounds would).
//!
//! This follows criterion.rs' baseline comparison (a relative change with its interval
//! against a noise threshold), with the interval required to clear the threshold rather
//! than a p-value, so a single noisy round never fails a nightly build.
//!
//! The decision logic works on plain values ([`compare_metric`]); loading runs,
//! formatting and the exit code live at the edges ([`cli`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde::{Deserialize, Serialize};

use crate::cli::{CompareArgs, Format};
use crate::config::{BackendSettings, Resolved};
use crate::metric::MetricName;
use crate::sample::Body;
use crate::store::{self, StoredRun};

/// Exit status of `--fail-on regression` when anything regressed.
pub const EXIT_REGRESSED: u8 = 4;

/// Format tag of the JSON output, bumped on incompatible changes.
pub const JSON_FORMAT: &str = "lfmbench-compare/1";

/// What happened to one metric between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    Regressed,
    Improved,
    Unchanged,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Regressed => "REGRESSED",
            Change::Improved => "IMPROVED",
            Change::Unchanged => "UNCHANGED",
        })
    }
}

/// One run's side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// Median of every value, rounds pooled (P50 for latencies).
    pub median: f64,
    /// Values the median was taken over.
    pub n: usize,
    /// Rounds that contributed values.
    pub rounds: usize,
}

/// A relative change with its bootstrap interval, both as fractions (0.05 = +5 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// NEW median ÷ OLD median − 1.
    pub change: f64,
    /// 95 % interval of the change; `None` when a side has fewer than 2 rounds.
    pub interval: Option<[f64; 2]>,
    pub verdict: Change,
    /// Why the verdict is what it is, when that is not obvious ("inconclusive: …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

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

// ---------------------------------------------------------------------------------------
// The unpaired bootstrap. Generator, seed, level and resample count are the ones every
// interval in lfmbench uses (`crate::stats::bootstrap`); `percentile_bootstrap` there
// draws one index vector per resample (one model, or rounds paired across models),
// while two independent runs need one draw per run, hence this loop.

pub use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED};
use crate::stats::bootstrap::{SplitMix64, median_in_place};

/// Draw `groups.len()` groups with replacement and pool them into `buf`.
fn resample_into(rng: &mut SplitMix64, groups: &[Vec<f64>], buf: &mut Vec<f64>) {
    buf.clear();
    for _ in 0..groups.len() {
        buf.extend_from_slice(&groups[rng.below(groups.len())]);
    }
}

/// The 95 % unpaired percentile-bootstrap interval of median(NEW) ÷ median(OLD) − 1,
/// resampling each run's rounds independently. `None` when a side has fewer than two
/// rounds (nothing to resample) or the statistic is undefined.
pub fn change_interval(old: &[Vec<f64>], new: &[Vec<f64>]) -> Option<[f64; 2]> {
    if old.len() < 2 || new.len() < 2 {
        return None;
    }
    let mut rng = SplitMix64::new(SEED);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut stats = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        resample_into(&mut rng, old, &mut a);
        resample_into(&mut rng, new, &mut b);
        let o = median_in_place(&mut a);
        if o == 0.0 {
            return None;
        }
        stats.push(median_in_place(&mut b) / o - 1.0);
    }
    let s = crate::stats::sorted(&stats);
    let tail = (1.0 - LEVEL) / 2.0;
    let lo = crate::stats::quantile_sorted(&s, tail)?;
    let hi = crate::stats::quantile_sorted(&s, 1.0 - tail)?;
    (lo.is_finite() && hi.is_finite()).then_some([lo, hi])
}

// ---------------------------------------------------------------------------------------

/// The verdict on a change with its interval. `threshold` is a fraction (0.05).
pub fn judge(
    change: f64,
    interval: Option<[f64; 2]>,
    threshold: f64,
    higher_is_better: bool,
) -> Delta {
    let Some([lo, hi]) = interval else {
        return Delta {
            change,
            interval,
            verdict: Change::Unchanged,
            note: Some(
                "inconclusive: fewer than 2 rounds on a side, so no interval; run more rounds"
                    .into(),
            ),
        };
    };
    // In "good is positive" terms: a slowdown of a rate and a growth of a latency are
    // both negative here.
    let (glo, ghi) = if higher_is_better {
        (lo, hi)
    } else {
        (-hi, -lo)
    };
    let (verdict, note) = if ghi < -threshold {
        (Change::Regressed, None)
    } else if glo > threshold {
        (Change::Improved, None)
    } else if glo < -threshold || ghi > threshold {
        (
            Change::Unchanged,
            Some(format!(
                "inconclusive: the interval reaches past ±{}%; more rounds would narrow it",
                threshold * 100.0
            )),
        )
    } else {
        (Change::Unchanged, None)
    };
    Delta {
        change,
        interval,
        verdict,
        note,
    }
}

/// Compare one metric given each run's values grouped by round. `Err` says why it
/// cannot be compared (a side without values, an OLD median of 0).
pub fn compare_metric(
    old: &BTreeMap<u32, Vec<f64>>,
    new: &BTreeMap<u32, Vec<f64>>,
    threshold: f64,
    higher_is_better: bool,
) -> Result<(Side, Side, Delta), String> {
    let groups = |m: &BTreeMap<u32, Vec<f64>>| -> Vec<Vec<f64>> {
        m.values()
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().copied().filter(|x| x.is_finite()).collect())
            .filter(|v: &Vec<f64>| !v.is_empty())
            .collect()
    };
    let (og, ng) = (groups(old), groups(new));
    let side = |g: &[Vec<f64>]| -> Option<Side> {
        let all: Vec<f64> = g.iter().flatten().copied().collect();
        Some(Side {
            median: crate::stats::median(&all)?,
            n: all.len(),
            rounds: g.len(),
        })
    };
    let o = side(&og).ok_or("no values in OLD")?;
    let n = side(&ng).ok_or("no values in NEW")?;
    if o.median == 0.0 {
        return Err("the OLD median is 0, so a relative change is undefined".into());
    }
    let change = n.median / o.median - 1.0;
    let delta = judge(
        change,
        change_interval(&og, &ng),
        threshold,
        higher_is_better,
    );
    Ok((o, n, delta))
}

/// The metrics compared, in display order: decode at every depth either run measured,
/// then prefill, chat latencies, start-up and memory.
fn metrics(old: &StoredRun, new: &StoredRun) -> Vec<MetricName> {
    let mut depths: Vec<u32> = old
        .records
        .iter()
        .chain(&new.records)
        .filter_map(|r| match &r.body {
            Body::Decode(d) => Some(d.depth),
            _ => None,
        })
        .collect();
    depths.sort_unstable();
    depths.dedup();
    let mut v: Vec<MetricName> = depths
        .into_iter()
        .map(|depth| MetricName::DecodeTokensPerS { depth })
        .collect();
    v.extend([
        MetricName::PrefillTokensPerS,
        MetricName::ChatTtftMs,
        MetricName::ChatItlMs,
        MetricName::ChatE2eMs,
        MetricName::ColdStartTotalMs,
        MetricName::ColdStartWarmTotalMs,
        MetricName::PeakRssBytes,
    ]);
    v
}

/// The name criteria use for a metric.
pub fn metric_name(m: MetricName) -> String {
    match m {
        MetricName::DecodeTokensPerS { depth } => format!("decode@{depth}.tokens_per_s"),
        MetricName::PrefillTokensPerS => "prefill.tokens_per_s".into(),
        MetricName::ChatTtftMs => "chat.ttft_ms".into(),
        MetricName::ChatItlMs => "chat.itl_ms".into(),
        MetricName::ChatE2eMs => "chat.e2e_ms".into(),
        MetricName::ChatTokensPerS => "chat.tokens_per_s".into(),
        MetricName::ColdStartTotalMs => "cold_start.total_ms".into(),
        MetricName::ColdStartWarmTotalMs => "cold_start_warm.total_ms".into(),
        MetricName::PeakRssBytes => "memory.peak_rss_bytes".into(),
        MetricName::IntegrationValidFraction => "integration.valid_fraction".into(),
        MetricName::ReportComplete => "report.complete".into(),
    }
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
            let name = metric_name(m);
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

/// A run folder, or a folder of run folders (its newest run; `reports/` means
/// `reports/runs/`), as nightly artifacts unpack.
pub fn resolve_run(path: &Path) -> Result<PathBuf> {
    if path.join("run.json").exists() {
        return Ok(path.to_path_buf());
    }
    if !path.is_dir() {
        bail!(
            "{} is not a run folder\n  help: pass a folder under reports/runs/ (one with run.json)",
            path.display()
        );
    }
    let runs = path.join("runs");
    let dir = if runs.is_dir() {
        runs
    } else {
        path.to_path_buf()
    };
    let newest = store::newest(&dir).with_context(|| {
        format!(
            "{} holds no run folder (no run.json in it or below)",
            path.display()
        )
    })?;
    eprintln!(
        "{}: using its newest run {}",
        path.display(),
        newest.display()
    );
    Ok(newest)
}

fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "bytes" => format!("{:.1} MiB", v / (1024.0 * 1024.0)),
        "ms" => format!("{v:.1} ms"),
        "tok/s" => format!("{v:.1} tok/s"),
        _ => format!("{v:.3}"),
    }
}

fn fmt_pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:+.1}%", v * 100.0)
    } else {
        "—".into()
    }
}

/// The comparison as a terminal table followed by notes and a one-line summary.
pub fn render_table(c: &Comparison) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "model", "metric", "OLD P50", "NEW P50", "change", "95% CI", "verdict", "note",
    ]);
    for r in &c.rows {
        let ci = r.delta.interval.map_or("—".to_string(), |[lo, hi]| {
            format!("[{}, {}]", fmt_pct(lo), fmt_pct(hi))
        });
        t.add_row(vec![
            Cell::new(&r.model),
            Cell::new(&r.metric),
            Cell::new(fmt_value(r.old.median, &r.unit)).set_alignment(CellAlignment::Right),
            Cell::new(fmt_value(r.new.median, &r.unit)).set_alignment(CellAlignment::Right),
            Cell::new(fmt_pct(r.delta.change)).set_alignment(CellAlignment::Right),
            Cell::new(ci),
            Cell::new(r.delta.verdict.to_string()),
            Cell::new(r.delta.note.as_deref().unwrap_or("")),
        ]);
    }
    let mut out = format!(
        "OLD {} ({})\nNEW {} ({})\n{t}\n",
        c.old.id, c.old.machine, c.new.id, c.new.machine
    );
    for n in &c.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "{} regressed, {} improved, {} unchanged (threshold ±{}%, {:.0}% bootstrap intervals, {} resamples)\n",
        c.count(Change::Regressed),
        c.count(Change::Improved),
        c.count(Change::Unchanged),
        c.threshold_pct,
        c.level * 100.0,
        c.resamples
    ));
    out
}

/// `lfmbench compare OLD NEW …`
pub fn cli(args: &CompareArgs) -> Result<ExitCode> {
    let fail_on_regression = match args.fail_on.as_deref() {
        None => false,
        Some("regression") => true,
        Some(other) => bail!(
            "--fail-on {other}: compare knows only `regression`\n  help: --fail-on regression exits {EXIT_REGRESSED} when any metric REGRESSED"
        ),
    };
    if !(args.threshold.is_finite() && args.threshold >= 0.0) {
        bail!(
            "--threshold {}: give a percentage of 0 or more (default 5)",
            args.threshold
        );
    }
    let old = store::load(&resolve_run(&args.old)?)?;
    let new = store::load(&resolve_run(&args.new)?)?;
    let c = compare_runs(&old, &new, args.threshold);
    match args.format {
        Format::Table => print!("{}", render_table(&c)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&c)?),
    }
    if c.rows.is_empty() {
        eprintln!(
            "warning: nothing to compare: the two runs share no model with measurements of the same metric"
        );
    }
    if fail_on_regression && c.count(Change::Regressed) > 0 {
        return Ok(ExitCode::from(EXIT_REGRESSED));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `rounds` rounds of `per_round` values around `center` with a deterministic ±`spread`
    /// relative wobble (no RNG needed, no timing).
    fn synth(center: f64, spread: f64, rounds: u32, per_round: usize) -> BTreeMap<u32, Vec<f64>> {
        let mut s = SplitMix64::new(u64::from(rounds) * 7919 + per_round as u64);
        (0..rounds)
            .map(|r| {
                let v = (0..per_round)
                    .map(|_| {
                        let u = (s.next_u64() >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
                        center * (1.0 + spread * (2.0 * u - 1.0))
                    })
                    .collect();
                (r, v)
            })
            .collect()
    }

    #[test]
    fn a_twenty_percent_slowdown_regresses() {
        let old = synth(100.0, 0.02, 5, 1);
        let new = synth(80.0, 0.02, 5, 1);
        let (o, n, d) = compare_metric(&old, &new, 0.05, true).expect("compared");
        assert_eq!(d.verdict, Change::Regressed, "{d:?}");
        assert!((d.change + 0.2).abs() < 0.03, "{d:?}");
        assert_eq!((o.rounds, n.rounds), (5, 5));
        // The same values as a latency (lower is better) are an improvement.
        let (_, _, d) = compare_metric(&old, &new, 0.05, false).expect("compared");
        assert_eq!(d.verdict, Change::Improved, "{d:?}");
        // And a 20 % speed-up of a rate is an improvement, of a latency a regression.
        let (_, _, d) = compare_metric(&new, &old, 0.05, true).expect("compared");
        assert_eq!(d.verdict, Change::Improved, "{d:?}");
        let (_, _, d) = compare_metric(&new, &old, 0.05, false).expect("compared");
        assert_eq!(d.verdict, Change::Regressed, "{d:?}");
    }

    #[test]
    fn identical_distributions_are_unchanged() {
        let a = synth(50.0, 0.03, 5, 20);
        let (_, _, d) = compare_metric(&a, &a.clone(), 0.05, true).expect("compared");
        assert_eq!(d.verdict, Change::Unchanged);
        assert_eq!(d.change, 0.0);
        assert!(d.note.is_none(), "a tight interval needs no note: {d:?}");
        let [lo, hi] = d.interval.expect("interval");
        assert!(lo <= 0.0 && hi >= 0.0 && hi - lo < 0.1, "{d:?}");
    }

    #[test]
    fn noisy_small_samples_are_inconclusive_not_regressed() {
        // A 15 % drop in the medians, but ±40 % noise over 3 rounds.
        let old: BTreeMap<u32, Vec<f64>> = [(0, vec![100.0]), (1, vec![60.0]), (2, vec![140.0])]
            .into_iter()
            .collect();
        let new: BTreeMap<u32, Vec<f64>> = [(0, vec![85.0]), (1, vec![130.0]), (2, vec![50.0])]
            .into_iter()
            .collect();
        let (_, _, d) = compare_metric(&old, &new, 0.05, true).expect("compared");
        assert_eq!(d.verdict, Change::Unchanged, "{d:?}");
        assert!((d.change + 0.15).abs() < 1e-12, "{d:?}");
        assert!(
            d.note
                .as_deref()
                .is_some_and(|n| n.contains("inconclusive")),
            "{d:?}"
        );
    }

    #[test]
    fn one_round_has_no_interval_and_decides_nothing() {
        let old: BTreeMap<u32, Vec<f64>> = [(0, vec![100.0, 101.0])].into_iter().collect();
        let new: BTreeMap<u32, Vec<f64>> = [(0, vec![50.0, 51.0])].into_iter().collect();
        let (_, _, d) = compare_metric(&old, &new, 0.05, true).expect("compared");
        assert_eq!(d.verdict, Change::Unchanged);
        assert!(d.interval.is_none());
        assert!(
            d.note
                .as_deref()
                .is_some_and(|n| n.contains("inconclusive"))
        );
        assert!(compare_metric(&old, &BTreeMap::new(), 0.05, true).is_err());
    }

    #[test]
    fn intervals_are_reproducible() {
        let old = synth(100.0, 0.1, 4, 7);
        let new = synth(97.0, 0.1, 6, 7);
        let a = change_interval(
            &old.values().cloned().collect::<Vec<_>>(),
            &new.values().cloned().collect::<Vec<_>>(),
        );
        let b = change_interval(
            &old.values().cloned().collect::<Vec<_>>(),
            &new.values().cloned().collect::<Vec<_>>(),
        );
        assert!(a.is_some());
        assert_eq!(a, b);
    }

    #[test]
    fn judge_needs_the_whole_interval_beyond_the_threshold() {
        // Higher is better: [−9 %, −6 %] is beyond −5 %; [−9 %, −4 %] is not.
        assert_eq!(
            judge(-0.07, Some([-0.09, -0.06]), 0.05, true).verdict,
            Change::Regressed
        );
        let d = judge(-0.07, Some([-0.09, -0.04]), 0.05, true);
        assert_eq!(d.verdict, Change::Unchanged);
        assert!(d.note.is_some());
        // Lower is better: +6 %…+9 % latency is a regression.
        assert_eq!(
            judge(0.07, Some([0.06, 0.09]), 0.05, false).verdict,
            Change::Regressed
        );
        assert_eq!(
            judge(-0.07, Some([-0.09, -0.06]), 0.05, false).verdict,
            Change::Improved
        );
        // Within ±threshold: unchanged, nothing to say.
        let d = judge(0.01, Some([-0.02, 0.03]), 0.05, true);
        assert_eq!((d.verdict, d.note), (Change::Unchanged, None));
    }

    #[test]
    fn verdicts_serialise_in_capitals() {
        assert_eq!(
            serde_json::to_string(&Change::Regressed).expect("json"),
            "\"REGRESSED\""
        );
    }
}
