//! The end of a run: its final state in run.json, summary.csv, the summary table and every
//! invalid or failed sample on stderr, then the verdict (or exit 130 when interrupted) and,
//! for `--until-decided`, why the run stopped; exit 5 when a model that ran measured
//! nothing for some workload (`store::gaps`).

use std::process::ExitCode;

use anyhow::Result;

use super::interrupt;
use crate::cli::RunArgs;
use crate::sample::Body;
use crate::store::{self, RunState, RunWriter};

pub fn finish(mut writer: RunWriter, args: &RunArgs) -> Result<ExitCode> {
    let interrupted = interrupt::requested();
    let state = if interrupted || !writer.meta.skipped.is_empty() {
        RunState::Incomplete
    } else {
        RunState::Complete
    };
    let note = if interrupted {
        Some("interrupted; finish it with `lfmbench run --resume <this folder>`".to_string())
    } else if !writer.meta.skipped.is_empty() {
        Some("some models were skipped (see `skipped`)".to_string())
    } else {
        None
    };
    writer.finish(state, note)?;
    let run = store::load(&writer.dir)?;
    crate::store::summary::write_csv(&run)?;
    print_summary(&run);
    if interrupted {
        eprintln!(
            "interrupted: every finished sample is in {}; resume with `lfmbench run --resume {}`",
            writer.dir.display(),
            writer.dir.display()
        );
        return Ok(ExitCode::from(130));
    }
    let code = crate::report::after_run(&run, args.format, args.fail_on)?;
    // --until-decided: which of decided, budget or the plan's last round stopped it.
    if let Some(outcome) = run.meta.sequential.as_ref().and_then(|s| s.outcome()) {
        eprintln!("until decided: {outcome}");
    }
    let gaps = store::gaps::of_run(&run);
    if gaps.is_empty() {
        return Ok(code);
    }
    print_gaps(&gaps);
    Ok(ExitCode::from(store::gaps::EXIT_MEASURED_NOTHING))
}

/// Say which model measured nothing for which workload, and why: the run's exit status
/// is then non-zero, even under --keep-going.
fn print_gaps(gaps: &[store::gaps::Gap]) {
    eprintln!(
        "error: {} model × workload pair(s) measured nothing (exit {}):",
        gaps.len(),
        store::gaps::EXIT_MEASURED_NOTHING
    );
    for g in gaps {
        eprintln!("  MEASURED NOTHING {} {}: {}", g.model, g.workload, g.why);
    }
    eprintln!(
        "  help: raise timeout_s in [suite] for a slow model, or see the failures above; the report shows these as NOT MEASURED"
    );
}

/// Say which metrics are NOT MEASURED for which model, and why.
pub fn print_not_measured(list: &[crate::sample::NotMeasured]) {
    for n in list {
        eprintln!(
            "NOT MEASURED {} {}: {}",
            n.model,
            n.metrics.join(", "),
            n.reason
        );
    }
}

/// Print the per-model summary table.
fn print_summary(run: &store::StoredRun) {
    let table = crate::store::summary::table(run);
    eprintln!("{table}");
    print_not_measured(&run.meta.not_measured);
    let invalid: Vec<String> = run
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Chat(c) if !c.valid => Some(format!(
                "INVALID {} round {} prompt {}: {}",
                r.model,
                r.round,
                c.prompt_index,
                c.invalid_reason.as_deref().unwrap_or("")
            )),
            Body::Decode(d) if !d.valid => Some(format!(
                "INVALID {} round {} decode@{}: {}",
                r.model,
                r.round,
                d.depth,
                d.invalid_reason.as_deref().unwrap_or("")
            )),
            Body::Failure(f) => Some(format!(
                "FAILED {} round {} {}: {}",
                r.model, r.round, f.stage, f.reason
            )),
            _ => None,
        })
        .collect();
    for line in invalid {
        eprintln!("{line}");
    }
}
