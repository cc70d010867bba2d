//! run.json's `sequential`: what a run made with `lfmbench run --until-decided` planned
//! (the most rounds N and α, fixed before the first round; the budget), every look it
//! took after a complete round, and why it stopped. Data only: the looks are computed by
//! `crate::verdict::look`, the stop rule is the runner's (`crate::runner`), the
//! intervals are `crate::stats::sequential`'s.

use serde::{Deserialize, Serialize};

use crate::stats::{Plan, StatsError};

/// A run that decides while the rounds come in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequential {
    /// The plan's most rounds (N), fixed before the first round.
    pub max_rounds: usize,
    /// The false-decision rate the plan was made with (per criterion).
    pub alpha: f64,
    /// The α its whole-number boundaries actually spend (≤ `alpha`).
    pub alpha_spent: f64,
    /// `--budget`, in seconds; `None`: no budget, the run stops when decided or at N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_s: Option<f64>,
    /// One look per complete round, in order.
    #[serde(default)]
    pub looks: Vec<LookRecord>,
    /// Why the run stopped; `None` while it runs or when it was interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
}

impl Sequential {
    /// The plan of N rounds at α, before the first round.
    pub fn new(plan: &Plan, budget_s: Option<f64>) -> Sequential {
        Sequential {
            max_rounds: plan.max_rounds(),
            alpha: plan.alpha(),
            alpha_spent: plan.alpha_spent(),
            budget_s,
            looks: Vec::new(),
            stop: None,
        }
    }

    /// The plan again (its boundaries are a function of N and α).
    pub fn plan(&self) -> Result<Plan, StatsError> {
        Plan::new(self.max_rounds, self.alpha)
    }

    /// Seconds the rounds took so far (the budget counts these).
    pub fn spent_s(&self) -> f64 {
        self.looks.last().map_or(0.0, |l| l.spent_s)
    }

    /// The rounds measured by the last look.
    pub fn rounds(&self) -> usize {
        self.looks.last().map_or(0, |l| l.rounds)
    }

    /// What the run said when it stopped: "decided after 9 rounds", "budget of 30m spent
    /// after 12 rounds: Decode speed undecided".
    pub fn outcome(&self) -> Option<String> {
        let stop = self.stop.as_ref()?;
        let undecided: Vec<&str> = self
            .looks
            .last()
            .map(|l| {
                l.criteria
                    .iter()
                    .filter(|c| !c.decided)
                    .map(|c| c.name.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let tail = if undecided.is_empty() {
            String::new()
        } else {
            format!(": {} undecided", undecided.join(", "))
        };
        Some(match stop {
            Stop::Decided { rounds } => format!("decided after {rounds} rounds"),
            Stop::Budget { rounds } => format!(
                "budget of {} spent after {rounds} rounds{tail}",
                fmt_duration(self.budget_s.unwrap_or(0.0))
            ),
            Stop::MaxRounds { rounds } => {
                format!("the plan's {rounds} rounds run{tail}")
            }
        })
    }
}

/// One look, after a complete round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookRecord {
    /// Rounds complete at this look.
    pub rounds: usize,
    /// Seconds the rounds took up to this look (across `--resume`s).
    pub spent_s: f64,
    /// One per watched criterion, in the suite's order.
    pub criteria: Vec<CriterionLook>,
}

/// One criterion at one look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionLook {
    pub name: String,
    /// Values (one per round: a round value or a paired ratio) the look saw.
    pub values: usize,
    /// The confidence-sequence interval; `None` before the plan's first interval, or
    /// without values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lo: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hi: Option<f64>,
    /// The interval is clear of the target and of the NO-GO line.
    pub decided: bool,
    /// Why there is no interval (no values yet, too few rounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Why a sequential run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stop {
    /// Every watched criterion was decided.
    Decided { rounds: usize },
    /// Another round would have overrun the budget.
    Budget { rounds: usize },
    /// The plan's N rounds were run.
    MaxRounds { rounds: usize },
}

impl Stop {
    pub fn rounds(self) -> usize {
        match self {
            Stop::Decided { rounds } | Stop::Budget { rounds } | Stop::MaxRounds { rounds } => {
                rounds
            }
        }
    }
}

/// A duration as `--budget` takes it: "90s", "30m", "1h", "1h 30m", "2m 5s".
pub fn fmt_duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let parts: Vec<String> = [(h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(v, _)| *v > 0)
        .map(|(v, u)| format!("{v}{u}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(rounds: usize, spent_s: f64, decided: &[(&str, bool)]) -> LookRecord {
        LookRecord {
            rounds,
            spent_s,
            criteria: decided
                .iter()
                .map(|(n, d)| CriterionLook {
                    name: (*n).into(),
                    values: rounds,
                    lo: None,
                    hi: None,
                    decided: *d,
                    why: None,
                })
                .collect(),
        }
    }

    #[test]
    fn durations_read_as_given() {
        assert_eq!(fmt_duration(90.0), "1m 30s");
        assert_eq!(fmt_duration(1800.0), "30m");
        assert_eq!(fmt_duration(3600.0), "1h");
        assert_eq!(fmt_duration(5400.0), "1h 30m");
        assert_eq!(fmt_duration(0.2), "0s");
        assert_eq!(fmt_duration(45.4), "45s");
    }

    #[test]
    fn the_outcome_names_what_stayed_undecided() {
        let plan = Plan::new(30, 0.05).expect("plan");
        let mut s = Sequential::new(&plan, Some(1800.0));
        assert_eq!(s.outcome(), None);
        s.looks.push(look(
            12,
            1750.0,
            &[("Decode speed", false), ("Memory", true)],
        ));
        s.stop = Some(Stop::Budget { rounds: 12 });
        assert_eq!(
            s.outcome().as_deref(),
            Some("budget of 30m spent after 12 rounds: Decode speed undecided")
        );
        s.looks.push(look(9, 1.0, &[("Decode speed", true)]));
        s.stop = Some(Stop::Decided { rounds: 9 });
        assert_eq!(s.outcome().as_deref(), Some("decided after 9 rounds"));
        s.stop = Some(Stop::MaxRounds { rounds: 30 });
        assert_eq!(s.outcome().as_deref(), Some("the plan's 30 rounds run"));
        assert_eq!((s.spent_s(), s.rounds()), (1.0, 9));
        // Stored and read back the same; the plan is rebuilt from N and α.
        let back: Sequential =
            serde_json::from_str(&serde_json::to_string(&s).expect("json")).expect("parse");
        assert_eq!(back, s);
        assert_eq!(back.plan().expect("plan"), plan);
    }
}
