//! Running one [`Job`] on any [`Backend`]: load, then time each workload (decode, prefill,
//! chat) or a cold start's first token, and hand every result to the caller as a
//! [`WorkerMsg`].
//!
//! This is the measuring loop every engine shares: the worker process runs it on the
//! in-process engine (`crate::worker`), the http backend on its server
//! ([`super::http::run_worker`]). Timing is done here,
//! around the trait's calls; a backend only reports when each token arrived.
//!
//! Inside a round each workload first runs the suite's `warmup` repetitions unmeasured;
//! decode (at each depth) and prefill then run `repetitions` measured ones (llama-bench's
//! `-r`), each stored with its index, and the round's value is later their median
//! (`crate::stats::order::round_value`). Chat runs each prompt `repeat` times.

use std::time::Instant;

use anyhow::Result;

use super::{Backend, Eog, Session, TokenEvent};
use crate::config::Workload;
use crate::protocol::{Job, Part, WorkerMsg};
use crate::sample::{Body, ChatSample, DecodeSample, PrefillSample, Record, StopReason};

/// Run `job` on `backend`, sending every message to `out`. The worker process's `main` and
/// the http backend's worker entry both call it.
pub fn run_job(
    backend: &mut dyn Backend,
    job: &Job,
    out: &mut dyn FnMut(WorkerMsg) -> Result<()>,
) -> Result<()> {
    let devices = backend.devices();
    let (mut session, times) = backend.load(&job.settings)?;
    if let Some(placement) = session.placement() {
        let gpu = crate::device::judge(&devices, &placement);
        out(WorkerMsg::Offload { placement, gpu })?;
    }
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
                let footprint = crate::measure::rss::own_footprint();
                out(WorkerMsg::Peak {
                    peak_rss_bytes: bytes,
                    phys_footprint_bytes: footprint.map(|f| f.0),
                    phys_footprint_peak_bytes: footprint.and_then(|f| f.1),
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
        Workload::Decode {
            tokens,
            depths,
            repetitions,
        } => {
            // Warm-up first (unmeasured), then the measured repetitions, depth by depth.
            for &depth in depths {
                for _ in 0..job.warmup {
                    decode_once(s, depth, *tokens)?;
                }
                for repetition in 0..*repetitions {
                    let mut d = decode_once(s, depth, *tokens)?;
                    (d.repetition, d.repetitions) = (repetition, *repetitions);
                    out(record(Body::Decode(d)))?;
                }
            }
        }
        Workload::Prefill {
            tokens,
            repetitions,
        } => {
            for _ in 0..job.warmup {
                prefill_once(s, *tokens)?;
            }
            for repetition in 0..*repetitions {
                let elapsed_ms = prefill_once(s, *tokens)?;
                out(record(Body::Prefill(PrefillSample {
                    n_tokens: *tokens,
                    n_batch: job.settings.n_batch,
                    elapsed_ms,
                    tokens_per_s: f64::from(*tokens) * 1000.0 / elapsed_ms,
                    note: None,
                    repetition,
                    repetitions: *repetitions,
                })))?;
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

/// Evaluate a synthetic prompt of `tokens` tokens from an empty context; its wall time, ms.
fn prefill_once(s: &mut dyn Session, tokens: u32) -> Result<f64> {
    s.reset()?;
    let p = s.synthetic_prompt(tokens)?;
    let t0 = Instant::now();
    s.prefill(&p)?;
    Ok(ms(t0, Instant::now()))
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
        repetition: 0,
        repetitions: 1,
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
