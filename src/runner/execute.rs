//! Running the plan: each job not yet done, in order, in its own worker process (or, for
//! an http server's cold start, timed here); what the worker reports is stored the moment
//! it arrives, and a job that crashed, hung or was killed becomes a failure record.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::engine::EngineNotes;
use super::interrupt;
use super::quiet::{RoundStart, Watch};
use super::spawn::spawn_worker;
use super::until::Until;
use crate::backend::http::server as http_server;
use crate::config::{BackendKind, Loaded};
use crate::measure::{noise, pagecache, rss};
use crate::plan::{self, PlannedJob, ReadyModel};
use crate::protocol::{JobKey, Part, WorkerMsg};
use crate::sample::{Body, ColdStartSample, FailureRecord, MemorySample, OffloadSample, PageCache};
use crate::store::{RunState, RunWriter};

/// [`execute`], and if it fails (a full disk, say) mark the run incomplete with the
/// reason — best effort, the disk may refuse that too — so that `report` and `--resume`
/// know what happened.
pub fn execute_or_mark(
    loaded: &Loaded,
    ready: &[ReadyModel],
    writer: &mut RunWriter,
    done: &HashSet<JobKey>,
    watch: Watch,
    until: Option<Until>,
) -> Result<()> {
    execute(loaded, ready, writer, done, watch, until).inspect_err(|e| {
        let note = format!("stopped by an error: {e:#}; finished samples are kept, resume with `lfmbench run --resume`");
        let _ = writer.finish(RunState::Incomplete, Some(note));
    })
}

/// Run every planned job not in `done`; with `until` (`--until-decided`), look after
/// every complete round and stop when it says so.
fn execute(
    loaded: &Loaded,
    ready: &[ReadyModel],
    writer: &mut RunWriter,
    done: &HashSet<JobKey>,
    mut watch: Watch,
    mut until: Option<Until>,
) -> Result<()> {
    interrupt::install_signal_handlers();
    let jobs = plan::plan(loaded, ready);
    // A resumed run whose last complete round was never looked at (interrupted between
    // its last job and its look) looks first.
    if let Some(u) = until.as_mut() {
        let complete = complete_rounds(&jobs, done);
        if complete > Until::looked(writer) && u.after_round(writer, complete)? {
            return Ok(());
        }
    }
    let todo: Vec<&PlannedJob> = jobs.iter().filter(|j| !done.contains(&j.key)).collect();
    let total = todo.len();
    let timeout = Duration::from_secs(loaded.suite.suite.timeout_s);
    let mut engine = EngineNotes::new(writer);
    for (i, pj) in todo.iter().enumerate() {
        if interrupt::requested() {
            break;
        }
        let round = pj.key.round;
        let first_of_round = i == 0 || todo[i - 1].key.round != round;
        let last_of_round = todo.get(i + 1).is_none_or(|n| n.key.round != round);
        let start = if first_of_round {
            watch.start_round(round)
        } else {
            RoundStart::default()
        };
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
        let before = noise::snapshot();
        let outcome = run_one(pj, timeout, writer, &mut engine)?;
        let after = noise::snapshot();
        if outcome.interrupted {
            eprintln!(" interrupted");
            break;
        }
        eprintln!(
            " {} ({:.1} s)",
            if outcome.ok { "ok" } else { "FAILED" },
            t.elapsed().as_secs_f64()
        );
        let probe_after = if last_of_round {
            watch.end_round(round)
        } else {
            None
        };
        let load = watch.job(&before, &after, outcome.worker_cpu_s, start, probe_after);
        if load.contended {
            eprintln!(
                "warning: {} round {} {} ran on a busy host: {}",
                pj.key.model,
                round + 1,
                pj.key.part,
                load.reasons.join("; ")
            );
        }
        writer.job_done(pj.key.clone(), outcome.ok, Some(load))?;
        if let (true, Some(u)) = (last_of_round, until.as_mut())
            && u.after_round(writer, round as usize + 1)?
        {
            break;
        }
    }
    Ok(())
}

