//! Bad input gets a clear error naming the file, the place and the fix — never a panic,
//! and never a started run.

mod util;

use util::{Sandbox, text, tiny_suite};

/// Run `lfmbench run suite.toml` on `suite` and return stderr, asserting exit 2 and that
/// nothing started.
fn rejected(sb: &Sandbox, suite: &str) -> String {
    sb.write("suite.toml", suite);
    let o = sb.run(&["run", "suite.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !sb.path().join("reports/runs").exists(),
        "a run started: {err}"
    );
    err
}

fn has(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "expected `{p}` in:\n{err}");
    }
}

#[test]
fn suite_mistakes_are_located_and_explained() {
    let sb = Sandbox::new();
    let good = tiny_suite("");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            good.replace("[suite]", "[suite"),
            vec!["suite.toml:2:", "unclosed table"],
        ),
        (
            good.replace("rounds = 2", "rouns = 2"),
            vec!["suite.toml:6:1", "did you mean `rounds`"],
        ),
        (
            good.replace("rounds = 2", "rounds = \"2\""),
            vec!["suite.toml:6:10", "expected u32"],
        ),
        (
            good.replace("name = \"tiny\"\n", ""),
            vec!["suite.toml", "missing field `name`"],
        ),
        (
            good.replace("baseline = \"gemma\"", "baseline = \"smol\""),
            vec!["suite.toml:5:", "candidate and baseline are both `smol`"],
        ),
        (
            good.replace("rounds = 2", "rounds = 0"),
            vec!["suite.toml:6:", "rounds = 0", "help:"],
        ),
        (
            good.replace("baseline = \"gemma\"", "baseline = \"gemmma\""),
            vec![
                "suite.toml:5:",
                "`gemmma` is not in",
                "did you mean `gemma`",
            ],
        ),
        (
            good.replace("tokens = 96", "tokens = 4096"),
            vec![
                "suite.toml:",
                "prefill tokens = 4096 does not fit n_ctx = 512",
                "raise n_ctx",
            ],
        ),
        (
            format!(
                "{good}\n[[criterion]]\nname = \"x\"\nmetric = \"decode.tokens_per_sec\"\nop = \">=\"\ntarget = 1\n"
            ),
            vec![
                "suite.toml:",
                "unknown metric `decode.tokens_per_sec`",
                "known metrics",
            ],
        ),
        (
            format!(
                "{good}\n[[criterion]]\nname = \"x\"\nmetric = \"chat.ttft_ms\"\nstat = \"p999\"\nop = \"<\"\ntarget = 1\n"
            ),
            vec!["unknown stat `p999`"],
        ),
        (
            format!(
                "{good}\n[[criterion]]\nname = \"x\"\nmetric = \"chat.ttft_ms\"\nop = \"=>\"\ntarget = 1\n"
            ),
            vec!["suite.toml:", "unknown variant `=>`"],
        ),
        (
            good.replace("tokens = 96", "tokens = 96\nrepetitions = 0"),
            vec![
                "suite.toml:23:",
                "a prefill workload: repetitions = 0 measures nothing (0)",
                "help: set repetitions between 1 and 100",
            ],
        ),
        (
            good.replace("depths = [0, 64]", "depths = [0, 64]\nrepetitions = 1000"),
            vec![
                "suite.toml:19:",
                "a decode workload: repetitions is above the limit (1000)",
                "add rounds instead",
            ],
        ),
        (
            format!("{good}\n[decision]\npass_at_least = 3\n"),
            vec!["pass_at_least = 3 but the suite has only 0 criteria"],
        ),
    ];
    for (suite, want) in cases {
        let err = rejected(&sb, &suite);
        has(&err, &want);
    }
}

