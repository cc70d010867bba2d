//! A run made with `--until-decided`: its watched criteria are judged on the plan's
//! confidence sequence, exactly as its looks saw them, and one left undecided says why
//! the run stopped.

use super::*;
use crate::stats::{Method, Plan};
use crate::store::sequential::{Sequential, Stop};

const SPEED_AND_LATENCY: &str = r#"
[[criterion]]
name = "Decode speed"
metric = "decode.tokens_per_s"
vs = "baseline"
op = ">="
target = 2.0
critical = true
no_go = 1.5

[[criterion]]
name = "Speed, not critical"
metric = "decode.tokens_per_s"
vs = "baseline"
op = ">="
target = 2.0
"#;

fn run_seq(suite: &Suite, records: &[Record], seq: &Sequential) -> Verdict {
    let models = models();
    evaluate(&Inputs {
        suite,
        records,
        models: &models,
        skipped: &[],
        completeness: None,
        twins: &no_twins(),
        contended: &[],
        sequential: Some(seq),
        not_measured: &[],
        named: None,
    })
}

#[test]
fn watched_criteria_use_the_plans_interval_and_the_looks_agree() {
    let s = suite(SPEED_AND_LATENCY);
    let plan = Plan::new(8, 0.05).expect("plan");
    let mut seq = Sequential::new(&plan, None);
    seq.stop = Some(Stop::Decided { rounds: 6 });
    let ratios = [2.4, 2.5, 2.6, 2.5, 2.45, 2.55];
    let recs = paired(&ratios);
    let v = run_seq(&s, &recs, &seq);
    let (crit, other) = (&v.criteria[0], &v.criteria[1]);
    let i = crit
        .estimate
        .as_ref()
        .and_then(|e| e.interval)
        .expect("interval");
    // The range of 6 rounds, at the plan's simultaneous level.
    assert_eq!(
        (i.lo, i.hi, i.method),
        (2.4, 2.6, Method::ConfidenceSequence)
    );
    assert!((i.level - plan.level()).abs() < 1e-12);
    assert_eq!(crit.state, State::Pass, "{crit:?}");
    // Not critical: the fixed-sample interval, as in any run.
    let fixed = other
        .estimate
        .as_ref()
        .and_then(|e| e.interval)
        .expect("iv");
    assert_ne!(fixed.method, Method::ConfidenceSequence);
    // The look reads the same values and decides the same.
    let models = models();
    let inputs = Inputs {
        suite: &s,
        records: &recs,
        models: &models,
        skipped: &[],
        completeness: None,
        twins: &no_twins(),
        contended: &[],
        sequential: None,
        not_measured: &[],
        named: None,
    };
    assert_eq!(round_values(&s.criteria[0], &inputs), Ok(ratios.to_vec()));
    let looks = look(&plan, &inputs);
    assert_eq!(looks.len(), 1, "only the critical criterion is watched");
    assert_eq!(
        (looks[0].lo, looks[0].hi, looks[0].decided, looks[0].values),
        (Some(2.4), Some(2.6), true, 6)
    );
    // Five rounds: no interval yet, and the look says why.
    let five = look(
        &plan,
        &Inputs {
            records: &recs[..10],
            ..inputs
        },
    );
    assert!(!five[0].decided && five[0].lo.is_none());
    assert!(
        five[0]
            .why
            .as_deref()
            .is_some_and(|w| w.contains("6 rounds")),
        "{five:?}"
    );
}

#[test]
fn undecided_at_the_budget_is_inconclusive_and_says_why() {
    let s = suite(SPEED_AND_LATENCY);
    let plan = Plan::new(8, 0.05).expect("plan");
    let seq = Sequential {
        budget_s: Some(60.0),
        stop: Some(Stop::Budget { rounds: 3 }),
        ..Sequential::new(&plan, Some(60.0))
    };
    // Three rounds far above the target: a fixed 75 % range would PASS; the plan has no
    // interval before round 6.
    let recs = paired(&[3.0, 3.1, 3.2]);
    let v = run_seq(&s, &recs, &seq);
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Inconclusive, "{c:?}");
    let note = c.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("budget of 1m spent after 3 rounds;")
            && note.contains("first interval after 6"),
        "{note}"
    );
    assert_eq!(v.decision, Decision::Inconclusive);
    // Straddling at the plan's last round.
    let seq = Sequential {
        stop: Some(Stop::MaxRounds { rounds: 8 }),
        ..Sequential::new(&plan, None)
    };
    let v = run_seq(
        &s,
        &paired(&[1.8, 2.2, 1.9, 2.3, 2.0, 2.1, 1.95, 2.05]),
        &seq,
    );
    let note = v.criteria[0].note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("undecided after the plan's 8 rounds;")
            && note.contains("straddles the target"),
        "{note}"
    );
}
