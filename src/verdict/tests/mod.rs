//! The verdict's rules, checked on made-up records: each state, each step of the
//! decision, the NO-GO lines and what a NOT MEASURED note says. `no_go` holds every
//! boundary of the one rule for NO-GO lines, `twins` the twin rule, `deliverables` the
//! Documentation criterion, `sequential` runs made with `--until-decided`.

mod deliverables;
mod no_go;
mod sequential;
mod twins;

use std::collections::BTreeMap;

use super::*;
use crate::config::Suite;
use crate::metric::Stat;
use crate::sample::{
    Body, ChatSample, DecodeSample, FailureRecord, MemorySample, Record, StopReason,
};
use crate::store::Skipped;

fn suite(criteria: &str) -> Suite {
    let text = format!(
        r#"
[suite]
name = "t"
candidate = "c"
baseline = "b"
rounds = 5
[[workload]]
kind = "decode"
tokens = 8
{criteria}
"#
    );
    toml::from_str(&text).expect("suite")
}

fn decode(model: &str, round: u32, tps: f64) -> Record {
    Record {
        model: model.into(),
        round,
        point: Default::default(),
        body: Body::Decode(DecodeSample {
            depth: 0,
            note: None,
            n_requested: 8,
            n_generated: 8,
            elapsed_ms: 7000.0 / tps,
            tokens_per_s: tps,
            valid: true,
            invalid_reason: None,
            repetition: 0,
            repetitions: 1,
        }),
    }
}

fn memory(model: &str, round: u32, bytes: u64) -> Record {
    Record {
        model: model.into(),
        round,
        point: Default::default(),
        body: Body::Memory(MemorySample {
            peak_rss_bytes: bytes,
            source: "test".into(),
            model_file_bytes: bytes / 2,
            use_mmap: true,
            page_cache: None,
            ..MemorySample::default()
        }),
    }
}

fn chat(model: &str, round: u32, ttft: f64, n: u32) -> Record {
    Record {
        model: model.into(),
        round,
        point: Default::default(),
        body: Body::Chat(ChatSample {
            prompt_index: 0,
            note: None,
            prompt: "p".into(),
            n_prompt_tokens: 4,
            template: Some("gguf".into()),
            max_tokens: 8,
            n_generated: n,
            ttft_ms: ttft,
            itl_ms: vec![5.0; n.saturating_sub(1) as usize],
            e2e_ms: ttft + 5.0 * f64::from(n),
            stop: StopReason::MaxTokens,
            text: "x".repeat(n as usize),
            valid: n > 0,
            invalid_reason: (n == 0).then(|| "zero-token answer".into()),
            expect: None,
            correct: None,
        }),
    }
}

fn failure(model: &str, round: u32) -> Record {
    Record {
        model: model.into(),
        round,
        point: Default::default(),
        body: Body::Failure(FailureRecord {
            stage: "bench".into(),
            reason: "killed by signal 11".into(),
            exit_code: None,
            signal: Some(11),
            timed_out: false,
            stderr_tail: "boom".into(),
        }),
    }
}

fn models() -> Vec<String> {
    vec!["c".into(), "b".into()]
}

/// Every deliverable present, or the first `missing` of them not.
fn deliverables_missing(missing: usize) -> Completeness {
    Completeness {
        deliverables: [
            "Performance comparison",
            "Memory profile",
            "Device compatibility matrix",
            "Recommendations",
            "Risk assessment",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| Deliverable {
            name: n.to_string(),
            present: i >= missing,
            detail: if i >= missing {
                "from measured data".into()
            } else {
                "not computed".into()
            },
        })
        .collect(),
    }
}

fn no_twins() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn run(suite: &Suite, records: &[Record]) -> Verdict {
    run_with_twins(suite, records, &no_twins())
}

fn run_with_twins(suite: &Suite, records: &[Record], twins: &BTreeMap<String, String>) -> Verdict {
    let models = models();
    evaluate(&Inputs {
        suite,
        records,
        models: &models,
        skipped: &[],
        completeness: Some(&deliverables_missing(0)),
        twins,
        contended: &[],
        sequential: None,
        not_measured: &[],
        named: None,
    })
}