#[test]
fn models_file_mistakes_are_located_and_explained() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &tiny_suite(""));
    let models = std::fs::read_to_string(sb.path().join("models.toml")).expect("models");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("{models}\n[[model]]\nid = \"smol\"\npath = \"x.gguf\"\nfamily = \"llama\"\n"),
            vec!["models.toml:", "model id `smol` is defined twice"],
        ),
        (
            models.replace("family = \"llama\"", "family = \"llama\"\nsha256 = \"abc\""),
            vec!["models.toml:", "64 hex digits"],
        ),
        (
            models.replace("family = \"llama\"", "familly = \"llama\""),
            vec!["models.toml:", "did you mean `family`"],
        ),
    ];
    for (m, want) in cases {
        sb.write("models.toml", &m);
        let o = sb.run(&["run", "suite.toml"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        has(&String::from_utf8_lossy(&o.stderr), &want);
    }
}

#[test]
fn broken_model_files_are_reported_before_any_model_runs() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &tiny_suite(""));
    let models = std::fs::read_to_string(sb.path().join("models.toml")).expect("models");
    let smol = util::smol().display().to_string();
    let bad = sb.path().join("bad.gguf");
    let bad_s = bad.display().to_string();
    let swap = |path: &str| models.replace(&smol, path);
    let real = std::fs::read(util::smol()).expect("smol bytes");
    // (bytes written to bad.gguf first, models.toml, expected words)
    type Case<'a> = (Option<Vec<u8>>, String, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (Some(Vec::new()), swap(&bad_s), vec!["bad.gguf", "empty"]),
        (
            Some(b"PK\x03\x04 not a gguf at all".to_vec()),
            swap(&bad_s),
            vec!["bad.gguf", "not a GGUF"],
        ),
        (
            Some(real[..real.len() / 2].to_vec()),
            swap(&bad_s),
            vec!["bad.gguf", "truncated"],
        ),
        (
            None,
            models.replace(
                "family = \"llama\"",
                &format!("family = \"llama\"\nsha256 = \"{}\"", "0".repeat(64)),
            ),
            vec!["sha256 is b179c952", "pins 0000"],
        ),
    ];
    for (bytes, m, want) in cases {
        if let Some(b) = bytes {
            std::fs::write(&bad, b).expect("write bad");
        }
        sb.write("models.toml", &m);
        let o = sb.run(&["run", "suite.toml"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        has(&err, &want);
        has(&err, &["smol", "--keep-going"]);
        assert!(!sb.path().join("reports/runs").exists());
    }
}

/// More threads than the host has logical CPUs would time-slice the engine's threads and
/// measure the scheduler: refused before anything runs, in the suite and on the command
/// line.
#[test]
fn threads_beyond_the_hosts_cpus_are_refused() {
    let sb = Sandbox::new();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let too_many = cpus + 1;
    let suite =
        tiny_suite("").replace("[backend]\n", &format!("[backend]\nthreads = {too_many}\n"));
    let err = rejected(&sb, &suite);
    has(
        &err,
        &[
            "suite.toml:12:1",
            &format!("threads = {too_many}"),
            &format!("{cpus} logical CPUs"),
            "help:",
        ],
    );
    // The same through --threads names the flag.
    sb.write("suite.toml", &tiny_suite(""));
    let o = sb.run(&["run", "suite.toml", "--threads", &too_many.to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    has(&err, &["--threads", &format!("{cpus} logical CPUs")]);
    assert!(!sb.path().join("reports/runs").exists(), "{err}");
}

/// Sweeps, pairs, a criterion's point and sustained load: points beyond the host or the
/// context, and names the suite does not measure, are refused with the line to fix.
#[test]
fn sweep_mistakes_are_located_and_explained() {
    let sb = Sandbox::new();
    let good = tiny_suite("");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let too_many = cpus + 1;
    let threads_msg = format!("threads = {too_many} in a sweep");
    let criterion = |extra: &str| {
        format!(
            "{good}\n[[criterion]]\nname = \"x\"\nmetric = \"decode.tokens_per_s\"\nvs = \"baseline\"\nop = \">=\"\ntarget = 1\n{extra}\n"
        )
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            good.replace(
                "[backend]\n",
                &format!("[backend]\nsweep = {{ threads = [1, {too_many}] }}\n"),
            ),
            vec!["suite.toml:12:", &threads_msg, "logical CPUs"],
        ),
        (
            good.replace("depths = [0, 64]", "depths = [0, 64, 600]"),
            vec![
                "suite.toml:",
                "decode depth + tokens = 612 does not fit n_ctx = 512",
            ],
        ),
        (
            good.replace("tokens = 96", "tokens = [32, 1024]"),
            vec![
                "suite.toml:",
                "prefill tokens = 1024 does not fit n_ctx = 512",
            ],
        ),
        (
            good.replace("tokens = 96", "tokens = []"),
            vec!["suite.toml:", "an empty list measures nothing"],
        ),
        (
            good.replace("tokens = 96", "tokens = 96\nsweep = { n_batch = [0, 64] }"),
            vec!["suite.toml:", "n_batch = 0 in a sweep"],
        ),
        (
            good.replace("tokens = 96", "tokens = 96\nsweep = { nbatch = [64] }"),
            vec!["suite.toml:", "did you mean `n_batch`"],
        ),
        (
            good.replace("[backend]\n", "[backend]\nsweep = {}\n"),
            vec!["suite.toml:", "a sweep with no list measures nothing"],
        ),
        (
            good.replace(
                "timeout_s = 120",
                "timeout_s = 120\npairs = [[\"smol\", \"qwen\"]]",
            ),
            vec!["suite.toml:", "`qwen` is not a model of the suite"],
        ),
        (
            criterion("at = { threads = 3 }"),
            vec![
                "suite.toml:",
                "at threads 3 is not a point the suite measures",
                "help:",
            ],
        ),
        (
            criterion("baseline = \"qwen\""),
            vec![
                "suite.toml:",
                "criterion `x`: `qwen` is not a model of the suite",
            ],
        ),
        (
            format!("{good}\n[[workload]]\nkind = \"sustained\"\nduration_s = 5\nwindow_s = 10\n"),
            vec![
                "suite.toml:",
                "sustained workload: duration_s is shorter than one window_s",
            ],
        ),
        (
            format!("{good}\n[[workload]]\nkind = \"sustained\"\nchunk = 600\n"),
            vec![
                "suite.toml:",
                "sustained chunk + 1 = 601 does not fit n_ctx = 512",
            ],
        ),
    ];
    for (suite, want) in cases {
        let err = rejected(&sb, &suite);
        has(&err, &want);
    }
}

/// `--rounds` is held to the same cap as the suite's `rounds` (every job is planned before
/// the first starts): one past it is refused naming the flag, the cap itself gets past the
/// check to the pre-flight. A model file is missing, so that neither can start a run
/// whatever the check does.
#[test]
fn rounds_beyond_the_cap_are_refused_on_the_command_line() {
    let sb = Sandbox::new();
    sb.write("suite.toml", &tiny_suite(""));
    let models = std::fs::read_to_string(sb.path().join("models.toml")).expect("models");
    let missing = sb.path().join("missing.gguf").display().to_string();
    sb.write(
        "models.toml",
        &models.replace(&util::smol().display().to_string(), &missing),
    );
    let refused = |rounds: &str| {
        let o = sb.run(&["run", "suite.toml", "--rounds", rounds]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(!err.contains("panicked"), "{err}");
        assert!(!sb.path().join("reports/runs").exists(), "{err}");
        err
    };
    let err = refused("10001");
    has(&err, &["--rounds 10001", "(10000)", "help:"]);
    assert!(!err.contains("missing.gguf"), "{err}");
    let err = refused("10000");
    has(&err, &["missing.gguf", "file not found"]);
    assert!(!err.contains("--rounds"), "{err}");
}
