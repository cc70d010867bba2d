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
use crate::metric::{MetricName, Stat};
use crate::sample::{Body, ChatSample, Record, StopReason};
use crate::stats::{self, Quantization};
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
static SMOKE_FINDINGS: LazyLock<Findings> = LazyLock::new(|| {
    let p = pools(std::slice::from_ref(&*SMOKE));
    findings(&views(&p)).expect("findings")
});

/// The markdown alone (no chart is drawn; chart links are left out).
fn markdown_of(v: &[RunView<'_>]) -> String {
    markdown::render(v, &[])
}

/// The markdown of one run alone.
fn markdown_of_run(run: &StoredRun) -> String {
    let p = pools(std::slice::from_ref(run));
    markdown_of(&views(&p))
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
    let p = pools(&runs);
    let v = views(&p);
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
    let pb = pools(std::slice::from_ref(&b));
    let fb = findings(&views(&pb)).expect("b");
    assert_eq!(fa.markdown, fb.markdown);
    assert_eq!(fa.charts.len(), fb.charts.len());
    for ((na, ba), (nb, bb)) in fa.charts.iter().zip(&fb.charts) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two renderings");
    }
}

#[test]
fn verdict_of_the_fixtures() {
    let p_v = pools(std::slice::from_ref(&*SMOKE));
    let v = views(&p_v);
    let c = &v[0].verdict.criteria;
    assert_eq!(c[0].state, State::Pass, "{:?}", c[0]);
    assert_eq!(c[1].name, "Decode speed");
    // Real measured data for four deliverables (recommendations and risks from the
    // criteria's intervals); one machine makes no matrix.
    let names = |it: &mut dyn Iterator<Item = &crate::verdict::Deliverable>| -> Vec<String> {
        it.map(|d| d.name.clone()).collect()
    };
    let done = &v[0].completeness;
    assert_eq!(
        names(&mut done.present()),
        [
            "Performance comparison",
            "Memory profile",
            "Recommendations",
            "Risk assessment"
        ]
    );
    assert_eq!(names(&mut done.missing()), ["Device compatibility matrix"]);
    assert!(
        done.deliverables[0].detail.contains(
            "metrics of `smollm2-135m` ÷ `gemma3-270m` paired by round over up to 5 rounds"
        ),
        "{done:?}"
    );
    assert!(
        done.deliverables[2]
            .detail
            .starts_with("one machine measured (`ci-epyc-2c`)")
    );

    // The faulty run: the candidate aborted at chat in every round.
    let run = load("smoke-faulty");
    let p_v = pools(std::slice::from_ref(&run));
    let v = views(&p_v);
    let c = &v[0].verdict.criteria;
    assert_eq!(c[0].state, State::NotMeasured);
    assert_eq!(c[1].state, State::Pass);
    assert_eq!(v[0].verdict.decision, Decision::Conditional);
    assert_eq!(v[0].problems.failures.len(), 3);
    assert!(
        v[0].completeness
            .missing()
            .any(|d| d.name == "Memory profile"
                && d.detail == "no peak RSS sample for `smollm2-135m`"),
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
        "93.8 % interval (order statistics)",
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
        at: None,
        candidate: None,
        baseline: None,
    });
    let p_v = pools(std::slice::from_ref(&run));
    let v = views(&p_v);
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
        point: Default::default(),
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
    let p_before = pools(std::slice::from_ref(clean));
    let before = views(&p_before);
    let p_after = pools(std::slice::from_ref(&run));
    let after = views(&p_after);
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
    let md = markdown_of_run(&run);
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
    let md = markdown_of_run(&run);
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
    let md = markdown_of_run(&run);
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
    let p_v = pools(std::slice::from_ref(&run));
    let v = views(&p_v);
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
    assert!(
        md.contains("0 of 5 present (`report.complete` = 0 %)"),
        "{md}"
    );
}