const SPEED: &str = r#"
[[criterion]]
name = "Decode speed"
metric = "decode.tokens_per_s"
vs = "baseline"
op = ">="
target = 2.0
critical = true
no_go = 1.5
"#;

/// Candidate at `ratios[r]` × a baseline of 100 tok/s in round r.
fn paired(ratios: &[f64]) -> Vec<Record> {
    let mut v = Vec::new();
    for (r, x) in ratios.iter().enumerate() {
        v.push(decode("c", r as u32, 100.0 * x));
        v.push(decode("b", r as u32, 100.0));
    }
    v
}

#[test]
fn pass_when_the_whole_interval_clears_the_target() {
    let s = suite(SPEED);
    let v = run(&s, &paired(&[2.4, 2.5, 2.6, 2.5, 2.45]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Pass, "{c:?}");
    assert_eq!(c.estimate.as_ref().map(|e| e.point), Some(2.5));
    assert_eq!(c.unit, "×");
    assert_eq!(v.decision, Decision::Go);
    assert!(v.reasons.is_empty());
    assert_eq!(
        v.counts(),
        "1 of 1 criteria pass (1 needed), every critical one passes"
    );
}

#[test]
fn fail_when_the_whole_interval_misses_it_and_no_go_below_the_line() {
    let s = suite(SPEED);
    let v = run(&s, &paired(&[1.2, 1.3, 1.25, 1.3, 1.2]));
    assert_eq!(v.criteria[0].state, State::Fail);
    assert!(v.criteria[0].no_go_breached);
    assert_eq!(v.decision, Decision::NoGo);
    assert!(v.reasons[0].contains("NO-GO line 1.50×"), "{:?}", v.reasons);
    // Between the NO-GO line and the target: FAIL, but CONDITIONAL.
    let v = run(&s, &paired(&[1.7, 1.8, 1.75, 1.8, 1.7]));
    assert_eq!(v.criteria[0].state, State::Fail);
    assert_eq!(v.decision, Decision::Conditional);
    assert!(v.reasons[0].starts_with("Decode speed (critical) FAIL: measured 1.75×"));
}

#[test]
fn inconclusive_when_the_interval_straddles_the_target() {
    let s = suite(SPEED);
    let v = run(&s, &paired(&[1.8, 2.2, 1.9, 2.3, 2.0]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Inconclusive);
    assert!(
        c.note.as_deref().unwrap_or("").contains("straddles"),
        "{c:?}"
    );
    // A critical criterion open and none failed: the decision is INCONCLUSIVE.
    assert_eq!(v.decision, Decision::Inconclusive);
}

#[test]
fn inconclusive_when_too_few_samples_for_a_percentile() {
    let s = suite(
        r#"
[[criterion]]
name = "Edge latency"
metric = "chat.ttft_ms"
stat = "p95"
op = "<"
target = 100.0
"#,
    );
    let records: Vec<Record> = (0..5).map(|r| chat("c", r, 40.0, 4)).collect();
    let v = run(&s, &records);
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Inconclusive);
    assert!(
        c.note
            .as_deref()
            .unwrap_or("")
            .contains("P95 needs at least 20 samples, 5 measured"),
        "{c:?}"
    );
    assert_eq!(v.decision, Decision::Conditional);
    // With 20 answers it is decided.
    let records: Vec<Record> = (0..5)
        .flat_map(|r| (0..4).map(move |i| chat("c", r, 40.0 + f64::from(i), 4)))
        .collect();
    assert_eq!(run(&s, &records).criteria[0].state, State::Pass);
}

#[test]
fn not_measured_when_there_are_no_samples_never_a_silent_pass() {
    let s = suite(SPEED);
    // Baseline only: the candidate failed every round.
    let mut records: Vec<Record> = (0..3).map(|r| decode("b", r, 100.0)).collect();
    records.extend((0..3).map(|r| failure("c", r)));
    let v = run(&s, &records);
    let c = &v.criteria[0];
    assert_eq!(c.state, State::NotMeasured);
    assert!(c.estimate.is_none());
    assert!(
        c.note
            .as_deref()
            .unwrap_or("")
            .contains("3 failure record(s)"),
        "{c:?}"
    );
    // A candidate that measured nothing leaves nothing to decide on.
    assert_eq!(v.decision, Decision::NotMeasured);
    assert!(
        v.reasons[0].starts_with("`c` (candidate) has no valid sample"),
        "{:?}",
        v.reasons
    );

    // A skipped candidate.
    let skipped = vec![Skipped {
        model: "c".into(),
        reason: "file missing".into(),
    }];
    let models = vec!["b".to_string()];
    let v = evaluate(&Inputs {
        suite: &s,
        records: &records,
        models: &models,
        skipped: &skipped,
        completeness: None,
        twins: &no_twins(),
        contended: &[],
        sequential: None,
        not_measured: &[],
        named: None,
    });
    assert_eq!(v.criteria[0].state, State::NotMeasured);
    assert!(
        v.criteria[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("was not run: file missing")
    );
    assert_eq!(v.decision, Decision::NotMeasured);
    assert!(
        v.reasons[0].starts_with("`c` (candidate) was skipped before running"),
        "{:?}",
        v.reasons
    );
}

/// A baseline that measured nothing makes a suite with a criterion against it NOT
/// MEASURED, even when another criterion (absolute, on the candidate) passes.
#[test]
fn a_baseline_that_measured_nothing_is_not_measured() {
    let s = suite(SPEED);
    let records: Vec<Record> = (0..3).map(|r| decode("c", r, 100.0)).collect();
    let v = run(&s, &records);
    assert_eq!(v.decision, Decision::NotMeasured, "{v:?}");
    assert!(
        v.reasons[0].starts_with("`b` (baseline) has no valid sample"),
        "{:?}",
        v.reasons
    );
}

#[test]
fn invalid_answers_are_left_out_and_fail_the_integration_criterion() {
    let s = suite(
        r#"
[[criterion]]
name = "Real backend integration"
metric = "integration.valid_fraction"
stat = "min"
op = ">="
target = 1.0
[[criterion]]
name = "TTFT"
metric = "chat.ttft_ms"
op = "<"
target = 100.0
"#,
    );
    let mut records: Vec<Record> = (0..4).map(|r| chat("c", r, 40.0, 4)).collect();
    // A zero-token answer with an absurd TTFT must not reach the median.
    records.push(chat("c", 1, 10_000.0, 0));
    let v = run(&s, &records);
    assert_eq!(v.criteria[0].state, State::Fail);
    assert_eq!(v.criteria[0].estimate.as_ref().map(|e| e.point), Some(0.5));
    assert_eq!(v.criteria[1].state, State::Pass);
    assert_eq!(v.criteria[1].estimate.as_ref().map(|e| e.point), Some(40.0));
    assert_eq!(v.criteria[1].estimate.as_ref().map(|e| e.n), Some(4));
}

#[test]
fn memory_ratio_no_go_is_on_the_upper_side() {
    let s = suite(
        r#"
[[criterion]]
name = "Memory"
metric = "memory.peak_rss_bytes"
vs = "baseline"
op = "<="
target = 0.5
critical = true
no_go = 0.7
"#,
    );
    let mut records = Vec::new();
    for r in 0..3 {
        records.push(memory("c", r, 800));
        records.push(memory("b", r, 1000));
    }
    let v = run(&s, &records);
    assert_eq!(v.criteria[0].estimate.as_ref().map(|e| e.point), Some(0.8));
    assert!(v.criteria[0].no_go_breached);
    assert_eq!(v.decision, Decision::NoGo);
    let mut records = Vec::new();
    for r in 0..3 {
        records.push(memory("c", r, 400));
        records.push(memory("b", r, 1000));
    }
    assert_eq!(run(&s, &records).decision, Decision::Go);
}

#[test]
fn one_round_is_inconclusive_and_pass_at_least_counts() {
    let s = suite(&format!(
        "{SPEED}\n[[criterion]]\nname = \"Abs\"\nmetric = \"decode.tokens_per_s\"\nop = \">=\"\ntarget = 10.0\n[decision]\npass_at_least = 2\n"
    ));
    let v = run(&s, &paired(&[2.5]));
    assert_eq!(v.criteria[0].state, State::Inconclusive);
    assert!(
        v.criteria[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("one paired round")
    );
    assert_eq!(v.criteria[1].state, State::Inconclusive);
    assert_eq!(v.decision, Decision::Inconclusive);
    // Critical passes, the other fails: 1 of 2 < pass_at_least → CONDITIONAL.
    let mut records = paired(&[2.5, 2.6, 2.4]);
    records.retain(|r| r.model == "b" || matches!(&r.body, Body::Decode(_)));
    let v = run(&s, &records);
    assert_eq!(v.criteria[0].state, State::Pass);
    assert_eq!(v.criteria[1].state, State::Pass);
    let s1 = suite(&format!(
        "{SPEED}\n[[criterion]]\nname = \"Abs\"\nmetric = \"decode.tokens_per_s\"\nop = \">=\"\ntarget = 1000.0\n[decision]\npass_at_least = 2\n"
    ));
    let v = run(&s1, &records);
    assert_eq!(v.criteria[1].state, State::Fail);
    assert_eq!(v.decision, Decision::Conditional);
    assert!(
        v.reasons.iter().any(|r| r.contains("1 of 2 criteria pass")),
        "{:?}",
        v.reasons
    );
}

#[test]
fn the_phase0_suite_decides_go_and_no_go() {
    use crate::sample::{ColdStartSample, PageCache};
    let s: Suite = toml::from_str(include_str!("../../../suites/phase0.toml")).expect("phase0");
    let (c, b) = (s.suite.candidate.clone(), s.suite.baseline.clone());
    let build = |speedup: f64| {
        let mut v = Vec::new();
        for r in 0..5 {
            v.push(decode(&c, r, 100.0 * speedup + f64::from(r)));
            v.push(decode(&b, r, 100.0 + f64::from(r)));
            v.push(memory(&c, r, 400));
            v.push(memory(&b, r, 1000));
            for i in 0..4 {
                v.push(chat(&c, r, 50.0 + f64::from(i), 8));
            }
            v.push(Record {
                model: c.clone(),
                round: r,
                point: Default::default(),
                body: Body::ColdStart(ColdStartSample {
                    page_cache: PageCache::Dropped,
                    resident_before: Some(0.0),
                    total_ms: 900.0,
                    process_ms: 5.0,
                    load_ms: 800.0,
                    context_ms: 20.0,
                    first_token_ms: 75.0,
                }),
            });
        }
        v
    };
    let models = vec![c.clone(), b.clone()];
    let done = deliverables_missing(0);
    let decide = |records: &[Record]| {
        evaluate(&Inputs {
            suite: &s,
            records,
            models: &models,
            skipped: &[],
            completeness: Some(&done),
            twins: &no_twins(),
            contended: &[],
            sequential: None,
            not_measured: &[],
            named: None,
        })
    };
    let v = decide(&build(2.5));
    let states: Vec<State> = v.criteria.iter().map(|c| c.state).collect();
    // Six deciding criteria pass; the two advisory quality criteria have no sample here
    // (NOT MEASURED) and, never counted, leave the GO standing.
    let mut want = vec![State::Pass; 6];
    want.extend([State::NotMeasured; 2]);
    assert_eq!(states, want, "{:?}", v.criteria);
    assert_eq!(
        v.criteria.iter().map(|c| c.advisory).collect::<Vec<_>>(),
        [false, false, false, false, false, false, true, true]
    );
    assert_eq!(v.decision, Decision::Go);
    assert_eq!((v.passed, v.pass_at_least), (6, 5));
    // Decode only 1.2× the baseline: the whole interval below the NO-GO line of 1.5.
    let v = decide(&build(1.2));
    assert_eq!(v.decision, Decision::NoGo);
    assert!(
        v.reasons[0].starts_with("Decode speed: the 93.8 % interval (order statistics) 1.19×–1.20× lies wholly beyond the NO-GO line 1.50× (must be >= 1.50×"),
        "{:?}",
        v.reasons
    );
}

#[test]
fn no_criteria_is_inconclusive() {
    let s = suite("");
    let v = run(&s, &[decode("c", 0, 100.0)]);
    assert_eq!(v.decision, Decision::Inconclusive);
}

#[test]
fn formats() {
    assert_eq!(fmt_value(2.144, "×"), "2.14×");
    assert_eq!(fmt_value(3.0 * 1024.0 * 1024.0, "bytes"), "3.0 MiB");
    assert_eq!(fmt_value(123.4, "ms"), "123 ms");
    assert_eq!(fmt_value(f64::NAN, "ms"), "—");
    assert_eq!(fmt_value(1.0, ""), "100 %");
    assert_eq!(fmt_value(0.625, ""), "62.5 %");
    assert_eq!(stat_label(Stat::Percentile(99.9)), "P99.9");
    assert!(Decision::NoGo > Decision::Go);
}

/// Jobs of `rounds` marked as run beside a busy loop.
fn busy(models: &[&str], rounds: &[u32]) -> Vec<noise::Contended> {
    let mut v = Vec::new();
    for m in models {
        for &r in rounds {
            v.push(noise::Contended {
                model: (*m).into(),
                round: r,
                part: "bench".into(),
                reason: "other processes used 1.02 CPUs (limit 0.25)".into(),
                other_cpu_cores: Some(1.02),
            });
        }
    }
    v
}

fn run_busy(suite: &Suite, records: &[Record], contended: &[noise::Contended]) -> Verdict {
    let models = models();
    evaluate(&Inputs {
        suite,
        records,
        models: &models,
        skipped: &[],
        completeness: None,
        twins: &no_twins(),
        contended,
        not_measured: &[],
        named: None,
        sequential: None,
    })
}

#[test]
fn a_few_contended_rounds_that_change_nothing_keep_the_state_and_say_so() {
    let s = suite(SPEED);
    let recs = paired(&[2.4, 2.5, 2.45, 2.6, 2.55, 2.5, 2.42, 2.48]);
    let v = run_busy(&s, &recs, &busy(&["c"], &[3]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Pass, "{c:?}");
    assert!(!c.noisy_host);
    let note = c.note.as_deref().unwrap_or_default();
    assert!(note.contains("1 of 8 rounds ran on a busy host"), "{note}");
    // Contended cold starts say nothing about a decode criterion.
    let mut cold = busy(&["c", "b"], &[0, 1, 2, 3, 4]);
    for j in &mut cold {
        j.part = "cold_start".into();
    }
    let v = run_busy(&s, &recs, &cold);
    assert_eq!(v.criteria[0].state, State::Pass);
    assert_eq!(v.criteria[0].note, run(&s, &recs).criteria[0].note);
}

#[test]
fn too_many_contended_rounds_make_it_inconclusive_noisy_host() {
    let s = suite(SPEED);
    let recs = paired(&[2.4, 2.5, 2.45, 2.6, 2.55, 2.5, 2.42, 2.48]);
    let v = run_busy(&s, &recs, &busy(&["b"], &[0, 2, 4]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Inconclusive, "{c:?}");
    assert!(c.noisy_host);
    let note = c.note.as_deref().unwrap_or_default();
    assert!(note.starts_with("noisy host: 3 of 8 rounds"), "{note}");
    assert!(note.contains("up to 1.02 CPUs"), "{note}");
}

#[test]
fn a_result_that_rests_on_contended_rounds_is_inconclusive() {
    let s = suite(SPEED);
    // Quiet rounds alone clear 2x; the two slow rounds ran beside a busy loop and drag
    // the interval across the target.
    let recs = paired(&[2.4, 2.5, 1.2, 2.6, 2.55, 1.3, 2.42, 2.48]);
    let all = run(&s, &recs);
    assert_eq!(all.criteria[0].state, State::Inconclusive);
    let v = run_busy(&s, &recs, &busy(&["c"], &[2, 5]));
    let c = &v.criteria[0];
    assert_eq!(c.state, State::Inconclusive, "{c:?}");
    assert!(c.noisy_host);
    let note = c.note.as_deref().unwrap_or_default();
    assert!(note.contains("without them it reads PASS"), "{note}");
}
