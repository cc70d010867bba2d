//! One worker process: spawn `lfmbench __worker JOB`, read its messages line by line with
//! their arrival instants, keep the tail of its stderr, enforce the timeout, and say how it
//! ended (exit status, signal, peak RSS). Never leaves the child running.

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
}

impl WorkerResult {
    pub fn failure(&self, stage: &str, timeout: Duration) -> FailureRecord {
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
    let spawned = Instant::now();
    let mut child = Command::new(exe)
        .arg("__worker")
        .arg(json)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start a worker process")?;
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
    Ok(WorkerResult {
        spawned,
        exit,
        timed_out,
        interrupted,
        stderr_tail,
    })
}

fn kill(pid: u32) {
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
}
