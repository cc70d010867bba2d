//! The twin rule: a criterion about text is NOT MEASURED when a model it judges is a
//! shape twin — known from the inputs, never from a name — and a verdict resting on twins
//! says so; speed and memory criteria on twins are measured as ever.

use super::*;

const TEXT: &str = r#"
[[criterion]]
name = "Real backend integration"
metric = "integration.valid_fraction"
stat = "min"
op = ">="
target = 1.0
"#;

fn twins(ids: &[&str]) -> BTreeMap<String, String> {
    ids.iter()
        .map(|id| (id.to_string(), format!("{id}-architecture")))
        .collect()
}

/// Every answer valid, decode at 2.5× the baseline: a twin would pass integration by
/// construction.
fn records() -> Vec<Record> {
    let mut v = paired(&[2.4, 2.5, 2.6, 2.5, 2.45]);
    v.extend((0..5).map(|r| chat("c", r, 40.0, 4)));
    v.extend((0..5).map(|r| chat("b", r, 40.0, 4)));
    v
}

#[test]
fn integration_on_a_twin_candidate_is_not_measured_with_the_reason() {
    let s = suite(&format!("{TEXT}{SPEED}"));
    let v = run_with_twins(&s, &records(), &twins(&["c"]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::NotMeasured, "{c:?}");
    assert!(c.estimate.is_none());
    let note = c.note.as_deref().unwrap_or("");
    assert!(
        note.starts_with("`c` is a shape twin of c-architecture: random weights say nothing about whether its answers are valid"),
        "{note}"
    );
    // Speed on twins is still measured.
    assert_eq!(v.criteria[1].state, State::Pass);
    // Not a hollow pass: one of two criteria passes, and the verdict says what it rests on.
    assert_eq!(v.passed, 1);
    assert_eq!(
        v.twins,
        vec![TwinModel {
            model: "c".into(),
            of: "c-architecture".into()
        }]
    );
    assert!(
        v.basis()
            .starts_with("shape twins `c` (of c-architecture) (random weights"),
        "{}",
        v.basis()
    );
    // The same records on real files: integration passes.
    let real = run(&s, &records());
    assert_eq!(real.criteria[0].state, State::Pass);
    assert_eq!(real.basis(), "real model files");
    assert!(real.twins.is_empty());
}

#[test]
fn only_the_models_a_criterion_judges_count() {
    // An absolute criterion judges the candidate alone: a twin baseline leaves it
    // measured, though the verdict still rests on that twin for its ratios.
    let s = suite(TEXT);
    let v = run_with_twins(&s, &records(), &twins(&["b"]));
    assert_eq!(v.criteria[0].state, State::Pass);
    assert_eq!(v.twins.len(), 1);
    assert_eq!(v.twins[0].model, "b");
    // A ratio judges both: a quality ratio on a twin baseline is not measured.
    let q = suite(
        r#"
[[criterion]]
name = "Answers"
metric = "quality.correct_fraction"
vs = "baseline"
op = ">="
target = 0.9
"#,
    );
    let v = run_with_twins(&q, &records(), &twins(&["b"]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::NotMeasured);
    assert!(
        c.note
            .as_deref()
            .unwrap_or("")
            .contains("`b` is a shape twin of b-architecture: random weights say nothing about whether its answers are correct"),
        "{c:?}"
    );
}

#[test]
fn twins_come_from_the_inputs_never_from_names() {
    let s: Suite = toml::from_str(&format!(
        r#"
[suite]
name = "t"
candidate = "lfm2-350m-twin"
baseline = "b"
[[workload]]
kind = "chat"
max_tokens = 4
prompts = ["p"]
{TEXT}"#
    ))
    .expect("suite");
    let models = vec!["lfm2-350m-twin".to_string(), "b".to_string()];
    let records: Vec<Record> = (0..3).map(|r| chat("lfm2-350m-twin", r, 40.0, 4)).collect();
    let v = evaluate(&Inputs {
        suite: &s,
        records: &records,
        models: &models,
        skipped: &[],
        completeness: None,
        twins: &no_twins(),
        contended: &[],
        sequential: None,
        not_measured: &[],
        named: None,
    });
    assert_eq!(
        v.criteria[0].state,
        State::Pass,
        "a name is not a twin mark"
    );
    assert!(v.twins.is_empty());
}

#[test]
fn about_text_names_integration_and_quality_only() {
    assert!(about_text("integration.valid_fraction"));
    assert!(about_text("quality.correct_fraction"));
    assert!(about_text("quality.bits_per_byte"));
    for speed in [
        "decode.tokens_per_s",
        "chat.ttft_ms",
        "memory.peak_rss_bytes",
        "report.complete",
    ] {
        assert!(!about_text(speed), "{speed}");
    }
}
