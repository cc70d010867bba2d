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
//! The decision logic works on plain values ([`compare_metric`], in `change`); `runs`
//! compares two loaded runs, `table` prints the result; loading runs and the exit code live
//! at the edges ([`cli`]).

mod change;
mod runs;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

pub use self::change::{Change, Delta, Side, change_interval, compare_metric, judge};
pub use self::runs::{Comparison, Row, RunRef, compare_runs};
pub use self::table::render_table;
use crate::cli::{CompareArgs, Format};
pub use crate::stats::bootstrap::{LEVEL, RESAMPLES, SEED};
use crate::store;

/// Exit status of `--fail-on regression` when anything regressed.
pub const EXIT_REGRESSED: u8 = 4;

/// Format tag of the JSON output, bumped on incompatible changes.
pub const JSON_FORMAT: &str = "lfmbench-compare/1";

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
mod tests;
