//! The verdict's data: a criterion's state, the decision, one decided criterion, the whole
//! verdict, and what it is computed from. Plain serde types; the rules live in
//! [`super::criterion`] and [`super::decision`].

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::config::{Resolved, Suite};
use crate::metric::MetricName;
use crate::sample::{NotMeasured, Record};
use crate::stats::Estimate;
use crate::store::{FileFacts, Skipped, StoredRun};

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
    /// The candidate or the baseline measured nothing (skipped, or every job failed):
    /// nothing can be decided from this run.
    #[serde(rename = "NOT MEASURED")]
    NotMeasured,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Go => "GO",
            Decision::Conditional => "CONDITIONAL",
            Decision::Inconclusive => "INCONCLUSIVE",
            Decision::NotMeasured => "NOT MEASURED",
            Decision::NoGo => "NO-GO",
        })
    }
}

/// One deliverable of the plan's week 4 (performance comparison, memory profile, device
/// compatibility matrix, recommendations, risk assessment): whether the report holds it,
/// computed from measured data, and from which data — or why it is missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deliverable {
    pub name: String,
    pub present: bool,
    /// From what data it is computed (present), or what is missing and why.
    pub detail: String,
}

/// The plan's deliverables as the report finds them: the value of `report.complete`
/// ("Documentation"), handed to the verdict by the report.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Completeness {
    pub deliverables: Vec<Deliverable>,
}

impl Completeness {
    /// The fraction of deliverables present (1 when all are; 0 when there are none).
    pub fn value(&self) -> f64 {
        if self.deliverables.is_empty() {
            return 0.0;
        }
        self.present().count() as f64 / self.deliverables.len() as f64
    }
    pub fn present(&self) -> impl Iterator<Item = &Deliverable> {
        self.deliverables.iter().filter(|d| d.present)
    }
    pub fn missing(&self) -> impl Iterator<Item = &Deliverable> {
        self.deliverables.iter().filter(|d| !d.present)
    }
    pub fn is_complete(&self) -> bool {
        !self.deliverables.is_empty() && self.missing().next().is_none()
    }
}

/// Where an estimate stands against a line (a target or a NO-GO line) under the
/// criterion's `op`: one rule for both (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The whole interval satisfies `op line` (or the value does, for a statistic decided
    /// on its value).
    Holds,
    /// The whole interval violates it.
    Violates,
    /// Part of the interval satisfies it, part does not (a bound on the line counts on
    /// the side `op` gives it).
    Straddles,
    /// No interval to judge (one round) or nothing measured.
    Undecided,
}

/// A criterion's NO-GO line, judged by the same rule as its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoGoState {
    /// The whole interval is on the right side of the line.
    Clear,
    /// The whole interval is beyond the line: NO-GO.
    Beyond,
    /// The interval straddles the line: NO-GO can be neither claimed nor ruled out.
    Straddled,
    /// No interval or no measurement: the line cannot be judged.
    Undecided,
}

impl NoGoState {
    pub fn from_standing(s: Standing) -> NoGoState {
        match s {
            Standing::Holds => NoGoState::Clear,
            Standing::Violates => NoGoState::Beyond,
            Standing::Straddles => NoGoState::Straddled,
            Standing::Undecided => NoGoState::Undecided,
        }
    }
}

