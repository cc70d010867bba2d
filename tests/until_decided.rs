//! `lfmbench run --until-decided` end to end on the real binary and the two real small
//! models (smol ÷ gemma decode, one short decode per round): a criterion far from its
//! target stops the run as soon as the plan has an interval; a budget too short for the
//! plan's first interval stops it there, INCONCLUSIVE, saying so.

mod util;

use util::{Sandbox, text};

/// A decode-only suite: one process per model per round, a few tokens at depth 0.
fn suite(target: f64, no_go: f64) -> String {
    format!(
        r#"
[suite]
name = "seq"
candidate = "smol"
baseline = "gemma"
rounds = 3
warmup = 0
timeout_s = 120

[backend]
n_ctx = 64
n_batch = 32

[[workload]]
kind = "decode"
tokens = 16
depths = [0]
repetitions = 3

[[criterion]]
name = "Decode speed"
metric = "decode.tokens_per_s"
vs = "baseline"
op = ">="
target = {target}
critical = true
no_go = {no_go}
"#
    )
}

fn run_json(sb: &Sandbox) -> serde_json::Value {
    let text = std::fs::read_to_string(sb.run_dir().join("run.json")).expect("run.json");
    serde_json::from_str(&text).expect("json")
}

fn max_round(sb: &Sandbox) -> u64 {
    sb.records()
        .iter()
        .filter_map(|r| r["round"].as_u64())
        .max()
        .expect("records")
}

#[test]
fn a_criterion_far_from_its_target_stops_the_run_once_decided() {
    let sb = Sandbox::new();
    // smol decodes faster than gemma on any machine; 0.05× is far below the ratio, even
    // on a busy host whose short decodes vary by 10× from round to round.
    sb.write("suite.toml", &suite(0.05, 0.02));
    let o = sb.run(&["run", "suite.toml", "--until-decided", "--max-rounds", "8"]);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("until decided: at most 8 rounds"),
        "{}",
        text(&o)
    );
    // One live line per round; no interval before the plan's first (round 6 of 8).
    assert!(
        err.contains("look 1/8")
            && err.contains("Decode speed undecided (no interval before 6 rounds)"),
        "{}",
        text(&o)
    );
    let meta = run_json(&sb);
    let seq = &meta["sequential"];
    let rounds = seq["stop"]["rounds"].as_u64().expect("stop rounds");
    assert_eq!(seq["stop"]["reason"], "decided", "{seq}");
    assert!((6..8).contains(&rounds), "stopped before N: {seq}");
    assert!(
        err.contains(&format!("until decided: decided after {rounds} rounds")),
        "{}",
        text(&o)
    );
    assert_eq!(meta["state"], "complete");
    assert_eq!(meta["rounds"].as_u64(), Some(rounds));
    assert_eq!(seq["max_rounds"], 8);
    assert!(
        seq["alpha_spent"]
            .as_f64()
            .is_some_and(|a| a > 0.0 && a <= 0.05)
    );
    let looks = seq["looks"].as_array().expect("looks");
    assert_eq!(looks.len() as u64, rounds);
    let last = &looks[looks.len() - 1]["criteria"][0];
    assert_eq!(last["decided"], true);
    assert!(last["lo"].as_f64().is_some_and(|lo| lo > 0.05), "{last}");
    // No round after the stop was run.
    assert_eq!(max_round(&sb), rounds - 1);

    // The report judges the criterion on the interval the run decided on, and names the
    // method with its simulated false-decision rate.
    let dir = sb.run_dir();
    let r = sb.run(&[
        "report",
        dir.to_str().expect("utf-8"),
        "--out",
        "findings.md",
    ]);
    assert!(r.status.success(), "{}", text(&r));
    let md = std::fs::read_to_string(sb.path().join("findings.md")).expect("findings");
    assert!(
        md.contains(", sequential)"),
        "the criterion's interval: {md}"
    );
    assert!(
        md.contains("**Run until decided**")
            && md.contains("Lan & DeMets (1983")
            && md.contains(&format!("decided after {rounds} rounds"))
            && md.contains("% of runs decided (falsely)"),
        "{md}"
    );

    // A run that stopped by design is complete: nothing to resume.
    let again = sb.run(&["run", "--resume", dir.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("stopped by design"),
        "{}",
        text(&again)
    );
}

#[test]
fn a_budget_too_short_to_decide_stops_the_run_inconclusive() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &suite(0.05, 0.02));
    // The plan's first interval comes after 6 rounds; a second holds fewer than 6 rounds of
    // two model processes each.
    let o = sb.run(&[
        "run",
        "suite.toml",
        "--until-decided",
        "--max-rounds",
        "8",
        "--budget",
        "1s",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let meta = run_json(&sb);
    let seq = &meta["sequential"];
    assert_eq!(seq["stop"]["reason"], "budget", "{seq}");
    assert_eq!(seq["budget_s"], 1.0);
    let rounds = seq["stop"]["rounds"].as_u64().expect("rounds");
    assert!((1..6).contains(&rounds), "{seq}");
    assert_eq!(meta["state"], "complete");
    assert_eq!(meta["rounds"].as_u64(), Some(rounds));
    assert_eq!(max_round(&sb), rounds - 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "until decided: budget of 1s spent after {rounds} rounds: Decode speed undecided"
        )),
        "{}",
        text(&o)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("verdict json");
    let c = &doc["runs"][0]["verdict"]["criteria"][0];
    assert_eq!(c["state"], "INCONCLUSIVE", "{c}");
    let note = c["note"].as_str().unwrap_or_default();
    assert!(
        note.starts_with(&format!("budget of 1s spent after {rounds} rounds")),
        "{note}"
    );
}

#[test]
fn bad_until_decided_input_is_refused_before_anything_runs() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &suite(2.0, 1.5));
    for (args, says) in [
        (
            vec!["--until-decided", "--budget", "30x"],
            "unknown unit `x`",
        ),
        (vec!["--until-decided", "--budget", "30"], "has no unit"),
        (
            vec!["--until-decided", "--max-rounds", "4"],
            "can never decide",
        ),
        (vec!["--budget", "30m"], "--until-decided"),
        (
            vec!["--until-decided", "--rounds", "4"],
            "cannot be used with",
        ),
    ] {
        let mut all = vec!["run", "suite.toml"];
        all.extend(args.iter().copied());
        let o = sb.run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {}", text(&o));
    }
    // A suite whose only critical criterion a look cannot decide (a pooled P95).
    sb.write(
        "p95.toml",
        &suite(2.0, 1.5).replace(
            "metric = \"decode.tokens_per_s\"\nvs = \"baseline\"",
            "metric = \"decode.tokens_per_s\"\nstat = \"p95\"\nvs = \"absolute\"",
        ),
    );
    let o = sb.run(&["run", "p95.toml", "--until-decided"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("needs a critical criterion"),
        "{}",
        text(&o)
    );
    assert!(
        !sb.path().join("reports/runs").exists(),
        "nothing was started"
    );
}
