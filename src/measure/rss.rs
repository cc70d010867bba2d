//! Peak resident memory of a finished child process, as the OS accounts it: the
//! `ru_maxrss` that `wait4(2)` returns (what `/usr/bin/time -v` prints).

use std::io;

/// How a child process ended, with its own peak RSS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub peak_rss_bytes: u64,
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

/// This process's own peak RSS so far (Linux: VmHWM from /proc/self/status).
pub fn own_peak_rss_bytes() -> Option<u64> {
    // SAFETY: rusage is plain old data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    (r == 0).then(|| maxrss_to_bytes(usage.ru_maxrss as u64))
}
