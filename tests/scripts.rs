//! The shell scripts (scripts/*.sh, .ci/run, fuzz/run.sh): linted with shellcheck, and
//! run here the way a stock Mac or a fresh machine would run them.
//!
//! - shellcheck over every script. Without shellcheck the lint is skipped with a loud
//!   banner, never silently passed; under CI (`CI=true`) a missing shellcheck fails, since
//!   scripts/setup.sh installs it there.
//! - macOS's /bin/bash is 3.2, where "${a[@]}" of an empty array under `set -u` is an
//!   "unbound variable" error (bash 4.4+ allows it, so a newer bash cannot show the bug by
//!   running): every array a script may leave empty is checked to be expanded only as
//!   ${a[@]+"${a[@]}"}, and phase0.sh and build-llama-tool.sh run under `bash -u` on the
//!   paths that leave them empty (with stand-ins for cargo and lfmbench). Where a bash 3.x
//!   is at hand (/bin/bash on a Mac, or $BASH3), they run under it too.
//! - scripts/lib.sh: the sha256 fallback to `shasum -a 256` with sha256sum hidden from
//!   PATH; the Rust version check against stand-in `rustc`s; the Xcode check against a
//!   stand-in `xcode-select`.
//! - scripts/cpu-id.sh (the CI cache keys' CPU identity) on made-up /proc/cpuinfo files.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every shell script of the repository, relative to its root.
fn scripts() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo().join("scripts"))
        .expect("scripts/")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.ends_with(".sh").then(|| format!("scripts/{name}"))
        })
        .collect();
    v.sort();
    v.push(".ci/run".into());
    v.push("fuzz/run.sh".into());
    assert!(v.len() >= 8, "scripts found: {v:?}");
    v
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

/// An executable file `dir/name` holding `body`.
fn tool(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write tool");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A folder for PATH holding only links to `tools` (found on the real PATH).
fn path_with_only(tools: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for t in tools {
        let real = which(t).unwrap_or_else(|| panic!("`{t}` is not on PATH"));
        std::os::unix::fs::symlink(real, dir.path().join(t)).expect("link");
    }
    dir
}

/// `bash -c SCRIPT` in the repository with lib.sh sourced and PATH = `path`.
fn with_lib(path: &Path, script: &str) -> Output {
    Command::new(bash())
        .current_dir(repo())
        .env("PATH", path)
        .args(["-euc", &format!(". scripts/lib.sh\n{script}")])
        .output()
        .expect("spawn bash")
}

/// The bash on PATH, by absolute path (a test's PATH may not hold it).
fn bash() -> PathBuf {
    which("bash").expect("bash on PATH")
}

#[test]
fn every_script_passes_shellcheck() {
    let Some(sc) = std::env::var_os("SHELLCHECK")
        .map(PathBuf::from)
        .or_else(|| which("shellcheck"))
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shellcheck is not installed under CI: scripts/setup.sh installs it (apt-get install shellcheck)"
        );
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: shellcheck is not installed, the scripts were NOT linted.\n\
             !! Install it: scripts/setup.sh (Debian/Ubuntu), brew install shellcheck (macOS),\n\
             !! or set SHELLCHECK=/path/to/shellcheck. Under CI=true this test fails instead.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    };
    let all = scripts();
    let o = Command::new(&sc)
        .current_dir(repo())
        // -x: follow `. scripts/lib.sh` (each names it with a source directive).
        .args(["-x", "--shell=bash", "--severity=style"])
        .args(&all)
        .output()
        .expect("run shellcheck");
    assert!(
        o.status.success(),
        "shellcheck found problems:\n{}",
        text(&o)
    );
    // It looked at them all: a deliberate problem in a copy is found.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.sh");
    std::fs::write(&bad, "#!/usr/bin/env bash\nf=$1\nrm $f\n").expect("write");
    let o = Command::new(&sc)
        .arg(&bad)
        .output()
        .expect("run shellcheck");
    assert!(
        !o.status.success() && String::from_utf8_lossy(&o.stdout).contains("SC2086"),
        "shellcheck missed an unquoted variable: {}",
        text(&o)
    );
    eprintln!("shellcheck: {} scripts clean", all.len());
}

