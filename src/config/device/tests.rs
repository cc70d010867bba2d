//! Device classes: matching a machine, the file:line errors, overlap at load.

use super::*;

fn host(os: &str, arch: &str, cpu: &str, cores: usize, gib: f64) -> Host {
    Host {
        label: "m".into(),
        cpu: cpu.into(),
        physical_cores: cores,
        logical_cores: cores,
        memory_bytes: (gib * GIB) as u64,
        os: os.into(),
        kernel: String::new(),
        arch: arch.into(),
        lfmbench_version: "0".into(),
        memory_bandwidth_gbps: None,
        virtualization: None,
    }
}

fn classes(text: &str) -> Result<Vec<DeviceClass>, ConfigError> {
    let f: DeviceFile = parse_toml(Path::new("s.toml"), text)?;
    let crits: Vec<Criterion> =
        parse_toml::<Suite>(Path::new("s.toml"), &format!("{SUITE}\n{text}"))?.criteria;
    validate(Path::new("s.toml"), text, &f.devices, Some(&crits))?;
    Ok(f.devices)
}

const SUITE: &str = r#"
[suite]
name = "t"
candidate = "a"
baseline = "b"
[[criterion]]
name = "Edge latency"
metric = "chat.ttft_ms"
stat = "p95"
op = "<"
target = 100.0
"#;

#[test]
fn os_families_from_host_json() {
    assert_eq!(os_family("Debian GNU/Linux 12"), "linux");
    assert_eq!(os_family("Ubuntu 24.04"), "linux");
    assert_eq!(os_family("Darwin 14.5"), "macos");
    assert_eq!(os_family("iOS 18.0"), "ios");
    assert_eq!(os_family("Plan9"), "plan9");
}

#[test]
fn a_rule_matches_with_reasons_or_names_the_first_mismatch() {
    let r = DeviceMatch {
        os: Some("linux".into()),
        arch: Some("arm64".into()),
        cpu: Some("cortex-a76".into()),
        min_memory_gib: Some(4.0),
        ..DeviceMatch::default()
    };
    let pi = host("Debian GNU/Linux 12", "aarch64", "Cortex-A76", 4, 8.0);
    let why = r.check(&pi, &[]).expect("matches");
    assert_eq!(why.len(), 4, "{why:?}");
    assert!(why[2].contains("Cortex-A76"), "{why:?}");
    let small = host("Debian GNU/Linux 12", "aarch64", "Cortex-A76", 4, 2.0);
    let e = r.check(&small, &[]).expect_err("too little memory");
    assert!(e.contains("2.0 GiB") && e.contains("at least 4 GiB"), "{e}");
    let x86 = host("Debian GNU/Linux 12", "x86_64", "AMD EPYC", 2, 24.0);
    assert_eq!(
        r.check(&x86, &[]).expect_err("arch"),
        "arch x86_64 is not arm64"
    );
    let gpu = DeviceMatch {
        gpu: Some("none".into()),
        ..DeviceMatch::default()
    };
    assert!(gpu.check(&x86, &[]).is_ok());
    assert!(gpu.check(&x86, &["CUDA0 (gpu)".into()]).is_err());
}

#[test]
fn an_unknown_criterion_in_targets_is_an_error_at_its_line() {
    let text = r#"
[[device]]
name = "pi"
match = { arch = "aarch64" }
targets = { "Edge latncy" = 500.0 }
"#;
    let e = classes(text).expect_err("unknown name");
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.to_string().contains("`Edge latncy`"), "{e}");
    assert!(
        e.to_string().contains("`Edge latency`"),
        "the help lists the names: {e}"
    );
}

#[test]
fn overlapping_rules_are_an_error_and_disjoint_ones_are_not() {
    let overlap = r#"
[[device]]
name = "arm"
match = { arch = "aarch64" }

[[device]]
name = "pi"
match = { arch = "aarch64", cpu = "Cortex-A76" }
"#;
    let e = classes(overlap).expect_err("overlap");
    assert!(
        e.to_string()
            .contains("`arm` (line 3) and `pi` can match the same machine"),
        "{e}"
    );
    assert_eq!(e.line, Some(8), "at the second class's match: {e}");
    let apart = r#"
[[device]]
name = "small"
match = { arch = "aarch64", max_memory_gib = 4.0 }

[[device]]
name = "big"
match = { arch = "aarch64", min_memory_gib = 8.0 }

[[device]]
name = "x86"
match = { arch = "x86_64" }
"#;
    assert_eq!(classes(apart).expect("disjoint").len(), 3);
    let empty = "[[device]]\nname = \"all\"\nmatch = {}\n";
    assert!(
        classes(empty)
            .expect_err("empty")
            .message
            .contains("empty `match`")
    );
}

#[test]
fn a_class_overrides_targets_and_adds_criteria() {
    let text = r#"
[[device]]
name = "pi"
match = { arch = "aarch64" }
targets = { "Edge latency" = 500.0 }

[[device.criterion]]
name = "Edge RAM"
metric = "memory.peak_rss_bytes"
stat = "max"
op = "<"
target = 2147483648.0
"#;
    let c = classes(text).expect("valid");
    let suite: Suite = parse_toml(Path::new("s.toml"), SUITE).expect("suite");
    let s = c[0].apply(&suite);
    assert_eq!(s.criteria[0].target, 500.0);
    assert_eq!(
        suite.criteria[0].target, 100.0,
        "the suite itself untouched"
    );
    assert_eq!(s.criteria[1].name, "Edge RAM");
    let clash = text.replace("Edge RAM", "Edge latency");
    assert!(
        classes(&clash)
            .expect_err("clash")
            .message
            .contains("already taken")
    );
}

#[test]
fn the_phase0_suite_has_the_plans_classes_and_a_concrete_overlap_is_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let l = crate::config::load(&root.join("suites/phase0.toml"), &root.join("models.toml"))
        .expect("phase0 loads");
    let names: Vec<&str> = l.suite.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "apple-m3-laptop",
            "raspberry-pi-5",
            "iphone-class",
            "x86-laptop-or-server"
        ]
    );
    let d = Devices {
        file: root.join("suites/phase0.toml"),
        text: l.suite_text.clone(),
        classes: l.suite.devices.clone(),
    };
    let pi = host("Debian GNU/Linux 12", "aarch64", "Cortex-A76", 4, 8.0);
    let hits = d.matching(&pi, &[]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0.name, "raspberry-pi-5");
    // Two patterns that cannot be told apart at load, and a CPU holding both.
    let text = "[[device]]\nname = \"a\"\nmatch = { cpu = \"EPYC\" }\n\n[[device]]\nname = \"b\"\nmatch = { cpu = \"AMD\" }\n";
    let two = Devices {
        file: "x.toml".into(),
        text: text.into(),
        classes: parse_toml::<DeviceFile>(Path::new("x.toml"), text)
            .expect("parse")
            .devices,
    };
    validate(Path::new("x.toml"), text, &two.classes, None).expect("undecidable at load");
    let epyc = host("Debian GNU/Linux 12", "x86_64", "AMD EPYC", 2, 24.0);
    let hits = two.matching(&epyc, &[]);
    let e = two.overlap_error("ci", &hits);
    assert!(
        e.to_string()
            .contains("x.toml:2: machine `ci` matches 2 device classes"),
        "{e}"
    );
    assert!(e.to_string().contains("`b` (line 6)"), "{e}");
}
