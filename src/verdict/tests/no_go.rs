//! NO-GO is decided on the interval, like PASS and FAIL: each boundary of the one rule —
//! the interval wholly beyond the line, touching it from either side, straddling it, the
//! point beyond while the interval is not, no interval at all, and a value statistic.

use super::*;

/// The decode criterion of `SPEED` (>= 2.0, NO-GO below 1.5) on these per-round ratios.
fn decode(ratios: &[f64]) -> (Verdict, CriterionResult) {
    let v = run(&suite(SPEED), &paired(ratios));
    let c = v.criteria[0].clone();
    (v, c)
}

fn note(c: &CriterionResult) -> &str {
    c.note.as_deref().unwrap_or("")
}

#[test]
fn wholly_beyond_the_line_is_no_go() {
    let (v, c) = decode(&[1.2, 1.3, 1.25, 1.3, 1.2]);
    assert_eq!(c.no_go_state, Some(NoGoState::Beyond));
    assert!(c.no_go_breached);
    assert_eq!(c.state, State::Fail);
    assert_eq!(v.decision, Decision::NoGo);
    assert_eq!(
        v.reasons,
        vec![
            "Decode speed: the 93.8 % interval (order statistics) 1.20×–1.30× lies wholly beyond the NO-GO line 1.50× (must be >= 1.50×; median 1.25×)"
                .to_string()
        ]
    );
}

#[test]
fn touching_the_line_counts_on_the_side_op_gives_it() {
    // [1.20, 1.50] against ">= 1.5": its top satisfies the line, so it is not wholly
    // beyond; NO-GO can be neither claimed nor ruled out.
    let (v, c) = decode(&[1.2, 1.3, 1.5, 1.4, 1.45]);
    assert_eq!(c.no_go_state, Some(NoGoState::Straddled), "{c:?}");
    assert!(!c.no_go_breached);
    assert_eq!(c.state, State::Inconclusive);
    assert!(note(&c).contains("straddles the NO-GO line 1.50×"), "{c:?}");
    assert_eq!(v.decision, Decision::Inconclusive);
    assert!(
        v.reasons[0].starts_with(
            "Decode speed: the NO-GO line 1.50× is neither cleared nor crossed — the 93.8 % interval (order statistics) 1.20×–1.50× straddles it"
        ),
        "{:?}",
        v.reasons
    );
    // [1.50, 1.70]: its bottom is on the line and satisfies it: clear of NO-GO, and a
    // plain FAIL against the target 2.0.
    let (v, c) = decode(&[1.5, 1.6, 1.7, 1.55, 1.65]);
    assert_eq!(c.no_go_state, Some(NoGoState::Clear));
    assert_eq!(c.state, State::Fail);
    assert_eq!(v.decision, Decision::Conditional);
    // With a strict operator the same bound is on the wrong side.
    let strict = suite(&SPEED.replace("op = \">=\"", "op = \">\""));
    let v = run(&strict, &paired(&[1.2, 1.3, 1.5, 1.4, 1.45]));
    assert_eq!(v.criteria[0].no_go_state, Some(NoGoState::Beyond));
    assert_eq!(v.decision, Decision::NoGo);
}

#[test]
fn straddling_the_line_is_inconclusive_and_names_the_line() {
    let (v, c) = decode(&[1.3, 1.6, 1.4, 1.7, 1.45]);
    assert_eq!(c.no_go_state, Some(NoGoState::Straddled));
    assert_eq!(c.state, State::Inconclusive);
    assert_eq!(
        note(&c),
        "the 93.8 % interval (order statistics) 1.30×–1.70× straddles the NO-GO line 1.50×"
    );
    assert_eq!(v.decision, Decision::Inconclusive);
    // Straddling the target and the NO-GO line: the note names both.
    let (_, c) = decode(&[1.4, 1.45, 2.1, 2.2, 1.6]);
    assert_eq!(
        note(&c),
        "the 93.8 % interval (order statistics) 1.40×–2.20× straddles the target 2.00×, and straddles the NO-GO line 1.50×"
    );
}

