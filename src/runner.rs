//! `lfmbench run`: check inputs, plan the jobs, run each in a worker process, store every
//! record as it arrives, and survive crashes, hangs and interruptions.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::backend::http::server as http_server;
use crate::cli::RunArgs;
use crate::config::{self, BackendKind, Loaded, Workload};
use crate::measure::{host, pagecache, rss};
use crate::plan::{self, PlannedJob};
use crate::sample::{Body, ColdStartSample, FailureRecord, MemorySample, PageCache, Record};
use crate::store::{self, InputHash, JobKey, RunMeta, RunState, RunWriter, Skipped};
use crate::worker::{Job, Part, WorkerMsg};

/// Set by SIGINT/SIGTERM; checked between and during jobs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // A second Ctrl-C: the user means it.
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

fn install_signal_handlers() {
    // SAFETY: the handler only touches an atomic and calls _exit.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// A model that passed the pre-flight checks.
#[derive(Debug, Clone)]
pub struct ReadyModel {
    pub id: String,
    pub path: PathBuf,
    /// The architecture the file is a shape twin of, from its own GGUF metadata
    /// (`lfmbench.twin.of`), whatever models.toml calls it.
    pub twin_of: Option<String>,
}

/// Why a model cannot run, with what to do about it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub model: String,
    pub message: String,
}

/// `lfmbench run`
pub fn cli(args: &RunArgs) -> Result<ExitCode> {
    if let Some(dir) = &args.resume {
        return resume(dir, args);
    }
    let Some(suite_path) = &args.suite else {
        bail!("name a suite, e.g. `lfmbench run suites/phase0.toml`");
    };
    let mut loaded = config::load(suite_path, &args.models)?;
    apply_overrides(&mut loaded, args)?;
    let (ready, problems) = preflight(&loaded);
    if !problems.is_empty() {
        eprintln!("These models cannot run:");
        for p in &problems {
            eprintln!("  - {}: {}", p.model, p.message);
        }
        if !args.keep_going {
            bail!(
                "{} of {} models cannot run; nothing was started\n  help: fix the files above, or pass --keep-going to run the {} that can",
                problems.len(),
                problems.len() + ready.len(),
                ready.len()
            );
        }
        eprintln!("--keep-going: running the {} models that can.", ready.len());
    }
    if ready.is_empty() {
        bail!("no model of the suite can run");
    }
    let host = host::Host {
        memory_bandwidth_gbps: crate::measure::bandwidth::probe_gbps(),
        ..host::fingerprint()
    };
    let meta = RunMeta {
        schema_version: crate::sample::SCHEMA_VERSION,
        id: format!(
            "{}-{}",
            store::time::now_compact(),
            sanitize(&loaded.suite.suite.name)
        ),
        suite: loaded.suite.suite.name.clone(),
        started_utc: store::time::now_utc(),
        finished_utc: None,
        state: RunState::Running,
        note: None,
        models: ready.iter().map(|m| m.id.clone()).collect(),
        skipped: problems
            .iter()
            .map(|p| Skipped {
                model: p.model.clone(),
                reason: p.message.clone(),
            })
            .collect(),
        not_measured: http_server::not_measured(
            &loaded,
            &ready.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        ),
        rounds: loaded.suite.suite.rounds,
        twins: ready
            .iter()
            .filter_map(|m| Some((m.id.clone(), m.twin_of.clone()?)))
            .collect(),
        inputs: input_hashes(&loaded, &ready),
        settings: ready
            .iter()
            .map(|m| (m.id.clone(), loaded.settings_for(&m.id)))
            .collect(),
        suite_path: Some(suite_path.clone()),
        models_path: Some(args.models.clone()),
    };
    let suite_text = effective_suite_text(&loaded)?;
    let mut writer = RunWriter::create(&args.out, meta, &suite_text, &loaded.models_text, &host)?;
    eprintln!("run folder: {}", writer.dir.display());
    print_not_measured(&writer.meta.not_measured);
    execute_or_mark(&loaded, &ready, &mut writer, &HashSet::new())?;
    finish(writer, args)
}

/// Apply `--rounds` and `--threads`.
fn apply_overrides(loaded: &mut Loaded, args: &RunArgs) -> Result<()> {
    if let Some(r) = args.rounds {
        if r == 0 {
            bail!(
                "--rounds 0 measures nothing\n  help: give 1 or more (3+ for intervals that mean something)"
            );
        }
        loaded.suite.suite.rounds = r;
    }
    if let Some(t) = args.threads {
        loaded.suite.backend.threads = Some(t);
    }
    Ok(())
}

