//! `lfmbench run --until-decided [--budget 30m] [--max-rounds N]`: the sequential plan
//! fixed before the first round (N rounds at most, α = 5 %: `crate::stats::sequential`),
//! a look after every complete round (`crate::verdict::look`, on what the run has stored
//! so far, judged by the suite as this machine's device class applies it, as the report
//! will judge it), and the stop rule: every watched criterion decided, or another round
//! would overrun the budget, or the plan's N rounds are run. What was planned, every look
//! and why the run stopped go into run.json (`crate::store::sequential`).
//!
//! **The budget** counts the time of the rounds (from the first round's start to the
//! last look; across `--resume`s, without the part of a round an interruption lost). A
//! round starts only when the time spent plus the expected time of a round — the median
//! of the rounds so far ([`round_estimate`]) — fits in the budget, so the run overruns
//! it by at most the part of one round its estimate missed. The first round always runs.
//!
//! **`--resume`** of an interrupted run continues with the stored plan, looks and budget;
//! a run that stopped by design is complete and is not resumed.

use std::time::Instant;

use anyhow::{Result, bail};

use crate::config::{Criterion, Suite, Versus};
use crate::metric::MetricName;
use crate::report::view::{device, twins};
use crate::stats::Plan;
use crate::store::sequential::{LookRecord, Sequential, Stop, fmt_duration};
use crate::store::{self, RunWriter};
use crate::verdict;

/// The plan's most rounds when `--max-rounds` is not given.
pub const DEFAULT_MAX_ROUNDS: usize = 30;
/// The false-decision rate of each watched criterion.
pub const ALPHA: f64 = 0.05;

/// `--budget`: "30m", "90s", "1h", "1h30m", "1.5h" → seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let help = "help: give a number with its unit: 90s, 30m, 1h, 1h30m";
    let mut total = 0.0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(format!("--budget is empty\n  {help}"));
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let value: f64 = num.parse().map_err(|_| {
            let word = rest.split_whitespace().next().unwrap_or(rest);
            format!("--budget {text}: `{word}` is not a duration\n  {help}")
        })?;
        let scale = match unit {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("--budget {text}: `{num}` has no unit\n  {help}")),
            u => return Err(format!("--budget {text}: unknown unit `{u}`\n  {help}")),
        };
        total += value * scale;
        rest = after.trim_start();
    }
    if !(total.is_finite() && total > 0.0) {
        return Err(format!(
            "--budget {text}: a budget must be longer than 0\n  {help}"
        ));
    }
    Ok(total)
}

/// The expected time of the next round: the median of the rounds' times so far (one
/// slow round on a busy host does not stop the run); `None` before the first round.
pub fn round_estimate(durations: &[f64]) -> Option<f64> {
    crate::stats::median(durations)
}

/// Why the run stops after `rounds` complete rounds, if it does: every watched criterion
/// decided; the plan's last round; or the time spent plus the next round's estimate over
/// the budget.
pub fn stop_rule(
    all_decided: bool,
    rounds: usize,
    max_rounds: usize,
    budget_s: Option<f64>,
    spent_s: f64,
    next_round_s: Option<f64>,
) -> Option<Stop> {
    if all_decided {
        return Some(Stop::Decided { rounds });
    }
    if rounds >= max_rounds {
        return Some(Stop::MaxRounds { rounds });
    }
    let budget = budget_s?;
    (spent_s + next_round_s.unwrap_or(0.0) > budget).then_some(Stop::Budget { rounds })
}

/// Each round's time, from the looks' cumulative times.
fn durations(looks: &[LookRecord]) -> Vec<f64> {
    let mut before = 0.0;
    looks
        .iter()
        .map(|l| {
            let d = l.spent_s - before;
            before = l.spent_s;
            d
        })
        .collect()
}

/// Refuse `--until-decided` on a suite none of whose critical criteria a look can decide,
/// and say which critical criteria the looks leave to the usual end-of-run verdict.
pub fn check_suite(suite: &Suite, file: &std::path::Path) -> Result<()> {
    let (watched, not) = verdict::sequential::watched(suite);
    for (c, why) in &not {
        eprintln!(
            "warning: --until-decided does not watch the critical criterion `{}`: {why}; it is judged on the rounds run, as in any run",
            c.name
        );
    }
    if watched.is_empty() {
        bail!(
            "{}: --until-decided needs a critical criterion that a look after each round can decide (a ratio to the baseline, or the median of a metric measured once per round); this suite has none\n  help: mark e.g. the decode ratio `critical = true`, or run a fixed number of rounds without --until-decided",
            file.display()
        );
    }
    Ok(())
}