#[test]
fn terminal_and_json_carry_the_same_verdict() {
    let run = load("smoke-faulty");
    let p_v = pools(std::slice::from_ref(&run));
    let v = views(&p_v);
    let plain = terminal::render(&v, false);
    assert!(!plain.contains('\x1b'), "colour without a terminal");
    assert!(plain.contains("Real backend integration"));
    assert!(plain.contains("NOT MEASURED"));
    assert!(
        plain
            .contains("Verdict: CONDITIONAL on real model files — 1 of 2 criteria pass (2 needed)"),
        "{plain}"
    );
    assert!(plain.contains("Interval (its level)"), "{plain}");
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
    assert_eq!(
        j["runs"][0]["verdict"]["criteria"][1]["estimate"]["interval"]["level"], 0.75,
        "3 rounds: the range covers the median 75 % of the time, and says so"
    );
    assert_eq!(j["runs"][0]["label"], "ci-epyc-1thread");
    assert_eq!(j["runs"][0]["rests_on"]["models"], "real model files");
    assert_eq!(
        j["runs"][0]["rests_on"]["gpu_offload_achieved"],
        "none, this build has no GPU backend (engine.json gpu_offload = false)"
    );
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

/// A latency distribution keeps every value up to the limit, then evenly spaced order
/// statistics that include the extremes.
#[test]
fn cdf_points_keep_the_extremes_and_are_bounded() {
    use super::view::cdf_points;
    let small: Vec<f64> = (0..10).map(f64::from).collect();
    assert_eq!(cdf_points(small.clone(), 16), small);
    let big: Vec<f64> = (0..10_001).map(f64::from).collect();
    let kept = cdf_points(big, 101);
    assert_eq!(kept.len(), 101);
    assert_eq!((kept[0], kept[50], kept[100]), (0.0, 5000.0, 10_000.0));
    assert!(kept.windows(2).all(|w| w[0] <= w[1]));
}

/// A copy of `run` as another run of the same machine: its own id, its rounds' samples
/// scaled by `speed` for the candidate.
fn another_run(run: &StoredRun, id: &str, speed: f64) -> StoredRun {
    let mut r = run.clone();
    r.meta.id = id.into();
    for rec in r
        .records
        .iter_mut()
        .filter(|x| x.model == run.suite.suite.candidate)
    {
        if let Body::Decode(d) = &mut rec.body {
            d.tokens_per_s *= speed;
        }
    }
    r
}

#[test]
fn runs_of_one_machine_are_pooled_round_by_round() {
    let a = SMOKE.clone();
    let b = another_run(&a, "20261126T000000Z-smoke", 1.0);
    let runs = vec![a, b];
    let p = pools(&runs);
    assert_eq!(p.len(), 1, "same label, engine, suite and models: one pool");
    let v = views(&p);
    assert_eq!(v[0].machine, "ci-epyc-2c");
    assert_eq!(
        v[0].runs,
        ["20261125T094343Z-smoke", "20261126T000000Z-smoke"]
    );
    // Rounds of the second run come after the first's; each ratio stays within its round.
    assert_eq!(v[0].run.meta.rounds, 10);
    let decode = &v[0].verdict.criteria[1];
    let e = decode.estimate.as_ref().expect("estimate");
    assert_eq!((e.rounds, e.n), (10, 10));
    // Ten rounds: the interval is interpolated to 95 %.
    assert_eq!(e.level(), Some(0.95));
    let md = markdown_of(&v);
    assert_eq!(
        md.matches("**Verdict on `ci-epyc-2c`:**").count(),
        1,
        "{md}"
    );
    assert!(
        md.contains(
            "10 rounds of runs `20261125T094343Z-smoke` and `20261126T000000Z-smoke`, pooled"
        ),
        "{md}"
    );
}

#[test]
fn runs_of_one_machine_under_another_build_are_shown_apart_with_why() {
    let a = SMOKE.clone();
    let mut b = another_run(&a, "20261126T000000Z-smoke", 0.5);
    b.engine["version"] = "llama-cpp-2 0.1.161".into();
    let runs = vec![a, b];
    let p = pools(&runs);
    let v = views(&p);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].label, v[1].label);
    assert_eq!(v[0].machine, "ci-epyc-2c (llama.cpp llama-cpp-2 0.1.160)");
    assert_eq!(v[1].machine, "ci-epyc-2c (llama.cpp llama-cpp-2 0.1.161)");
    assert_eq!(
        v[0].apart.as_deref(),
        Some(
            "not pooled with the other runs of `ci-epyc-2c`: engine build llama.cpp llama-cpp-2 0.1.160 vs llama.cpp llama-cpp-2 0.1.161"
        )
    );
    let md = markdown_of(&v);
    assert!(
        md.contains(
            "  - shown apart: not pooled with the other runs of `ci-epyc-2c`: engine build"
        ),
        "{md}"
    );
    // Two builds of one machine are not two machines: no device matrix from them.
    assert!(
        v[0].completeness
            .missing()
            .any(|d| d.name == "Device compatibility matrix"),
        "{:?}",
        v[0].completeness
    );
}

