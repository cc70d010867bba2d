//! Instruction sets: what this binary was built for, what the host CPU offers, and which
//! of them the engine (llama.cpp's CPU backend) really uses.
//!
//! Three lists, three sources:
//! - **built for**: rustc's target features of this build (build.rs; with
//!   `target-cpu=native` those of the build machine). [`guard`] refuses to start on a CPU that lacks one,
//!   instead of dying of SIGILL in the middle of a run.
//! - **host**: the CPU's own flags (`/proc/cpuinfo` on Linux, `sysctl hw.optional` on
//!   macOS), named as ggml names them ([`host_ggml_features`]).
//! - **engine**: what llama.cpp's CPU backend says it was compiled for, parsed from its
//!   system info (`CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | …`).
//!
//! An instruction set the host has and the engine does not use ([`unused`]) means the
//! engine runs slower than it would as users deploy it (measured on an AVX-512 host:
//! prefill 1.6–1.75× faster with AVX-512 than with the AVX2-only default build of
//! llama-cpp-sys-2): `lfmbench run` warns, and the report marks the machine's figures.

/// What engine.json records about instruction sets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IsaInfo {
    /// What llama.cpp's CPU backend was compiled with (ggml names, from its system info).
    pub engine_cpu_features: Vec<String>,
    /// What the host CPU offers (ggml names, from its flags).
    pub host_cpu_features: Vec<String>,
    /// Host instruction sets the engine does not use: its figures are slower than llama.cpp
    /// built for this machine would give. Empty when it uses them all.
    pub unused_host_features: Vec<String>,
    /// Instruction sets left out on purpose, with why ([`LEFT_OUT`]), where the host has them.
    #[serde(default)]
    pub left_out: Vec<(String, String)>,
    /// This binary's rustc target-cpu and target features.
    pub built_for_target_cpu: String,
    pub built_for_features: Vec<String>,
}

