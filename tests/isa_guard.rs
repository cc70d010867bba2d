//! A binary built for this machine's CPU (target-cpu=native, .cargo/config.toml) refuses,
//! with advice, to run on a CPU without those instruction sets, instead of dying of
//! SIGILL in the middle of a run. The other CPU is QEMU's user-mode emulator (package
//! qemu-user, installed by scripts/setup.sh on x86-64 Linux), which runs the real binary
//! on an emulated Haswell: AVX2 but no AVX-512.

use std::process::Command;

fn qemu() -> Option<&'static str> {
    Command::new("qemu-x86_64")
        .arg("-version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "qemu-x86_64")
}

#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn a_binary_built_for_avx512_refuses_to_start_on_a_haswell() {
    let built_for = lfmbench::measure::isa::BUILT_FOR;
    if !built_for.split(',').any(|f| f.starts_with("avx512")) {
        eprintln!(
            "this build has no AVX-512 ({built_for}): nothing a Haswell lacks, nothing to refuse"
        );
        return;
    }
    // Set-up installs it: a missing emulator fails the test rather than passing it unrun.
    let Some(qemu) = qemu() else {
        panic!("qemu-x86_64 is missing: run scripts/setup.sh (apt-get install qemu-user)");
    };
    let out = Command::new(qemu)
        .args(["-cpu", "Haswell", env!("CARGO_BIN_EXE_lfmbench"), "models"])
        .output()
        .expect("run qemu");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("this CPU lacks"), "{stderr}");
    assert!(stderr.contains("avx512f"), "{stderr}");
    assert!(stderr.contains("build it on this machine"), "{stderr}");
}
