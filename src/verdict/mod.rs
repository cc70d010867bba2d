//! Criteria → PASS / FAIL / INCONCLUSIVE / NOT MEASURED, and the Go/No-Go decision.
//! No printing here: renderers (terminal, markdown, JSON) take a [`Verdict`]. The rules
//! for one criterion are in `criterion`, the decision in `decision`, the data in `types`,
//! and how numbers read in reasons in `format`.
//!
//! **One criterion.** The candidate's metric (or candidate ÷ baseline, paired by round,
//! for `vs = "baseline"`) is estimated with a 95 % bootstrap interval (see
//! `crate::stats::bootstrap`), then:
//! - PASS — the whole interval satisfies `op target`;
//! - FAIL — the whole interval violates it;
//! - INCONCLUSIVE — the interval straddles the target, or the samples cannot carry the
//!   statistic (P95 with fewer than 20 samples, no interval from a single round);
//! - NOT MEASURED — no valid sample at all (model skipped, every round failed, the
//!   workload not in the suite). Never a silent pass.
//!
//! `min` and `max` have no interval (they are observed extremes) and are decided on the
//! value itself; so is `report.complete`, which the report computes (1 when every
//! required section has measured data) and hands in as [`Completeness`].
//!
//! **The decision**, in this order:
//! 1. NO-GO — a measured criterion with `no_go` has its value (the point estimate) on
//!    the wrong side of that line (e.g. decode ratio < 1.5, memory ratio > 0.7);
//! 2. INCONCLUSIVE — the suite has no criteria;
//! 3. GO — every critical criterion PASSes and at least `pass_at_least` criteria pass
//!    (all of them when the suite has no `[decision]`);
//! 4. INCONCLUSIVE — a critical criterion is NOT MEASURED or INCONCLUSIVE and none
//!    FAILed: the data cannot tell GO from CONDITIONAL, so neither is claimed;
//! 5. CONDITIONAL — anything else; the reasons name every criterion that failed, was
//!    inconclusive or was not measured.
//!
//! **Advisory criteria** (`advisory = true`) are decided like the others and shown with
//! their state, but take no part in the decision: not in "5 of 6", never critical, never
//! NO-GO, never a reason. Quality criteria (`quality.*`, decided in `quality`) use the
//! intervals of `crate::stats::quality`; a shape twin is NOT MEASURED on them (random
//! weights).
//!
//! Invalid samples (zero-token chat answers, short decodes) never enter a statistic
//! (`crate::metric` leaves them out); a NOT MEASURED note counts them and the failed
//! rounds of the model, and the report lists them one by one.

mod criterion;
mod decision;
mod format;
mod quality;
mod types;

pub use criterion::criterion;
pub use decision::{decide, evaluate, why};
pub use format::{fmt_num, fmt_value, stat_label};
pub use types::{Completeness, CriterionResult, Decision, Inputs, State, Verdict};

#[cfg(test)]
mod tests;
