//! Reports built from stored runs only — a model is never re-run here. The same samples
//! always give byte-identical output: no clock is read, everything is ordered, charts
//! have fixed sizes and an embedded font.
//!
//! - `pool` — runs grouped by machine label; runs of one label under the same engine
//!   build, suite and models pooled into one, the others kept apart with the reason;
//! - `view` — the view-model, built once per pool (statistics, verdict, deliverables);
//! - `markdown` — PHASE_0_FINDINGS.md;
//! - `charts` — SVG + PNG figures;
//! - `terminal`, `json` — the verdict for `run` and `report` on stdout.
//!
//! Renderers return strings and bytes; only [`cli`] writes files.
//!
//! `lfmbench report` over many runs holds the samples of one run, then of one pool, per
//! core at a time: each run is read and checked and its samples dropped ([`load_runs`]);
//! the runs are pooled by what `run.json`, `host.json` and `engine.json` say; each pool's
//! runs are read again with their samples, summarised ([`view::summarise`]) and their
//! samples dropped before that thread takes the next pool ([`summarise_pools`]); charts
//! are drawn and written view by view. Reading twice costs time, not memory. A run that
//! cannot be read (a damaged or foreign file) is left out with its file and line, on
//! stderr and in the report.

pub mod charts;
pub mod json;
pub mod markdown;
pub mod pool;
pub mod terminal;
pub mod view;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{FailOn, Format, ReportArgs};
use crate::store::{self, StoredRun};
use crate::verdict::Decision;
use view::RunView;

/// Exit status when `--fail-on` is met.
pub const FAIL_EXIT: u8 = 3;

/// The findings of some runs: the markdown and the chart files (names relative to the
/// `charts/` folder beside the markdown).
#[derive(Debug)]
pub struct Findings {
    pub markdown: String,
    pub charts: Vec<(String, Vec<u8>)>,
}

/// `runs` grouped by machine (see [`pool`]).
pub fn pools(runs: &[StoredRun]) -> Vec<pool::Pool<'_>> {
    pool::pools(runs)
}

/// One view per pool; the device-matrix deliverable counts the pools' machine labels.
pub fn views<'a>(pools: &'a [pool::Pool<'a>]) -> Vec<RunView<'a>> {
    views_with(pools, None)
}

/// [`views`] with device classes from `--devices` (`None`: each run's own suite's).
pub fn views_with<'a>(
    pools: &'a [pool::Pool<'a>],
    devices: Option<&crate::config::Devices>,
) -> Vec<RunView<'a>> {
    let labels = labels(pools);
    pools
        .iter()
        .map(|p| view::summarise(p, &labels, devices).attach(p))
        .collect()
}