#[test]
fn a_twin_candidate_leaves_integration_not_measured_and_says_so_first() {
    let mut run = SMOKE.clone();
    run.meta
        .twins
        .insert("smollm2-135m".into(), "smollm2-135m".into());
    let p = pools(std::slice::from_ref(&run));
    let v = views(&p);
    let integration = &v[0].verdict.criteria[0];
    assert_eq!(integration.state, State::NotMeasured);
    assert!(
        integration
            .note
            .as_deref()
            .unwrap_or("")
            .contains("is a shape twin of smollm2-135m: random weights say nothing"),
        "{integration:?}"
    );
    let md = markdown_of(&v);
    let first = md.lines().nth(2).unwrap_or("");
    assert!(
        first.starts_with(
            "**Verdict on `ci-epyc-2c`:** **INCONCLUSIVE**, on shape twins `smollm2-135m` (random weights"
        ),
        "{first}"
    );
    assert!(md.contains("| Real backend integration | `integration.valid_fraction` min | — | — | >= 100 % | — | *NOT MEASURED* |"), "{md}");
    let plain = terminal::render(&v, false);
    assert!(
        plain.contains("Verdict: INCONCLUSIVE on shape twins `smollm2-135m`"),
        "{plain}"
    );
}

/// The committed report's code path: `lfmbench report reports/reference/*` as the lead
/// runs it. Whatever runs are there, each machine label has one verdict line; a verdict
/// on twins says so in it and leaves integration NOT MEASURED; Documentation is judged
/// on the deliverables; every measured value and target carries its unit; NO-GO only
/// with an interval wholly beyond its line.
#[test]
fn the_committed_report_reads_as_a_decision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/reference");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("reports/reference")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("run.json").exists())
        .collect();
    dirs.sort();
    let runs: Vec<StoredRun> = dirs
        .iter()
        .map(|d| store::load(d).expect("a reference run loads"))
        .collect();
    let p = pools(&runs);
    let v = views(&p);
    let md = markdown_of(&v);
    let mut labels: Vec<&str> = runs.iter().map(|r| r.host.label.as_str()).collect();
    labels.dedup();
    for view in &v {
        let line = format!("`{}`", view.machine);
        let n = md
            .lines()
            .filter(|l| l.contains(&line) && l.contains("criteria pass"))
            .count();
        assert_eq!(n, 1, "one verdict line for {}:\n{md}", view.machine);
        let verdict = &view.verdict;
        for c in &verdict.criteria {
            if c.metric == "integration.valid_fraction" && !verdict.twins.is_empty() {
                assert_eq!(c.state, State::NotMeasured, "{c:?}");
            }
            if c.metric == "report.complete" {
                // Recommendations and risks are computed from the intervals now; one
                // machine still makes no compatibility matrix.
                assert_ne!(c.state, State::Pass, "one machine is no matrix");
                let note = c.note.as_deref().unwrap_or("");
                assert!(note.contains("Device compatibility matrix"), "{note}");
                assert!(!note.contains("Recommendations"), "{note}");
                assert!(!note.contains("Risk assessment"), "{note}");
            }
            if c.no_go_breached {
                let i = c
                    .estimate
                    .as_ref()
                    .and_then(|e| e.interval)
                    .expect("interval");
                let line = c.no_go.expect("line");
                assert!(i.lo > line || i.hi < line, "{c:?}");
            }
            if c.unit != "×"
                && !c.unit.is_empty()
                && let Some(e) = &c.estimate
            {
                let unit = if c.unit == "bytes" {
                    "MiB"
                } else {
                    c.unit.as_str()
                };
                assert!(
                    crate::verdict::fmt_value(e.point, &c.unit).ends_with(unit),
                    "{c:?}"
                );
            }
        }
        if !verdict.twins.is_empty() {
            assert!(md.contains("**, on shape twins "), "{md}");
        }
    }
    // Methodology, definitions and the decision sections once.
    assert_eq!(md.matches("## Methodology").count(), 1);
    for once in [
        "## Recommendation and risks",
        "## Compatibility matrix",
        "## Minimum hardware",
    ] {
        assert_eq!(md.matches(once).count(), 1, "{once}");
    }
    assert_eq!(md.matches("Criteria, as defined:").count(), 1);
    assert!(md.contains("| Rounds | Interval of | Method | Stated level | Simulated coverage |"));
}