/// The suite as it was run (with command-line overrides applied), stored in the run.
fn effective_suite_text(loaded: &Loaded) -> Result<String> {
    Ok(toml::to_string_pretty(&loaded.suite)?)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Check every model of the suite before anything starts.
pub fn preflight(loaded: &Loaded) -> (Vec<ReadyModel>, Vec<Problem>) {
    let base = loaded.models_base();
    let mut ready = Vec::new();
    let mut problems = Vec::new();
    for id in loaded.model_ids() {
        let Some(entry) = loaded.model(&id) else {
            continue;
        };
        if entry.backend == BackendKind::Http {
            // A served model: no GGUF to check here (`path`, when given, is optional).
            match http_server::preflight(entry, &base) {
                Ok(()) => ready.push(ReadyModel {
                    path: entry.resolved_path(&base).unwrap_or_default(),
                    id,
                    twin_of: None,
                }),
                Err(e) => problems.push(Problem {
                    model: id,
                    message: format!("{e:#}"),
                }),
            }
            continue;
        }
        let Some(path) = entry.resolved_path(&base) else {
            continue;
        };
        let how = entry
            .how_to_get
            .clone()
            .unwrap_or_else(|| "download it and set `path` in models.toml".into());
        // A twin is (re)made when missing or stale (another generator version or quant).
        if entry.is_twin()
            && let Err(e) = crate::twin::ensure(entry, &path)
        {
            problems.push(Problem {
                model: id,
                message: format!("{e:#}"),
            });
            continue;
        }
        match check_file(&path, entry.sha256.as_deref()) {
            Ok(info) => ready.push(ReadyModel {
                id,
                path,
                twin_of: info.twin.map(|t| t.of),
            }),
            Err(e) if !path.exists() => problems.push(Problem {
                model: id,
                message: format!("{e:#}\n      how to get it: {how}"),
            }),
            Err(e) => problems.push(Problem {
                model: id,
                message: format!("{e:#}"),
            }),
        }
    }
    (ready, problems)
}

/// Is `path` a readable, complete GGUF (with the pinned sha256, when given)? Its header.
pub fn check_file(path: &Path, sha256: Option<&str>) -> Result<crate::gguf::GgufInfo> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: file not found", path.display()))?;
    if meta.len() == 0 {
        bail!(
            "{}: the file is empty (an interrupted download?)",
            path.display()
        );
    }
    let info = crate::gguf::read_runnable(path)?;
    if let Some(want) = sha256 {
        let got = sha256_file(path)?;
        if !got.eq_ignore_ascii_case(want) {
            bail!(
                "{}: sha256 is {got}, models.toml pins {want}\n      help: the file changed or is another build; fetch it again or update the pin",
                path.display()
            );
        }
    }
    Ok(info)
}

pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Cheap fingerprint of a model file: size, mtime, first and last MiB.
fn file_fingerprint(path: &Path) -> Result<InputHash> {
    use std::io::{Seek, SeekFrom};
    let meta = std::fs::metadata(path)?;
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; (1 << 20).min(meta.len() as usize)];
    f.read_exact(&mut head)?;
    let mut tail = vec![0u8; head.len()];
    f.seek(SeekFrom::End(-(tail.len() as i64)))?;
    f.read_exact(&mut tail)?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    head.extend_from_slice(&tail);
    head.extend_from_slice(&meta.len().to_le_bytes());
    head.extend_from_slice(&mtime.to_le_bytes());
    Ok(InputHash {
        name: path.display().to_string(),
        bytes: meta.len(),
        fingerprint: sha256_bytes(&head),
    })
}

fn input_hashes(loaded: &Loaded, ready: &[ReadyModel]) -> Vec<InputHash> {
    let mut v = vec![
        InputHash {
            name: "suite".into(),
            bytes: loaded.suite_text.len() as u64,
            fingerprint: sha256_bytes(loaded.suite_text.as_bytes()),
        },
        InputHash {
            name: "models".into(),
            bytes: loaded.models_text.len() as u64,
            fingerprint: sha256_bytes(loaded.models_text.as_bytes()),
        },
    ];
    v.extend(ready.iter().filter_map(|m| file_fingerprint(&m.path).ok()));
    v
}

