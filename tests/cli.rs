//! The conventions of the command line itself, on the real binary: `--version` names the
//! engine build, `completions` prints scripts each shell accepts, `run --help` lists the
//! exit codes.

use std::process::{Command, Output};

fn lfmbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lfmbench"))
        .args(args)
        .output()
        .expect("spawn lfmbench")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

/// The llama-cpp-2 version Cargo.toml pins (`llama-cpp-2 = "=X"`).
fn pinned_llama_cpp_2() -> String {
    let toml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let line = toml
        .lines()
        .find(|l| l.starts_with("llama-cpp-2 ="))
        .expect("llama-cpp-2 in Cargo.toml");
    line.split('"')
        .nth(1)
        .expect("quoted version")
        .trim_start_matches('=')
        .to_string()
}

#[test]
fn version_names_the_engine_build() {
    let out = stdout(&lfmbench(&["--version"]));
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(format!("lfmbench {}", env!("CARGO_PKG_VERSION")).as_str()),
        "{out}"
    );
    let field = |name: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no `{name}:` line in\n{out}"))
            .to_string()
    };
    assert_eq!(
        field("engine"),
        format!("llama.cpp through llama-cpp-2 {}", pinned_llama_cpp_2())
    );
    // Every build has ggml's CPU backend; GPU backends only with their feature.
    let backends = field("ggml backends");
    assert!(backends.split(", ").any(|b| b == "CPU"), "{out}");
    let features = field("build features");
    if cfg!(any(feature = "metal", feature = "cuda", feature = "vulkan")) {
        assert_ne!(features, "none (CPU only)", "{out}");
    } else {
        assert_eq!(features, "none (CPU only)", "{out}");
        assert_eq!(field("GPU offload"), "no", "{out}");
    }
    // llama.cpp's own summary of the CPU features it was built for.
    assert!(field("llama.cpp system info").contains("CPU"), "{out}");
}

#[test]
fn short_version_is_one_line() {
    let out = stdout(&lfmbench(&["-V"]));
    assert_eq!(out, format!("lfmbench {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_are_scripts_each_shell_accepts() {
    for (shell, marker) in [
        ("bash", "complete -F _lfmbench"),
        ("zsh", "#compdef lfmbench"),
        ("fish", "complete -c lfmbench"),
    ] {
        let script = stdout(&lfmbench(&["completions", shell]));
        assert!(
            script.contains(marker),
            "{shell}: no `{marker}` in\n{script}"
        );
        for verb in [
            "run",
            "report",
            "compare",
            "twin",
            "fetch",
            "models",
            "completions",
            // A verb's own options come along.
            "keep-going",
        ] {
            assert!(script.contains(verb), "{shell}: `{verb}` is not completed");
        }
        assert!(
            !script.contains("__worker"),
            "{shell}: the internal worker verb is offered"
        );
    }
    // bash itself loads the script and registers the completion, where bash exists.
    if Command::new("bash").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("lfmbench.bash");
        std::fs::write(&file, stdout(&lfmbench(&["completions", "bash"]))).expect("write");
        let o = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}' && complete -p lfmbench",
                file.display()
            ))
            .output()
            .expect("bash");
        let registered = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && registered.contains("_lfmbench"),
            "bash did not take the script: {registered}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn an_unknown_shell_is_refused_with_the_choices() {
    let o = lfmbench(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bash") && err.contains("zsh") && err.contains("fish"),
        "{err}"
    );
}

/// `run --help` documents every exit status `run` uses, the measured-nothing one included.
#[test]
fn run_help_lists_the_exit_codes() {
    let help = stdout(&lfmbench(&["run", "--help"]));
    for code in ["0 ", "2 ", "3 ", "5 ", "130 "] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(code)),
            "exit {code}missing from:\n{help}"
        );
    }
    assert!(help.contains("measured nothing"), "{help}");
}