#[test]
fn a_point_beyond_the_line_with_an_interval_that_is_not_is_not_no_go() {
    // The median ratio 1.45 is below 1.5 — the old rule said NO-GO on it alone.
    let (v, c) = decode(&[1.4, 1.45, 1.42, 1.6, 1.7]);
    let point = c.estimate.as_ref().map_or(f64::NAN, |e| e.point);
    assert!((point - 1.45).abs() < 1e-9, "{point}");
    assert_eq!(c.no_go_state, Some(NoGoState::Straddled));
    assert!(!c.no_go_breached);
    assert_ne!(v.decision, Decision::NoGo);
    assert_eq!(v.decision, Decision::Inconclusive);
}

#[test]
fn no_interval_cannot_decide_no_go() {
    // One round: the point is far beyond the line, but there is no interval.
    let (v, c) = decode(&[1.1]);
    let point = c.estimate.as_ref().map_or(f64::NAN, |e| e.point);
    assert!((point - 1.1).abs() < 1e-9, "{point}");
    assert_eq!(c.no_go_state, Some(NoGoState::Undecided));
    assert_eq!(c.state, State::Inconclusive);
    assert_eq!(v.decision, Decision::Inconclusive);
    assert!(
        v.reasons[0].contains("no interval to judge it (one paired round"),
        "{:?}",
        v.reasons
    );
    // Nothing measured at all: the line cannot be judged either, and nothing is decided.
    let v = run(&suite(SPEED), &[]);
    assert_eq!(v.criteria[0].no_go_state, Some(NoGoState::Undecided));
    assert_eq!(v.decision, Decision::NotMeasured);
}

#[test]
fn an_open_line_on_a_non_critical_criterion_keeps_go_from_being_claimed() {
    let s = suite(
        r#"
[[criterion]]
name = "Memory"
metric = "memory.peak_rss_bytes"
vs = "baseline"
op = "<="
target = 0.5
no_go = 0.7
"#,
    );
    let mut records = Vec::new();
    for (r, c) in [600u64, 800, 650, 750, 690].into_iter().enumerate() {
        records.push(memory("c", r as u32, c));
        records.push(memory("b", r as u32, 1000));
    }
    let v = run(&s, &records);
    assert_eq!(v.criteria[0].no_go_state, Some(NoGoState::Straddled));
    assert_eq!(v.decision, Decision::Inconclusive);
    // Wholly above 0.7: NO-GO.
    for r in records.iter_mut().filter(|r| r.model == "c") {
        if let Body::Memory(m) = &mut r.body {
            m.peak_rss_bytes += 150;
        }
    }
    assert_eq!(run(&s, &records).decision, Decision::NoGo);
}

#[test]
fn a_value_statistic_is_judged_on_its_value() {
    let s = suite(
        r#"
[[criterion]]
name = "Real backend integration"
metric = "integration.valid_fraction"
stat = "min"
op = ">="
target = 1.0
no_go = 0.5
"#,
    );
    // Round 1: one of two answers empty → min valid fraction 0.5: on the line, held.
    let mut records: Vec<Record> = (0..4).map(|r| chat("c", r, 40.0, 4)).collect();
    records.push(chat("c", 1, 40.0, 0));
    let v = run(&s, &records);
    assert_eq!(v.criteria[0].no_go_state, Some(NoGoState::Clear));
    assert_eq!(v.decision, Decision::Conditional);
    records.push(chat("c", 2, 40.0, 0));
    records.push(chat("c", 2, 40.0, 0));
    let v = run(&s, &records);
    assert_eq!(v.criteria[0].no_go_state, Some(NoGoState::Beyond));
    assert_eq!(v.decision, Decision::NoGo);
    assert!(
        v.reasons[0].contains("has no interval and is decided on its value"),
        "{:?}",
        v.reasons
    );
}
