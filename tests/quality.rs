//! Quality beside speed (issue 17), end to end on the real binary and the real small
//! models: expected answers judged (a deliberately wrong expectation counted wrong, not
//! invalid), a question file included by the suite, a text scored in windows into bits per
//! byte, the registry's Gemma3-270M named a base model with its correct fraction, a shape
//! twin NOT MEASURED on every quality metric, advisory criteria shown and not counted, and
//! the report's quality section and speed-against-quality chart.

mod util;

use std::path::Path;

use util::{Sandbox, repo, text};

fn sha256(p: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(p).expect("read");
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const QUESTIONS: &str = r#"name = "three"
origin = "written for this test"
licence = "as the repository"
prompts = [
  { text = "What is the capital of Japan? Answer in one word.", expect = "Tokyo" },
  { text = "What is 7 times 8? Answer with the number only.", expect = "56" },
  { text = "Which planet is known as the Red Planet? Answer in one word.", expect = "Mars" },
]
"#;

/// A suite over `candidate` and `baseline` with a judged chat workload, the question file
/// `questions.toml` and a perplexity workload on the repository's Alice text.
fn quality_suite(sb: &Sandbox, candidate: &str, baseline: &str, rounds: u32) -> String {
    let q = sb.write("questions.toml", QUESTIONS);
    let alice = repo().join("suites/texts/alice29.txt");
    format!(
        r#"[suite]
name = "quality"
candidate = "{candidate}"
baseline = "{baseline}"
rounds = {rounds}
warmup = 0
timeout_s = 600

[backend]
threads = 1
n_ctx = 256
n_batch = 64

[[workload]]
kind = "decode"
tokens = 6

[[workload]]
kind = "chat"
max_tokens = 12
prompts = [
  {{ text = "What is the capital of France? Answer in one word.", expect = "Paris" }},
  # deliberately wrong: every model's right answer (Rome) is counted wrong
  {{ text = "What is the capital of Italy? Answer in one word.", expect = "Berlin" }},
  "Say hello.",
]

[[workload]]
kind = "questions"
prompts_file = "questions.toml"
sha256 = "{}"
max_tokens = 12

[[workload]]
kind = "perplexity"
file = "{}"
sha256 = "{}"
n_ctx = 64
chunks = 3

[[criterion]]
name = "Real backend integration"
metric = "integration.valid_fraction"
stat = "min"
op = ">="
target = 1.0

[[criterion]]
name = "Answers as good as the baseline's"
metric = "quality.correct_fraction"
vs = "baseline_difference"
op = ">="
target = -0.10
advisory = true

[[criterion]]
name = "Text as well predicted as the baseline's"
metric = "quality.bits_per_byte"
vs = "baseline"
op = "<="
target = 1.05
advisory = true

[decision]
pass_at_least = 1
"#,
        sha256(&q),
        alice.display(),
        sha256(&alice)
    )
}

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v[k].as_f64()
        .unwrap_or_else(|| panic!("{k} missing in {v}"))
}

#[test]
fn answers_are_judged_text_is_scored_and_the_base_model_is_named() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &quality_suite(&sb, "smol", "gemma", 2));
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let recs = sb.records();
    let of = |model: &str, kind: &str| -> Vec<&serde_json::Value> {
        recs.iter()
            .filter(|r| r["model"] == model && r["kind"] == kind)
            .collect()
    };
    for model in ["smol", "gemma"] {
        // The deliberate mistake: a valid answer, judged wrong — never invalid.
        let italy: Vec<_> = of(model, "chat")
            .into_iter()
            .filter(|c| c["prompt"].as_str().is_some_and(|p| p.contains("Italy")))
            .collect();
        assert_eq!(italy.len(), 2, "{model}: one per round");
        for c in &italy {
            assert_eq!(c["valid"], true, "{c}");
            assert_eq!(c["correct"], false, "{c}");
            assert_eq!(c["expect"]["contains"], "Berlin", "{c}");
        }
        let plain = of(model, "chat")
            .into_iter()
            .find(|c| c["prompt"] == "Say hello.")
            .expect("plain prompt");
        assert!(plain.get("correct").is_none(), "not judged: {plain}");
        // The question file: every question once per run (round 0), not every round.
        let answers = of(model, "answer");
        assert_eq!(answers.len(), 3, "{model}: {answers:?}");
        assert!(
            answers
                .iter()
                .all(|a| a["round"] == 0 && a["correct"].is_boolean())
        );
        // The text: 3 windows of 64 tokens, 31 tokens scored in each (positions 33..63).
        let ppl = of(model, "perplexity");
        assert_eq!(ppl.len(), 1, "{model}: once per run");
        let p = ppl[0];
        assert_eq!(p["n_ctx"], 64);
        assert_eq!(p["first"], 32);
        let windows = p["windows"].as_array().expect("windows");
        assert_eq!(windows.len(), 3);
        for w in windows {
            assert_eq!(w["tokens"], 31, "{w}");
            let bytes = f(w, "bytes");
            assert!((31.0..=31.0 * 16.0).contains(&bytes), "{w}");
            let nats_per_token = f(w, "nll") / 31.0;
            assert!(nats_per_token > 0.1 && nats_per_token < 12.0, "{w}");
        }
    }
    // SmolLM2-135M-Instruct knows Paris; the registry's Gemma3-270M is a base model.
    let paris = |model: &str| {
        of(model, "chat")
            .into_iter()
            .filter(|c| c["prompt"].as_str().is_some_and(|p| p.contains("France")))
            .map(|c| c["correct"] == true)
            .collect::<Vec<bool>>()
    };
    assert_eq!(paris("smol"), [true, true], "{:?}", of("smol", "chat"));
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.run_dir().join("run.json")).expect("run.json"),
    )
    .expect("json");
    assert!(
        meta["base_models"]["gemma"]
            .as_str()
            .is_some_and(|w| w.contains("no chat template")),
        "{meta}"
    );
    assert!(meta["base_models"].get("smol").is_none(), "{meta}");
    // The jobs: a quality process per model in the first round only.
    let jobs = std::fs::read_to_string(sb.run_dir().join("jobs.jsonl")).expect("jobs");
    assert_eq!(jobs.matches("\"part\":\"quality\"").count(), 2, "{jobs}");

    let o = sb.run(&["report", "--out", "report/FINDINGS.md"]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(sb.path().join("report/FINDINGS.md")).expect("report");
    let section = md
        .split("## Quality")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| panic!("no quality section:\n{md}"));
    assert!(section.contains("| `gemma` (base model) |"), "{section}");
    assert!(section.contains("`gemma` is a **base model**"), "{section}");
    // Gemma's correct fraction is shown (5 questions: 2 chat prompts judged, 3 questions).
    let gemma_row = section
        .lines()
        .find(|l| l.starts_with("| `gemma` (base model) |"))
        .expect("gemma row");
    assert!(gemma_row.contains("of 5)"), "{gemma_row}");
    assert!(section.contains("### Wrong answers"), "{section}");
    assert!(
        section.contains("| What is the capital of Italy? Answer in one word. | \"Berlin\" |"),
        "{section}"
    );
    assert!(section.contains("charts/speed_quality.svg"), "{section}");
    let svg =
        std::fs::read_to_string(sb.path().join("report/charts/speed_quality.svg")).expect("chart");
    assert!(
        svg.contains("smol") && svg.contains("gemma"),
        "both models drawn"
    );
    assert!(sb.path().join("report/charts/speed_quality.png").exists());
    // Advisory criteria are shown, decided, and not counted.
    assert!(
        md.contains("Answers as good as the baseline's (advisory, not counted)"),
        "{md}"
    );
    // One deciding criterion of three: "N of 1" (whether it passes depends on how busy the
    // host is: main's noise guard makes a contended round INCONCLUSIVE).
    assert!(
        md.contains(" of 1 criteria pass (1 needed)") && md.contains("advisory, not counted: "),
        "{md}"
    );
    // The base model is named wherever its chat answers appear.
    assert!(
        md.contains("`gemma` (alongside, base model") || md.contains("(baseline, base model"),
        "{md}"
    );
}

