//! Expected answers: a chat prompt written as a plain string, or as a table with what a
//! correct answer contains (`expect`) or a pattern it matches (`expect_regex`); checked
//! when the suite is read (an empty or malformed expectation is an error at its line), and
//! how an answer is judged against it.
//!
//! **Matching.** `expect = "Paris"` is met by an answer that contains "Paris" in any
//! letter case and not as part of a longer word ("Parisian" does not count; where the
//! expectation begins or ends with a letter or digit, a word boundary is required there).
//! `expect_regex` is a regular expression in Rust `regex` syntax that must match somewhere
//! in the answer, case-sensitively unless it says `(?i)`. An expectation that the prompt
//! itself already meets is refused: a model that only echoes the question would count as
//! right.

use std::fmt;

use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::sample::Expected;

/// One chat prompt and, when the suite gives one, what a correct answer contains.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatPrompt {
    pub text: String,
    pub expect: Option<Expected>,
}

impl ChatPrompt {
    /// A prompt without an expectation.
    pub fn plain(text: impl Into<String>) -> ChatPrompt {
        ChatPrompt {
            text: text.into(),
            expect: None,
        }
    }
}

/// The regular expression an expectation is judged with.
pub fn compile(e: &Expected) -> Result<Regex, String> {
    match e {
        Expected::Contains(t) => {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            let pre = if word(t.chars().next()) { r"\b" } else { "" };
            let post = if word(t.chars().last()) { r"\b" } else { "" };
            Regex::new(&format!("(?i){pre}{}{post}", regex::escape(t)))
                .map_err(|e| format!("cannot be matched: {e}"))
        }
        Expected::Regex(r) => {
            Regex::new(r).map_err(|e| format!("is not a valid regular expression: {e}"))
        }
    }
}

/// Whether `answer` meets `e`. An expectation that does not compile (never the case for
/// one read from a suite, which is checked) is never met.
pub fn judge(e: &Expected, answer: &str) -> bool {
    compile(e).is_ok_and(|re| re.is_match(answer))
}

/// Check every prompt of `prompts`, read from `file` whose text is `text`: no empty text,
/// and each expectation usable ([`check`]). The error is placed at the prompt's line.
pub fn check_prompts(
    file: &std::path::Path,
    text: &str,
    prompts: &[ChatPrompt],
) -> Result<(), super::ConfigError> {
    for p in prompts {
        let problem = if p.text.trim().is_empty() {
            Some("a prompt's `text` is empty".to_string())
        } else {
            p.expect.as_ref().and_then(|e| check(&p.text, e).err())
        };
        if let Some(msg) = problem {
            let mut err = super::ConfigError::new(file, msg);
            // The prompt as written: its text, else its expectation (TOML escapes aside).
            let needles = [
                format!("\"{}\"", p.text),
                format!("'{}'", p.text),
                match &p.expect {
                    Some(Expected::Contains(t)) => format!("\"{t}\""),
                    Some(Expected::Regex(r)) => format!("'{r}'"),
                    None => String::new(),
                },
            ];
            if let Some(pos) = needles
                .iter()
                .filter(|n| n.len() > 2)
                .find_map(|n| text.find(n.as_str()))
            {
                let (l, c) = super::line_col(text, pos);
                err.line = Some(l);
                err.column = Some(c);
            }
            return Err(err.help(
                "`expect` is what a correct answer contains (whole words, any case); `expect_regex` a pattern it matches",
            ));
        }
    }
    Ok(())
}

