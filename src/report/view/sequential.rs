//! What a run made with `--until-decided` did, for the report: its plan (N, α and the α
//! its boundaries spend), its looks, why it stopped, and how its plan behaves in
//! simulation (`crate::stats::coverage::sequential_row`, seeded, computed here rather
//! than stated): how often it decides falsely with the truth on the line, and how many
//! rounds it takes when the truth is far from it.

use crate::stats::coverage::{self, SequentialRow};
use crate::store::StoredRun;

/// Plans beyond this many rounds are not simulated (the simulation grows as N³).
pub const SIMULATED_MAX_ROUNDS: usize = 50;
/// The line of the simulation (a paired ratio's target), and a truth far from it.
const LINE: f64 = 2.0;
const FAR: f64 = 3.0;
/// Seed of the simulation ("seq" in ASCII).
const SEED: u64 = 0x0073_6571;

/// A sequential run's plan and outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialView {
    pub max_rounds: usize,
    pub alpha: f64,
    pub alpha_spent: f64,
    /// The first round count with an interval.
    pub first_interval_at: Option<usize>,
    pub budget_s: Option<f64>,
    /// Looks taken (one per complete round).
    pub looks: usize,
    /// "decided after 9 rounds", …; `None` when the run did not finish.
    pub outcome: Option<String>,
    /// With the true ratio on the target: the false-decision rate (`None` beyond
    /// [`SIMULATED_MAX_ROUNDS`]).
    pub on_line: Option<SequentialRow>,
    /// With the true ratio 1.5 × the target: how soon it decides.
    pub far: Option<SequentialRow>,
}

/// The view of `run`'s `sequential`, if it has one.
pub fn sequential(run: &StoredRun) -> Option<SequentialView> {
    let seq = run.meta.sequential.as_ref()?;
    let plan = seq.plan().ok();
    let simulate = |truth: f64, seed: u64| {
        plan.as_ref()
            .filter(|p| p.max_rounds() <= SIMULATED_MAX_ROUNDS)
            .map(|p| coverage::sequential_row(p, truth, LINE, coverage::EXPERIMENTS, seed))
    };
    Some(SequentialView {
        max_rounds: seq.max_rounds,
        alpha: seq.alpha,
        alpha_spent: seq.alpha_spent,
        first_interval_at: plan.as_ref().and_then(|p| p.first_interval_at()),
        budget_s: seq.budget_s,
        looks: seq.looks.len(),
        outcome: seq.outcome(),
        on_line: simulate(LINE, SEED),
        far: simulate(FAR, SEED + 1),
    })
}
