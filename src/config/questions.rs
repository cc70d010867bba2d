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

#[cfg(test)]
mod tests {
    use crate::config::{Workload, load};
    use std::path::Path;

    const MODELS: &str = "[[model]]\nid = \"a\"\npath = \"a.gguf\"\nfamily = \"x\"\n[[model]]\nid = \"b\"\npath = \"b.gguf\"\nfamily = \"x\"\n";

    fn suite(sha: &str) -> String {
        format!(
            "[suite]\nname = \"s\"\ncandidate = \"a\"\nbaseline = \"b\"\n\n[[workload]]\nkind = \"questions\"\nprompts_file = \"q.toml\"\nsha256 = \"{sha}\"\n"
        )
    }

    fn setup(
        questions: &str,
        sha: Option<&str>,
    ) -> (
        tempfile::TempDir,
        Result<crate::config::Loaded, crate::config::ConfigError>,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("q.toml"), questions).expect("write");
        let real = crate::digest::sha256_bytes(questions.as_bytes());
        std::fs::write(dir.path().join("s.toml"), suite(sha.unwrap_or(&real))).expect("write");
        std::fs::write(dir.path().join("models.toml"), MODELS).expect("write");
        let l = load(&dir.path().join("s.toml"), &dir.path().join("models.toml"));
        (dir, l)
    }

    const GOOD: &str = "name = \"n\"\norigin = \"o\"\nlicence = \"l\"\nprompts = [\n  { text = \"7 times 8?\", expect = \"56\" },\n  { text = \"Capital of Japan?\", expect_regex = '(?i)tokyo' },\n]\n";

    #[test]
    fn a_question_file_is_read_into_its_workload() {
        let (_d, l) = setup(GOOD, None);
        let l = l.expect("loads");
        let Workload::Questions { prompts, .. } = &l.suite.workloads[0] else {
            panic!("questions");
        };
        assert_eq!(prompts.len(), 2);
        // The suite as run carries the questions: a report never needs the file again.
        let text = toml::to_string_pretty(&l.suite).expect("serialize");
        assert!(text.contains("Capital of Japan?"), "{text}");
    }

    #[test]
    fn question_file_problems_name_the_file_and_line() {
        let (_d, e) = setup(GOOD, Some(&"0".repeat(64)));
        let e = e.expect_err("pin");
        assert!(e.to_string().contains("the suite pins 0000"), "{e}");
        assert!(e.file.ends_with("s.toml") && e.line == Some(9), "{e}");

        let no_expect = GOOD.replace(
            "{ text = \"7 times 8?\", expect = \"56\" }",
            "\"7 times 8?\"",
        );
        let (_d, e) = setup(&no_expect, None);
        let e = e.expect_err("no expectation");
        assert!(e.file.ends_with("q.toml"), "{e}");
        assert!(
            e.to_string().contains("question 1 has no expectation"),
            "{e}"
        );
        assert_eq!(e.line, Some(5), "{e}");

        let echo = GOOD.replace("expect = \"56\"", "expect = \"times\"");
        let (_d, e) = setup(&echo, None);
        let e = e.expect_err("echo");
        assert!(e.file.ends_with("q.toml") && e.line == Some(5), "{e}");
        assert!(
            e.to_string().contains("already matches the prompt itself"),
            "{e}"
        );

        let bad_regex = GOOD.replace("'(?i)tokyo'", "'(tokyo'");
        let (_d, e) = setup(&bad_regex, None);
        let e = e.expect_err("regex");
        assert!(e.file.ends_with("q.toml") && e.line == Some(6), "{e}");
        assert!(
            e.to_string().contains("not a valid regular expression"),
            "{e}"
        );

        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("s.toml"), suite(&"0".repeat(64))).expect("write");
        std::fs::write(dir.path().join("models.toml"), MODELS).expect("write");
        let e = load(&dir.path().join("s.toml"), &dir.path().join("models.toml"))
            .expect_err("missing file");
        assert!(
            e.to_string().contains("prompts_file `q.toml`: cannot read"),
            "{e}"
        );
        assert_eq!(e.line, Some(8), "{e}");
    }

    #[test]
    fn the_phase0_suite_loads_with_its_question_set_and_text() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let l = load(&root.join("suites/phase0.toml"), &root.join("models.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let questions: Vec<usize> = l
            .suite
            .workloads
            .iter()
            .filter_map(|w| match w {
                Workload::Questions { prompts, .. } => Some(prompts.len()),
                _ => None,
            })
            .collect();
        assert_eq!(questions, [60]);
        assert_eq!(l.suite.criteria.iter().filter(|c| c.advisory).count(), 2);
    }
}
