//! The child-process side of a run: load one model, run one job, stream records.
//!
//! `lfmbench run` re-invokes itself as `lfmbench __worker '<job json>'` once per model
//! per round, so that every measurement starts from a fresh process and a crash loses
//! only that process's job. The worker writes one [`WorkerMsg`] per line on stdout and
//! flushes each, so the parent stores every sample as soon as it exists.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::backend::{Backend, EngineInfo, Eog, Session, TokenEvent};
use crate::config::models::HttpSettings;
use crate::config::{BackendKind, Resolved, Workload};
use crate::sample::{Body, ChatSample, DecodeSample, PrefillSample, Record, StopReason};

/// What a worker is asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub model: String,
    pub path: PathBuf,
    pub settings: Resolved,
    /// Built-in template to use when the GGUF has none (models.toml `chat_template`).
    #[serde(default)]
    pub chat_template: Option<String>,
    pub round: u32,
    pub warmup: u32,
    pub part: Part,
    /// Which engine runs the model (models.toml `backend`).
    #[serde(default)]
    pub backend: BackendKind,
    /// The server of an http model (its API key is read from the environment, never
    /// carried here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// The part of a round one process runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum Part {
    /// Throughput and latency workloads, in one process whose peak RSS is the memory figure.
    Bench { workloads: Vec<Workload> },
    /// Load, prefill a short chat prompt, produce the first token, exit.
    ColdStart { prompt: String },
}

/// One line of worker output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum WorkerMsg {
    /// First thing `main` does; the parent's receive time bounds process start-up.
    Started,
    Engine(EngineInfo),
    /// Cold start: the model is loaded and the context created.
    Loaded {
        load_ms: f64,
        context_ms: f64,
    },
    /// Cold start: the first token exists now.
    FirstToken {
        first_token_ms: f64,
    },
    Record(Record),
    /// A workload failed; the others still run.
    /// Bench: the worker's own peak RSS after its workloads (Linux VmHWM).
    Peak {
        peak_rss_bytes: u64,
    },
    Error {
        stage: String,
        message: String,
    },
}

fn emit(msg: &WorkerMsg) -> Result<()> {
    let mut line = serde_json::to_vec(msg)?;
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    out.write_all(&line)?;
    out.flush()?;
    Ok(())
}

/// Entry point of `lfmbench __worker JOB`.
pub fn main(job_json: &str) -> Result<()> {
    emit(&WorkerMsg::Started)?;
    let job: Job = serde_json::from_str(job_json).context("worker: malformed job")?;
    crate::fault::maybe_inject(&job.model, "start");
    if job.backend == BackendKind::Http {
        return crate::backend::http::run_worker(&job, &mut |m| emit(&m));
    }
    let mut backend =
        crate::backend::llama::Llama::new(job.path.clone(), job.chat_template.clone())?;
    emit(&WorkerMsg::Engine(backend.info()))?;
    run_job(&mut backend, &job, &mut |m| emit(&m))
}

/// Run `job` on `backend`, sending every message to `out`. Separated from [`main`] so
/// that it can be driven in-process.
pub fn run_job(
    backend: &mut dyn Backend,
    job: &Job,
    out: &mut dyn FnMut(WorkerMsg) -> Result<()>,
) -> Result<()> {
    let (mut session, times) = backend.load(&job.settings)?;
    match &job.part {
        Part::ColdStart { prompt } => {
            out(WorkerMsg::Loaded {
                load_ms: times.load_ms,
                context_ms: times.context_ms,
            })?;
            let t0 = Instant::now();
            let p = session.chat_prompt(prompt)?;
            session.prefill(&p)?;
            let mut first = None;
            session.generate(1, Eog::Ignore, &mut |e| first = Some(e.at))?;
            let at = first.unwrap_or_else(Instant::now);
            out(WorkerMsg::FirstToken {
                first_token_ms: at.duration_since(t0).as_secs_f64() * 1000.0,
            })?;
        }
        Part::Bench { workloads } => {
            for w in workloads {
                crate::fault::maybe_inject(&job.model, w.kind());
                if let Err(e) = run_workload(session.as_mut(), job, w, out) {
                    out(WorkerMsg::Error {
                        stage: w.kind().into(),
                        message: format!("{e:#}"),
                    })?;
                }
            }
            if let Some(bytes) = crate::measure::rss::own_peak_rss_bytes() {
                out(WorkerMsg::Peak {
                    peak_rss_bytes: bytes,
                })?;
            }
        }
    }
    Ok(())
}

fn ms(a: Instant, b: Instant) -> f64 {
    b.duration_since(a).as_secs_f64() * 1000.0
}

