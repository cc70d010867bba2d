//! Report tests on real stored runs (tests/fixtures/runs, taken from `lfmbench run
//! suites/smoke.toml`): the golden markdown, determinism, chart contents, and the
//! validity and twin statements.
//!
//! `LFMBENCH_BLESS=1 cargo test report::` rewrites the expected files under
//! tests/fixtures/expected after a deliberate change; review the diff before committing.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::*;
use crate::cli::FailOn;
use crate::sample::{Body, ChatSample, Record, StopReason};
use crate::verdict::State;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runs")
        .join(name)
}

fn expected(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/expected")
        .join(name)
}

fn load(name: &str) -> StoredRun {
    store::load(&fixture(name)).expect("fixture run loads")
}

/// The smoke fixture and its findings, computed once: bootstrapping and drawing are
/// the slow part of these tests in a debug build.
static SMOKE: LazyLock<StoredRun> = LazyLock::new(|| load("smoke"));
static SMOKE_FINDINGS: LazyLock<Findings> =
    LazyLock::new(|| findings(&views(std::slice::from_ref(&*SMOKE))).expect("findings"));

/// The markdown alone (no chart is drawn; chart links are left out).
fn markdown_of(v: &[RunView<'_>]) -> String {
    markdown::render(v, &[])
}

/// Compare with the committed file, or rewrite it under LFMBENCH_BLESS=1.
fn golden(name: &str, actual: &str) {
    let path = expected(name);
    if std::env::var_os("LFMBENCH_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("bless");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with LFMBENCH_BLESS=1", path.display()));
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| want.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendering at line {}:\n  expected: {:?}\n  actual:   {:?}\n(LFMBENCH_BLESS=1 regenerates it after a deliberate change)",
            path.display(),
            line + 1,
            want.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn golden_single_run() {
    golden("PHASE_0_FINDINGS.md", &SMOKE_FINDINGS.markdown);
}

#[test]
fn golden_device_matrix_of_two_machines() {
    let runs = vec![load("smoke"), load("smoke-faulty")];
    let v = views(&runs);
    assert_eq!(v[0].machine, "ci-epyc-2c");
    assert_eq!(v[1].machine, "ci-epyc-1thread");
    let f = findings(&v).expect("findings");
    assert!(f.markdown.contains("## Device matrix"));
    assert!(f.markdown.contains("| `smollm2-135m` | peak RSS |"));
    assert!(f.charts.iter().any(|(n, _)| n == "run2-throughput.svg"));
    golden("DEVICE_MATRIX.md", &f.markdown);
}

#[test]
fn the_same_run_renders_byte_identically() {
    let b = load("smoke");
    let fa = &*SMOKE_FINDINGS;
    let fb = findings(&views(std::slice::from_ref(&b))).expect("b");
    assert_eq!(fa.markdown, fb.markdown);
    assert_eq!(fa.charts.len(), fb.charts.len());
    for ((na, ba), (nb, bb)) in fa.charts.iter().zip(&fb.charts) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two renderings");
    }
}

#[test]
fn verdict_of_the_fixtures() {
    let v = views(std::slice::from_ref(&*SMOKE));
    let c = &v[0].verdict.criteria;
    assert_eq!(c[0].state, State::Pass, "{:?}", c[0]);
    assert_eq!(c[1].name, "Decode speed");
    assert!(
        v[0].completeness.missing.is_empty(),
        "{:?}",
        v[0].completeness
    );

    // The faulty run: the candidate aborted at chat in every round.
    let run = load("smoke-faulty");
    let v = views(std::slice::from_ref(&run));
    let c = &v[0].verdict.criteria;
    assert_eq!(c[0].state, State::NotMeasured);
    assert_eq!(c[1].state, State::Pass);
    assert_eq!(v[0].verdict.decision, Decision::Conditional);
    assert_eq!(v[0].problems.failures.len(), 3);
    assert!(
        v[0].completeness
            .missing
            .iter()
            .any(|m| m.starts_with("Memory")),
        "{:?}",
        v[0].completeness
    );
    let md = markdown_of(&v);
    assert!(md.contains("### Failed rounds"));
    assert!(md.contains("lfmbench: injected fault `abort` at smollm2-135m:chat"));
    assert!(md.contains("*NOT MEASURED*"));
}

