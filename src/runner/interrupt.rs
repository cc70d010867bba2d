//! Ctrl-C and SIGTERM during a run: the first asks the run to stop after saving what it
//! has (the worker in flight is killed, its job left for `--resume`), a second exits at once.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT/SIGTERM; checked between and during jobs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // A second Ctrl-C: the user means it.
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

pub fn install_signal_handlers() {
    // SAFETY: the handler only touches an atomic and calls _exit.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// A file-size limit (`RLIMIT_FSIZE`) kills a process that writes past it with SIGXFSZ,
/// mid-line, unless the signal is ignored; ignored, the write fails with EFBIG and the run
/// stops with its message and exit status like any full disk. Inherited by the workers.
pub fn ignore_file_size_signal() {
    // SAFETY: setting a signal to SIG_IGN has no handler to run.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Whether an interruption was asked for.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
