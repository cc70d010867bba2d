//! "Documentation" (`report.complete`) is judged on the plan's deliverables the report
//! hands in: the share present, PASS only with every one, the missing ones named.

use super::*;

const DOCS: &str = r#"
[[criterion]]
name = "Documentation"
metric = "report.complete"
op = ">="
target = 1.0
"#;

fn decide_docs(done: Option<&Completeness>) -> CriterionResult {
    let s = suite(DOCS);
    let models = models();
    evaluate(&Inputs {
        suite: &s,
        records: &[],
        models: &models,
        skipped: &[],
        completeness: done,
        twins: &no_twins(),
        contended: &[],
        sequential: None,
        not_measured: &[],
        named: None,
    })
    .criteria[0]
        .clone()
}

#[test]
fn every_deliverable_present_passes() {
    let c = decide_docs(Some(&deliverables_missing(0)));
    assert_eq!(c.state, State::Pass);
    assert_eq!(c.estimate.as_ref().map(|e| (e.point, e.n)), Some((1.0, 5)));
    assert_eq!(c.unit, "");
    assert!(c.note.is_none());
}

#[test]
fn a_missing_deliverable_is_named_and_fails() {
    // Recommendations and risk assessment not written yet: 3 of 5.
    let mut done = deliverables_missing(0);
    for d in done.deliverables.iter_mut().skip(3) {
        d.present = false;
        d.detail = "no section of the report computes it from measured data yet".into();
    }
    let c = decide_docs(Some(&done));
    assert_eq!(c.state, State::Fail);
    assert_eq!(c.estimate.as_ref().map(|e| e.point), Some(0.6));
    assert_eq!(
        c.note.as_deref(),
        Some(
            "missing: Recommendations (no section of the report computes it from measured data yet); Risk assessment (no section of the report computes it from measured data yet)"
        )
    );
    assert_eq!(crate::verdict::why(&c), "measured 60 %, target >= 100 %");
    assert!(!done.is_complete());
    assert_eq!(done.missing().count(), 2);
}

#[test]
fn without_the_report_it_is_not_measured() {
    let c = decide_docs(None);
    assert_eq!(c.state, State::NotMeasured);
    // No deliverable at all is not complete either.
    let none = Completeness::default();
    assert_eq!((none.value(), none.is_complete()), (0.0, false));
    assert_eq!(decide_docs(Some(&none)).state, State::Fail);
}