fn run_workload(
    s: &mut dyn Session,
    job: &Job,
    w: &Workload,
    out: &mut dyn FnMut(WorkerMsg) -> Result<()>,
) -> Result<()> {
    let record = |body| {
        WorkerMsg::Record(Record {
            model: job.model.clone(),
            round: job.round,
            body,
        })
    };
    match w {
        Workload::Decode { tokens, depths } => {
            for &depth in depths {
                for i in 0..=job.warmup {
                    let d = decode_once(s, depth, *tokens)?;
                    if i == job.warmup {
                        out(record(Body::Decode(d)))?;
                    }
                }
            }
        }
        Workload::Prefill { tokens } => {
            for i in 0..=job.warmup {
                s.reset()?;
                let p = s.synthetic_prompt(*tokens)?;
                let t0 = Instant::now();
                s.prefill(&p)?;
                let elapsed_ms = ms(t0, Instant::now());
                if i == job.warmup {
                    out(record(Body::Prefill(PrefillSample {
                        n_tokens: *tokens,
                        n_batch: job.settings.n_batch,
                        elapsed_ms,
                        tokens_per_s: f64::from(*tokens) * 1000.0 / elapsed_ms,
                        note: None,
                    })))?;
                }
            }
        }
        Workload::Chat {
            max_tokens,
            prompts,
            repeat,
        } => {
            if let Some(first) = prompts.first() {
                for _ in 0..job.warmup {
                    chat_once(s, 0, first, *max_tokens)?;
                }
            }
            for (i, p) in prompts.iter().enumerate() {
                for _ in 0..*repeat {
                    let c = chat_once(s, i as u32, p, *max_tokens)?;
                    out(record(Body::Chat(c)))?;
                }
            }
        }
        Workload::ColdStart { .. } => {} // run by the parent as separate processes
    }
    Ok(())
}

/// Fill the context to `depth` (untimed), then generate `tokens` one at a time ignoring
/// end-of-generation. Rate = (n − 1) / (last − first token): exactly n − 1 decode steps.
fn decode_once(s: &mut dyn Session, depth: u32, tokens: u32) -> Result<DecodeSample> {
    s.reset()?;
    let fill = s.synthetic_prompt(depth.max(1))?;
    s.prefill(&fill)?;
    let mut stamps: Vec<Instant> = Vec::with_capacity(tokens as usize);
    let g = s.generate(tokens, Eog::Ignore, &mut |e: TokenEvent| stamps.push(e.at))?;
    let elapsed_ms = match (stamps.first(), stamps.last()) {
        (Some(a), Some(b)) => ms(*a, *b),
        _ => 0.0,
    };
    let steps = g.n_generated.saturating_sub(1);
    let tokens_per_s = if elapsed_ms > 0.0 {
        f64::from(steps) * 1000.0 / elapsed_ms
    } else {
        0.0
    };
    let valid = g.n_generated == tokens && tokens >= 2;
    Ok(DecodeSample {
        depth,
        n_requested: tokens,
        n_generated: g.n_generated,
        elapsed_ms,
        tokens_per_s,
        valid,
        invalid_reason: (!valid).then(|| {
            format!(
                "produced {} of {} tokens (stopped: {:?}); a rate over fewer tokens than asked is not comparable",
                g.n_generated, tokens, g.stop
            )
        }),
        note: None,
    })
}

fn chat_once(s: &mut dyn Session, index: u32, prompt: &str, max_tokens: u32) -> Result<ChatSample> {
    s.reset()?;
    let p = s.chat_prompt(prompt)?;
    let mut stamps: Vec<Instant> = Vec::with_capacity(max_tokens as usize);
    let t0 = Instant::now();
    s.prefill(&p)?;
    let g = s.generate(max_tokens, Eog::Stop, &mut |e: TokenEvent| {
        stamps.push(e.at)
    })?;
    let t_end = Instant::now();
    let ttft_ms = stamps.first().map_or(ms(t0, t_end), |a| ms(t0, *a));
    let e2e_ms = stamps.last().map_or(ms(t0, t_end), |b| ms(t0, *b));
    let itl_ms = stamps.windows(2).map(|w| ms(w[0], w[1])).collect();
    let valid = g.n_generated > 0;
    Ok(ChatSample {
        prompt_index: index,
        prompt: prompt.to_string(),
        n_prompt_tokens: p.len() as u32,
        template: p.template.clone(),
        max_tokens,
        n_generated: g.n_generated,
        ttft_ms,
        itl_ms,
        e2e_ms,
        stop: g.stop,
        text: g.text,
        valid,
        invalid_reason: (!valid).then(|| {
            let why = if g.stop == StopReason::EndOfGeneration {
                "the model ended its answer at once"
            } else {
                "no token was produced"
            };
            format!("zero-token answer: {why}. This is a defect (a broken chat template or end-of-generation handling), not a feature")
        }),
        note: None,
    })
}