fn svg_doc(f: &Findings, name: &str) -> String {
    let bytes = &f
        .charts
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no chart {name}"))
        .1;
    String::from_utf8(bytes.clone()).expect("SVG is UTF-8")
}

#[test]
fn charts_are_valid_svg_with_the_expected_series() {
    let f = &*SMOKE_FINDINGS;
    let names: Vec<&str> = f.charts.iter().map(|(n, _)| n.as_str()).collect();
    for stem in ["throughput", "memory", "cold_start", "ttft", "itl"] {
        assert!(names.contains(&format!("{stem}.svg").as_str()), "{names:?}");
        assert!(names.contains(&format!("{stem}.png").as_str()), "{names:?}");
    }
    // `report` removes stale charts by these stems: every chart written must have one.
    for n in &names {
        let stem = n.rsplit_once('.').map_or(*n, |(s, _)| s);
        assert!(charts::STEMS.contains(&stem), "{n} is not in charts::STEMS");
    }
    let texts = |name: &str| -> Vec<String> {
        let s = svg_doc(f, name);
        let doc = roxmltree::Document::parse(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some("960"));
        assert_eq!(root.attribute("height"), Some("540"));
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_string))
            .collect()
    };
    let has = |texts: &[String], needle: &str| texts.iter().any(|t| t.contains(needle));
    let t = texts("throughput.svg");
    for needle in [
        "smollm2-135m",
        "gemma3-270m",
        "depth 0 (median)",
        "depth 128 (median)",
        "prefill (median)",
        "95% interval",
        "tokens/s",
    ] {
        assert!(has(&t, needle), "throughput.svg lacks {needle:?}: {t:?}");
    }
    let t = texts("memory.svg");
    for needle in ["model file", "rest of peak RSS", "MiB", "smollm2-135m"] {
        assert!(has(&t, needle), "memory.svg lacks {needle:?}: {t:?}");
    }
    let t = texts("cold_start.svg");
    for needle in [
        "process start",
        "model load",
        "context",
        "first token",
        "dropped: ",
        "warm: ",
    ] {
        assert!(has(&t, needle), "cold_start.svg lacks {needle:?}: {t:?}");
    }
    let t = texts("ttft.svg");
    for needle in [
        "smollm2-135m (n=5; P50",
        "Time to first token (ms)",
        "P95 n<20",
    ] {
        assert!(has(&t, needle), "ttft.svg lacks {needle:?}: {t:?}");
    }
    // PNG: the signature and the fixed size in the IHDR chunk.
    let png = &f
        .charts
        .iter()
        .find(|(n, _)| n == "memory.png")
        .expect("png")
        .1;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[16..24], &[0, 0, 3, 0xc0, 0, 0, 2, 0x1c]);
}

#[test]
fn a_latency_target_is_drawn_when_a_criterion_sets_one() {
    let mut run = SMOKE.clone();
    run.suite.criteria.push(crate::config::Criterion {
        name: "Edge latency".into(),
        metric: "chat.ttft_ms".into(),
        stat: "p95".into(),
        vs: crate::config::Versus::Absolute,
        op: crate::config::Op::Lt,
        target: 100.0,
        critical: false,
        no_go: None,
        definition: None,
        advisory: false,
    });
    let v = views(std::slice::from_ref(&run));
    let edge = &v[0].verdict.criteria[2];
    assert_eq!(edge.state, State::Inconclusive);
    assert!(
        edge.note
            .as_deref()
            .unwrap_or("")
            .contains("P95 needs at least 20 samples, 5 measured")
    );
    let f = findings(&v).expect("findings");
    assert!(svg_doc(&f, "ttft.svg").contains("target: p95 &lt; 100 ms"));
}

