//! `lfmbench report` over run folders with damaged or foreign files (issue 15): never a
//! panic. A run whose run.json, host.json, suite.toml or models.toml cannot be read is
//! left out, named with its file (and line where there is one) on stderr and in the
//! report, and the other runs are reported; a bad line of samples.jsonl or jobs.jsonl is
//! skipped and named with its file and line, and the run is reported without it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs/smoke")
}

/// A copy of the smoke fixture run at `dir`.
fn copy_run(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for e in std::fs::read_dir(fixture()).expect("fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
}

fn report(runs: &[&Path], out: &Path) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_lfmbench"))
        .env("NO_COLOR", "1")
        .arg("report")
        .args(runs)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run lfmbench");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.code().is_some(), "killed: {err}");
    assert!(!err.contains("panicked"), "{err}");
    o
}

fn all(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_run_with_a_damaged_or_foreign_file_is_left_out_and_named() {
    // (file, bytes, what stderr and the report must name)
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "run.json",
            br#"{"schema_version": 7, "id": "from-the-future", "layout": {}}"#.to_vec(),
            vec!["run.json", "record format 7", "another lfmbench version"],
        ),
        ("run.json", Vec::new(), vec!["run.json", "empty"]),
        (
            "run.json",
            b"{\n  \"schema_version\": 1,\n  \"id\": \"x\",".to_vec(),
            vec!["run.json:3:"],
        ),
        (
            "host.json",
            vec![0x7f, b'E', b'L', b'F', 0, 1, 2, 0xff],
            vec!["host.json:1:1"],
        ),
        ("host.json", Vec::new(), vec!["host.json", "empty"]),
        (
            "suite.toml",
            b"[suite]\nname = \"x\"\n\xff\xfe\xfd\n".to_vec(),
            vec!["suite.toml:3", "not UTF-8"],
        ),
        ("models.toml", Vec::new(), vec!["models.toml", "empty"]),
    ];
    for (file, bytes, want) in cases {
        let tmp = tempfile::tempdir().expect("tmp");
        let bad = tmp.path().join("bad-run");
        copy_run(&bad);
        std::fs::write(bad.join(file), &bytes).expect("damage");
        let out = tmp.path().join("F.md");
        let o = report(&[&fixture(), &bad], &out);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", all(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("bad-run is left out of the report"),
            "{file}: {err}"
        );
        let md = std::fs::read_to_string(&out).expect("markdown");
        assert!(md.contains("1 run(s) left out"), "{file}: {md}");
        for w in &want {
            assert!(err.contains(w), "{file}: `{w}` not on stderr:\n{err}");
            assert!(md.contains(w), "{file}: `{w}` not in the report");
        }
        // Only the readable run is reported.
        assert!(
            md.starts_with("# Phase 0 findings: suite `smoke`"),
            "{file}"
        );

        // Alone, the damaged run leaves nothing to report: exit 2, the reason given.
        let alone = report(&[&bad], &tmp.path().join("G.md"));
        assert_eq!(alone.status.code(), Some(2), "{file}: {}", all(&alone));
        assert!(!tmp.path().join("G.md").exists());
        let err = String::from_utf8_lossy(&alone.stderr);
        for w in &want {
            assert!(err.contains(w), "{file} alone: `{w}` not on stderr:\n{err}");
        }
    }
}

#[test]
fn bad_lines_of_the_line_files_are_named_and_skipped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run = tmp.path().join("run");
    copy_run(&run);
    let samples = std::fs::read_to_string(run.join("samples.jsonl")).expect("samples");
    let lines: Vec<&str> = samples.lines().collect();
    let n = lines.len();
    // Line 3: binary junk; line 5: a record of another version's schema; the last line
    // torn in the middle of a write.
    let mut damaged: Vec<u8> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match i {
            2 => damaged.extend_from_slice(&[0x00, 0xde, 0xad, 0xbe, 0xef, 0xff]),
            4 => damaged.extend_from_slice(br#"{"model":"smollm2-135m","round":0,"kind":"decode","v2":{"tokens_per_s":[1,2]}}"#),
            _ if i + 1 == n => damaged.extend_from_slice(&l.as_bytes()[..l.len() / 2]),
            _ => damaged.extend_from_slice(l.as_bytes()),
        }
        if i + 1 < n {
            damaged.push(b'\n');
        }
    }
    std::fs::write(run.join("samples.jsonl"), damaged).expect("write");
    std::fs::write(run.join("jobs.jsonl"), "").expect("empty jobs");
    let out = tmp.path().join("F.md");
    let o = report(&[&run], &out);
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let md = std::fs::read_to_string(&out).expect("markdown");
    for w in [
        "samples.jsonl:3: not a record".to_string(),
        "samples.jsonl:5: not a record".to_string(),
        format!("samples.jsonl:{n}: last line is incomplete"),
    ] {
        assert!(err.contains(&w), "`{w}` not on stderr:\n{err}");
        assert!(md.contains(&w), "`{w}` not in the report:\n{md}");
    }
    assert!(md.contains("Reading the run:"), "{md}");
}
