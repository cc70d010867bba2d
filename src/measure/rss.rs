//! Peak resident memory of a finished child process, as the OS accounts it: the
//! `ru_maxrss` that `wait4(2)` returns (what `/usr/bin/time -v` prints).

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

    #[cfg(target_os = "linux")]
    #[test]
    fn own_peak_grows_with_touched_memory() {
        let before = super::own_peak_rss_bytes().expect("peak");
        let v = vec![1u8; 64 << 20];
        let after = super::own_peak_rss_bytes().expect("peak");
        assert!(after >= before + (60 << 20), "{before} → {after}");
        drop(v);
    }
}
