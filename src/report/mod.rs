//! Reports built from stored runs only: terminal tables, markdown, charts, JSON.
//!
//! OWNED BY: the report work (issue 4).

use std::process::ExitCode;

use crate::cli::ReportArgs;
use crate::store::StoredRun;

/// `lfmbench report …`
pub fn cli(_args: &ReportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("report is not implemented yet")
}

/// Printed at the end of `lfmbench run`: the verdict matrix. Returns the exit code that
/// `--fail-on` asks for.
pub fn after_run(
    _run: &StoredRun,
    _format: crate::cli::Format,
    _fail_on: Option<crate::cli::FailOn>,
) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
