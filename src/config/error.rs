//! How a configuration problem reads: [`ConfigError`] names the file, the line and column
//! and what to do; TOML parser errors become located errors, an unknown key gets the
//! closest allowed name suggested.

use std::fmt;
use std::path::{Path, PathBuf};

/// A configuration problem, located in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when the problem has a place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// What the user should do.
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Place the error at the first line of `text` that defines `needle` (e.g. `id = "x"`).
    pub fn at_text(mut self, text: &str, needle: &str) -> Self {
        if let Some(pos) = text.find(needle) {
            let (l, c) = line_col(text, pos);
            self.line = Some(l);
            self.column = Some(c);
        }
        self
    }
}

/// 1-based line and column of byte offset `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |n| before.len() - n - 1)
        + 1;
    (line, col)
}

/// Parse TOML text into `T`, turning parser errors into located [`ConfigError`]s.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        let (line, column) = match e.span() {
            Some(span) => {
                // Inside an inline table (a prompt in an array) toml places an unknown key
                // at the enclosing table; the key itself is further on.
                let at = unknown_key(&message)
                    .and_then(|k| find_key(text, span.start, k))
                    .unwrap_or(span.start);
                let (l, c) = line_col(text, at);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let help = suggest_for(&message);
        ConfigError {
            file: file.to_path_buf(),
            line,
            column,
            message,
            help,
        }
    })
}

/// The key an "unknown field `x`, …" message names.
fn unknown_key(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")?
        .split_once('`')
        .map(|(k, _)| k)
}

/// The first `key =` (or `key=`) at or after byte `from`, as a key (not inside a word).
fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut base = 0;
    while let Some(i) = rest[base..].find(key) {
        let at = base + i;
        let before = rest[..at].chars().next_back();
        let after = rest[at + key.len()..].trim_start_matches([' ', '\t']);
        let starts_key = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-'));
        if starts_key && after.starts_with('=') {
            return Some(from + at);
        }
        base = at + key.len();
    }
    None
}

/// For an "unknown field `x`, expected one of `a`, `b`" message, suggest the closest name.
fn suggest_for(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let best = expected
        .iter()
        .map(|e| (strsim_distance(unknown, e), *e))
        .min_by_key(|(d, _)| *d)?;
    if best.0 <= 3 {
        Some(format!("did you mean `{}`?", best.1))
    } else {
        Some(format!(
            "remove `{unknown}`; allowed here: {}",
            expected.join(", ")
        ))
    }
}

/// Levenshtein distance, small and dependency-free.
pub(super) fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