/// A real run of every kind of curve (tests/fixtures/runs/curves: the two small models,
/// depths 0/64/192 each in its own process, prompts of 16 and 64 tokens, threads 1 (the named
/// point) and 2 for prefill, 6 s of sustained decode, a further pair, a criterion at
/// threads 2) on a
/// 2-core VM (`lfmbench run` of the suite stored beside it).
static CURVES: LazyLock<StoredRun> = LazyLock::new(|| load("curves"));
static CURVES_FINDINGS: LazyLock<Findings> =
    LazyLock::new(|| findings(&views(&pools(std::slice::from_ref(&*CURVES)))).expect("findings"));

#[test]
fn golden_curves_run() {
    golden("CURVES.md", &CURVES_FINDINGS.markdown);
    let names: Vec<&str> = CURVES_FINDINGS
        .charts
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    for stem in [
        "depth_ratio",
        "depth",
        "prompt_length",
        "threads",
        "sustained",
        "model_size",
    ] {
        for ext in ["svg", "png"] {
            let n = format!("{stem}.{ext}");
            assert!(names.contains(&n.as_str()), "{n} missing: {names:?}");
            assert!(
                CURVES_FINDINGS.markdown.contains(&format!("charts/{n}")),
                "{n} not linked"
            );
        }
    }
    for n in &names {
        let stem = n.rsplit_once('.').map_or(*n, |(s, _)| s);
        assert!(charts::STEMS.contains(&stem), "{n} is not in charts::STEMS");
    }
    // The same run drawn again: the same bytes.
    let again = findings(&views(&pools(std::slice::from_ref(&*CURVES)))).expect("again");
    assert!(
        again.charts == CURVES_FINDINGS.charts,
        "curve charts differ"
    );
    let t = svg_doc(&CURVES_FINDINGS, "depth_ratio.svg");
    for needle in [
        "smollm2-135m ÷ gemma3-270m",
        "target 1.50×",
        "NO-GO 1.00×",
        "context depth (tokens)",
    ] {
        assert!(t.contains(needle), "depth_ratio.svg lacks {needle:?}");
    }
}

