//! Criteria → PASS / FAIL / INCONCLUSIVE / NOT MEASURED, and the Go/No-Go decision.
//! No printing here: renderers (terminal, markdown, JSON) take a [`Verdict`]. The rules
//! for one criterion are in `criterion`, the one rule every line is judged by in `rule`,
//! what shape twins cannot answer in `twins`, the decision in `decision`, the data in
//! `types`, and how numbers read in reasons in `format`.
//!
//! **One criterion.** The candidate's metric (or candidate ÷ baseline, paired by round,
//! for `vs = "baseline"`) is estimated with an interval that states the level it achieves
//! (`crate::stats`: order statistics for medians of round values and paired ratios — a
//! decode or prefill round is first reduced to the median of its repetitions —, a
//! cluster bootstrap over rounds for pooled percentiles), then:
//! - PASS — the whole interval satisfies `op target`;
//! - FAIL — the whole interval violates it;
//! - INCONCLUSIVE — the interval straddles the target or the NO-GO line (the note says
//!   which), or the samples cannot carry the statistic (P95 with fewer than 20 samples,
//!   no interval from a single round);
//! - NOT MEASURED — no valid sample at all (model skipped, every round failed, the
//!   workload not in the suite), or a criterion about text (`integration.*`,
//!   `quality.*`) on a shape twin, whose random weights cannot answer it. Never a silent
//!   pass.
//!
//! A criterion judges the suite's candidate and baseline at the named point unless it
//! names another pair (`candidate`, `baseline`) or a sweep point (`at = { threads = 1 }`,
//! see `crate::config::sweep`); the report states the point.
//!
//! `min` and `max` have no interval (they are observed extremes) and are decided on the
//! value itself; so is `report.complete`, the share of the plan's week-4 deliverables the
//! report holds from measured data, which the report computes and hands in as
//! [`Completeness`].
//!
//! **One rule for every line.** A target and a NO-GO line are judged alike
//! (`rule::standing`): the whole interval on one side, or straddling. A bound exactly on
//! a line counts on the side the criterion's `op` gives it.
//!
//! **The decision**, in this order:
//! 0. NOT MEASURED — the candidate or the baseline has no valid sample at all (skipped,
//!    or every job of it failed): nothing this run holds can decide, whatever the other
//!    criteria say;
//! 1. NO-GO — a criterion's whole interval is beyond its `no_go` line (e.g. decode ratio
//!    wholly below 1.5, memory ratio wholly above 0.7; for min/max, the value);
//! 2. INCONCLUSIVE — the suite has no criteria;
//! 3. GO — no NO-GO line is left open, every critical criterion PASSes and at least
//!    `pass_at_least` criteria pass (all of them when the suite has no `[decision]`);
//! 4. INCONCLUSIVE — a NO-GO line is straddled by its interval or cannot be judged (no
//!    interval, not measured): NO-GO can be neither claimed nor ruled out; or a critical
//!    criterion is NOT MEASURED or INCONCLUSIVE and none FAILed: the data cannot tell GO
//!    from CONDITIONAL, so neither is claimed;
//! 5. CONDITIONAL — anything else; the reasons name every criterion that failed, was
//!    inconclusive or was not measured.
//!
//! **Advisory criteria** (`advisory = true`) are decided like the others and shown with
//! their state, but take no part in the decision: not in "5 of 6", never critical, never
//! NO-GO, never a reason. Quality criteria (`quality.*`, decided in `quality`) use the
//! intervals of `crate::stats::quality`; a shape twin is NOT MEASURED on them (random
//! weights).
//!
//! A criterion whose result rests on samples taken on a busy host is INCONCLUSIVE (noisy
//! host), its NO-GO line undecided (`noise`).
//!
//! **A run made with `--until-decided`** (`sequential`, `look`): after each round the
//! runner looks at the critical criteria that are medians of one value per round, on a
//! confidence sequence valid however often it is looked at; the verdict of such a run
//! judges those criteria on the same interval, so the report says what the run decided,
//! and one still undecided when the run stopped is INCONCLUSIVE with why it stopped.
//!
//! A verdict whose candidate or baseline is a shape twin carries them ([`Verdict::twins`],
//! [`Verdict::basis`]) so that every renderer says so in its first line.
//!
//! Invalid samples (zero-token chat answers, short decodes) never enter a statistic
//! (`crate::metric` leaves them out); a NOT MEASURED note counts them and the failed
//! rounds of the model, and the report lists them one by one.

mod criterion;
mod decision;
mod format;
mod look;
pub mod noise;
mod quality;
mod rule;
pub mod sequential;
mod twins;
mod types;

pub use criterion::{criterion, round_values};
pub use decision::{decide, evaluate, why};
pub use format::{fmt_num, fmt_percent, fmt_value, stat_label};
pub use look::look;
pub use rule::{interval_text, standing};
pub use twins::about_text;
pub use types::{
    Completeness, CriterionResult, Decision, Deliverable, Inputs, Named, NoGoState, Standing,
    State, TwinModel, Verdict,
};

#[cfg(test)]
mod tests;