/// `lfmbench run --resume DIR`: run only the jobs that have no line in jobs.jsonl.
fn resume(dir: &Path, args: &RunArgs) -> Result<ExitCode> {
    let stored = store::load(dir)?;
    let (Some(suite_path), Some(models_path)) = (&stored.meta.suite_path, &stored.meta.models_path)
    else {
        bail!(
            "{}: this run does not record where its suite came from; it cannot be resumed",
            dir.display()
        );
    };
    let mut loaded = config::load(suite_path, models_path)?;
    // The stored suite already has the original overrides applied.
    loaded.suite = stored.suite.clone();
    let (ready, _) = preflight(&loaded);
    let ready: Vec<ReadyModel> = ready
        .into_iter()
        .filter(|m| stored.meta.models.contains(&m.id))
        .collect();
    let now = input_hashes(&config::load(suite_path, models_path)?, &ready);
    for old in &stored.meta.inputs {
        match now.iter().find(|n| n.name == old.name) {
            Some(n) if n == old => {}
            Some(_) => bail!(
                "{}: `{}` changed since the run started; resuming would mix measurements of different inputs\n  help: start a new run instead",
                dir.display(),
                old.name
            ),
            None => bail!(
                "{}: `{}` is no longer available; it cannot be resumed",
                dir.display(),
                old.name
            ),
        }
    }
    let done: HashSet<JobKey> = stored.jobs.iter().map(|j| j.key.clone()).collect();
    let mut meta = stored.meta.clone();
    meta.state = RunState::Running;
    meta.note = None;
    let mut writer = RunWriter::reopen(dir, meta)?;
    eprintln!(
        "resuming {}: {} jobs already done",
        dir.display(),
        done.len()
    );
    execute_or_mark(&loaded, &ready, &mut writer, &done)?;
    finish(writer, args)
}

fn finish(mut writer: RunWriter, args: &RunArgs) -> Result<ExitCode> {
    let interrupted = INTERRUPTED.load(Ordering::SeqCst);
    let state = if interrupted || !writer.meta.skipped.is_empty() {
        RunState::Incomplete
    } else {
        RunState::Complete
    };
    let note = if interrupted {
        Some("interrupted; finish it with `lfmbench run --resume <this folder>`".to_string())
    } else if !writer.meta.skipped.is_empty() {
        Some("some models were skipped (see `skipped`)".to_string())
    } else {
        None
    };
    writer.finish(state, note)?;
    let run = store::load(&writer.dir)?;
    crate::store::summary::write_csv(&run)?;
    print_summary(&run);
    if interrupted {
        eprintln!(
            "interrupted: every finished sample is in {}; resume with `lfmbench run --resume {}`",
            writer.dir.display(),
            writer.dir.display()
        );
        return Ok(ExitCode::from(130));
    }
    crate::report::after_run(&run, args.format, args.fail_on)
}

/// Say which metrics are NOT MEASURED for which model, and why.
fn print_not_measured(list: &[store::NotMeasured]) {
    for n in list {
        eprintln!(
            "NOT MEASURED {} {}: {}",
            n.model,
            n.metrics.join(", "),
            n.reason
        );
    }
}

/// Print the per-model summary table.
fn print_summary(run: &store::StoredRun) {
    let table = crate::store::summary::table(run);
    eprintln!("{table}");
    print_not_measured(&run.meta.not_measured);
    let invalid: Vec<String> = run
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Chat(c) if !c.valid => Some(format!(
                "INVALID {} round {} prompt {}: {}",
                r.model,
                r.round,
                c.prompt_index,
                c.invalid_reason.as_deref().unwrap_or("")
            )),
            Body::Decode(d) if !d.valid => Some(format!(
                "INVALID {} round {} decode@{}: {}",
                r.model,
                r.round,
                d.depth,
                d.invalid_reason.as_deref().unwrap_or("")
            )),
            Body::Failure(f) => Some(format!(
                "FAILED {} round {} {}: {}",
                r.model, r.round, f.stage, f.reason
            )),
            _ => None,
        })
        .collect();
    for line in invalid {
        eprintln!("{line}");
    }
}

/// [`execute`], and if it fails (a full disk, say) mark the run incomplete with the
/// reason — best effort, the disk may refuse that too — so that `report` and `--resume`
/// know what happened.
fn execute_or_mark(
    loaded: &Loaded,
    ready: &[ReadyModel],
    writer: &mut RunWriter,
    done: &HashSet<JobKey>,
) -> Result<()> {
    execute(loaded, ready, writer, done).inspect_err(|e| {
        let note = format!("stopped by an error: {e:#}; finished samples are kept, resume with `lfmbench run --resume`");
        let _ = writer.finish(RunState::Incomplete, Some(note));
    })
}

