//! Shape twins: GGUF files with random weights in the exact shapes of a published model.
//!
//! OWNED BY: the twin work (issue 3).

use std::path::Path;

use crate::cli::TwinArgs;
use crate::config::ModelEntry;

/// `lfmbench twin …`
pub fn cli(_args: &TwinArgs) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("twins are not implemented yet")
}

/// Make sure the twin file for `entry` exists at `path`, generating it if needed.
pub fn ensure(entry: &ModelEntry, _path: &Path) -> anyhow::Result<()> {
    anyhow::bail!(
        "model `{}` is a twin, and twins are not implemented yet",
        entry.id
    )
}
