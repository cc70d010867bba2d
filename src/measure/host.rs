//! The environment fingerprint stored with every run: CPU, cores, memory, OS, the
//! engine build and the settings that shape its speed.

use serde::{Deserialize, Serialize};

/// What machine and build a run was taken on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// A label for the device matrix: $LFMBENCH_MACHINE, else "<os>-<arch> <cpu>".
    pub label: String,
    pub cpu: String,
    pub physical_cores: usize,
    pub logical_cores: usize,
    pub memory_bytes: u64,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub lfmbench_version: String,
    /// Measured memory read bandwidth in GB/s (see `measure::bandwidth`), if probed.
    #[serde(default)]
    pub memory_bandwidth_gbps: Option<f64>,
    /// The hypervisor this host runs under and how that was told (`measure::virt`),
    /// "none" when nothing says it is a VM; absent in runs made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtualization: Option<String>,
}

/// Number of physical cores (logical when unknown), at least 1.
pub fn physical_cores() -> usize {
    sysinfo::System::physical_core_count()
        .ok()
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .max(1)
}

/// Number of logical CPUs this process may run on, at least 1.
pub fn logical_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Read the host fingerprint.
pub fn fingerprint() -> Host {
    let sys = sysinfo::System::new().ok().map(|mut s| {
        s.refresh_cpu_all();
        s.refresh_memory();
        s
    });
    let cpu = sys
        .as_ref()
        .and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_string()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown CPU".into());
    let os = format!(
        "{} {}",
        sysinfo::System::name().unwrap_or_else(|_| std::env::consts::OS.into()),
        sysinfo::System::os_version().unwrap_or_default()
    )
    .trim()
    .to_string();
    let arch = std::env::consts::ARCH.to_string();
    let label = std::env::var("LFMBENCH_MACHINE")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("{}-{} {}", std::env::consts::OS, arch, cpu));
    Host {
        label,
        cpu,
        physical_cores: physical_cores(),
        logical_cores: sys.as_ref().map_or(1, |s| s.cpus().len()).max(1),
        memory_bytes: sys.as_ref().map_or(0, |s| s.total_memory()),
        os,
        kernel: sysinfo::System::kernel_version().unwrap_or_default(),
        arch,
        lfmbench_version: env!("CARGO_PKG_VERSION").to_string(),
        memory_bandwidth_gbps: None,
        virtualization: Some(super::virt::detect().unwrap_or_else(|| "none".into())),
    }
}