/// The plan of a new run: `--max-rounds` (default [`DEFAULT_MAX_ROUNDS`]) at α = 5 %,
/// refused when it can give no interval at all.
pub fn new_plan(max_rounds: Option<u32>, budget: Option<&str>) -> Result<Sequential> {
    let budget_s = budget
        .map(parse_duration)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let n = max_rounds.map_or(DEFAULT_MAX_ROUNDS, |n| n as usize);
    let plan = Plan::new(n, ALPHA).map_err(|e| {
        anyhow::anyhow!("--max-rounds {n}: {e}\n  help: 10 to 50 rounds suit most runs")
    })?;
    if plan.first_interval_at().is_none() {
        bail!(
            "--max-rounds {n}: a plan of {n} rounds can never decide (the sign test needs at least 6 rounds for an interval)\n  help: give 10 or more"
        );
    }
    Ok(Sequential::new(&plan, budget_s))
}

/// The looks of one run while it runs.
pub struct Until {
    plan: Plan,
    /// When this session's timing started, and the time spent before it.
    started: Instant,
    spent_before: f64,
}

impl Until {
    /// Looking after the rounds of the run `writer` holds (its `sequential`, new or
    /// resumed). `None` for a run without one.
    pub fn of(writer: &RunWriter) -> Result<Option<Until>> {
        let Some(seq) = &writer.meta.sequential else {
            return Ok(None);
        };
        Ok(Some(Until {
            plan: seq.plan()?,
            started: Instant::now(),
            spent_before: seq.spent_s(),
        }))
    }

    /// The plan's first interval, for the message at start.
    pub fn announce(&self, budget_s: Option<f64>) {
        let first = self.plan.first_interval_at().unwrap_or(0);
        let budget = budget_s.map_or("no budget".to_string(), |b| {
            format!("a budget of {}", fmt_duration(b))
        });
        eprintln!(
            "until decided: at most {} rounds, {budget}; a look after every round (confidence sequence, α = {}, first interval after {first} rounds)",
            self.plan.max_rounds(),
            self.plan.alpha()
        );
    }

    /// The rounds the last look saw.
    pub fn looked(writer: &RunWriter) -> usize {
        writer
            .meta
            .sequential
            .as_ref()
            .map_or(0, Sequential::rounds)
    }

    /// A look after `rounds` complete rounds, stored in run.json; `true`: stop now.
    pub fn after_round(&mut self, writer: &mut RunWriter, rounds: usize) -> Result<bool> {
        let spent_s = self.spent_before + self.started.elapsed().as_secs_f64();
        let run = store::load(&writer.dir)?;
        let classes = device::classes_for(&run, None);
        let (suite, _) = device::fit(&run.host, &run.engine, &run.suite, &classes, String::new());
        let twins = twins(&run);
        // The look computes its own sequential interval, and ignores host noise.
        let looks = verdict::look(
            &self.plan,
            &verdict::Inputs {
                sequential: None,
                ..verdict::Inputs::of_run(&run, &suite, &twins, &[])
            },
        );
        let Some(seq) = writer.meta.sequential.as_mut() else {
            return Ok(false);
        };
        seq.looks.push(LookRecord {
            rounds,
            spent_s,
            criteria: looks,
        });
        let all_decided = seq
            .looks
            .last()
            .is_some_and(|l| !l.criteria.is_empty() && l.criteria.iter().all(|c| c.decided));
        let estimate = round_estimate(&durations(&seq.looks));
        let stop = stop_rule(
            all_decided,
            rounds,
            seq.max_rounds,
            seq.budget_s,
            spent_s,
            estimate,
        );
        eprintln!("{}", look_line(seq, &suite, estimate));
        if let Some(stop) = stop {
            seq.stop = Some(stop);
            writer.meta.rounds = stop.rounds() as u32;
        }
        writer.write_meta()?;
        Ok(stop.is_some())
    }
}

/// "look 6/8 (4s spent of 30m, about 1s a round): Decode speed 2.41×–2.98× decided;
/// Memory undecided (no interval before 6 rounds)".
fn look_line(seq: &Sequential, suite: &Suite, estimate: Option<f64>) -> String {
    let Some(last) = seq.looks.last() else {
        return String::new();
    };
    let mut time = format!("{} spent", fmt_duration(last.spent_s));
    if let Some(b) = seq.budget_s {
        time.push_str(&format!(" of {}", fmt_duration(b)));
    }
    if let Some(e) = estimate {
        time.push_str(&format!(", about {} a round", fmt_duration(e.max(1.0))));
    }
    let parts: Vec<String> = last
        .criteria
        .iter()
        .map(|c| {
            let unit = suite
                .criteria
                .iter()
                .find(|k| k.name == c.name)
                .map_or("", unit_of);
            let state = if c.decided { "decided" } else { "undecided" };
            match (c.lo, c.hi) {
                (Some(lo), Some(hi)) => format!(
                    "{} {}–{} {state}",
                    c.name,
                    verdict::fmt_value(lo, unit),
                    verdict::fmt_value(hi, unit)
                ),
                _ => format!(
                    "{} {state} ({})",
                    c.name,
                    c.why.as_deref().unwrap_or("no interval")
                ),
            }
        })
        .collect();
    format!(
        "look {}/{} ({time}): {}",
        last.rounds,
        seq.max_rounds,
        parts.join("; ")
    )
}

