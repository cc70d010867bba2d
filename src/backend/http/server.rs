//! The server behind an http model, as far as lfmbench can see it:
//! - a remote server (only `base_url`): no memory figure, no cold start (NOT MEASURED);
//! - `pid = N`: its peak RSS is read from /proc/N/status (VmHWM) after each bench, the
//!   high-water mark reset first where the kernel lets us (/proc/N/clear_refs);
//! - `start_command = [...]`: lfmbench starts the server for each cold start and each
//!   bench, times spawn → ready → first token as the cold start, takes its peak RSS from
//!   `wait4` when it stops it (as for the in-process worker), and never leaves it running.
//!
//! Called by the runner; nothing here measures tokens (that is the worker's job).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::failure::Kind;
use super::transport::Client;
use super::{HttpBackend, redact};
use crate::config::models::{BackendKind, HttpSettings, ModelEntry};
use crate::config::{Loaded, Workload};
use crate::measure::pagecache;
use crate::protocol::Job;
use crate::sample::{Body, ColdStartSample, FailureRecord, MemorySample, NotMeasured, PageCache};

/// How often readiness is polled while a started server comes up (bounds the cold-start
/// resolution).
const POLL: Duration = Duration::from_millis(10);
/// How long a stopped server gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
const TAIL_LINES: usize = 40;

/// Pre-flight checks of an http model (no network: a server that is down fails each
/// workload with its own message instead).
pub fn preflight(entry: &ModelEntry, base: &Path) -> Result<()> {
    let h = entry
        .http
        .as_ref()
        .ok_or_else(|| anyhow!("backend = \"http\" without an http table"))?;
    super::client_for(h)?;
    if let Some(pid) = h.pid
        && cfg!(target_os = "linux")
        && !Path::new(&format!("/proc/{pid}")).exists()
    {
        bail!(
            "http.pid = {pid}: no such process\n  help: the server was restarted? put its current pid in models.toml, or remove `pid`"
        );
    }
    if let Some(p) = entry.resolved_path(base)
        && !p.exists()
    {
        bail!(
            "{}: file not found (for an http model, `path` only tells lfmbench which file the server reads, for the page cache and the file size)\n  help: fix the path or remove it",
            p.display()
        );
    }
    Ok(())
}

/// What cannot be measured for the http models of a run, and why.
pub fn not_measured(loaded: &Loaded, models: &[String]) -> Vec<NotMeasured> {
    let has_cold = loaded
        .suite
        .workloads
        .iter()
        .any(|w| matches!(w, Workload::ColdStart { .. }));
    let has_bench = loaded
        .suite
        .workloads
        .iter()
        .any(|w| !matches!(w, Workload::ColdStart { .. }));
    let mut out = Vec::new();
    for id in models {
        let Some(entry) = loaded.model(id) else {
            continue;
        };
        let Some(h) = entry
            .http
            .as_ref()
            .filter(|_| entry.backend == BackendKind::Http)
        else {
            continue;
        };
        if h.start_command.is_some() {
            continue;
        }
        if has_cold {
            out.push(NotMeasured {
                model: id.clone(),
                metrics: vec![
                    "cold_start.total_ms".into(),
                    "cold_start_warm.total_ms".into(),
                ],
                reason: "the http server is already running when lfmbench starts, so there is no start-up to time; set `start_command` in the model's http table to have lfmbench start it and time spawn -> first token".into(),
            });
        }
        let pid_readable = h.pid.is_some() && cfg!(target_os = "linux");
        if has_bench && !pid_readable {
            out.push(NotMeasured {
                model: id.clone(),
                metrics: vec!["memory.peak_rss_bytes".into(), "memory.peak_bytes".into()],
                reason: if h.pid.is_some() {
                    "http.pid is set, but a process's peak RSS is only readable on Linux (/proc/<pid>/status VmHWM)".into()
                } else {
                    "the server's process is not known to lfmbench (remote, or started elsewhere); set `pid` (its VmHWM is read on Linux) or `start_command`".into()
                },
            });
        }
    }
    out
}

/// A server process started from `start_command`, in its own process group.
pub struct Managed {
    pid: u32,
    pub spawned: Instant,
    tail: Arc<Mutex<VecDeque<String>>>,
    /// The threads that read its stdout and stderr into `tail`.
    readers: Vec<std::thread::JoinHandle<()>>,
    reaped: bool,
    key: Option<String>,
    program: String,
}

