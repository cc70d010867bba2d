//! `lfmbench report` as a user runs it: the real binary on stored runs under
//! tests/fixtures/runs (real smoke runs), writing into a temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lfmbench"));
    c.env_remove("NO_COLOR").env_remove("LFMBENCH_FAULT");
    c
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runs")
        .join(name)
}

fn expected(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/expected")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn report(args: &[&str], out: &Path) -> Output {
    let o = bin()
        .arg("report")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run lfmbench");
    assert!(
        o.status.code().is_some(),
        "killed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file under `dir`, sorted, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let p = e.expect("entry").path();
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn report_writes_the_golden_markdown_and_charts_and_is_byte_identical() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run = fixture("smoke");
    let run = run.to_str().expect("utf-8 path");
    let a = tmp.path().join("a/F.md");
    let o = report(&[run], &a);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = std::fs::read_to_string(&a).expect("markdown written");
    assert_eq!(md, expected("PHASE_0_FINDINGS.md"));
    let charts = files(&tmp.path().join("a/charts"));
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "cold_start.png",
            "cold_start.svg",
            "depth.png",
            "depth.svg",
            "depth_ratio.png",
            "depth_ratio.svg",
            "itl.png",
            "itl.svg",
            "memory.png",
            "memory.svg",
            "throughput.png",
            "throughput.svg",
            "ttft.png",
            "ttft.svg"
        ]
    );
    for (n, _) in &charts {
        assert!(md.contains(&format!("charts/{n}")), "{n} is not linked");
    }
    // A second report of the same run: the same bytes, charts included.
    let b = tmp.path().join("b/F.md");
    report(&[run], &b);
    assert_eq!(std::fs::read(&b).expect("b"), md.as_bytes());
    assert!(
        charts == files(&tmp.path().join("b/charts")),
        "charts differ"
    );
    // The terminal verdict, uncoloured into a pipe.
    let out = stdout(&o);
    assert!(out.contains("Verdict: INCONCLUSIVE"), "{out}");
    assert!(!out.contains('\x1b'));
}

#[test]
fn json_verdict_and_fail_on_exit_codes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("F.md");
    let faulty = fixture("smoke-faulty");
    let faulty = faulty.to_str().expect("utf-8 path");
    let o = report(&[faulty, "--format", "json"], &out);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("stdout is JSON");
    assert_eq!(j["decision"], "CONDITIONAL");
    assert_eq!(
        j["runs"][0]["verdict"]["criteria"][0]["state"],
        "NOT MEASURED"
    );
    let code = |fail_on: &str| report(&[faulty, "--fail-on", fail_on], &out).status.code();
    assert_eq!(code("no-go"), Some(0), "CONDITIONAL is not NO-GO");
    assert_eq!(code("conditional"), Some(3));
}

#[test]
fn several_runs_make_a_device_matrix() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("F.md");
    let (a, b) = (fixture("smoke"), fixture("smoke-faulty"));
    let o = report(&[a.to_str().expect("a"), b.to_str().expect("b")], &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&out).expect("md"),
        expected("DEVICE_MATRIX.md")
    );
    let text = stdout(&o);
    assert!(
        text.contains("ci-epyc-2c") && text.contains("ci-epyc-1thread"),
        "{text}"
    );
    assert!(tmp.path().join("charts/run2-memory.svg").exists());

    // Reporting one run into the same place removes the two-run charts it no longer
    // links, and nothing that is not an lfmbench chart.
    for keep in ["notes.txt", "my-memory.svg", "run2-memory.jpg"] {
        std::fs::write(tmp.path().join("charts").join(keep), "mine").expect("write");
    }
    let o = report(&[a.to_str().expect("a")], &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let names: Vec<String> = files(&tmp.path().join("charts"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(names.contains(&"memory.svg".to_string()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("run1-") || n.ends_with("run2-memory.svg")),
        "{names:?}"
    );
    for keep in ["notes.txt", "my-memory.svg", "run2-memory.jpg"] {
        assert!(names.contains(&keep.to_string()), "{keep} kept: {names:?}");
    }
}

#[test]
fn the_newest_run_is_reported_by_default() {
    let tmp = tempfile::tempdir().expect("tmp");
    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).expect("mkdir");
    // Names sort by time; copy the fixture under two names, the later one faulty.
    for (name, src) in [
        ("20260101T000000Z-smoke", "smoke"),
        ("20260102T000000Z-smoke", "smoke-faulty"),
    ] {
        let dst = runs.join(name);
        std::fs::create_dir_all(&dst).expect("mkdir");
        for (f, bytes) in files(&fixture(src)) {
            std::fs::write(dst.join(f), bytes).expect("copy");
        }
    }
    let out = tmp.path().join("F.md");
    let o = report(&["--runs-dir", runs.to_str().expect("utf-8")], &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).contains("Verdict: CONDITIONAL"));
}