/// The unit a criterion's values read in.
fn unit_of(c: &Criterion) -> &'static str {
    match c.vs {
        Versus::Baseline => "×",
        _ => MetricName::parse(&c.metric).map_or("", |m| m.unit()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_with_their_units_and_refuse_the_rest() {
        assert_eq!(parse_duration("30m"), Ok(1800.0));
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("1h"), Ok(3600.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("1h 30m"), Ok(5400.0));
        assert_eq!(parse_duration("1.5h"), Ok(5400.0));
        for (bad, says) in [
            ("30", "has no unit"),
            ("30x", "unknown unit `x`"),
            ("", "empty"),
            ("0s", "longer than 0"),
            ("m", "is not a duration"),
            ("-5m", "is not a duration"),
            ("1..5m", "is not a duration"),
        ] {
            let e = parse_duration(bad).expect_err(bad);
            assert!(e.contains(says) && e.contains("help:"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_next_round_is_expected_to_take_the_median_round() {
        assert_eq!(round_estimate(&[]), None);
        assert_eq!(round_estimate(&[4.0]), Some(4.0));
        // One slow round (a busy host) does not move it much.
        assert_eq!(round_estimate(&[4.0, 40.0, 5.0]), Some(5.0));
        let looks: Vec<LookRecord> = [3.0, 7.0, 12.0]
            .iter()
            .enumerate()
            .map(|(i, s)| LookRecord {
                rounds: i + 1,
                spent_s: *s,
                criteria: Vec::new(),
            })
            .collect();
        assert_eq!(durations(&looks), vec![3.0, 4.0, 5.0]);
    }

    #[test]
    fn stop_when_decided_at_the_last_round_or_before_the_budget_overruns() {
        // Decided wins, even at the last round or over budget.
        assert_eq!(
            stop_rule(true, 9, 30, Some(10.0), 100.0, Some(5.0)),
            Some(Stop::Decided { rounds: 9 })
        );
        assert_eq!(
            stop_rule(false, 30, 30, None, 100.0, Some(5.0)),
            Some(Stop::MaxRounds { rounds: 30 })
        );
        // No budget: go on.
        assert_eq!(stop_rule(false, 9, 30, None, 1e9, Some(5.0)), None);
        // Another round fits: 20 + 5 ≤ 25.
        assert_eq!(stop_rule(false, 4, 30, Some(25.0), 20.0, Some(5.0)), None);
        // It would not: 21 + 5 > 25.
        assert_eq!(
            stop_rule(false, 4, 30, Some(25.0), 21.0, Some(5.0)),
            Some(Stop::Budget { rounds: 4 })
        );
        // Spent already, whatever the estimate.
        assert_eq!(
            stop_rule(false, 1, 30, Some(1.0), 2.0, None),
            Some(Stop::Budget { rounds: 1 })
        );
    }

    /// The overrun is at most one round: simulated rounds of varying length, stopped by
    /// the rule, never pass the budget by more than the last round's own time.
    #[test]
    fn a_budget_is_overrun_by_at_most_one_round() {
        let mut rng = crate::stats::coverage::Normal::new(3);
        for _ in 0..200 {
            let budget = 10.0 + 100.0 * rng.uniform();
            let (mut spent, mut times) = (0.0, Vec::new());
            loop {
                let t = 1.0 + 9.0 * rng.uniform();
                spent += t;
                times.push(t);
                if let Some(stop) = stop_rule(
                    false,
                    times.len(),
                    1000,
                    Some(budget),
                    spent,
                    round_estimate(&times),
                ) {
                    assert_eq!(
                        stop,
                        Stop::Budget {
                            rounds: times.len()
                        }
                    );
                    break;
                }
            }
            let last = times.last().copied().unwrap_or(0.0);
            assert!(spent - budget <= last, "{spent} over {budget}");
        }
    }

    #[test]
    fn plans_that_cannot_decide_are_refused() {
        let e = new_plan(Some(5), None).expect_err("5 rounds");
        assert!(format!("{e}").contains("can never decide"), "{e}");
        assert!(new_plan(Some(0), None).is_err());
        assert!(new_plan(Some(2000), None).is_err());
        let seq = new_plan(None, Some("30m")).expect("default");
        assert_eq!(
            (seq.max_rounds, seq.budget_s),
            (DEFAULT_MAX_ROUNDS, Some(1800.0))
        );
        assert!(seq.alpha_spent <= ALPHA);
        assert!(new_plan(Some(8), Some("30")).is_err());
    }
}