/// bash 3.2 (macOS): an array a script may leave empty is expanded only in the guarded
/// form, which expands to nothing when it is empty.
#[test]
fn arrays_that_may_be_empty_are_expanded_the_bash_3_2_way() {
    let mut checked = 0;
    for rel in scripts() {
        let s = read(&rel);
        let names: Vec<String> = s
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let (name, rest) = l.split_once("=()")?;
                (rest.trim().is_empty() || rest.trim_start().starts_with('#'))
                    .then(|| name.to_string())
                    .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            })
            .collect();
        for n in names {
            checked += 1;
            let plain = format!("\"${{{n}[@]}}\"");
            let guarded = format!("${{{n}[@]+\"${{{n}[@]}}\"}}");
            assert_eq!(
                s.matches(&plain).count(),
                s.matches(&guarded).count(),
                "{rel}: `{n}` starts empty; expand it as {guarded}, not {plain} (bash 3.2 under set -u fails on an empty array)"
            );
            let star = format!("${{{n}[*]}}");
            assert!(
                !s.contains(&star),
                "{rel}: `{n}` starts empty; write ${{{n}[*]:-}}, not {star}"
            );
        }
    }
    assert!(checked >= 3, "arrays found: {checked}");
}

/// bash 3.x binaries to run scripts under, besides the bash on PATH.
fn old_bashes() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::env::var_os("BASH3")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    v.push("/bin/bash".into());
    v.into_iter()
        .filter(|b| {
            Command::new(b)
                .args(["-c", "echo ${BASH_VERSINFO[0]}"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "3")
        })
        .collect()
}

/// A copy of phase0.sh in a tree where setup.sh, cargo and lfmbench are stand-ins that
/// log their arguments.
fn phase0_tree() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("scripts")).expect("mkdir");
    std::fs::create_dir_all(root.join("target/release")).expect("mkdir");
    std::fs::copy(
        repo().join("scripts/phase0.sh"),
        root.join("scripts/phase0.sh"),
    )
    .expect("copy");
    let log = root.join("log");
    tool(
        &root.join("scripts"),
        "setup.sh",
        "#!/bin/sh\necho setup >>\"$LOG\"\n",
    );
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    tool(
        &bin,
        "cargo",
        "#!/bin/sh\necho \"cargo[$#] $*\" >>\"$LOG\"\n",
    );
    tool(
        &root.join("target/release"),
        "lfmbench",
        "#!/bin/sh\necho \"lfmbench[$#] $*\" >>\"$LOG\"\n\
         if [ \"$1\" = run ]; then mkdir -p reports/runs/r && : > reports/runs/r/run.json; fi\n",
    );
    (dir, log)
}

#[test]
fn phase0_runs_under_bash_u_with_and_without_features() {
    let mut shells = vec![bash()];
    shells.extend(old_bashes());
    for sh in &shells {
        for (features, cargo) in [
            (None, "cargo[2] build --release"),
            (Some("metal"), "cargo[4] build --release --features metal"),
        ] {
            let (dir, log) = phase0_tree();
            let mut c = Command::new(sh);
            c.arg("-u")
                .arg(dir.path().join("scripts/phase0.sh"))
                .args(["--rounds", "1"])
                .env("LOG", &log)
                .env(
                    "PATH",
                    format!("{}:/usr/bin:/bin", dir.path().join("bin").display()),
                )
                .env_remove("LFMBENCH_FEATURES");
            if let Some(f) = features {
                c.env("LFMBENCH_FEATURES", f);
            }
            let o = c.output().expect("spawn");
            assert!(
                o.status.success(),
                "{} {features:?}: {}",
                sh.display(),
                text(&o)
            );
            let got = std::fs::read_to_string(&log).expect("log");
            assert_eq!(
                got.lines().collect::<Vec<_>>(),
                [
                    "setup",
                    cargo,
                    "lfmbench[5] run suites/phase0.toml --keep-going --rounds 1",
                    "lfmbench[1] report"
                ],
                "{} {features:?}",
                sh.display()
            );
        }
    }
}

/// build-llama-tool.sh with every tool already built: its list of tools to build stays
/// empty, and it must say so and stop, under `bash -u`.
#[test]
fn build_llama_tool_with_nothing_to_build_runs_under_bash_u() {
    let tools = tempfile::tempdir().expect("tempdir");
    let v = "0.3.36";
    for t in ["llama-server", "llama-bench"] {
        std::fs::create_dir_all(tools.path().join(t).join("bin")).expect("mkdir");
        tool(&tools.path().join(t).join("bin"), t, "#!/bin/sh\n");
        std::fs::write(
            tools.path().join(t).join("BUILT_FROM"),
            // llama-server's stamp as written before build styles existed (a generic
            // build), llama-bench's as written now.
            if t == "llama-server" {
                format!("llama-cpp-python=={v}\n")
            } else {
                format!("llama-cpp-python=={v} generic\n")
            },
        )
        .expect("stamp");
    }
    let mut shells = vec![bash()];
    shells.extend(old_bashes());
    for sh in shells {
        let o = Command::new(&sh)
            .arg("-u")
            .arg(repo().join("scripts/build-llama-tool.sh"))
            .args(["llama-server", "llama-bench"])
            .env("LFMBENCH_TOOLS", tools.path())
            .env("LLAMA_CPP_PYTHON_VERSION", v)
            // No cmake, no compiler, no pip: nothing may be built.
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("spawn");
        assert!(o.status.success(), "{}: {}", sh.display(), text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            out.matches("already built from llama-cpp-python==0.3.36 generic")
                .count(),
            2,
            "{}",
            text(&o)
        );
    }
}