impl IsaInfo {
    /// The lists for this host and an engine whose system info is `system_info`.
    pub fn of(system_info: &str) -> IsaInfo {
        let host = host_ggml_features(&host_flags());
        let engine = engine_cpu_features(system_info);
        let left_out = LEFT_OUT
            .iter()
            .filter(|(name, _)| host.iter().any(|h| h == name) && !engine.iter().any(|e| e == name))
            .map(|(n, why)| ((*n).to_string(), (*why).to_string()))
            .collect();
        IsaInfo {
            unused_host_features: unused(&host, &engine),
            engine_cpu_features: engine,
            host_cpu_features: host,
            left_out,
            built_for_target_cpu: TARGET_CPU.to_string(),
            built_for_features: BUILT_FOR
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

/// rustc's `target-cpu` of this build ("native", a named CPU, or empty for the default).
pub const TARGET_CPU: &str = env!("LFMBENCH_TARGET_CPU");

/// Target features this binary was compiled with, comma-separated (rustc's names).
pub const BUILT_FOR: &str = env!("LFMBENCH_BUILT_FOR_FEATURES");

/// The instruction sets ggml's CPU backend can be built with, in ggml's names, and the
/// host flags that provide each (Linux `/proc/cpuinfo` names first, then macOS
/// `hw.optional` keys). Order is ggml's own system-info order.
const GGML_ISA: &[(&str, &[&str])] = &[
    ("SSE3", &["pni", "sse3"]),
    ("SSSE3", &["ssse3"]),
    ("AVX", &["avx"]),
    ("AVX_VNNI", &["avx_vnni"]),
    ("AVX2", &["avx2"]),
    ("F16C", &["f16c"]),
    ("FMA", &["fma"]),
    ("BMI2", &["bmi2"]),
    ("AVX512", &["avx512f"]),
    ("AVX512_VBMI", &["avx512vbmi"]),
    ("AVX512_VNNI", &["avx512_vnni"]),
    ("AVX512_BF16", &["avx512_bf16"]),
    ("AMX_INT8", &["amx_int8"]),
    (
        "NEON",
        &["asimd", "hw.optional.neon", "hw.optional.AdvSIMD"],
    ),
    (
        "ARM_FMA",
        &["asimd", "hw.optional.neon", "hw.optional.AdvSIMD"],
    ),
    (
        "FP16_VA",
        &[
            "asimdhp",
            "hw.optional.arm.FEAT_FP16",
            "hw.optional.neon_fp16",
        ],
    ),
    ("MATMUL_INT8", &["i8mm", "hw.optional.arm.FEAT_I8MM"]),
    ("SVE", &["sve"]),
    ("DOTPROD", &["asimddp", "hw.optional.arm.FEAT_DotProd"]),
    ("SME", &["sme", "hw.optional.arm.FEAT_SME"]),
];

/// The features in [`BUILT_FOR`] that the CPU running this process lacks (only those
/// this module can test; others are assumed present).
pub fn missing_on_this_cpu() -> Vec<String> {
    BUILT_FOR
        .split(',')
        .filter(|f| !f.is_empty())
        .filter(|f| runtime_has(f) == Some(false))
        .map(str::to_string)
        .collect()
}

/// Refuse to run on a CPU without an instruction set this binary was built for.
/// Called first thing in `main`, before any code that may use them.
pub fn guard() -> Result<(), String> {
    let missing = missing_on_this_cpu();
    if missing.is_empty() {
        return Ok(());
    }
    let how = if TARGET_CPU.is_empty() {
        String::from("a CPU with them")
    } else {
        format!("target-cpu={TARGET_CPU} on the machine that built it")
    };
    Err(format!(
        "this lfmbench was built for {how}, and this CPU lacks {}: it would crash with an illegal instruction in the middle of a run\n  help: build it on this machine (`cargo build --release` or `cargo install --path .`; .cargo/config.toml builds for the CPU it runs on)",
        missing.join(", ")
    ))
}

/// Does the running CPU have rustc's target feature `name`? `None` when this module cannot
/// tell (a name it does not know, or another architecture).
///
/// Read from CPUID itself, not with `is_x86_feature_detected!`: that macro answers `true`
/// without looking for every feature the binary was compiled with, which is exactly the
/// set this check is about.
#[cfg(target_arch = "x86_64")]
pub fn runtime_has(name: &str) -> Option<bool> {
    // (rustc name, CPUID leaf, sub-leaf, register, bit, OS state it needs) — Intel SDM
    // vol. 2A, CPUID; AMD APM vol. 3 for leaf 0x8000_0001.
    const EAX: u8 = 0;
    const EBX: u8 = 1;
    const ECX: u8 = 2;
    const EDX: u8 = 3;
    const TABLE: &[(&str, u32, u32, u8, u32, State)] = &[
        ("sse3", 1, 0, ECX, 0, State::None),
        ("pclmulqdq", 1, 0, ECX, 1, State::None),
        ("ssse3", 1, 0, ECX, 9, State::None),
        ("fma", 1, 0, ECX, 12, State::Ymm),
        ("cmpxchg16b", 1, 0, ECX, 13, State::None),
        ("sse4.1", 1, 0, ECX, 19, State::None),
        ("sse4.2", 1, 0, ECX, 20, State::None),
        ("movbe", 1, 0, ECX, 22, State::None),
        ("popcnt", 1, 0, ECX, 23, State::None),
        ("aes", 1, 0, ECX, 25, State::None),
        ("xsave", 1, 0, ECX, 26, State::None),
        ("avx", 1, 0, ECX, 28, State::Ymm),
        ("f16c", 1, 0, ECX, 29, State::Ymm),
        ("rdrand", 1, 0, ECX, 30, State::None),
        ("fxsr", 1, 0, EDX, 24, State::None),
        ("sse", 1, 0, EDX, 25, State::None),
        ("sse2", 1, 0, EDX, 26, State::None),
        ("bmi1", 7, 0, EBX, 3, State::None),
        ("avx2", 7, 0, EBX, 5, State::Ymm),
        ("bmi2", 7, 0, EBX, 8, State::None),
        ("avx512f", 7, 0, EBX, 16, State::Zmm),
        ("avx512dq", 7, 0, EBX, 17, State::Zmm),
        ("rdseed", 7, 0, EBX, 18, State::None),
        ("adx", 7, 0, EBX, 19, State::None),
        ("avx512ifma", 7, 0, EBX, 21, State::Zmm),
        ("avx512cd", 7, 0, EBX, 28, State::Zmm),
        ("sha", 7, 0, EBX, 29, State::None),
        ("avx512bw", 7, 0, EBX, 30, State::Zmm),
        ("avx512vl", 7, 0, EBX, 31, State::Zmm),
        ("avx512vbmi", 7, 0, ECX, 1, State::Zmm),
        ("avx512vbmi2", 7, 0, ECX, 6, State::Zmm),
        ("gfni", 7, 0, ECX, 8, State::None),
        ("vaes", 7, 0, ECX, 9, State::Ymm),
        ("vpclmulqdq", 7, 0, ECX, 10, State::Ymm),
        ("avx512vnni", 7, 0, ECX, 11, State::Zmm),
        ("avx512bitalg", 7, 0, ECX, 12, State::Zmm),
        ("avx512vpopcntdq", 7, 0, ECX, 14, State::Zmm),
        ("avx512fp16", 7, 0, EDX, 23, State::Zmm),
        ("amx-tile", 7, 0, EDX, 24, State::Tile),
        ("amx-int8", 7, 0, EDX, 25, State::Tile),
        ("avxvnni", 7, 1, EAX, 4, State::Ymm),
        ("avx512bf16", 7, 1, EAX, 5, State::Zmm),
        ("xsaveopt", 0xd, 1, EAX, 0, State::None),
        ("xsavec", 0xd, 1, EAX, 1, State::None),
        ("xsaves", 0xd, 1, EAX, 3, State::None),
        ("lzcnt", 0x8000_0001, 0, ECX, 5, State::None),
        ("sse4a", 0x8000_0001, 0, ECX, 6, State::None),
        ("tbm", 0x8000_0001, 0, ECX, 21, State::None),
    ];
    let &(_, leaf, sub, reg, bit, state) = TABLE.iter().find(|row| row.0 == name)?;
    let r = cpuid(leaf, sub)?;
    let word = [r.eax, r.ebx, r.ecx, r.edx][usize::from(reg)];
    Some(word & (1 << bit) != 0 && os_saves(state))
}

/// Register state the OS must save on a context switch for a feature to be usable.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
enum State {
    None,
    /// XCR0 bits 1–2 (SSE, AVX).
    Ymm,
    /// XCR0 bits 1–2 and 5–7 (opmask, upper ZMM).
    Zmm,
    /// XCR0 bits 17–18 (AMX tile config and data).
    Tile,
}

/// CPUID `leaf`/`sub`, or `None` when the CPU's highest (extended) leaf is below it.
#[cfg(target_arch = "x86_64")]
fn cpuid(leaf: u32, sub: u32) -> Option<std::arch::x86_64::CpuidResult> {
    use std::arch::x86_64::__cpuid_count;
    // Leaves beyond the highest one (basic or extended) are not asked for.
    let max = __cpuid_count(leaf & 0x8000_0000, 0).eax;
    (leaf <= max).then(|| __cpuid_count(leaf, sub))
}

/// Does the OS save the register state `state` needs (XCR0 through XGETBV)?
#[cfg(target_arch = "x86_64")]
fn os_saves(state: State) -> bool {
    let need: u64 = match state {
        State::None => return true,
        State::Ymm => 0b110,
        State::Zmm => 0b1110_0110,
        State::Tile => 0b110 | (0b11 << 17),
    };
    // OSXSAVE (CPUID.1:ECX bit 27): the OS enabled XSAVE, so XGETBV may be executed.
    let osxsave = cpuid(1, 0).is_some_and(|r| r.ecx & (1 << 27) != 0);
    if !osxsave {
        return false;
    }
    // SAFETY: XGETBV is valid once OSXSAVE is set (checked above).
    let xcr0 = unsafe { std::arch::x86_64::_xgetbv(0) };
    xcr0 & need == need
}

/// Does the running CPU have rustc's target feature `name`? From the OS's own list
/// (`/proc/cpuinfo` Features on Linux, `sysctl hw.optional` on macOS), since
/// `is_aarch64_feature_detected!` answers `true` unchecked for compiled-in features.
#[cfg(target_arch = "aarch64")]
pub fn runtime_has(name: &str) -> Option<bool> {
    // (rustc name, Linux cpuinfo name, macOS hw.optional key)
    const TABLE: &[(&str, &str, &str)] = &[
        ("fp16", "fphp", "hw.optional.arm.FEAT_FP16"),
        ("dotprod", "asimddp", "hw.optional.arm.FEAT_DotProd"),
        ("i8mm", "i8mm", "hw.optional.arm.FEAT_I8MM"),
        ("bf16", "bf16", "hw.optional.arm.FEAT_BF16"),
        ("sve", "sve", "-"),
        ("sve2", "sve2", "-"),
        ("sme", "sme", "hw.optional.arm.FEAT_SME"),
        ("lse", "atomics", "hw.optional.arm.FEAT_LSE"),
        ("rcpc", "lrcpc", "hw.optional.arm.FEAT_LRCPC"),
        ("aes", "aes", "hw.optional.arm.FEAT_AES"),
        ("sha2", "sha2", "hw.optional.arm.FEAT_SHA256"),
        ("crc", "crc32", "hw.optional.armv8_crc32"),
    ];
    if name == "neon" {
        return Some(true); // every aarch64 CPU
    }
    let &(_, linux, mac) = TABLE.iter().find(|row| row.0 == name)?;
    let flags = host_flags();
    if flags.is_empty() {
        return None;
    }
    Some(flags.iter().any(|f| f == linux || f == mac))
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub fn runtime_has(_name: &str) -> Option<bool> {
    None
}

/// The host CPU's own flags as the OS lists them: `/proc/cpuinfo`'s `flags` (x86) or
/// `Features` (Arm) on Linux; the `hw.optional.*` keys set to 1 on macOS. Empty where
/// neither is available.
pub fn host_flags() -> Vec<String> {
    if let Ok(text) = std::fs::read_to_string("/proc/cpuinfo") {
        return cpuinfo_flags(&text);
    }
    if cfg!(target_os = "macos")
        && let Ok(out) = std::process::Command::new("sysctl")
            .arg("hw.optional")
            .output()
    {
        return sysctl_flags(&String::from_utf8_lossy(&out.stdout));
    }
    Vec::new()
}

/// The flags of the first processor in `/proc/cpuinfo` text.
pub fn cpuinfo_flags(text: &str) -> Vec<String> {
    text.lines()
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            matches!(key.trim(), "flags" | "Features")
                .then(|| value.split_whitespace().map(str::to_string).collect())
        })
        .unwrap_or_default()
}

/// The keys set to a non-zero value in `sysctl hw.optional` output (`key: 1` lines).
pub fn sysctl_flags(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (key, value) = l.split_once(':')?;
            (value.trim().parse::<u64>().ok()? != 0).then(|| key.trim().to_string())
        })
        .collect()
}