#[test]
fn a_twin_is_never_judged_on_quality() {
    let sb = Sandbox::new();
    // The repository's cached SmolLM2 twin (made by tests/twin.rs and phase-0 runs);
    // named by path, it is still a twin by its own metadata.
    let twin = repo().join("models/twins/smollm2-135m-q4_1.gguf");
    if !twin.exists() {
        let o = sb.run(&[
            "twin",
            "smollm2-135m",
            "--quant",
            "Q4_1",
            "-o",
            twin.to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let models = std::fs::read_to_string(sb.path().join("models.toml")).expect("models");
    sb.write(
        "models.toml",
        &format!(
            "{models}\n[[model]]\nid = \"twin\"\npath = \"{}\"\nfamily = \"llama\"\n",
            twin.display()
        ),
    );
    sb.write("suite.toml", &quality_suite(&sb, "twin", "smol", 1));
    let o = sb.run(&["run", "suite.toml"]);
    assert!(o.status.success(), "{}", text(&o));
    let recs = sb.records();
    let twin_recs: Vec<&serde_json::Value> = recs.iter().filter(|r| r["model"] == "twin").collect();
    assert!(
        twin_recs
            .iter()
            .all(|r| r["kind"] != "answer" && r["kind"] != "perplexity"),
        "no quality workload ran on the twin"
    );
    assert!(
        twin_recs
            .iter()
            .filter(|r| r["kind"] == "chat")
            .all(|r| r.get("correct").is_none() && r.get("expect").is_none()),
        "a twin's chat answers are not judged"
    );
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sb.run_dir().join("run.json")).expect("run.json"),
    )
    .expect("json");
    let nm = meta["not_measured"]
        .as_array()
        .and_then(|a| a.iter().find(|n| n["model"] == "twin"))
        .unwrap_or_else(|| panic!("{meta}"));
    assert_eq!(
        nm["metrics"],
        serde_json::json!([
            "quality.correct_fraction",
            "quality.bits_per_byte",
            "quality.perplexity"
        ])
    );
    assert!(
        nm["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("random weights"))
    );

    let o = sb.run(&["report", "--out", "report/FINDINGS.md", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(sb.path().join("report/FINDINGS.md")).expect("report");
    let row = md
        .lines()
        .find(|l| l.starts_with("| `twin` (shape twin) |"))
        .unwrap_or_else(|| panic!("{md}"));
    assert_eq!(row.matches("*NOT MEASURED*").count(), 3, "{row}");
    assert!(
        md.contains("`twin`: quality NOT MEASURED — random weights"),
        "{md}"
    );
    // The advisory criteria: NOT MEASURED with the reason, never FAIL, never a number.
    let verdict: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    let criteria = verdict
        .pointer("/runs/0/verdict/criteria")
        .and_then(|c| c.as_array())
        .unwrap_or_else(|| panic!("{verdict}"));
    for c in criteria.iter().filter(|c| c["advisory"] == true) {
        assert_eq!(c["state"], "NOT MEASURED", "{c}");
        assert!(c["estimate"].is_null(), "{c}");
        assert!(
            c["note"]
                .as_str()
                .is_some_and(|n| n.contains("random weights")),
            "{c}"
        );
    }
    assert_eq!(criteria.iter().filter(|c| c["advisory"] == true).count(), 2);
}