#[test]
fn a_folder_that_is_not_a_run_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = report(
        &[tmp.path().to_str().expect("utf-8")],
        &tmp.path().join("F.md"),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is not an lfmbench run folder"), "{err}");
    assert!(!tmp.path().join("F.md").exists());
}

/// The methodology says how bench processes' files sat in the page cache, from the memory
/// samples: the smoke fixture predates settling; the same run with every file settled says
/// so instead.
#[test]
fn the_report_says_whether_model_files_were_settled() {
    let tmp = tempfile::tempdir().expect("tmp");
    let old = tmp.path().join("old.md");
    let o = report(&[fixture("smoke").to_str().expect("utf-8")], &old);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let md = std::fs::read_to_string(&old).expect("markdown");
    assert!(
        md.contains("Every bench process mapped its model file as it happened to be cached"),
        "{md}"
    );
    let run = tmp.path().join("settled");
    std::fs::create_dir_all(&run).expect("mkdir");
    for f in std::fs::read_dir(fixture("smoke")).expect("fixture") {
        let f = f.expect("entry").path();
        let name = f.file_name().expect("name").to_owned();
        let text = std::fs::read_to_string(&f).expect("read");
        let text = if name == "samples.jsonl" {
            text.lines()
                .map(|l| {
                    // A flat JSON object: add the field before its closing brace.
                    match l.strip_suffix('}') {
                        Some(head) if l.contains("\"kind\":\"memory\"") => {
                            format!("{head},\"page_cache\":{{\"state\":\"settled\"}}}}")
                        }
                        _ => l.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        } else {
            text
        };
        std::fs::write(run.join(name), text).expect("write");
    }
    let new = tmp.path().join("new.md");
    let o = report(&[run.to_str().expect("utf-8")], &new);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let md = std::fs::read_to_string(&new).expect("markdown");
    assert!(
        md.contains("its model file was dropped from the page cache and read back sequentially"),
        "{md}"
    );
}

/// A copy of the smoke run whose host.json says it ran on a Raspberry Pi 5.
fn pi_copy(dir: &Path) -> PathBuf {
    let to = dir.join("pi-run");
    std::fs::create_dir_all(&to).expect("mkdir");
    for e in std::fs::read_dir(fixture("smoke")).expect("fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
    let host = std::fs::read_to_string(to.join("host.json")).expect("host");
    let mut h: serde_json::Value = serde_json::from_str(&host).expect("json");
    h["label"] = "pi5-bench".into();
    h["arch"] = "aarch64".into();
    h["cpu"] = "Cortex-A76".into();
    h["physical_cores"] = 4.into();
    h["memory_bandwidth_gbps"] = 17.15.into();
    std::fs::write(to.join("host.json"), h.to_string()).expect("write");
    to
}

const CLASSES: &str = r#"
[[device]]
name = "pi"
match = { os = "linux", arch = "aarch64", cpu = "Cortex-A76" }
targets = { "Real backend integration" = 1.5 }

[[device]]
name = "x86"
match = { arch = "x86_64" }

[[device]]
name = "m3"
match = { os = "macos", arch = "aarch64", cpu = "Apple M3" }
"#;

#[test]
fn each_machine_is_judged_against_its_device_class() {
    let tmp = tempfile::tempdir().expect("tmp");
    let pi = pi_copy(tmp.path());
    let classes = tmp.path().join("classes.toml");
    std::fs::write(&classes, CLASSES).expect("write");
    let out = tmp.path().join("F.md");
    let smoke = fixture("smoke");
    let args = [
        smoke.to_str().expect("utf-8"),
        pi.to_str().expect("utf-8"),
        "--devices",
        classes.to_str().expect("utf-8"),
        "--format",
        "json",
    ];
    let o = report(&args, &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let crit = |run: usize| j["runs"][run]["verdict"]["criteria"][0].clone();
    // The same samples: the suite's target passes them, the Pi class's target does not.
    assert_eq!(j["runs"][0]["device_class"], "x86");
    assert_eq!(crit(0)["target"], 1.0);
    assert_eq!(crit(0)["state"], "PASS");
    assert_eq!(j["runs"][1]["device_class"], "pi");
    assert_eq!(crit(1)["target"], 1.5);
    assert_eq!(crit(1)["state"], "FAIL");
    let md = std::fs::read_to_string(&out).expect("md");
    assert!(
        md.contains("Judged as device class `pi`")
            && md.contains("CPU `Cortex-A76` contains “Cortex-A76”"),
        "{md}"
    );
    assert!(
        md.contains("Real backend integration target 150 % (the suite's: 100 %)"),
        "{md}"
    );
    // The compatibility matrix: a class without a machine stays, "not measured".
    assert!(md.contains("| m3 | not measured |"), "{md}");
    assert!(
        md.contains("| pi | `pi5-bench` | `smollm2-135m` (published file)"),
        "{md}"
    );
    // Minimum hardware: the same decode at half the bandwidth is twice the fraction; the
    // median fraction predicts neither machine exactly, and the table says by how much.
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| `smollm2-135m` | `") && l.contains("GB/s |"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    assert!(rows.iter().all(|r| !r.ends_with("| 0 % |")), "{rows:?}");
    // Recommendation and risks: each machine's margins and its next measurement.
    let rec = md
        .split("## Recommendation and risks")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the section");
    assert!(
        rec.contains("### On `pi5-bench`")
            && rec.contains("Next measurement: Run 32 more rounds (37 in all)"),
        "{rec}"
    );
    assert!(
        rec.contains("**Real backend integration** FAIL: its value 100 % lies wholly beyond the target 150 %, by 50 %."),
        "{rec}"
    );
    assert!(
        rec.contains(
            "- Decode speed (critical): undecided on 2 of 2 machines (`ci-epyc-2c`, `pi5-bench`)."
        ),
        "{rec}"
    );

    // Without classes, the run's own suite (none): the default targets, said so.
    let o = report(&[pi.to_str().expect("utf-8")], &out);
    assert_eq!(o.status.code(), Some(0));
    let md = std::fs::read_to_string(&out).expect("md");
    assert!(
        md.contains(
            "No device class defined (in the run's suite.toml): the suite's own targets apply."
        ),
        "{md}"
    );
}

#[test]
fn a_machine_in_two_classes_or_an_unknown_target_is_an_error_with_its_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("F.md");
    let smoke = fixture("smoke");
    let classes = tmp.path().join("classes.toml");
    // Undecidable at load (neither pattern contains the other); this machine has both.
    std::fs::write(
        &classes,
        "[[device]]\nname = \"epyc\"\nmatch = { cpu = \"EPYC\" }\n\n[[device]]\nname = \"amd\"\nmatch = { cpu = \"AMD\" }\n",
    )
    .expect("write");
    let args = [
        smoke.to_str().expect("utf-8"),
        "--devices",
        classes.to_str().expect("utf-8"),
    ];
    let o = report(&args, &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("classes.toml:2: machine `ci-epyc-2c` matches 2 device classes"),
        "{err}"
    );
    std::fs::write(
        &classes,
        CLASSES.replace("\"Real backend integration\"", "\"Decode sped\""),
    )
    .expect("write");
    let o = report(&args, &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("classes.toml:5:") && err.contains("`Decode sped`, which is not a criterion"),
        "{err}"
    );
}