/// The rounds, from the first, whose every planned job is done.
fn complete_rounds(jobs: &[PlannedJob], done: &HashSet<JobKey>) -> usize {
    let open = jobs
        .iter()
        .filter(|j| !done.contains(&j.key))
        .map(|j| j.key.round)
        .min();
    let planned = jobs.iter().map(|j| j.key.round + 1).max().unwrap_or(0);
    open.unwrap_or(planned) as usize
}

struct Outcome {
    ok: bool,
    interrupted: bool,
    /// CPU seconds of the worker process (wait4); `None` when no worker ran the job's
    /// work (an http server did).
    worker_cpu_s: Option<f64>,
}

/// Run one job in a worker process and store what it reports.
fn run_one(
    pj: &PlannedJob,
    timeout: Duration,
    writer: &mut RunWriter,
    engine: &mut EngineNotes,
) -> Result<Outcome> {
    let is_http = pj.job.backend == BackendKind::Http;
    let interrupted = || interrupt::requested();
    if let (true, Part::ColdStart { prompt }) = (is_http, &pj.job.part) {
        // A server lfmbench starts: timed here, spawn -> ready -> first token.
        let body = http_server::cold_start(&pj.job, prompt, pj.drop_cache, timeout, &interrupted);
        return store_runner_record(writer, pj, body);
    }
    // An http bench: start the server first (start_command) or note its pid.
    let server = match (is_http, &pj.job.part) {
        (true, Part::Bench { .. } | Part::Quality { .. }) => {
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
        Part::Bench { .. } | Part::Sustained { .. } if !is_http => {
            Some(pagecache::settle_file(&pj.job.path))
        }
        _ => None,
    };
    // A sustained decode starts from an idle machine, and may take its whole duration
    // on top of the round's timeout.
    let mut timeout = timeout;
    if let Part::Sustained {
        duration_s,
        cooldown_s,
        ..
    } = &pj.job.part
    {
        if !cool_down(Duration::from_secs(u64::from(*cooldown_s))) {
            return Ok(Outcome {
                ok: false,
                interrupted: true,
                worker_cpu_s: None,
            });
        }
        timeout += Duration::from_secs(u64::from(*duration_s));
    }
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
    let mut footprint = None;
    let mut gpu_bytes = None;
    let mut first_token = None;
    let mut store_err: Option<anyhow::Error> = None;
    let res = spawn_worker(&pj.job, timeout, &mut |at, msg| {
        let r = match msg {
            WorkerMsg::Started => Ok(()),
            WorkerMsg::Engine(info) => engine.engine(writer, &info),
            WorkerMsg::Offload { placement, gpu } => {
                gpu_bytes = Some(placement.off_cpu_bytes()).filter(|b| *b > 0);
                engine
                    .placement(writer, &pj.job.model, &placement, &gpu)
                    .and_then(|()| {
                        writer.append(&pj.job.record(Body::Offload(OffloadSample {
                            part: pj.key.part.clone(),
                            placement,
                            gpu,
                        })))
                    })
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
            WorkerMsg::Peak {
                peak_rss_bytes,
                phys_footprint_bytes,
                phys_footprint_peak_bytes,
            } => {
                own_peak = Some(peak_rss_bytes);
                footprint = phys_footprint_bytes.map(|now| (now, phys_footprint_peak_bytes));
                Ok(())
            }
            WorkerMsg::Error { stage, message } => {
                writer.append(&pj.job.record(Body::Failure(FailureRecord {
                    stage,
                    reason: message,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    stderr_tail: String::new(),
                })))
            }
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
            worker_cpu_s: None,
        });
    }
    // What the worker's own process used; an http bench's work is the server's.
    let worker_cpu = (!is_http).then_some(res.exit.cpu_s);
    let exit_ok = res.exit.success() && !res.timed_out;
    if !exit_ok {
        writer.append(
            &pj.job
                .record(Body::Failure(res.failure(&pj.key.part, timeout))),
        )?;
        return Ok(Outcome {
            ok: false,
            interrupted: false,
            worker_cpu_s: worker_cpu,
        });
    }
    match &pj.job.part {
        Part::Bench { .. } if is_http => {
            // The server's memory, where lfmbench can know it (else NOT MEASURED).
            if let Some(m) = server.and_then(|s| s.finish(&pj.job)) {
                writer.append(&pj.job.record(Body::Memory(m)))?;
            }
        }
        Part::Bench { .. } => {
            let bytes = std::fs::metadata(&pj.job.path)
                .map(|m| m.len())
                .unwrap_or(0);
            // The worker's own VmHWM where the OS gives it; wait4's ru_maxrss also counts
            // the parent's pages copied before exec.
            let rss = own_peak.unwrap_or(res.exit.peak_rss_bytes);
            let source = if own_peak.is_some() {
                "VmHWM of the worker process (its own address space)"
            } else {
                "wait4 ru_maxrss of the worker process"
            };
            let (peak, peak_source) = rss::platform_peak(rss, source, footprint, gpu_bytes);
            writer.append(&pj.job.record(Body::Memory(MemorySample {
                peak_rss_bytes: rss,
                source: source.into(),
                model_file_bytes: bytes,
                use_mmap: pj.job.settings.use_mmap,
                page_cache: settled,
                peak_bytes: Some(peak),
                peak_source: Some(peak_source),
                phys_footprint_bytes: footprint.map(|f| f.0),
                phys_footprint_peak_bytes: footprint.and_then(|f| f.1),
                gpu_bytes,
            })))?;
        }
        Part::Quality { .. } => {
            // Not a measurement of memory: a started server is only stopped.
            if let Some(s) = server {
                let _ = s.finish(&pj.job);
            }
        }
        Part::ColdStart { .. } => {
            let (Some((load_ms, context_ms)), Some((ft_at, first_token_ms))) =
                (loaded_ms, first_token)
            else {
                writer.append(&pj.job.record(Body::Failure(FailureRecord {
                    stage: pj.key.part.clone(),
                    reason: "the worker exited without reporting its first token".into(),
                    exit_code: res.exit.code,
                    signal: None,
                    timed_out: false,
                    stderr_tail: res.stderr_tail,
                })))?;
                return Ok(Outcome {
                    ok: false,
                    interrupted: false,
                    worker_cpu_s: worker_cpu,
                });
            };
            // Start-up is what the worker's own clocks do not cover: exec, dynamic
            // linking, backend initialisation and the pipe. Taken as the remainder, so
            // the parts always add up to the total the parent measured.
            let total_ms = ms(res.spawned, ft_at);
            let process_ms = (total_ms - load_ms - context_ms - first_token_ms).max(0.0);
            writer.append(&pj.job.record(Body::ColdStart(ColdStartSample {
                page_cache: page_cache.unwrap_or(PageCache::Warm),
                resident_before,
                total_ms,
                process_ms,
                load_ms,
                context_ms,
                first_token_ms,
            })))?;
        }
        // Its windows came as records already.
        Part::Sustained { .. } => {}
    }
    Ok(Outcome {
        ok: true,
        interrupted: false,
        worker_cpu_s: worker_cpu,
    })
}

/// Store the record of a job the runner ran itself (an http server's start-up); an
/// interrupted job stores nothing, as for a killed worker.
fn store_runner_record(writer: &mut RunWriter, pj: &PlannedJob, body: Body) -> Result<Outcome> {
    if interrupt::requested() {
        return Ok(Outcome {
            ok: false,
            interrupted: true,
            worker_cpu_s: None,
        });
    }
    let ok = !matches!(body, Body::Failure(_));
    writer.append(&pj.job.record(body))?;
    Ok(Outcome {
        ok,
        interrupted: false,
        worker_cpu_s: None,
    })
}

/// Idle for `d` (a sustained decode's cool-down), saying so; false when interrupted.
fn cool_down(d: Duration) -> bool {
    if d.is_zero() {
        return true;
    }
    eprint!(" cooling down {} s …", d.as_secs());
    let end = Instant::now() + d;
    while Instant::now() < end {
        if interrupt::requested() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100).min(end - Instant::now()));
    }
    true
}

fn ms(a: Instant, b: Instant) -> f64 {
    b.saturating_duration_since(a).as_secs_f64() * 1000.0
}
