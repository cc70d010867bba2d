//! A run made with `--until-decided` (run.json `sequential`): which criteria its looks
//! watch, and how the verdict then judges them — on the confidence-sequence interval of
//! the run's plan (`crate::stats::sequential`) instead of the fixed-sample one, so that
//! the report says what the run decided, and a criterion still undecided when the run
//! stopped reads INCONCLUSIVE with why it stopped.
//!
//! **Watched criteria.** The critical, non-advisory criteria whose interval is a median
//! of one value per round: a ratio to the baseline (one ratio per round, paired) or the
//! median of a metric measured once per round (decode, prefill, memory, cold start).
//! The sign test behind the plan needs exactly that; a pooled percentile, a min/max or a
//! quality metric (measured once per run) is judged as in any run, and the run says so
//! when it starts.

use super::format::stat_label;
use super::types::{CriterionResult, State};
use crate::config::{Criterion, Suite, Versus};
use crate::metric::{MetricName, Stat};
use crate::stats::{Estimate, StatsError};
use crate::store::sequential::{Sequential, Stop, fmt_duration};

/// Whether a look can decide `c`: `Err` says why not. Its criticality is not checked
/// here (see [`watched`]).
pub fn watchable(c: &Criterion) -> Result<(), String> {
    let metric = MetricName::parse(&c.metric)?;
    let stat = Stat::parse(&c.stat).ok_or_else(|| format!("unknown stat `{}`", c.stat))?;
    if metric.is_quality() || metric == MetricName::ReportComplete {
        return Err(format!(
            "`{}` is not measured round by round",
            metric.name()
        ));
    }
    match c.vs {
        Versus::Baseline => Ok(()),
        Versus::Absolute if stat == Stat::Median && metric.one_value_per_round() => Ok(()),
        Versus::Absolute => Err(format!(
            "the {} of `{}` is not a median of one value per round, which the sequential sign test needs",
            stat_label(stat),
            metric.name()
        )),
        Versus::BaselineDifference => {
            Err("a difference to the baseline is not measured round by round".into())
        }
    }
}

/// The suite's critical criteria split into those the looks watch and those they cannot
/// (with why), in the suite's order.
pub fn watched(suite: &Suite) -> (Vec<&Criterion>, Vec<(&Criterion, String)>) {
    let mut yes = Vec::new();
    let mut no = Vec::new();
    for c in suite.criteria.iter().filter(|c| c.critical && !c.advisory) {
        match watchable(c) {
            Ok(()) => yes.push(c),
            Err(why) => no.push((c, why)),
        }
    }
    (yes, no)
}

/// The run's plan when the verdict judges `c` on it (a watched criterion of a run made
/// with `--until-decided`).
pub fn applies<'a>(seq: Option<&'a Sequential>, c: &Criterion) -> Option<&'a Sequential> {
    seq.filter(|_| c.critical && !c.advisory && watchable(c).is_ok())
}

/// `est` (the point over `values`, one per round in round order) with the plan's
/// confidence-sequence interval in place of the fixed-sample one; no interval before the
/// plan's first.
pub fn estimate(seq: &Sequential, values: &[f64], est: Estimate) -> Result<Estimate, StatsError> {
    let plan = seq.plan()?;
    let interval = plan.interval(values)?;
    let no_interval = match (interval, plan.first_interval_at()) {
        (Some(_), _) => None,
        (None, Some(first)) => Some(format!(
            "{} round(s): the sequential plan of {} rounds gives its first interval after {first}",
            values.len(),
            plan.max_rounds()
        )),
        (None, None) => Some(format!(
            "a sequential plan of {} rounds gives no interval",
            plan.max_rounds()
        )),
    };
    Ok(Estimate {
        interval,
        no_interval,
        ..est
    })
}