fn zero_token(model: &str, round: u32) -> Record {
    Record {
        model: model.into(),
        round,
        body: Body::Chat(ChatSample {
            prompt_index: 0,
            note: None,
            prompt: "What is the capital of France?".into(),
            n_prompt_tokens: 16,
            template: Some("gguf".into()),
            max_tokens: 16,
            n_generated: 0,
            ttft_ms: 1.0,
            itl_ms: vec![],
            e2e_ms: 1.0,
            stop: StopReason::EndOfGeneration,
            text: String::new(),
            valid: false,
            invalid_reason: Some("zero-token answer: the model ended its answer at once".into()),
            expect: None,
            correct: None,
        }),
    }
}

#[test]
fn zero_token_answers_are_listed_and_never_averaged_in() {
    let clean = &*SMOKE;
    let mut run = clean.clone();
    run.records.push(zero_token("smollm2-135m", 1));
    let before = views(std::slice::from_ref(clean));
    let after = views(std::slice::from_ref(&run));
    let ttft = |v: &RunView<'_>| {
        v.model("smollm2-135m")
            .and_then(|m| m.metric(crate::metric::MetricName::ChatTtftMs))
            .map(|r| (r.median.point, r.median.n))
    };
    assert_eq!(
        ttft(&before[0]),
        ttft(&after[0]),
        "an invalid answer reached the median"
    );
    assert_eq!(after[0].problems.zero_token.len(), 1);
    // valid_fraction of round 1 is now 1/2, so the integration criterion fails.
    assert_eq!(after[0].verdict.criteria[0].state, State::Fail);
    let md = markdown_of(&after);
    assert!(md.contains("### Zero-token answers"));
    assert!(md.contains(
        "| `smollm2-135m` | 1 | What is the capital of France? | gguf | end of generation | (empty) | zero-token answer: the model ended its answer at once |"
    ));
}

#[test]
fn a_shape_twin_is_said_to_have_unmeasured_text_quality() {
    let mut run = SMOKE.clone();
    for m in run
        .models
        .models
        .iter_mut()
        .filter(|m| m.id == "gemma3-270m")
    {
        m.twin = Some("gemma3-270m".into());
    }
    let md = markdown_of(&views(std::slice::from_ref(&run)));
    assert!(md.contains("## Shape twins"));
    assert!(md.contains(
        "`gemma3-270m` is a shape twin of `gemma3-270m`: random weights in the published shapes and quantization. Its memory and prefill speed stand for the real model's; **text quality was not measured for it — its text is random.**"
    ));
    assert!(md.contains("### `gemma3-270m` (baseline, shape twin)"));
    // The untouched run has no twin section.
    assert!(!SMOKE_FINDINGS.markdown.contains("Shape twins"));
}

#[test]
fn a_twin_marked_by_its_file_is_a_twin_in_the_report() {
    // models.toml names the file by `path`; the run recorded the file's own twin mark.
    let mut run = SMOKE.clone();
    run.meta
        .twins
        .insert("gemma3-270m".into(), "gemma3-270m".into());
    let md = markdown_of(&views(std::slice::from_ref(&run)));
    assert!(
        md.contains("### `gemma3-270m` (baseline, shape twin)"),
        "{md}"
    );
    assert!(md.contains("`gemma3-270m` is a shape twin of `gemma3-270m`"));
}