/// The ggml instruction sets that the host's `flags` provide, in ggml's names and order.
pub fn host_ggml_features(flags: &[String]) -> Vec<String> {
    GGML_ISA
        .iter()
        .filter(|(_, sources)| sources.iter().any(|s| flags.iter().any(|f| f == s)))
        .map(|(name, _)| (*name).to_string())
        .collect()
}

/// The instruction sets llama.cpp's CPU backend was compiled with, from its system info
/// (`… CPU : SSE3 = 1 | AVX = 1 | AVX512 = 0 | LLAMAFILE = 1 | …`): the CPU section's
/// entries set to 1 that name an instruction set (not LLAMAFILE, OPENMP, REPACK, …).
pub fn engine_cpu_features(system_info: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_cpu = false;
    for part in system_info.split('|') {
        let part = part.trim();
        // A backend section starts as "NAME : KEY = V"; entries after it are "KEY = V".
        let entry = match part.split_once(" : ") {
            Some((section, rest)) => {
                in_cpu = section.trim().eq_ignore_ascii_case("CPU");
                rest
            }
            None => part,
        };
        if !in_cpu {
            continue;
        }
        if let Some((key, value)) = entry.split_once('=')
            && value.trim() == "1"
            && GGML_ISA.iter().any(|(n, _)| *n == key.trim())
        {
            out.push(key.trim().to_string());
        }
    }
    out
}