#[test]
fn the_curves_of_the_fixture_hold_what_was_measured() {
    let run = &*CURVES;
    let p_v = pools(std::slice::from_ref(run));
    let v = views(&p_v);
    let v = &v[0];
    let d = v.curves.depth.as_ref().expect("a depth sweep");
    assert_eq!(d.depths, [0, 64, 192]);
    assert_eq!(d.decode.len(), 2);
    assert!(d.decode.iter().all(|c| c.points.len() == 3));
    // Each depth's own process: a deeper context holds a larger KV cache.
    for c in &d.memory {
        let at = |x: f64| c.points.iter().find(|p| p.x == x).map(|p| p.est.point);
        assert!(at(192.0) > at(0.0), "{}: {:?}", c.model, c.points);
    }
    // Two pairs (the suite's and its further pair) × two gates (target and NO-GO).
    assert_eq!(d.ratios.len(), 2);
    assert_eq!(d.crossings.len(), 4);
    // A ratio at a depth is the paired ratio of the two models' decode there.
    let first = &d.ratios[0];
    let direct = stats::paired_ratio(
        &stats::Rounds::new(
            MetricName::DecodeTokensPerS { depth: 64 }
                .values_by_round(&run.records, "smollm2-135m"),
        )
        .expect("rounds"),
        &stats::Rounds::new(
            MetricName::DecodeTokensPerS { depth: 64 }.values_by_round(&run.records, "gemma3-270m"),
        )
        .expect("rounds"),
        Stat::Median,
        Quantization::for_unit("tok/s"),
    )
    .expect("ratio");
    assert_eq!(first.points[1].2.as_ref().expect("ratio at 64"), &direct);
    let l = v.curves.lengths.as_ref().expect("prompt lengths");
    assert_eq!(l.lengths, [16, 64]);
    assert!(l.ttft.iter().all(|c| c.points.len() == 2));
    let t = &v.curves.settings[0];
    assert_eq!(t.param, "threads");
    let sp = &t.metrics[0].speedup;
    assert!(
        sp.iter()
            .all(|c| c.points[0].x == 1.0 && c.points[0].est.point == 1.0)
    );
    let s = v.sustained.as_ref().expect("sustained");
    assert_eq!((s.duration_s, s.window_s), (6, 2));
    assert!(s.models.iter().all(|m| m.rate.len() == 3));
    assert_eq!(
        s.vm.is_some(),
        run.host.virtualization.as_deref() != Some("none")
    );
    let sizes: Vec<(&str, u64)> = v
        .sizes
        .iter()
        .map(|r| (r.model.as_str(), r.n_params))
        .collect();
    assert_eq!(
        sizes,
        [("smollm2-135m", 134_515_008), ("gemma3-270m", 268_098_176)]
    );
    assert_eq!(v.pairs.len(), 1);
    assert_eq!(v.pairs[0].0, "gemma3-270m");
}

#[test]
fn a_criterion_at_a_sweep_point_reads_that_points_records() {
    let run = &*CURVES;
    let p_v = pools(std::slice::from_ref(run));
    let v = views(&p_v);
    let c = &v[0].verdict.criteria;
    let named = c.iter().find(|c| c.name == "Decode speed").expect("named");
    let two = c
        .iter()
        .find(|c| c.name == "Prefill at two threads")
        .expect("at 2");
    assert_eq!(two.at.as_deref(), Some("threads 2"));
    let point = crate::sample::Point {
        threads: Some(2),
        ..Default::default()
    };
    let rounds = |m: &str| {
        stats::Rounds::new(MetricName::PrefillAtTokensPerS { tokens: 64 }.values_at(
            &run.records,
            m,
            &point,
        ))
        .expect("threads 2 rounds")
    };
    let want = stats::paired_ratio(
        &rounds("smollm2-135m"),
        &rounds("gemma3-270m"),
        Stat::Median,
        Quantization::for_unit("tok/s"),
    )
    .expect("ratio");
    assert_eq!(two.estimate.as_ref().map(|e| e.point), Some(want.point));
    // `at` the named value is the named point: the same records as no `at`.
    let mut same = run.clone();
    let mut c2 = same.suite.criteria[0].clone();
    c2.name = "at the named threads".into();
    c2.at = Some(crate::config::At {
        threads: Some(1),
        ..Default::default()
    });
    same.suite.criteria.push(c2);
    let p_v2 = pools(std::slice::from_ref(&same));
    let v2 = views(&p_v2);
    let at2 = v2[0].verdict.criteria.last().expect("pushed");
    assert_eq!(at2.estimate, named.estimate);
}