#[test]
fn sha256_falls_back_to_shasum_when_sha256sum_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("small.bin");
    std::fs::write(&file, b"abc").expect("write");
    let want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let call = format!("sha256_of '{}'", file.display());

    // The real tool first, as a reference.
    let o = with_lib(Path::new(&std::env::var("PATH").expect("PATH")), &call);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        want,
        "{}",
        text(&o)
    );

    // sha256sum hidden: only shasum (a stock Mac's) and awk on PATH.
    let only = if which("shasum").is_some() {
        path_with_only(&["shasum", "awk"])
    } else {
        // No Perl shasum here: a stand-in with its interface, so the fallback still runs.
        let d = path_with_only(&["awk", "python3"]);
        tool(
            d.path(),
            "shasum",
            "#!/bin/sh\n[ \"$1\" = -a ] && [ \"$2\" = 256 ] || exit 2\n\
             exec python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],\"rb\").read()).hexdigest(), \" \", sys.argv[1])' \"$3\"\n",
        );
        d
    };
    let o = with_lib(
        only.path(),
        &format!("if command -v sha256sum; then exit 9; fi\n{call}"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        want,
        "{}",
        text(&o)
    );

    // Neither: a clear error, not a wrong hash.
    let none = path_with_only(&["awk"]);
    let o = with_lib(none.path(), &call);
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("neither sha256sum nor shasum") && err.contains("small.bin"),
        "{}",
        text(&o)
    );
    assert!(o.stdout.is_empty(), "{}", text(&o));
}

#[test]
fn scripts_hash_through_the_fallback_only() {
    for rel in scripts() {
        if rel == "scripts/lib.sh" {
            continue;
        }
        let s = read(&rel);
        assert!(
            !s.lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .any(|l| l.contains("sha256sum ")),
            "{rel} calls sha256sum directly: use sha256_of from scripts/lib.sh (a stock Mac has only shasum)"
        );
    }
    assert!(read("scripts/fetch-test-models.sh").contains("sha256_of"));
}

/// PATH for check_rust: awk, and stand-in cargo and rustc (`rustc --version` prints
/// `version`); None leaves them out.
fn rust_path(version: Option<&str>) -> tempfile::TempDir {
    let d = path_with_only(&["awk"]);
    if let Some(v) = version {
        tool(d.path(), "cargo", "#!/bin/sh\necho cargo\n");
        tool(d.path(), "rustc", &format!("#!/bin/sh\necho '{v}'\n"));
    }
    d
}

#[test]
fn setup_checks_that_rust_is_there_and_new_enough() {
    // The real toolchain builds this crate, so it passes.
    let o = with_lib(
        Path::new(&std::env::var("PATH").expect("PATH")),
        "check_rust",
    );
    assert!(o.status.success(), "{}", text(&o));
    for ok in [
        "rustc 1.85.0 (4d91de4e4 2025-02-17)",
        "rustc 1.91.1 (ed61e7d7e 2025-11-07)",
        "rustc 1.92.0-nightly (0123abcd 2025-10-01)",
        "rustc 2.0.0",
    ] {
        let p = rust_path(Some(ok));
        let o = with_lib(p.path(), "check_rust");
        assert!(o.status.success(), "{ok}: {}", text(&o));
    }
    let p = rust_path(Some("rustc 1.84.1 (e71f9a9a9 2025-01-27)"));
    let o = with_lib(p.path(), "check_rust");
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Rust 1.84.1 is too old")
            && err.contains("1.85 or newer")
            && err.contains("rustup update stable"),
        "{}",
        text(&o)
    );
    let p = rust_path(None);
    let o = with_lib(p.path(), "check_rust");
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cargo/rustc not found") && err.contains("rustup"),
        "{}",
        text(&o)
    );
    let p = rust_path(Some("something else"));
    let o = with_lib(p.path(), "check_rust");
    assert!(
        !o.status.success()
            && String::from_utf8_lossy(&o.stderr).contains("cannot read the Rust version"),
        "{}",
        text(&o)
    );
}