/// Instruction sets this build leaves out of llama.cpp on purpose, with why (see
/// .cargo/config.toml): not "unused" in the sense of a build that forgot them.
pub const LEFT_OUT: &[(&str, &str)] = &[(
    "AMX_INT8",
    "llama.cpp's AMX kernels crash (SIGSEGV at ldtilecfg in ggml_backend_amx_mul_mat) on the Sapphire Rapids VMs this project runs on; compiled out in .cargo/config.toml",
)];

/// Instruction sets in `host` (ggml names) that the engine does not use, other than those
/// left out on purpose ([`LEFT_OUT`]).
pub fn unused(host: &[String], engine: &[String]) -> Vec<String> {
    host.iter()
        .filter(|h| !engine.contains(h))
        .filter(|h| !LEFT_OUT.iter().any(|(name, _)| name == h))
        // ARM_FMA is implied by NEON on aarch64 but only reported by some builds.
        .filter(|h| !(h.as_str() == "ARM_FMA" && engine.iter().any(|e| e == "NEON")))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_string()).collect()
    }

    /// `/proc/cpuinfo` flags of the Intel Xeon (Sapphire Rapids class) development VM.
    const XEON_FLAGS: &str = include_str!("../../tests/fixtures/isa/xeon-sapphire-rapids.cpuinfo");
    /// llama.cpp's system info: the default llama-cpp-sys-2 build (GGML_NATIVE off: AVX2
    /// only; from the reference runs' engine.json before issue 12) and the native build on
    /// this host.
    const GENERIC_INFO: &str = include_str!("../../tests/fixtures/isa/system-info-generic.txt");
    const NATIVE_INFO: &str = include_str!("../../tests/fixtures/isa/system-info-native.txt");

    #[test]
    fn host_flags_of_this_xeon_name_its_avx512_and_amx() {
        let host = host_ggml_features(&cpuinfo_flags(XEON_FLAGS));
        for want in [
            "AVX2",
            "AVX_VNNI",
            "AVX512",
            "AVX512_VBMI",
            "AVX512_VNNI",
            "AVX512_BF16",
            "AMX_INT8",
        ] {
            assert!(
                host.iter().any(|h| h == want),
                "{want} missing from {host:?}"
            );
        }
        assert!(!host.iter().any(|h| h == "NEON"), "{host:?}");
    }

    #[test]
    fn the_generic_build_leaves_avx512_unused_and_the_native_build_nothing() {
        let host = host_ggml_features(&cpuinfo_flags(XEON_FLAGS));
        let generic = engine_cpu_features(GENERIC_INFO);
        assert!(generic.iter().any(|f| f == "AVX2"), "{generic:?}");
        let gap = unused(&host, &generic);
        assert!(gap.iter().any(|f| f == "AVX512"), "{gap:?}");
        assert!(gap.iter().any(|f| f == "AVX512_VNNI"), "{gap:?}");
        let native = engine_cpu_features(NATIVE_INFO);
        assert_eq!(unused(&host, &native), Vec::<String>::new(), "{native:?}");
        // This project's build: native with AMX compiled out (.cargo/config.toml); AMX
        // is left out on purpose, nothing else is unused.
        let no_amx = engine_cpu_features(&NATIVE_INFO.replace("AMX_INT8 = 1", "AMX_INT8 = 0"));
        assert!(!no_amx.iter().any(|f| f == "AMX_INT8"), "{no_amx:?}");
        assert_eq!(unused(&host, &no_amx), Vec::<String>::new());
    }

    /// llama.cpp's all-variant x86 CPU backends (ggml/src/CMakeLists.txt,
    /// `ggml_add_cpu_backend_variant`), as their system info lists them: on this host,
    /// only the variants with AVX-512 VNNI/BF16 use everything it has (AMX is left out on
    /// purpose, see `LEFT_OUT`).
    #[test]
    fn llama_cpp_release_variants_against_this_host() {
        let host = host_ggml_features(&cpuinfo_flags(XEON_FLAGS));
        let variant = |feats: &str| {
            let info = format!("CPU : {} | LLAMAFILE = 1 | REPACK = 1 |", feats);
            unused(&host, &engine_cpu_features(&info))
        };
        let haswell =
            variant("SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1");
        assert!(haswell.contains(&"AVX512".to_string()), "{haswell:?}");
        let skylakex = variant(
            "SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1",
        );
        assert_eq!(
            skylakex,
            s(&["AVX_VNNI", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16"])
        );
        let sapphire = variant(
            "SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1",
        );
        assert_eq!(sapphire, Vec::<String>::new());
    }

    #[test]
    fn arm_hosts_from_cpuinfo_and_sysctl() {
        // Raspberry Pi 5 (Cortex-A76): dotprod and fp16, no i8mm, no SVE.
        let pi5 = "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n";
        let host = host_ggml_features(&cpuinfo_flags(pi5));
        assert_eq!(host, s(&["NEON", "ARM_FMA", "FP16_VA", "DOTPROD"]));
        // llama-cpp-sys-2's default aarch64 Linux build (-march=armv8-a): NEON only.
        let armv8a = engine_cpu_features("CPU : NEON = 1 | ARM_FMA = 1 | LLAMAFILE = 1 |");
        assert_eq!(unused(&host, &armv8a), s(&["FP16_VA", "DOTPROD"]));
        // An M-series Mac.
        let m3 = "hw.optional.arm.FEAT_DotProd: 1\nhw.optional.arm.FEAT_I8MM: 1\nhw.optional.arm.FEAT_FP16: 1\nhw.optional.arm.FEAT_SME: 0\nhw.optional.neon: 1\nhw.optional.floatingpoint: 1\n";
        let host = host_ggml_features(&sysctl_flags(m3));
        assert_eq!(
            host,
            s(&["NEON", "ARM_FMA", "FP16_VA", "MATMUL_INT8", "DOTPROD"])
        );
        let metal_build = engine_cpu_features(
            "Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 | ARM_FMA = 1 | FP16_VA = 1 | MATMUL_INT8 = 1 | DOTPROD = 1 | ACCELERATE = 1 | REPACK = 1 |",
        );
        assert_eq!(unused(&host, &metal_build), Vec::<String>::new());
    }

    #[test]
    fn sections_other_than_cpu_are_ignored() {
        let info = "CUDA : ARCHS = 890 | USE_GRAPHS = 1 | AVX2 = 1 | CPU : SSE3 = 1 | AVX = 0 |";
        assert_eq!(engine_cpu_features(info), s(&["SSE3"]));
    }

    #[test]
    fn this_binary_runs_on_this_cpu() {
        assert_eq!(missing_on_this_cpu(), Vec::<String>::new());
        assert!(guard().is_ok());
        // On x86-64 every feature the build recorded is one this module can check.
        if cfg!(target_arch = "x86_64") {
            for f in BUILT_FOR.split(',').filter(|f| !f.is_empty()) {
                assert!(runtime_has(f).is_some(), "cannot check {f}");
            }
        }
    }

    /// CPUID agrees with the kernel's own flags for every feature both name.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn cpuid_agrees_with_proc_cpuinfo() {
        let Ok(text) = std::fs::read_to_string("/proc/cpuinfo") else {
            return; // not Linux: nothing to compare with
        };
        let flags = cpuinfo_flags(&text);
        let kernel_name = |f: &str| match f {
            "sse3" => "pni".to_string(),
            "sse4.1" => "sse4_1".into(),
            "sse4.2" => "sse4_2".into(),
            "cmpxchg16b" => "cx16".into(),
            "lzcnt" => "abm".into(),
            "sha" => "sha_ni".into(),
            "avxvnni" => "avx_vnni".into(),
            "avx512vnni" => "avx512_vnni".into(),
            "avx512bf16" => "avx512_bf16".into(),
            "avx512vbmi2" => "avx512_vbmi2".into(),
            "avx512bitalg" => "avx512_bitalg".into(),
            "avx512vpopcntdq" => "avx512_vpopcntdq".into(),
            "avx512fp16" => "avx512_fp16".into(),
            other => other.replace('-', "_"),
        };
        for f in [
            "sse3",
            "ssse3",
            "fma",
            "sse4.1",
            "sse4.2",
            "avx",
            "f16c",
            "avx2",
            "bmi2",
            "avx512f",
            "avx512bw",
            "avx512vl",
            "avx512vbmi",
            "avx512vnni",
            "avx512bf16",
            "avxvnni",
            "amx-int8",
            "amx-tile",
            "sse4a",
        ] {
            let kernel = flags.iter().any(|k| *k == kernel_name(f));
            assert_eq!(runtime_has(f), Some(kernel), "{f}");
        }
    }
}
