//! One worker process: spawn `lfmbench __worker JOB`, read its messages line by line with
//! their arrival instants, keep the tail of its stderr, enforce the timeout, and say how it
//! ended (exit status, signal, peak RSS, out of memory). Never leaves the child running.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::interrupt;
use crate::measure::rss;
use crate::protocol::{Job, WorkerMsg};
use crate::sample::FailureRecord;

/// What happened to one worker process.
pub struct WorkerResult {
    pub spawned: Instant,
    pub exit: rss::Exit,
    pub timed_out: bool,
    pub interrupted: bool,
    pub stderr_tail: String,
    /// How many times the kernel's OOM killer struck in this process's cgroup while the
    /// worker ran (0 where the count cannot be read).
    pub oom_kills: u64,
}

/// What a process's stderr says when an allocation failed: Rust's allocator, C++'s
/// `bad_alloc`, llama.cpp and ggml's own messages, the OS's ENOMEM.
const ALLOCATION_FAILED: [&str; 6] = [
    "memory allocation of",
    "bad_alloc",
    "failed to allocate",
    "Cannot allocate memory",
    "out of memory",
    "unable to allocate",
];

impl WorkerResult {
    /// Whether the worker ran out of memory: killed by the kernel's OOM killer (its
    /// cgroup's `oom_kill` count went up while it ran), or an allocation failed (its
    /// stderr says so; what a memory limit such as RLIMIT_AS leads to).
    pub fn out_of_memory(&self) -> Option<String> {
        if self.timed_out {
            return None;
        }
        if self.exit.signal == Some(libc::SIGKILL) && self.oom_kills > 0 {
            return Some(format!(
                "killed by the kernel's out-of-memory killer (SIGKILL; the cgroup's oom_kill count rose by {})",
                self.oom_kills
            ));
        }
        let line = self
            .stderr_tail
            .lines()
            .rev()
            .find(|l| ALLOCATION_FAILED.iter().any(|m| l.contains(m)))?;
        Some(format!(
            "an allocation failed ({}) and the worker {}",
            line.trim(),
            match (self.exit.signal, self.exit.code) {
                (Some(sig), _) => format!("died of signal {sig} ({})", signal_name(sig)),
                (None, Some(c)) => format!("exited with status {c}"),
                _ => "stopped".into(),
            }
        ))
    }

    pub fn failure(&self, stage: &str, timeout: Duration) -> FailureRecord {
        if let Some(oom) = self.out_of_memory() {
            return FailureRecord {
                stage: stage.to_string(),
                reason: format!(
                    "out of memory: {oom}\n  help: free memory, or use a smaller quant or n_ctx (pre-flight's estimate is printed with --mem-available)"
                ),
                exit_code: self.exit.code,
                signal: self.exit.signal,
                timed_out: false,
                stderr_tail: self.stderr_tail.clone(),
            };
        }
        let reason = if self.timed_out {
            format!(
                "timed out after {} s and was killed (raise timeout_s in [suite] if the model is just slow)",
                timeout.as_secs()
            )
        } else if let Some(sig) = self.exit.signal {
            format!(
                "killed by signal {sig} ({}){}",
                signal_name(sig),
                if sig == libc::SIGKILL {
                    " — the OS out-of-memory killer sends this; check free memory"
                } else {
                    ""
                }
            )
        } else {
            format!("exited with status {}", self.exit.code.unwrap_or(-1))
        };
        FailureRecord {
            stage: stage.to_string(),
            reason,
            exit_code: self.exit.code,
            signal: self.exit.signal,
            timed_out: self.timed_out,
            stderr_tail: self.stderr_tail.clone(),
        }
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV, a crash",
        libc::SIGABRT => "SIGABRT, an abort",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "signal",
    }
}

/// Spawn `lfmbench __worker JOB`, hand each stdout message to `on_msg` with the instant
/// it arrived, and enforce `timeout`. Never leaves the child running.
pub fn spawn_worker(
    job: &Job,
    timeout: Duration,
    on_msg: &mut dyn FnMut(Instant, WorkerMsg),
) -> Result<WorkerResult> {
    let exe =
        std::env::current_exe().context("cannot find the lfmbench executable to re-invoke")?;
    let json = serde_json::to_string(job)?;
    let oom_before = oom_kill_count();
    let spawned = Instant::now();
    let mut cmd = Command::new(exe);
    cmd.arg("__worker")
        .arg(json)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_address_space(&mut cmd);
    let mut child = cmd.spawn().context("cannot start a worker process")?;
    let pid = child.id();
    let stdout = child.stdout.take().context("worker stdout")?;
    let stderr = child.stderr.take().context("worker stderr")?;
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    let tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
    let tail_w = Arc::clone(&tail);
    let err_reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut t) = tail_w.lock() {
                t.push_back(line);
                if t.len() > 30 {
                    t.pop_front();
                }
            }
        }
    });
    let deadline = spawned + timeout;
    let mut timed_out = false;
    let mut interrupted = false;
    loop {
        if interrupt::requested() {
            interrupted = true;
            kill(pid);
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            kill(pid);
            break;
        }
        match rx.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
            Ok((at, line)) => match serde_json::from_str::<WorkerMsg>(&line) {
                Ok(msg) => on_msg(at, msg),
                Err(_) => {
                    if let Ok(mut t) = tail.lock() {
                        t.push_back(format!("(stdout) {line}"));
                    }
                }
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let exit = rss::wait_with_rusage(pid).context("waiting for the worker")?;
    // A Ctrl-C in the terminal reaches the worker too (same process group): a worker that
    // died of it was interrupted, not broken.
    interrupted |= interrupt::requested();
    // Drain what arrived before the pipe closed (not after a kill: those jobs are void).
    if !timed_out && !interrupted {
        while let Ok((at, line)) = rx.try_recv() {
            if let Ok(msg) = serde_json::from_str::<WorkerMsg>(&line) {
                on_msg(at, msg);
            }
        }
    }
    let _ = reader.join();
    let _ = err_reader.join();
    let stderr_tail = tail
        .lock()
        .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
        .unwrap_or_default();
    drop(child);
    let oom_kills = match (oom_before, oom_kill_count()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    Ok(WorkerResult {
        spawned,
        exit,
        timed_out,
        interrupted,
        stderr_tail,
        oom_kills,
    })
}

/// The kernel's count of OOM kills in this process's memory cgroup: cgroup v2
/// `memory.events` (`oom_kill N`), or v1 `memory.oom_control`; `None` where neither is
/// readable.
fn oom_kill_count() -> Option<u64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut files = Vec::new();
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        if controllers.is_empty() {
            files.push(format!("/sys/fs/cgroup{path}/memory.events"));
        } else if controllers.split(',').any(|c| c == "memory") {
            files.push(format!("/sys/fs/cgroup/memory{path}/memory.oom_control"));
        }
    }
    files.iter().find_map(|f| {
        std::fs::read_to_string(f)
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("oom_kill "))?
            .trim()
            .parse()
            .ok()
    })
}

/// Test knob: `LFMBENCH_WORKER_RLIMIT_AS=<bytes>` caps each worker's address space
/// (setrlimit RLIMIT_AS in the child before exec), so that tests can make a worker run out
/// of memory without root. Not for users: the suite's settings are the way to size a run.
fn limit_address_space(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let Some(bytes) = std::env::var("LFMBENCH_WORKER_RLIMIT_AS")
        .ok()
        .and_then(|v| v.parse::<libc::rlim_t>().ok())
    else {
        return;
    };
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn kill(pid: u32) {
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
}