/// Run every planned job not in `done`.
fn execute(
    loaded: &Loaded,
    ready: &[ReadyModel],
    writer: &mut RunWriter,
    done: &HashSet<JobKey>,
) -> Result<()> {
    install_signal_handlers();
    let jobs = plan::plan(loaded, ready);
    let todo: Vec<&PlannedJob> = jobs.iter().filter(|j| !done.contains(&j.key)).collect();
    let total = todo.len();
    let timeout = Duration::from_secs(loaded.suite.suite.timeout_s);
    let mut engine_written = writer.dir.join("engine.json").exists();
    for (i, pj) in todo.into_iter().enumerate() {
        if INTERRUPTED.load(Ordering::SeqCst) {
            break;
        }
        let label = format!(
            "[{:>3}/{total}] round {}/{} {:<16} {}",
            i + 1,
            pj.key.round + 1,
            loaded.suite.suite.rounds,
            pj.key.model,
            pj.key.part
        );
        eprint!("{label} …");
        let t = Instant::now();
        let outcome = run_one(pj, timeout, writer, &mut engine_written)?;
        if outcome.interrupted {
            eprintln!(" interrupted");
            break;
        }
        eprintln!(
            " {} ({:.1} s)",
            if outcome.ok { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        writer.job_done(pj.key.clone(), outcome.ok)?;
    }
    Ok(())
}

struct Outcome {
    ok: bool,
    interrupted: bool,
}

/// Run one job in a worker process and store what it reports.
fn run_one(
    pj: &PlannedJob,
    timeout: Duration,
    writer: &mut RunWriter,
    engine_written: &mut bool,
) -> Result<Outcome> {
    let is_http = pj.job.backend == BackendKind::Http;
    let interrupted = || INTERRUPTED.load(Ordering::SeqCst);
    if let (true, Part::ColdStart { prompt }) = (is_http, &pj.job.part) {
        // A server lfmbench starts: timed here, spawn -> ready -> first token.
        let body = http_server::cold_start(&pj.job, prompt, pj.drop_cache, timeout, &interrupted);
        return store_runner_record(writer, pj, body);
    }
    // An http bench: start the server first (start_command) or note its pid.
    let server = match (is_http, &pj.job.part) {
        (true, Part::Bench { .. }) => {
            match http_server::bench_begin(&pj.job, timeout, &interrupted) {
                Ok(s) => Some(s),
                Err(f) => return store_runner_record(writer, pj, Body::Failure(f)),
            }
        }
        _ => None,
    };
    // A bench process maps a file cached the same way for every model (see
    // measure::pagecache for why); an http server is not lfmbench's to settle.
    let settled = match &pj.job.part {
        Part::Bench { .. } if !is_http => Some(pagecache::settle_file(&pj.job.path)),
        _ => None,
    };
    let mut page_cache = None;
    let mut resident_before = None;
    if let Some(drop) = pj.drop_cache {
        if drop {
            page_cache = Some(pagecache::drop_file(&pj.job.path));
        } else {
            page_cache = Some(PageCache::Warm);
        }
        resident_before = pagecache::resident_fraction(&pj.job.path);
    }
    let mut loaded_ms = None;
    let mut own_peak = None;
    let mut first_token = None;
    let mut store_err: Option<anyhow::Error> = None;
    let model = pj.job.model.clone();
    let round = pj.job.round;
    let res = spawn_worker(&pj.job, timeout, &mut |at, msg| {
        let r = match msg {
            WorkerMsg::Started => Ok(()),
            WorkerMsg::Engine(info) => {
                if !*engine_written {
                    *engine_written = true;
                    writer.write_json("engine.json", &info)
                } else {
                    Ok(())
                }
            }
            WorkerMsg::Loaded {
                load_ms,
                context_ms,
            } => {
                loaded_ms = Some((load_ms, context_ms));
                Ok(())
            }
            WorkerMsg::FirstToken { first_token_ms } => {
                first_token = Some((at, first_token_ms));
                Ok(())
            }
            WorkerMsg::Record(rec) => writer.append(&rec),
            WorkerMsg::Peak { peak_rss_bytes } => {
                own_peak = Some(peak_rss_bytes);
                Ok(())
            }
            WorkerMsg::Error { stage, message } => writer.append(&Record {
                model: model.clone(),
                round,
                body: Body::Failure(FailureRecord {
                    stage,
                    reason: message,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    stderr_tail: String::new(),
                }),
            }),
        };
        if let Err(e) = r {
            store_err.get_or_insert(e);
        }
    })?;
    if let Some(e) = store_err {
        return Err(e);
    }
    if res.interrupted {
        return Ok(Outcome {
            ok: false,
            interrupted: true,
        });
    }
    let exit_ok = res.exit.success() && !res.timed_out;
    if !exit_ok {
        writer.append(&Record {
            model: model.clone(),
            round,
            body: Body::Failure(res.failure(&pj.key.part, timeout)),
        })?;
        return Ok(Outcome {
            ok: false,
            interrupted: false,
        });
    }
    match &pj.job.part {
        Part::Bench { .. } if is_http => {
            // The server's memory, where lfmbench can know it (else NOT MEASURED).
            if let Some(m) = server.and_then(|s| s.finish(&pj.job)) {
                writer.append(&Record {
                    model,
                    round,
                    body: Body::Memory(m),
                })?;
            }
        }
        Part::Bench { .. } => {
            let bytes = std::fs::metadata(&pj.job.path)
                .map(|m| m.len())
                .unwrap_or(0);
            writer.append(&Record {
                model,
                round,
                body: Body::Memory(MemorySample {
                    // The worker's own VmHWM where the OS gives it; wait4's ru_maxrss
                    // also counts the parent's pages copied before exec.
                    peak_rss_bytes: own_peak.unwrap_or(res.exit.peak_rss_bytes),
                    source: if own_peak.is_some() {
                        "VmHWM of the worker process (its own address space)".into()
                    } else {
                        "wait4 ru_maxrss of the worker process".into()
                    },
                    model_file_bytes: bytes,
                    use_mmap: pj.job.settings.use_mmap,
                    page_cache: settled,
                }),
            })?;
        }
        Part::ColdStart { .. } => {
            let (Some((load_ms, context_ms)), Some((ft_at, first_token_ms))) =
                (loaded_ms, first_token)
            else {
                writer.append(&Record {
                    model,
                    round,
                    body: Body::Failure(FailureRecord {
                        stage: pj.key.part.clone(),
                        reason: "the worker exited without reporting its first token".into(),
                        exit_code: res.exit.code,
                        signal: None,
                        timed_out: false,
                        stderr_tail: res.stderr_tail,
                    }),
                })?;
                return Ok(Outcome {
                    ok: false,
                    interrupted: false,
                });
            };
            // Start-up is what the worker's own clocks do not cover: exec, dynamic
            // linking, backend initialisation and the pipe. Taken as the remainder, so
            // the parts always add up to the total the parent measured.
            let total_ms = ms(res.spawned, ft_at);
            let process_ms = (total_ms - load_ms - context_ms - first_token_ms).max(0.0);
            writer.append(&Record {
                model,
                round,
                body: Body::ColdStart(ColdStartSample {
                    page_cache: page_cache.unwrap_or(PageCache::Warm),
                    resident_before,
                    total_ms,
                    process_ms,
                    load_ms,
                    context_ms,
                    first_token_ms,
                }),
            })?;
        }
    }
    Ok(Outcome {
        ok: true,
        interrupted: false,
    })
}

/// Store the record of a job the runner ran itself (an http server's start-up); an
/// interrupted job stores nothing, as for a killed worker.
fn store_runner_record(writer: &mut RunWriter, pj: &PlannedJob, body: Body) -> Result<Outcome> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Ok(Outcome {
            ok: false,
            interrupted: true,
        });
    }
    let ok = !matches!(body, Body::Failure(_));
    writer.append(&Record {
        model: pj.job.model.clone(),
        round: pj.job.round,
        body,
    })?;
    Ok(Outcome {
        ok,
        interrupted: false,
    })
}

fn ms(a: Instant, b: Instant) -> f64 {
    b.saturating_duration_since(a).as_secs_f64() * 1000.0
}

/// What happened to one worker process.
pub struct WorkerResult {
    pub spawned: Instant,
    pub exit: rss::Exit,
    pub timed_out: bool,
    pub interrupted: bool,
    pub stderr_tail: String,
}

impl WorkerResult {
    fn failure(&self, stage: &str, timeout: Duration) -> FailureRecord {
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
        if INTERRUPTED.load(Ordering::SeqCst) {
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
    interrupted |= INTERRUPTED.load(Ordering::SeqCst);
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

/// Workloads of a suite that a bench process runs (cold start is its own process).
pub fn bench_workloads(loaded: &Loaded) -> Vec<Workload> {
    loaded
        .suite
        .workloads
        .iter()
        .filter(|w| !matches!(w, Workload::ColdStart { .. }))
        .cloned()
        .collect()
}