/// Each pool's machine against the device classes (`devices`: from `--devices`, else
/// each run's own suite): class targets naming the run's criteria, and no machine in two
/// classes. Run before the views, which take the first class a machine matches.
pub fn check_devices(
    pools: &[pool::Pool<'_>],
    devices: Option<&crate::config::Devices>,
) -> Result<(), crate::config::ConfigError> {
    for p in pools {
        let run = p.run();
        let d = view::device::classes_for(run, devices);
        view::device::check(run, &d, &p.name)?;
    }
    Ok(())
}

/// Render the findings document and its charts (no I/O).
pub fn findings(views: &[RunView<'_>]) -> anyhow::Result<Findings> {
    let mut refs = Vec::new();
    let mut files = Vec::new();
    for (i, v) in views.iter().enumerate() {
        let prefix = if views.len() > 1 {
            format!("run{}-", i + 1)
        } else {
            String::new()
        };
        let r = charts::render_run(v, &prefix)?;
        refs.push(r.refs);
        files.extend(r.files);
    }
    Ok(Findings {
        markdown: markdown::render(views, &refs),
        charts: files,
    })
}

/// The worst decision of several runs.
pub fn worst(views: &[RunView<'_>]) -> Decision {
    views
        .iter()
        .map(|v| v.verdict.decision)
        .max()
        .unwrap_or(Decision::Inconclusive)
}

/// The exit status `--fail-on` asks for: 3 on NO-GO (`no-go`), 3 on anything but GO
/// (`conditional`), else 0 whatever the verdict.
pub fn exit_status(decision: Decision, fail_on: Option<FailOn>) -> u8 {
    match (fail_on, decision) {
        (Some(FailOn::NoGo), Decision::NoGo) => FAIL_EXIT,
        (Some(FailOn::Conditional), d) if d != Decision::Go => FAIL_EXIT,
        _ => 0,
    }
}

fn print_verdict(views: &[RunView<'_>], format: Format) -> anyhow::Result<()> {
    use std::io::Write;
    let text = match format {
        Format::Table => terminal::render(views, terminal::colour_enabled()),
        Format::Json => json::render(views)?,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write the verdict to stdout")
}

/// Where the charts of `out` go: `charts/` beside it.
pub fn charts_dir(out: &Path) -> PathBuf {
    out.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("charts")
}

/// Write the findings: the markdown at `out`, the charts under `charts/` beside it.
pub fn write(f: &Findings, out: &Path) -> anyhow::Result<()> {
    let dir = create_charts_dir(out)?;
    for (name, bytes) in &f.charts {
        store::write_atomic(&dir.join(name), bytes)?;
    }
    let names: Vec<&str> = f.charts.iter().map(|(n, _)| n.as_str()).collect();
    remove_stale_charts(&dir, &names);
    store::write_atomic(out, f.markdown.as_bytes())
}

fn create_charts_dir(out: &Path) -> anyhow::Result<PathBuf> {
    let dir = charts_dir(out);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the charts folder {}", dir.display()))?;
    Ok(dir)
}

/// Charts an earlier report wrote into `dir` that this one does not (e.g. `run2-*` after a
/// two-run report, when one run is reported now): left behind they would look current.
/// Only lfmbench's own chart names are touched; failures to remove are ignored.
fn remove_stale_charts(dir: &Path, written: &[&str]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if written.contains(&name.as_str()) {
            continue;
        }
        let Some(stem) = name
            .strip_suffix(".svg")
            .or_else(|| name.strip_suffix(".png"))
        else {
            continue;
        };
        let bare = match stem.strip_prefix("run").and_then(|r| r.split_once('-')) {
            Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => stem,
        };
        if charts::STEMS.contains(&bare) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Runs read and checked, their samples dropped; runs that cannot be read are left out
/// with the reason.
pub struct Loaded {
    /// The runs without their samples (see [`StoredRun::without_samples`]), in the order
    /// given.
    pub runs: Vec<StoredRun>,
    /// (folder, why) of each run left out; `why` names the file.
    pub left_out: Vec<(PathBuf, String)>,
}

/// `f` over `items` on every core, results in the order of `items` whatever thread
/// finished first. Each thread takes the next item when done with one, so a thread holds
/// what one item needs at a time.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let done = f(item);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// Read and check `dirs`, one run per thread at a time, keeping each run without its
/// samples; a run that cannot be read is left out with the reason.
pub fn load_runs(dirs: &[PathBuf]) -> Loaded {
    let done = par_map(dirs, |d| {
        store::load(d)
            .map(StoredRun::without_samples)
            .map_err(|e| format!("{e:#}"))
    });
    let mut l = Loaded {
        runs: Vec::new(),
        left_out: Vec::new(),
    };
    for (d, slot) in dirs.iter().zip(done) {
        match slot {
            Some(Ok(run)) => l.runs.push(run),
            Some(Err(why)) => l.left_out.push((d.clone(), why)),
            None => l.left_out.push((
                d.clone(),
                format!("{}: not read (a reader thread failed)", d.display()),
            )),
        }
    }
    l
}

/// The machine labels of `pools`, in order of first appearance.
fn labels(pools: &[pool::Pool<'_>]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for p in pools {
        if !labels.contains(&p.label) {
            labels.push(p.label.clone());
        }
    }
    labels
}

/// The summary of each pool of runs read by [`load_runs`]: the pool's runs are read
/// again with their samples, one pool per thread at a time, summarised
/// ([`view::summarise`]) and their samples dropped.
pub fn summarise_pools(
    pools: &[pool::Pool<'_>],
    devices: Option<&crate::config::Devices>,
) -> anyhow::Result<Vec<view::Summary>> {
    let machines = labels(pools);
    let done = par_map(pools, |p| -> anyhow::Result<view::Summary> {
        let full: Vec<StoredRun> = p
            .runs
            .iter()
            .map(|r| store::load(&r.dir))
            .collect::<anyhow::Result<_>>()?;
        let again = pool::pools(&full);
        match again.as_slice() {
            [one] => Ok(view::summarise(one, &machines, devices)),
            _ => anyhow::bail!(
                "the runs {} changed while the report read them; run `lfmbench report` again",
                p.run_ids().join(", ")
            ),
        }
    });
    done.into_iter()
        .map(|s| s.unwrap_or_else(|| anyhow::bail!("a report thread failed")))
        .collect()
}

/// Views of the pools of runs read by [`load_runs`], from their [`summarise_pools`].
pub fn views_of<'a>(
    pools: &'a [pool::Pool<'a>],
    summaries: Vec<view::Summary>,
) -> Vec<RunView<'a>> {
    summaries
        .into_iter()
        .zip(pools)
        .map(|(s, p)| s.attach(p))
        .collect()
}

/// Draw and write the charts run by run (each written as soon as it is drawn, so a
/// report over many runs never holds them all), remove stale ones, then write the
/// markdown at `out`, naming the runs `left_out` (why each was, its file named).
/// Returns how many chart files were written.
pub fn write_findings(
    views: &[RunView<'_>],
    left_out: &[String],
    out: &Path,
) -> anyhow::Result<usize> {
    let dir = create_charts_dir(out)?;
    let mut refs = Vec::new();
    let mut written: Vec<String> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        let prefix = if views.len() > 1 {
            format!("run{}-", i + 1)
        } else {
            String::new()
        };
        let r = charts::render_run(v, &prefix)?;
        for (name, bytes) in r.files {
            store::write_atomic(&dir.join(&name), &bytes)?;
            written.push(name);
        }
        refs.push(r.refs);
    }
    remove_stale_charts(
        &dir,
        &written.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let md = markdown::render_with(views, &refs, left_out);
    store::write_atomic(out, md.as_bytes())?;
    Ok(written.len())
}

/// `lfmbench report [RUN…]`
pub fn cli(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let dirs = if args.runs.is_empty() {
        vec![store::newest(&args.runs_dir)?]
    } else {
        args.runs.clone()
    };
    let loaded = load_runs(&dirs);
    for (d, why) in &loaded.left_out {
        eprintln!(
            "warning: run {} is left out of the report:\n  {}",
            d.display(),
            why.replace('\n', "\n  ")
        );
    }
    for run in &loaded.runs {
        for w in &run.warnings {
            eprintln!("warning: {w}");
        }
    }
    if loaded.runs.is_empty() {
        let why: Vec<&str> = loaded.left_out.iter().map(|(_, w)| w.as_str()).collect();
        anyhow::bail!("{}", why.join("\n"));
    }
    let left_out: Vec<String> = loaded.left_out.iter().map(|(_, w)| w.clone()).collect();
    let devices = match &args.devices {
        Some(f) => Some(crate::config::device::load(f)?),
        None => None,
    };
    let pools = pools(&loaded.runs);
    check_devices(&pools, devices.as_ref())?;
    let summaries = summarise_pools(&pools, devices.as_ref())?;
    let views = views_of(&pools, summaries);
    let n_charts = write_findings(&views, &left_out, &args.out)?;
    eprintln!(
        "wrote {} and {n_charts} chart files in {}",
        args.out.display(),
        charts_dir(&args.out).display()
    );
    print_verdict(&views, args.format)?;
    Ok(ExitCode::from(exit_status(worst(&views), args.fail_on)))
}

/// Printed at the end of `lfmbench run`: the verdict matrix. Returns the exit code that
/// `--fail-on` asks for.
pub fn after_run(
    run: &StoredRun,
    format: Format,
    fail_on: Option<FailOn>,
) -> anyhow::Result<ExitCode> {
    let pools = pools(std::slice::from_ref(run));
    // The samples are stored whatever the classes say: a machine in two classes is
    // reported, not fatal, here (the report names the first class that matched).
    if let Err(e) = check_devices(&pools, None) {
        eprintln!(
            "warning: {e}\n  (the run is stored: `lfmbench report {} --devices FILE` judges it by corrected classes)",
            run.dir.display()
        );
    }
    let views = views(&pools);
    print_verdict(&views, format)?;
    eprintln!(
        "findings with charts: lfmbench report {}",
        run.dir.display()
    );
    Ok(ExitCode::from(exit_status(worst(&views), fail_on)))
}

#[cfg(test)]
mod tests;