/// A criterion the run left undecided: its note starts with why the run stopped
/// ("budget of 30m spent after 12 rounds; the … interval straddles …").
pub fn annotate(seq: &Sequential, out: &mut CriterionResult) {
    if out.state != State::Inconclusive {
        return;
    }
    let why = match seq.stop {
        Some(Stop::Budget { rounds }) => format!(
            "budget of {} spent after {rounds} rounds",
            fmt_duration(seq.budget_s.unwrap_or(0.0))
        ),
        Some(Stop::MaxRounds { rounds }) => {
            format!("undecided after the plan's {rounds} rounds")
        }
        // Decided at the run's last look (the noise rule may still undo it), or the run
        // did not finish.
        Some(Stop::Decided { .. }) => return,
        None => "the run stopped before it decided (interrupted)".into(),
    };
    out.note = Some(match out.note.take() {
        Some(n) => format!("{why}; {n}"),
        None => why,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Op;
    use crate::stats::{Method, Plan};

    fn criterion(metric: &str, stat: &str, vs: Versus) -> Criterion {
        Criterion {
            name: "c".into(),
            metric: metric.into(),
            stat: stat.into(),
            vs,
            op: Op::Ge,
            target: 2.0,
            critical: true,
            no_go: None,
            definition: None,
            advisory: false,
            at: None,
            candidate: None,
            baseline: None,
        }
    }

    #[test]
    fn only_medians_of_one_value_per_round_are_watched() {
        assert!(
            watchable(&criterion(
                "decode.tokens_per_s",
                "median",
                Versus::Baseline
            ))
            .is_ok()
        );
        assert!(watchable(&criterion("memory.peak_bytes", "median", Versus::Baseline)).is_ok());
        assert!(
            watchable(&criterion(
                "cold_start.total_ms",
                "median",
                Versus::Absolute
            ))
            .is_ok()
        );
        let p95 = watchable(&criterion("chat.ttft_ms", "p95", Versus::Absolute));
        assert!(p95.is_err_and(|e| e.contains("not a median of one value per round")));
        assert!(watchable(&criterion("memory.peak_rss_bytes", "max", Versus::Absolute)).is_err());
        assert!(
            watchable(&criterion(
                "quality.correct_fraction",
                "median",
                Versus::BaselineDifference
            ))
            .is_err()
        );
        assert!(watchable(&criterion("report.complete", "median", Versus::Absolute)).is_err());
    }

    #[test]
    fn the_plans_interval_replaces_the_fixed_one() {
        let plan = Plan::new(8, 0.05).expect("plan");
        let seq = Sequential::new(&plan, None);
        let est = Estimate {
            point: 2.0,
            interval: None,
            n: 5,
            rounds: 5,
            no_interval: None,
        };
        let few = estimate(&seq, &[2.0, 2.1, 1.9, 2.2, 1.8], est.clone()).expect("estimate");
        assert!(few.interval.is_none());
        assert!(
            few.no_interval
                .as_deref()
                .is_some_and(|w| w.contains("first interval after 6")),
            "{few:?}"
        );
        let six = estimate(&seq, &[2.0, 2.1, 1.9, 2.2, 1.8, 2.05], est).expect("estimate");
        let i = six.interval.expect("an interval at 6 rounds");
        assert_eq!(
            (i.lo, i.hi, i.method),
            (1.8, 2.2, Method::ConfidenceSequence)
        );
        assert_eq!(six.point, 2.0, "the point is kept");
        let mut out = CriterionResult {
            name: "c".into(),
            metric: "decode.tokens_per_s".into(),
            stat: "median".into(),
            vs: "baseline".into(),
            candidate: "a".into(),
            baseline: Some("b".into()),
            op: ">=".into(),
            target: 2.0,
            at: None,
            critical: true,
            no_go: None,
            definition: String::new(),
            unit: "×".into(),
            state: State::Inconclusive,
            estimate: None,
            note: Some("the interval straddles the target 2×".into()),
            no_go_breached: false,
            advisory: false,
            no_go_state: None,
            noisy_host: false,
        };
        let mut budget = Sequential {
            budget_s: Some(90.0),
            stop: Some(Stop::Budget { rounds: 4 }),
            ..seq
        };
        annotate(&budget, &mut out);
        assert_eq!(
            out.note.as_deref(),
            Some("budget of 1m 30s spent after 4 rounds; the interval straddles the target 2×")
        );
        budget.stop = Some(Stop::Decided { rounds: 6 });
        out.note = None;
        annotate(&budget, &mut out);
        assert_eq!(out.note, None);
    }
}
