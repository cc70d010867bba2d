//! Records, for the start-up guard in `src/measure/isa.rs`, which CPU this binary was
//! built for.
//!
//! With `-C target-cpu=native` (.cargo/config.toml) rustc and llama.cpp's cmake build
//! (GGML_NATIVE=ON, gcc's -march=native) both use every instruction set of the build
//! machine. A binary copied to a CPU without one of them would die of SIGILL somewhere in
//! a run; the guard refuses to start instead. The list is rustc's enabled target features.
//! (gcc's -march=native also enables AMX, which rustc's list does not name; llama.cpp's AMX
//! code is compiled out in .cargo/config.toml, and gcc never emits AMX by itself.)

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
    features.sort();
    features.dedup();
    println!("cargo:rustc-env=LFMBENCH_TARGET_CPU={target_cpu}");
    println!(
        "cargo:rustc-env=LFMBENCH_BUILT_FOR_FEATURES={}",
        features.join(",")
    );
}