/// Check an expectation for `prompt`: not empty, compiles, and not already met by the
/// prompt itself.
pub fn check(prompt: &str, e: &Expected) -> Result<(), String> {
    let (key, text) = match e {
        Expected::Contains(t) => ("expect", t),
        Expected::Regex(r) => ("expect_regex", r),
    };
    if text.trim().is_empty() {
        return Err(format!(
            "`{key}` is empty: every answer would count as correct; write what a correct answer contains, or remove `{key}`"
        ));
    }
    let re = compile(e).map_err(|m| format!("`{key}` {m}"))?;
    if re.is_match("") {
        return Err(format!(
            "`{key}` {e} matches an empty answer, so every answer would count as correct; make it require some text"
        ));
    }
    if re.is_match(prompt) {
        return Err(format!(
            "`{key}` {e} already matches the prompt itself, so an answer that only repeats the question would count as correct; ask so that the answer is not in the question"
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    text: String,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    expect_regex: Option<String>,
}

impl<'de> Deserialize<'de> for ChatPrompt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChatPrompt;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a prompt: a string, or a table { text = \"…\", expect = \"…\" } / { text = \"…\", expect_regex = '…' }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChatPrompt, E> {
                Ok(ChatPrompt::plain(v))
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<ChatPrompt, M::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let expect = match (t.expect, t.expect_regex) {
                    (Some(_), Some(_)) => {
                        return Err(de::Error::custom(format!(
                            "the prompt \"{}\" sets both `expect` and `expect_regex`; keep one",
                            t.text
                        )));
                    }
                    (Some(e), None) => Some(Expected::Contains(e)),
                    (None, Some(r)) => Some(Expected::Regex(r)),
                    (None, None) => None,
                };
                Ok(ChatPrompt {
                    text: t.text,
                    expect,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for ChatPrompt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.expect {
            None => s.serialize_str(&self.text),
            Some(e) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("text", &self.text)?;
                match e {
                    Expected::Contains(t) => m.serialize_entry("expect", t)?,
                    Expected::Regex(r) => m.serialize_entry("expect_regex", r)?,
                }
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Suite, parse_toml};
    use std::path::Path;

    fn suite(prompts: &str) -> Result<Suite, crate::config::ConfigError> {
        let text = format!(
            "[suite]\nname = \"s\"\ncandidate = \"a\"\nbaseline = \"b\"\n\n[[workload]]\nkind = \"chat\"\nmax_tokens = 8\nprompts = [\n  \"plain\",\n  {prompts},\n]\n"
        );
        let p = Path::new("s.toml");
        let s: Suite = parse_toml(p, &text)?;
        for w in &s.workloads {
            if let crate::config::Workload::Chat { prompts, .. } = w {
                check_prompts(p, &text, prompts)?;
            }
        }
        Ok(s)
    }

    #[test]
    fn prompts_are_strings_or_tables_and_round_trip() {
        let s = suite(
            "{ text = \"What is the capital of France?\", expect = \"Paris\" },\n  { text = \"What is 17 + 25?\", expect_regex = '\\b42\\b' }",
        )
        .expect("valid");
        let crate::config::Workload::Chat { prompts, .. } = &s.workloads[0] else {
            panic!("chat");
        };
        assert_eq!(prompts[0], ChatPrompt::plain("plain"));
        assert_eq!(prompts[1].expect, Some(Expected::Contains("Paris".into())));
        assert_eq!(prompts[2].expect, Some(Expected::Regex(r"\b42\b".into())));
        let text = toml::to_string_pretty(&s).expect("serialize");
        let back: Suite = toml::from_str(&text).expect("parse back");
        assert_eq!(back, s, "{text}");
    }

    #[test]
    fn malformed_expectations_are_errors_at_their_line() {
        for (entry, want) in [
            (
                "{ text = \"Capital of Italy?\", expect = \"\" }",
                "`expect` is empty",
            ),
            (
                "{ text = \"Capital of Italy?\", expect = \"   \" }",
                "`expect` is empty",
            ),
            (
                "{ text = \"17 + 25?\", expect_regex = '(42' }",
                "is not a valid regular expression",
            ),
            (
                "{ text = \"17 + 25?\", expect_regex = 'x*' }",
                "matches an empty answer",
            ),
            (
                "{ text = \"Is Rome the capital of Italy?\", expect = \"Rome\" }",
                "already matches the prompt itself",
            ),
            (
                "{ text = \"x?\", expected = \"y\" }",
                "unknown field `expected`",
            ),
            ("{ text = \"\", expect = \"y\" }", "`text` is empty"),
        ] {
            let e = suite(entry).expect_err(entry);
            assert_eq!(e.line, Some(11), "{entry}: {e}");
            assert!(e.to_string().contains(want), "{entry}: {e}");
        }
    }

    #[test]
    fn a_prompt_of_the_wrong_shape_is_refused() {
        // toml places these at the enclosing [[workload]] (line 6).
        for (entry, want) in [
            ("{ expect = \"y\" }", "missing field `text`"),
            ("42", "a prompt: a string, or a table"),
        ] {
            let e = suite(entry).expect_err(entry);
            assert_eq!(e.line, Some(6), "{entry}: {e}");
            assert!(e.to_string().contains(want), "{entry}: {e}");
        }
    }

    #[test]
    fn both_kinds_of_expectation_are_refused_naming_the_prompt() {
        let e = suite("{ text = \"Name a colour.\", expect = \"red\", expect_regex = 'red' }")
            .expect_err("both");
        assert!(
            e.to_string()
                .contains("\"Name a colour.\" sets both `expect` and `expect_regex`"),
            "{e}"
        );
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn contains_is_case_insensitive_and_whole_word() {
        let paris = Expected::Contains("Paris".into());
        assert!(judge(&paris, "The capital of France is paris."));
        assert!(judge(&paris, "PARIS"));
        assert!(!judge(&paris, "A Parisian café."));
        assert!(!judge(&paris, "Lyon"));
        let n = Expected::Contains("42".into());
        assert!(judge(&n, "17 + 25 = 42."));
        assert!(!judge(&n, "420"), "not inside a longer number");
        let re = Expected::Regex(r"\b1[89]\d\d\b".into());
        assert!(judge(&re, "It ended in 1945."));
        assert!(!judge(&re, "In 2045."));
        let degrees = Expected::Contains("100 °C".into());
        assert!(judge(&degrees, "Water boils at 100 °C at sea level."));
    }
}
