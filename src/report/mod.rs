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

/// Each pool's machine against the device classes (`devices`: from `--devices`, else
/// each run's own suite): class targets naming the run's criteria, and no machine in two
/// classes. Run before [`views_with`], which takes the first class a machine matches.
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

/// [`views`] with device classes from `--devices` (`None`: each run's own suite's).
pub fn views_with<'a>(
    pools: &'a [pool::Pool<'a>],
    devices: Option<&crate::config::Devices>,
) -> Vec<RunView<'a>> {
    let mut labels: Vec<String> = Vec::new();
    for p in pools {
        if !labels.contains(&p.label) {
            labels.push(p.label.clone());
        }
    }
    pools
        .iter()
        .map(|p| view::build(p, &labels, devices))
        .collect()
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
    let dir = charts_dir(out);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the charts folder {}", dir.display()))?;
    for (name, bytes) in &f.charts {
        store::write_atomic(&dir.join(name), bytes)?;
    }
    remove_stale_charts(&dir, f);
    store::write_atomic(out, f.markdown.as_bytes())
}

/// Charts an earlier report wrote into `dir` that this one does not (e.g. `run2-*` after a
/// two-run report, when one run is reported now): left behind they would look current.
/// Only lfmbench's own chart names are touched; failures to remove are ignored.
fn remove_stale_charts(dir: &Path, f: &Findings) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if f.charts.iter().any(|(n, _)| *n == name) {
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

/// `lfmbench report [RUN…]`
pub fn cli(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let dirs = if args.runs.is_empty() {
        vec![store::newest(&args.runs_dir)?]
    } else {
        args.runs.clone()
    };
    let runs: Vec<StoredRun> = dirs
        .iter()
        .map(|d| store::load(d))
        .collect::<anyhow::Result<_>>()?;
    let devices = match &args.devices {
        Some(f) => Some(crate::config::device::load(f)?),
        None => None,
    };
    let pools = pools(&runs);
    check_devices(&pools, devices.as_ref())?;
    let views = views_with(&pools, devices.as_ref());
    let f = findings(&views)?;
    write(&f, &args.out)?;
    eprintln!(
        "wrote {} and {} chart files in {}",
        args.out.display(),
        f.charts.len(),
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
