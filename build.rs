//! Records, for the start-up guard in `src/isa.rs`, which CPU this binary was built for.
//!
//! With `-C target-cpu=native` (.cargo/config.toml) rustc and llama.cpp's cmake build
//! (GGML_NATIVE=ON, gcc's -march=native) both use every instruction set of the build
//! machine. A binary copied to a CPU without one of them would die of SIGILL somewhere in
//! a run; the guard refuses to start instead. The list is rustc's enabled target features
//! plus, for a native x86-64 build, AMX, which gcc's -march=native enables and rustc's list
//! does not name.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let target_cpu = flags
        .split('\x1f')
        .find_map(|f| f.split("target-cpu=").nth(1))
        .unwrap_or("")
        .to_string();
    let mut features: Vec<String> = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .unwrap_or_default()
        .split(',')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    let host = std::env::var("HOST").unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_default();
    if target_cpu == "native" && host == target {
        features.extend(native_extras());
    }
    features.sort();
    features.dedup();
    println!("cargo:rustc-env=LFMBENCH_TARGET_CPU={target_cpu}");
    println!(
        "cargo:rustc-env=LFMBENCH_BUILT_FOR_FEATURES={}",
        features.join(",")
    );
}

/// Instruction sets of the build machine that -march=native gives llama.cpp but rustc's
/// feature list leaves out.
#[cfg(target_arch = "x86_64")]
fn native_extras() -> Vec<String> {
    // CPUID leaf 7, sub-leaf 0, EDX: bit 24 AMX-TILE, bit 25 AMX-INT8.
    // Leaf 7 only where the CPU has it.
    let max_leaf = std::arch::x86_64::__cpuid(0).eax;
    if max_leaf < 7 {
        return Vec::new();
    }
    let edx = std::arch::x86_64::__cpuid_count(7, 0).edx;
    let mut v = Vec::new();
    if edx & (1 << 24) != 0 {
        v.push("amx-tile".to_string());
    }
    if edx & (1 << 25) != 0 {
        v.push("amx-int8".to_string());
    }
    v
}

#[cfg(not(target_arch = "x86_64"))]
fn native_extras() -> Vec<String> {
    Vec::new()
}
