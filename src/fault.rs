//! Deliberate failures for testing the runner against real crashing processes.
//!
//! When `LFMBENCH_FAULT=<model>:<stage>:<action>` is set, a worker for that model does
//! `action` when it reaches `stage` ("start", "decode", "prefill", "chat"). Actions:
//! `segv` (SIGSEGV), `abort` (SIGABRT), `kill` (SIGKILL, as the OOM killer sends),
//! `exit` (exit code 42), `hang` (sleep forever). Without the variable this module does
//! nothing.

pub fn maybe_inject(model: &str, stage: &str) {
    let Ok(spec) = std::env::var("LFMBENCH_FAULT") else {
        return;
    };
    let mut it = spec.splitn(3, ':');
    let (Some(m), Some(s), Some(action)) = (it.next(), it.next(), it.next()) else {
        return;
    };
    if m != model || s != stage {
        return;
    }
    eprintln!("lfmbench: injected fault `{action}` at {model}:{stage}");
    match action {
        // SAFETY: raising a signal on ourselves is the point of this module.
        // Rust's runtime handles SIGSEGV (stack-overflow detection) and returns from a
        // raised one, so restore the default action first: the process dies as a real
        // crash would.
        "segv" => unsafe {
            libc::signal(libc::SIGSEGV, libc::SIG_DFL);
            libc::raise(libc::SIGSEGV);
        },
        "abort" => std::process::abort(),
        "exit" => std::process::exit(42),
        "hang" => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
        // SAFETY: as above.
        "kill" => unsafe {
            libc::raise(libc::SIGKILL);
        },
        _ => {}
    }
}
