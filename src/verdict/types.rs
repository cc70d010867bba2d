//! The verdict's data: a criterion's state, the decision, one decided criterion, the whole
//! verdict, and what it is computed from. Plain serde types; the rules live in
//! [`super::criterion`] and [`super::decision`].

use std::fmt;

use serde::Serialize;

use crate::config::Suite;
use crate::sample::{NotMeasured, Record};
use crate::stats::Estimate;
use crate::store::Skipped;

/// The state of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum State {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "FAIL")]
    Fail,
    #[serde(rename = "INCONCLUSIVE")]
    Inconclusive,
    #[serde(rename = "NOT MEASURED")]
    NotMeasured,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Pass => "PASS",
            State::Fail => "FAIL",
            State::Inconclusive => "INCONCLUSIVE",
            State::NotMeasured => "NOT MEASURED",
        })
    }
}

/// The Go/No-Go decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Decision {
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "CONDITIONAL")]
    Conditional,
    #[serde(rename = "INCONCLUSIVE")]
    Inconclusive,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Go => "GO",
            Decision::Conditional => "CONDITIONAL",
            Decision::Inconclusive => "INCONCLUSIVE",
            Decision::NoGo => "NO-GO",
        })
    }
}

/// Whether the findings report has every required section filled with measured data
/// (the value of `report.complete`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Completeness {
    /// Required sections checked.
    pub sections: usize,
    /// Sections without measured data, each with what is missing.
    pub missing: Vec<String>,
}

impl Completeness {
    pub fn value(&self) -> f64 {
        if self.missing.is_empty() { 1.0 } else { 0.0 }
    }
}

/// One criterion, decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    pub name: String,
    pub metric: String,
    pub stat: String,
    /// "absolute" or "baseline".
    pub vs: String,
    pub candidate: String,
    /// The denominator of a ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub op: String,
    pub target: f64,
    pub critical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_go: Option<f64>,
    /// The suite's definition, or one generated from the metric.
    pub definition: String,
    /// Unit of the value ("×" for ratios).
    pub unit: String,
    pub state: State,
    /// The measured value with its interval; `None` when NOT MEASURED or not computable.
    pub estimate: Option<Estimate>,
    /// Why the state is not a plain PASS/FAIL (or what was missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The measured value is on the wrong side of `no_go`.
    pub no_go_breached: bool,
    /// Shown with its state, never counted in the decision.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub advisory: bool,
}

/// Every criterion of a suite, decided, and the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub suite: String,
    pub decision: Decision,
    /// Why: the criteria that kept the decision from GO (empty for GO).
    pub reasons: Vec<String>,
    pub passed: usize,
    pub pass_at_least: usize,
    pub criteria: Vec<CriterionResult>,
}

impl Verdict {
    /// "5 of 6 criteria pass (5 needed)", plus ", every critical one passes" for GO and
    /// how the advisory criteria came out (they never count).
    pub fn counts(&self) -> String {
        let deciding = self.criteria.iter().filter(|c| !c.advisory).count();
        let mut s = format!(
            "{} of {deciding} criteria pass ({} needed)",
            self.passed, self.pass_at_least
        );
        if self.decision == Decision::Go {
            s.push_str(", every critical one passes");
        }
        let advisory: Vec<String> = self
            .criteria
            .iter()
            .filter(|c| c.advisory)
            .map(|c| c.state.to_string())
            .collect();
        if !advisory.is_empty() {
            s.push_str(&format!("; advisory, not counted: {}", advisory.join(", ")));
        }
        s
    }
}

/// What a verdict is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub suite: &'a Suite,
    pub records: &'a [Record],
    /// Models that were run.
    pub models: &'a [String],
    /// Models of the suite that were not run.
    pub skipped: &'a [Skipped],
    /// The report's own completeness; `None` leaves `report.complete` NOT MEASURED.
    pub completeness: Option<&'a Completeness>,
    /// Metrics a model cannot have, and why (run.json `not_measured`: a twin's quality,
    /// a remote server's memory).
    pub not_measured: &'a [NotMeasured],
}
