//! Whether lfmbench runs in a virtual machine, and how that was told: a guest sees
//! neither the physical CPU's clock nor its temperature, so it cannot show thermal
//! throttling (the report says so beside a sustained-load curve).
//!
//! Evidence, in order: `systemd-detect-virt --vm` where it is installed (it names the
//! hypervisor), the `hypervisor` CPU flag of /proc/cpuinfo (x86 guests), and the DMI
//! system vendor (/sys/class/dmi/id/sys_vendor: QEMU, VMware, Xen, …). A container alone
//! is not a VM: it runs on the host's CPU.

/// The hypervisor and the evidence, e.g. "kvm (systemd-detect-virt --vm)"; `None` when
/// nothing says this is a VM.
pub fn detect() -> Option<String> {
    if let Ok(o) = std::process::Command::new("systemd-detect-virt")
        .arg("--vm")
        .stderr(std::process::Stdio::null())
        .output()
    {
        let name = String::from_utf8_lossy(&o.stdout).trim().to_string();
        if o.status.success() && !name.is_empty() && name != "none" {
            return Some(format!("{name} (systemd-detect-virt --vm)"));
        }
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let vendor = std::fs::read_to_string("/sys/class/dmi/id/sys_vendor").unwrap_or_default();
    from_files(&cpuinfo, &vendor)
}

/// The same from the texts of /proc/cpuinfo and the DMI system vendor.
pub fn from_files(cpuinfo: &str, sys_vendor: &str) -> Option<String> {
    let flagged = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags") || l.starts_with("Features"))
        .any(|l| l.split_whitespace().any(|f| f == "hypervisor"));
    if flagged {
        return Some("a hypervisor (the `hypervisor` CPU flag)".into());
    }
    let v = sys_vendor.trim();
    const VM_VENDORS: &[&str] = &[
        "QEMU",
        "VMware",
        "Xen",
        "innotek",
        "Parallels",
        "Microsoft Corporation",
        "Amazon EC2",
        "Google",
        "DigitalOcean",
        "OpenStack",
        "Red Hat",
        "Bochs",
    ];
    VM_VENDORS
        .iter()
        .find(|n| v.starts_with(**n))
        .map(|_| format!("{v} (DMI system vendor)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_or_vendor_marks_a_vm() {
        let guest = "processor : 0\nflags\t\t: fpu vme sse2 hypervisor avx2\n";
        let metal = "processor : 0\nflags\t\t: fpu vme sse2 avx2\n";
        assert!(from_files(guest, "").is_some_and(|s| s.contains("hypervisor")));
        assert_eq!(from_files(metal, "Dell Inc.\n"), None);
        assert_eq!(
            from_files(metal, "QEMU\n").as_deref(),
            Some("QEMU (DMI system vendor)")
        );
    }
}
