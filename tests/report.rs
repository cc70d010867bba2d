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