/// How a started server ended, with its own peak RSS (`wait4`).
#[derive(Debug, Clone, Copy)]
pub struct ServerExit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub peak_rss_bytes: u64,
}

impl Managed {
    /// Spawn `cmd` (stdin closed, output kept as a tail for messages).
    pub fn start(cmd: &[String], key: Option<String>) -> Result<Managed> {
        let (program, args) = cmd
            .split_first()
            .ok_or_else(|| anyhow!("start_command is empty"))?;
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        // Should lfmbench itself be killed outright, the server goes with it.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let spawned = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start the server `{program}` (start_command)\n  help: the program must exist and be executable; give its full path if it is not on PATH"
                )
            })?;
        let tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(keep_tail(out, Arc::clone(&tail)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(keep_tail(err, Arc::clone(&tail)));
        }
        // `child` is dropped without waiting: it is reaped by wait4 below.
        Ok(Managed {
            pid: child.id(),
            spawned,
            tail,
            readers,
            reaped: false,
            key,
            program: program.clone(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The server's last output lines, with the API key redacted.
    pub fn tail(&self) -> String {
        let t = self
            .tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default();
        redact(&t, self.key.as_deref())
    }

    /// After the server exited: let the readers take in its last output (bounded: a
    /// child that inherited the pipes may keep them open).
    fn drain_output(&self, max: Duration) {
        let t = Instant::now();
        while self.readers.iter().any(|r| !r.is_finished()) && t.elapsed() < max {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Has the server exited? (It is not reaped, so that its pid and group stay ours.)
    fn exited(&self) -> bool {
        // SAFETY: siginfo_t is plain old data; waitid with WNOWAIT only peeks.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                self.pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: reading the pid field of a siginfo filled by waitid.
        r == 0 && unsafe { info.si_pid() } != 0
    }

    /// Poll until the server answers (`GET /health` 200, or `GET /v1/models` 200 for
    /// servers without /health); returns the instant it did.
    pub fn wait_ready(
        &mut self,
        client: &Client,
        deadline: Instant,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Instant> {
        let probe = client.with_timeout(Duration::from_secs(2));
        let mut last = String::from("no answer yet");
        loop {
            if interrupted() {
                bail!("interrupted while waiting for the server to start");
            }
            if self.exited() {
                let exit = self.reap();
                self.drain_output(Duration::from_secs(2));
                bail!(
                    "the server (`{}`, start_command) exited {} before it was ready\n  its last output:\n{}",
                    self.program,
                    describe(&exit),
                    indent(&self.tail())
                );
            }
            if Instant::now() >= deadline {
                bail!(
                    "the server (`{}`, start_command) was not ready at {} after {:.0} s (last answer: {last})\n  help: check that start_command listens where base_url points; raise timeout_s in [suite] if the model takes longer to load\n  its last output:\n{}",
                    self.program,
                    client.endpoint.url("/health"),
                    self.spawned.elapsed().as_secs_f64(),
                    indent(&self.tail())
                );
            }
            match probe.get("/health", "application/json") {
                Ok(r) if r.status == 200 => {
                    let at = r.head_at;
                    r.close();
                    return Ok(at);
                }
                Ok(r) if r.status == 404 => {
                    r.close();
                    match probe.get("/v1/models", "application/json") {
                        Ok(r) if r.status == 200 => {
                            let at = r.head_at;
                            r.close();
                            return Ok(at);
                        }
                        Ok(r) => {
                            last = format!("GET /v1/models: HTTP {}", r.status);
                            r.close();
                        }
                        Err(f) => last = f.message,
                    }
                }
                Ok(r) => {
                    last = format!("GET /health: HTTP {} (loading?)", r.status);
                    r.close();
                }
                Err(f) if f.kind == Kind::Refused => last = "connection refused".into(),
                Err(f) => last = f.message,
            }
            std::thread::sleep(POLL);
        }
    }

    /// Stop the server: SIGTERM to its process group, SIGKILL after a grace period, then
    /// reap it. Returns its exit and peak RSS.
    pub fn stop(mut self) -> ServerExit {
        let t = Instant::now();
        self.signal_group(libc::SIGTERM);
        while !self.exited() && t.elapsed() < STOP_GRACE {
            std::thread::sleep(Duration::from_millis(20));
        }
        // Stragglers of the group (and the server itself after the grace period). The
        // leader is not reaped yet, so the group id is still ours.
        self.signal_group(libc::SIGKILL);
        self.reap()
    }

    fn signal_group(&self, sig: libc::c_int) {
        if !self.reaped {
            // SAFETY: signalling the process group we created (leader not yet reaped).
            unsafe { libc::kill(-(self.pid as libc::pid_t), sig) };
        }
    }

    fn reap(&mut self) -> ServerExit {
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is plain old data.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: valid pointers to locals; pid is our own child.
            let r = unsafe { libc::wait4(self.pid as libc::pid_t, &mut status, 0, &mut usage) };
            if r == self.pid as libc::pid_t {
                break;
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                self.reaped = true;
                return ServerExit {
                    code: None,
                    signal: None,
                    peak_rss_bytes: 0,
                };
            }
        }
        self.reaped = true;
        let (code, signal) = if libc::WIFEXITED(status) {
            (Some(libc::WEXITSTATUS(status)), None)
        } else if libc::WIFSIGNALED(status) {
            (None, Some(libc::WTERMSIG(status)))
        } else {
            (None, None)
        };
        let kb = if cfg!(target_os = "macos") { 1 } else { 1024 };
        ServerExit {
            code,
            signal,
            peak_rss_bytes: (usage.ru_maxrss as u64).saturating_mul(kb),
        }
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        if !self.reaped {
            self.signal_group(libc::SIGKILL);
            self.reap();
        }
    }
}

fn describe(e: &ServerExit) -> String {
    match (e.code, e.signal) {
        (Some(c), _) => format!("with status {c}"),
        (_, Some(s)) => format!("on signal {s}"),
        _ => "(status unknown)".into(),
    }
}

fn indent(s: &str) -> String {
    if s.trim().is_empty() {
        return "    (nothing)".into();
    }
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn keep_tail(
    r: impl Read + Send + 'static,
    tail: Arc<Mutex<VecDeque<String>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut t) = tail.lock() {
                t.push_back(line);
                if t.len() > TAIL_LINES {
                    t.pop_front();
                }
            }
        }
    })
}

fn settings(job: &Job) -> Result<&HttpSettings> {
    job.http
        .as_ref()
        .ok_or_else(|| anyhow!("model `{}`: http job without http settings", job.model))
}

fn failure(stage: &str, reason: String, stderr_tail: String) -> FailureRecord {
    FailureRecord {
        stage: stage.to_string(),
        reason,
        exit_code: None,
        signal: None,
        timed_out: false,
        stderr_tail,
    }
}

/// The server side of one bench job, set up before the worker runs.
pub enum BenchServer {
    /// Nothing lfmbench can measure.
    Remote,
    /// A running server named by `pid`; `reset` says whether its VmHWM was reset.
    Pid { pid: u32, reset: Result<(), String> },
    /// A server lfmbench started for this bench.
    Managed(Managed),
}

/// Prepare the server for a bench job: start it (`start_command`) and wait until it
/// answers, or reset a named process's high-water mark (`pid`).
pub fn bench_begin(
    job: &Job,
    timeout: Duration,
    interrupted: &dyn Fn() -> bool,
) -> Result<BenchServer, FailureRecord> {
    let h = settings(job).map_err(|e| failure("bench", format!("{e:#}"), String::new()))?;
    if let Some(cmd) = &h.start_command {
        let client =
            super::client_for(h).map_err(|e| failure("bench", format!("{e:#}"), String::new()))?;
        let key = super::api_key(h).ok().flatten();
        let mut m = Managed::start(cmd, key)
            .map_err(|e| failure("bench", format!("{e:#}"), String::new()))?;
        if let Err(e) = m.wait_ready(&client, Instant::now() + timeout, interrupted) {
            let tail = m.tail();
            return Err(failure("bench", format!("{e:#}"), tail));
        }
        return Ok(BenchServer::Managed(m));
    }
    if let Some(pid) = h.pid {
        let reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
            .map_err(|e| format!("could not reset it through /proc/{pid}/clear_refs: {e}"));
        return Ok(BenchServer::Pid { pid, reset });
    }
    Ok(BenchServer::Remote)
}

impl BenchServer {
    /// After the bench: stop a started server and return the server's peak memory, when
    /// lfmbench can know it.
    pub fn finish(self, job: &Job) -> Option<MemorySample> {
        let file_bytes = if job.path.as_os_str().is_empty() {
            0
        } else {
            std::fs::metadata(&job.path).map(|m| m.len()).unwrap_or(0)
        };
        let memory = |peak: u64, source: String| MemorySample {
            peak_rss_bytes: peak,
            source,
            model_file_bytes: file_bytes,
            use_mmap: job.settings.use_mmap,
            page_cache: None,
            ..MemorySample::default()
        };
        match self {
            BenchServer::Remote => None,
            BenchServer::Pid { pid, reset } => {
                let Some(peak) = vm_hwm(pid) else {
                    eprintln!(
                        "\n  warning: {}: cannot read VmHWM of http.pid {pid} (the server exited?); no memory figure for this round",
                        job.model
                    );
                    return None;
                };
                let since = match reset {
                    Ok(()) => "reset just before the bench".to_string(),
                    Err(why) => format!("since the server started ({why})"),
                };
                Some(memory(
                    peak,
                    format!(
                        "VmHWM of the server process {pid} (/proc/{pid}/status), {since}; use_mmap is lfmbench's setting, not necessarily the server's"
                    ),
                ))
            }
            BenchServer::Managed(m) => {
                let pid = m.pid();
                let exit = m.stop();
                (exit.peak_rss_bytes > 0).then(|| {
                    memory(
                        exit.peak_rss_bytes,
                        format!(
                            "wait4 ru_maxrss of the server process started by start_command (pid {pid}; a server that runs the model in a child process it does not wait for is not counted); use_mmap is lfmbench's setting, not necessarily the server's"
                        ),
                    )
                })
            }
        }
    }
}

/// Peak RSS of a running process (Linux: VmHWM in /proc/<pid>/status).
pub fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A cold start of a server lfmbench starts: spawn → ready → first token of a one-token
/// request with `prompt`. `drop_cache` as planned (the page cache of `path`, when the
/// model names the file the server reads). Returns the record to store.
pub fn cold_start(
    job: &Job,
    prompt: &str,
    drop_cache: Option<bool>,
    timeout: Duration,
    interrupted: &dyn Fn() -> bool,
) -> Body {
    let stage = if drop_cache == Some(false) {
        "cold_start_warm"
    } else {
        "cold_start"
    };
    match cold_start_inner(job, prompt, drop_cache, timeout, interrupted) {
        Ok(c) => Body::ColdStart(c),
        Err((reason, tail)) => Body::Failure(failure(stage, reason, tail)),
    }
}

fn cold_start_inner(
    job: &Job,
    prompt: &str,
    drop_cache: Option<bool>,
    timeout: Duration,
    interrupted: &dyn Fn() -> bool,
) -> Result<ColdStartSample, (String, String)> {
    let plain = |e: anyhow::Error| (format!("{e:#}"), String::new());
    let h = settings(job).map_err(plain)?;
    let cmd = h.start_command.as_ref().ok_or_else(|| {
        (
            "no start_command: lfmbench cannot time a server it does not start".to_string(),
            String::new(),
        )
    })?;
    let known_file = !job.path.as_os_str().is_empty();
    let (page_cache, resident_before) = match (drop_cache, known_file) {
        (Some(false), _) | (None, _) => (PageCache::Warm, known_file.then(|| pagecache::resident_fraction(&job.path)).flatten()),
        (Some(true), true) => (pagecache::drop_file(&job.path), pagecache::resident_fraction(&job.path)),
        (Some(true), false) => (
            PageCache::NotDropped {
                reason: "the file the server reads is not known: set `path` on the http model to drop its page cache".into(),
            },
            None,
        ),
    };
    let backend = HttpBackend::new(h).map_err(plain)?;
    let mut m = Managed::start(cmd, backend.key.clone()).map_err(plain)?;
    let spawned = m.spawned;
    let ready = m
        .wait_ready(&backend.client, spawned + timeout, interrupted)
        .map_err(|e| (format!("{e:#}"), m.tail()))?;
    let mut first = None;
    let ex = backend
        .stream_chat(prompt, 1, true, &mut |_, at| {
            first.get_or_insert(at);
        })
        .map_err(|f| {
            (
                format!(
                    "the started server failed its first request: {}",
                    redact(&f.message, backend.key.as_deref())
                ),
                m.tail(),
            )
        })?;
    // No content chunk (an empty first token): the end of the response stands for it.
    let first = first.unwrap_or_else(Instant::now);
    drop(ex);
    let _ = m.stop();
    let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1000.0;
    Ok(ColdStartSample {
        page_cache,
        resident_before,
        total_ms: ms(spawned, first),
        process_ms: 0.0,
        load_ms: ms(spawned, ready),
        context_ms: 0.0,
        first_token_ms: ms(ready, first),
    })
}