/// A model the verdict rests on (the candidate, or the baseline of a ratio) that is a
/// shape twin: random weights in a published architecture's shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwinModel {
    pub model: String,
    /// The architecture it is a twin of.
    pub of: String,
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
    /// The configuration judged when it is not the named point ("threads 1").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
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
    /// The whole interval (or, for min/max, the value) is beyond `no_go`.
    pub no_go_breached: bool,
    /// Shown with its state, never counted in the decision.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub advisory: bool,
    /// The NO-GO line judged like the target; `None` when the criterion has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_go_state: Option<NoGoState>,
    /// INCONCLUSIVE because it rests on samples taken on a busy host (`verdict::noise`).
    #[serde(default)]
    pub noisy_host: bool,
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
    /// The candidate and baseline, where they are shape twins: a verdict resting on
    /// twins says so first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub twins: Vec<TwinModel>,
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

    /// What the verdict rests on, for its first line: "shape twins of … (random
    /// weights: speed and memory only)" or "real model files".
    pub fn basis(&self) -> String {
        if self.twins.is_empty() {
            return "real model files".into();
        }
        let names: Vec<String> = self
            .twins
            .iter()
            .map(|t| {
                if t.model == t.of {
                    format!("`{}`", t.model)
                } else {
                    format!("`{}` (of {})", t.model, t.of)
                }
            })
            .collect();
        format!(
            "shape twins {} (random weights: speed and memory only, nothing about text)",
            names.join(" and ")
        )
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
    /// The report's deliverables; `None` leaves `report.complete` NOT MEASURED.
    pub completeness: Option<&'a Completeness>,
    /// Metrics a model cannot have, and why (run.json `not_measured`: a twin's quality,
    /// a remote server's memory).
    pub not_measured: &'a [NotMeasured],
    /// Each model's named settings and file (run.json), to find the records of a
    /// criterion's `at`: a value equal to the named one is the named point. `None`: every
    /// `at` value is taken as a sweep point.
    pub named: Option<Named<'a>>,
    /// Models that are shape twins (run.json `twins`, or `twin` in models.toml): id → the
    /// architecture. Never guessed from names.
    pub twins: &'a BTreeMap<String, String>,
    /// Jobs that ran on a busy host (see `verdict::noise`); empty when none or unknown.
    pub contended: &'a [Contended],
    /// The run was made with `--until-decided` (run.json `sequential`): its watched
    /// criteria are judged on its plan's interval (`verdict::sequential`).
    pub sequential: Option<&'a crate::store::sequential::Sequential>,
}

impl<'a> Inputs<'a> {
    /// What a stored run gives the verdict, judged against `suite` (the run's own, or as
    /// fitted to a device class): its records, models, named points and plan, with
    /// `twins` and `contended` as the caller read them from the run. No deliverables.
    pub fn of_run(
        run: &'a StoredRun,
        suite: &'a Suite,
        twins: &'a BTreeMap<String, String>,
        contended: &'a [Contended],
    ) -> Inputs<'a> {
        Inputs {
            suite,
            records: &run.records,
            models: &run.meta.models,
            skipped: &run.meta.skipped,
            completeness: None,
            not_measured: &run.meta.not_measured,
            named: Some(Named {
                settings: &run.meta.settings,
                files: &run.meta.files,
            }),
            twins,
            contended,
            sequential: run.meta.sequential.as_ref(),
        }
    }
}

/// The named point of each model of a run: its settings and its file's facts.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub settings: &'a BTreeMap<String, Resolved>,
    pub files: &'a BTreeMap<String, FileFacts>,
}

impl Inputs<'_> {
    /// Why `model` cannot have `metric` at all: not run, not in the run, or listed in
    /// run.json's `not_measured` (a twin's quality: random weights).
    pub fn absent(&self, metric: MetricName, model: &str) -> Option<String> {
        if let Some(s) = self.skipped.iter().find(|s| s.model == model) {
            return Some(format!("`{model}` was not run: {}", s.reason));
        }
        if !self.models.iter().any(|m| m == model) {
            return Some(format!("`{model}` is not among the models of this run"));
        }
        let name = metric.name();
        self.not_measured
            .iter()
            .find(|n| n.model == model && n.metrics.contains(&name))
            .map(|n| format!("`{model}`: {}", n.reason))
    }
}

/// A job that ran on a busy host.
#[derive(Debug, Clone, PartialEq)]
pub struct Contended {
    pub model: String,
    pub round: u32,
    /// "bench", "cold_start" or "cold_start_warm".
    pub part: String,
    /// What was measured, e.g. "other processes used 1.02 CPUs (limit 0.25)".
    pub reason: String,
    /// Other processes' CPU over the job, in CPUs, when measured.
    pub other_cpu_cores: Option<f64>,
}
