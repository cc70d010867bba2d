//! Peak memory of a process as the OS accounts it: the `ru_maxrss` that `wait4(2)`
//! returns for a finished child (what `/usr/bin/time -v` prints), a worker's own VmHWM,
//! on macOS its physical footprint (what Activity Monitor shows), and which of them is
//! the platform's figure ([`platform_peak`]).

use std::io;

/// How a child process ended, with its own peak RSS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub peak_rss_bytes: u64,
    /// CPU time the process used (user + system, all its threads), seconds.
    pub cpu_s: f64,
}

impl Exit {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Wait for `pid` and return its exit status and peak RSS.
///
/// Call this instead of `Child::wait`; the child must not have been reaped already.
pub fn wait_with_rusage(pid: u32) -> io::Result<Exit> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; pid is our own child.
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r == pid as libc::pid_t {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Exit {
        code,
        signal,
        peak_rss_bytes: maxrss_to_bytes(usage.ru_maxrss as u64),
        cpu_s: super::noise::timeval_s(usage.ru_utime) + super::noise::timeval_s(usage.ru_stime),
    })
}

/// ru_maxrss is kilobytes on Linux and bytes on macOS.
fn maxrss_to_bytes(v: u64) -> u64 {
    if cfg!(target_os = "macos") {
        v
    } else {
        v * 1024
    }
}

/// This process's own peak RSS so far, counting only its own address space.
///
/// Linux: `VmHWM` of /proc/self/status. (`ru_maxrss`, from getrusage or wait4, also
/// carries the high-water mark of the address space the process had before `exec` — a
/// copy of its parent's — so a worker started by a large parent would read too high.)
/// Elsewhere: getrusage's ru_maxrss.
pub fn own_peak_rss_bytes() -> Option<u64> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        return parse_vm_hwm(&status);
    }
    // SAFETY: rusage is plain old data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    (r == 0).then(|| maxrss_to_bytes(usage.ru_maxrss as u64))
}

/// This process's physical footprint on macOS, now and its lifetime peak: the footprint
/// ledger Activity Monitor and memory pressure count (anonymous and compressed memory,
/// IOKit and GPU buffers of unified memory included; clean file-backed pages, such as an
/// mmapped model's, left out). Read with `proc_pid_rusage(RUSAGE_INFO_V4)`, whose
/// `ri_lifetime_max_phys_footprint` is the same ledger maximum `task_info(TASK_VM_INFO)`
/// reports as `ledger_phys_footprint_peak` (the libc crate declares the former, not the
/// latter). The peak is None where the OS leaves it 0. Untested here: it compiles on
/// macOS only.
#[cfg(target_os = "macos")]
pub fn own_footprint() -> Option<(u64, Option<u64>)> {
    // SAFETY: rusage_info_v4 is plain old data; zeroed is a valid value.
    let mut info: libc::rusage_info_v4 = unsafe { std::mem::zeroed() };
    // SAFETY: our own pid; the buffer is a rusage_info_v4, as flavor V4 writes.
    let r = unsafe {
        libc::proc_pid_rusage(
            libc::getpid(),
            libc::RUSAGE_INFO_V4,
            (&raw mut info).cast::<libc::rusage_info_t>(),
        )
    };
    (r == 0).then(|| {
        let peak = info.ri_lifetime_max_phys_footprint;
        (info.ri_phys_footprint, (peak > 0).then_some(peak))
    })
}

/// Elsewhere there is no footprint ledger.
#[cfg(not(target_os = "macos"))]
pub fn own_footprint() -> Option<(u64, Option<u64>)> {
    None
}

/// The peak memory the platform counts for a worker, and the words saying what it is:
/// macOS's footprint peak where the OS gives one (else the footprint after the
/// workloads, said so); elsewhere peak RSS plus what llama.cpp placed on GPU devices,
/// whose memory RSS does not count.
pub fn platform_peak(
    rss: u64,
    rss_source: &str,
    footprint: Option<(u64, Option<u64>)>,
    gpu_bytes: Option<u64>,
) -> (u64, String) {
    match footprint {
        Some((_, Some(peak))) => (
            peak,
            "lifetime peak physical footprint of the worker (macOS footprint ledger, as Activity Monitor counts)".into(),
        ),
        Some((now, None)) => (
            now,
            "physical footprint of the worker after its workloads (this macOS keeps no lifetime peak; a peak during the run may be higher)".into(),
        ),
        None => match gpu_bytes.filter(|b| *b > 0) {
            Some(g) => (
                rss.saturating_add(g),
                format!("{rss_source}, plus {g} bytes llama.cpp placed on GPU devices"),
            ),
            None => (rss, rss_source.to_string()),
        },
    }
}

/// `VmHWM:   123456 kB` → bytes.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn vm_hwm_is_read_in_bytes() {
        assert_eq!(
            super::parse_vm_hwm("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t1 kB\n"),
            Some(2048 * 1024)
        );
        assert_eq!(super::parse_vm_hwm("Name:\tx\n"), None);
    }

    #[test]
    fn the_platform_peak_is_the_footprint_peak_on_macos_and_rss_plus_gpu_elsewhere() {
        use super::platform_peak;
        let (b, why) = platform_peak(100, "VmHWM", Some((80, Some(120))), Some(50));
        assert_eq!(b, 120, "{why}");
        assert!(why.contains("lifetime peak"), "{why}");
        let (b, why) = platform_peak(100, "VmHWM", Some((80, None)), None);
        assert_eq!(b, 80);
        assert!(why.contains("after its workloads"), "{why}");
        let (b, why) = platform_peak(100, "VmHWM", None, Some(50));
        assert_eq!(b, 150);
        assert!(why.starts_with("VmHWM, plus 50 bytes"), "{why}");
        assert_eq!(platform_peak(100, "VmHWM", None, Some(0)).0, 100);
        assert_eq!(
            platform_peak(100, "VmHWM", None, None),
            (100, "VmHWM".into())
        );
    }

    #[cfg(not(target_os = "macos"))]
    #[test]
    fn there_is_no_footprint_off_macos() {
        assert_eq!(super::own_footprint(), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_peak_grows_with_touched_memory() {
        // Other tests in this binary may have raised (and freed) memory already, and the
        // allocator may hand those touched pages back: touch more than the whole peak so far,
        // so the high-water mark must pass it.
        let before = super::own_peak_rss_bytes().expect("peak");
        let n = usize::try_from(before).expect("fits") + (64 << 20);
        let v = vec![1u8; n];
        let after = super::own_peak_rss_bytes().expect("peak");
        assert!(after >= before + (60 << 20), "{before} → {after}");
        drop(v);
    }
}
