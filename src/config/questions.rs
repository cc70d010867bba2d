//! Question files: a fixed set of questions with expected answers that a suite's
//! `kind = "questions"` workload names by `prompts_file` (relative to the suite) and pins
//! by `sha256`. Read when the suite is loaded; the questions are then part of the suite as
//! run (the stored `suite.toml` holds them), so a report never needs the file again.
//!
//! ```toml
//! name = "basic-facts"
//! origin = "written for lfmbench"        # where the questions come from
//! licence = "…"                          # under which terms they may be used
//! prompts = [
//!   { text = "What is 7 times 8? Answer with the number only.", expect_regex = '\b56\b' },
//! ]
//! ```
//!
//! Every question needs an expectation; errors name the question file and the line.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{ConfigError, parse_toml};
use super::expect::ChatPrompt;

/// A question file as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionFile {
    pub name: String,
    /// Where the questions come from (written for the project, or a dataset and version).
    pub origin: String,
    pub licence: String,
    pub prompts: Vec<ChatPrompt>,
}

/// Read `file` (relative to the suite at `suite_path`), check it against `sha256` and
/// return its questions. `suite_text` places errors about the pin at the suite's line.
pub fn read(
    suite_path: &Path,
    suite_text: &str,
    file: &Path,
    sha256: Option<&str>,
) -> Result<Vec<ChatPrompt>, ConfigError> {
    let path = beside_suite(suite_path, file);
    let shown = file.display().to_string();
    let Some(want) = sha256 else {
        return Err(ConfigError::new(
            suite_path,
            format!("prompts_file = \"{shown}\" has no `sha256`"),
        )
        .at_text(suite_text, &shown)
        .help(format!(
            "pin the question file so that every run asks the same questions: add sha256 = \"<output of `sha256sum {}`>\"",
            path.display()
        )));
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        ConfigError::new(suite_path, format!("prompts_file `{shown}`: cannot read {}: {e}", path.display()))
            .at_text(suite_text, &shown)
            .help("prompts_file is relative to the suite's folder (e.g. \"questions.toml\" beside suites/phase0.toml)")
    })?;
    let got = crate::digest::sha256_bytes(&bytes);
    if !got.eq_ignore_ascii_case(want) {
        return Err(ConfigError::new(
            suite_path,
            format!("prompts_file `{shown}` has sha256 {got}, the suite pins {want}"),
        )
        .at_text(suite_text, want)
        .help("the questions changed: results would not compare with earlier runs. If the change is meant, update the pin (and say so)"));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        ConfigError::new(&path, "is not UTF-8 text").help("save the question file as UTF-8")
    })?;
    let q: QuestionFile = parse_toml(&path, &text)?;
    super::expect::check_prompts(&path, &text, &q.prompts)?;
    if q.prompts.is_empty() {
        return Err(ConfigError::new(&path, "the question file has no prompts")
            .at_text(&text, "prompts")
            .help("add prompts = [{ text = \"…\", expect = \"…\" }, …]"));
    }
    for (i, p) in q.prompts.iter().enumerate() {
        if p.expect.is_none() {
            return Err(ConfigError::new(
                &path,
                format!("question {} has no expectation: it cannot be judged", i + 1),
            )
            .at_text(&text, &p.text)
            .help("add expect = \"…\" (what a correct answer contains) or expect_regex = '…'"));
        }
    }
    Ok(q.prompts)
}

/// `p` relative to the suite's folder (absolute paths unchanged).
pub fn beside_suite(suite_path: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        suite_path.parent().unwrap_or(Path::new("")).join(p)
    }
}