#[test]
fn sample_notes_are_shown_once_under_their_model() {
    let mut run = SMOKE.clone();
    let note = "decode rate from llama-server's own timings (timings.predicted_per_second)";
    for r in run.records.iter_mut().filter(|r| r.model == "smollm2-135m") {
        if let Body::Decode(d) = &mut r.body {
            d.note = Some(note.into());
        }
    }
    let md = markdown_of(&views(std::slice::from_ref(&run)));
    assert_eq!(md.matches(note).count(), 1, "{md}");
    let at = md.find(note).expect("note shown");
    let model = md.find("### `smollm2-135m`").expect("model section");
    let next = md[model + 1..]
        .find("### ")
        .map_or(md.len(), |i| model + 1 + i);
    assert!(
        model < at && at < next,
        "the note sits in smollm2-135m's section"
    );
    assert!(
        !SMOKE_FINDINGS
            .markdown
            .contains("How the backend took these samples")
    );
}

#[test]
fn a_skipped_candidate_is_not_measured_and_listed() {
    let mut run = SMOKE.clone();
    run.meta.models.retain(|m| m != "smollm2-135m");
    run.meta.skipped.push(crate::store::Skipped {
        model: "smollm2-135m".into(),
        reason: "models/cache/SmolLM2-135M-Instruct.Q4_1.gguf: file not found".into(),
    });
    let v = views(std::slice::from_ref(&run));
    assert!(
        v[0].verdict
            .criteria
            .iter()
            .all(|c| c.state == State::NotMeasured)
    );
    assert_eq!(v[0].verdict.decision, Decision::Inconclusive);
    let md = markdown_of(&v);
    assert!(md.contains(
        "- `smollm2-135m` was not run: models/cache/SmolLM2-135M-Instruct.Q4_1.gguf: file not found"
    ));
    assert!(md.contains("`report.complete` = 0"));
}

#[test]
fn terminal_and_json_carry_the_same_verdict() {
    let run = load("smoke-faulty");
    let v = views(std::slice::from_ref(&run));
    let plain = terminal::render(&v, false);
    assert!(!plain.contains('\x1b'), "colour without a terminal");
    assert!(plain.contains("Real backend integration"));
    assert!(plain.contains("NOT MEASURED"));
    assert!(plain.contains("Verdict: CONDITIONAL — 1 of 2 criteria pass (2 needed)"));
    let coloured = terminal::render(&v, true);
    assert!(coloured.contains("\x1b["));
    let j: serde_json::Value =
        serde_json::from_str(&json::render(&v).expect("json")).expect("valid JSON");
    assert_eq!(j["decision"], "CONDITIONAL");
    assert_eq!(j["runs"][0]["machine"], "ci-epyc-1thread");
    assert_eq!(
        j["runs"][0]["verdict"]["criteria"][0]["state"],
        "NOT MEASURED"
    );
    assert_eq!(j["runs"][0]["verdict"]["criteria"][1]["state"], "PASS");
    assert!(j["runs"][0]["verdict"]["criteria"][1]["estimate"]["interval"]["lo"].is_number());
}

#[test]
fn exit_status_follows_fail_on_only() {
    for d in [
        Decision::Go,
        Decision::Conditional,
        Decision::Inconclusive,
        Decision::NoGo,
    ] {
        assert_eq!(exit_status(d, None), 0, "{d}");
    }
    assert_eq!(exit_status(Decision::NoGo, Some(FailOn::NoGo)), 3);
    assert_eq!(exit_status(Decision::Conditional, Some(FailOn::NoGo)), 0);
    assert_eq!(exit_status(Decision::Inconclusive, Some(FailOn::NoGo)), 0);
    assert_eq!(exit_status(Decision::Go, Some(FailOn::Conditional)), 0);
    assert_eq!(
        exit_status(Decision::Conditional, Some(FailOn::Conditional)),
        3
    );
    assert_eq!(
        exit_status(Decision::Inconclusive, Some(FailOn::Conditional)),
        3
    );
    assert_eq!(exit_status(Decision::NoGo, Some(FailOn::Conditional)), 3);
}

#[test]
fn charts_go_beside_the_markdown() {
    assert_eq!(
        charts_dir(Path::new("reports/F.md")),
        Path::new("reports/charts")
    );
    assert_eq!(charts_dir(Path::new("F.md")), Path::new("./charts"));
}