#[test]
fn setup_checks_the_xcode_command_line_tools_on_macos() {
    let d = tempfile::tempdir().expect("tempdir");
    let bin = d.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    // Not installed: xcode-select -p fails.
    tool(
        &bin,
        "xcode-select",
        "#!/bin/sh\necho 'xcode-select: error: unable to get active developer directory' >&2\nexit 2\n",
    );
    let o = with_lib(&bin, "check_macos_tools");
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("xcode-select --install"),
        "{}",
        text(&o)
    );
    // Installed, but without libclang.
    let dev = d.path().join("CommandLineTools");
    std::fs::create_dir_all(dev.join("usr/lib")).expect("mkdir");
    tool(
        &bin,
        "xcode-select",
        &format!("#!/bin/sh\necho '{}'\n", dev.display()),
    );
    let o = with_lib(&bin, "check_macos_tools");
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no libclang.dylib") && err.contains("LIBCLANG_PATH"),
        "{}",
        text(&o)
    );
    // Complete.
    std::fs::write(dev.join("usr/lib/libclang.dylib"), b"").expect("lib");
    let o = with_lib(&bin, "check_macos_tools");
    assert!(o.status.success(), "{}", text(&o));
}

fn cpu_id(cpuinfo: &Path) -> Output {
    Command::new(repo().join("scripts/cpu-id.sh"))
        .env("CPUINFO", cpuinfo)
        .output()
        .expect("spawn cpu-id.sh")
}

/// /proc/cpuinfo of `cores` identical cores.
fn cpuinfo(cores: usize, model: &str, flags: &str) -> String {
    (0..cores)
        .map(|i| {
            format!(
                "processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: {model}\ncpu MHz\t\t: {}.000\nflags\t\t: {flags}\n\n",
                2000 + i * 7
            )
        })
        .collect()
}

#[test]
fn cpu_identity_follows_model_and_flags_only() {
    let d = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: String| {
        let p = d.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let avx2 = "fpu sse sse2 avx avx2 fma f16c";
    let avx512 = "fpu sse sse2 avx avx2 fma f16c avx512f avx512bw avx512_vnni";
    let id = |p: &Path| {
        let o = cpu_id(p);
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let a = id(&write("a", cpuinfo(2, "AMD EPYC 9B14", avx512)));
    // Another core count and clock of the same CPU: same identity.
    let b = id(&write("b", cpuinfo(4, "AMD EPYC 9B14", avx512)));
    // Same model, fewer instruction sets exposed (another VM type): another identity.
    let c = id(&write("c", cpuinfo(2, "AMD EPYC 9B14", avx2)));
    let e = id(&write(
        "e",
        cpuinfo(2, "Intel(R) Xeon(R) Platinum 8370C", avx512),
    ));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, e);
    let (arch, hash) = a.rsplit_once('-').expect("ARCH-HASH");
    assert!(!arch.is_empty(), "{a}");
    assert!(
        hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{a}"
    );
    // Arm: implementer / part / Features identify it.
    let arm = |part: &str, feats: &str| {
        format!(
            "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: {feats}\nCPU implementer\t: 0x41\nCPU part\t: {part}\n\n"
        )
    };
    let n1 = id(&write("n1", arm("0xd0c", "fp asimd asimddp")));
    let v2 = id(&write("v2", arm("0xd4f", "fp asimd asimddp i8mm sve2")));
    assert_ne!(n1, v2);
    // Nothing readable: an error naming the file.
    let o = cpu_id(&d.path().join("missing"));
    assert!(
        !o.status.success() && String::from_utf8_lossy(&o.stderr).contains("missing"),
        "{}",
        text(&o)
    );
    // This machine has an identity.
    let o = Command::new(repo().join("scripts/cpu-id.sh"))
        .env_remove("CPUINFO")
        .output()
        .expect("spawn");
    assert!(o.status.success(), "{}", text(&o));
}

/// scripts/gpu-check.sh on a machine without the NVIDIA driver: it names what is missing
/// and stops before building anything (exit 2), instead of failing deep in a CUDA build.
#[test]
fn gpu_check_names_what_is_missing_before_building() {
    let path = path_with_only(&["dirname", "basename", "timeout"]);
    for t in ["cargo", "cmake"] {
        tool(path.path(), t, "#!/bin/sh\nexit 0\n");
    }
    let model = tempfile::NamedTempFile::new().expect("model stand-in");
    let cuda = tempfile::tempdir().expect("empty CUDA_PATH");
    let o = Command::new(bash())
        .current_dir(repo())
        .env("PATH", path.path())
        .env("CUDA_PATH", cuda.path())
        .env("GPU_CHECK_MODEL", model.path())
        .env_remove("GPU_CHECK_BIN")
        .arg("scripts/gpu-check.sh")
        .output()
        .expect("spawn bash");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        stderr.contains("- nvidia-smi: the NVIDIA driver's nvidia-smi"),
        "{}",
        text(&o)
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("== build"),
        "{}",
        text(&o)
    );
}
