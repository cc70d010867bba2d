//! Running one [`Job`] on any [`Backend`]: load, then time each workload (decode, prefill,
//! chat; the quality workloads through [`super::quality`]) or a cold start's first token,
//! and hand every result to the caller as a [`WorkerMsg`].
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
use crate::config::{ChatPrompt, Workload};
use crate::protocol::{Job, Part, WorkerMsg};
use crate::sample::{Body, ChatSample, DecodeSample, PrefillSample, StopReason, SustainedWindow};

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
        // Quality workloads run in a process of their own: their logits buffers must not
        // enter the bench process's peak RSS.
        Part::Quality { workloads } => {
            for w in workloads {
                crate::fault::maybe_inject(&job.model, w.kind());
                if let Err(e) = run_workload(session.as_mut(), job, w, out) {
                    out(WorkerMsg::Error {
                        stage: w.kind().into(),
                        message: format!("{e:#}"),
                    })?;
                }
            }
        }
        Part::Sustained {
            duration_s,
            window_s,
            cooldown_s,
            chunk,
        } => {
            let spec = Sustained {
                duration_s: *duration_s,
                window_s: *window_s,
                cooldown_s: *cooldown_s,
                chunk: *chunk,
            };
            if let Err(e) = sustained(session.as_mut(), job, &spec, out) {
                out(WorkerMsg::Error {
                    stage: "sustained".into(),
                    message: format!("{e:#}"),
                })?;
            }
        }
    }
    Ok(())
}

struct Sustained {
    duration_s: u32,
    window_s: u32,
    cooldown_s: u32,
    chunk: u32,
}

/// Decode without a pause for the stated time: each context restarted after `chunk`
/// tokens (the last ones cut to what fits the time left), every token's timestamp counted
/// into its window, each window sent as soon as it is over (with the CPU frequency and
/// temperature read then), so a crash keeps the windows before it. Tokens after the end
/// are not counted.
fn sustained(
    s: &mut dyn Session,
    job: &Job,
    spec: &Sustained,
    out: &mut dyn FnMut(WorkerMsg) -> Result<()>,
) -> Result<()> {
    // Warm-up: the first chunk's page faults and thread start-up are not the machine's
    // sustained rate.
    for _ in 0..job.warmup {
        s.reset()?;
        let p = s.synthetic_prompt(1)?;
        s.prefill(&p)?;
        s.generate(spec.chunk.min(32), Eog::Ignore, &mut |_| {})?;
    }
    let window = f64::from(spec.window_s);
    let duration = f64::from(spec.duration_s);
    let n_windows = (duration / window).ceil() as usize;
    let mut counts = vec![0u32; n_windows];
    let mut sent = 0usize;
    let t0 = Instant::now();
    let secs = |at: Instant| at.duration_since(t0).as_secs_f64();
    let mut generated = 0u64;
    while secs(Instant::now()) < duration {
        // The last contexts are cut to what the measured rate fits in the time left, so
        // the run ends near its stated duration (not a whole chunk later).
        let now = secs(Instant::now());
        let n = if generated == 0 || now <= 0.0 {
            spec.chunk
        } else {
            let fits = (generated as f64 / now * (duration - now) * 1.05).ceil() as u32 + 1;
            fits.clamp(2, spec.chunk)
        };
        s.reset()?;
        let p = s.synthetic_prompt(1)?;
        s.prefill(&p)?;
        let g = s.generate(n, Eog::Ignore, &mut |e: TokenEvent| {
            let i = (secs(e.at) / window) as usize;
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        })?;
        generated += u64::from(g.n_generated);
        let now = secs(Instant::now());
        // Windows that are over: read the machine's state once for them, then send.
        let over = ((now / window) as usize).min(n_windows);
        if over > sent {
            let (mhz, temp) = (
                crate::measure::thermal::cpu_mhz(),
                crate::measure::thermal::temp_c(),
            );
            for (i, n) in counts.iter().enumerate().take(over).skip(sent) {
                out(WorkerMsg::Record(
                    job.record(Body::Sustained(window_of(spec, i, *n, mhz, temp))),
                ))?;
            }
            sent = over;
        }
    }
    let (mhz, temp) = (
        crate::measure::thermal::cpu_mhz(),
        crate::measure::thermal::temp_c(),
    );
    for (i, n) in counts.iter().enumerate().skip(sent) {
        out(WorkerMsg::Record(
            job.record(Body::Sustained(window_of(spec, i, *n, mhz, temp))),
        ))?;
    }
    Ok(())
}

fn window_of(
    spec: &Sustained,
    i: usize,
    tokens: u32,
    cpu_mhz: Option<f64>,
    temp_c: Option<f64>,
) -> SustainedWindow {
    let w = f64::from(spec.window_s);
    let start_s = i as f64 * w;
    let end_s = (start_s + w).min(f64::from(spec.duration_s));
    SustainedWindow {
        index: i as u32,
        start_s,
        end_s,
        tokens,
        tokens_per_s: f64::from(tokens) / (end_s - start_s).max(1e-9),
        duration_s: spec.duration_s,
        window_s: spec.window_s,
        cooldown_s: spec.cooldown_s,
        chunk: spec.chunk,
        cpu_mhz,
        temp_c,
    }
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
    let record = |body| WorkerMsg::Record(job.record(body));
    match w {
        Workload::Decode {
            tokens,
            depths,
            repetitions,
            ..
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
            ..
        } => {
            for &n in tokens.values() {
                for _ in 0..job.warmup {
                    prefill_once(s, n)?;
                }
                for repetition in 0..*repetitions {
                    let (elapsed_ms, ttft_ms) = prefill_once(s, n)?;
                    out(record(Body::Prefill(PrefillSample {
                        n_tokens: n,
                        n_batch: job.settings.n_batch,
                        elapsed_ms,
                        tokens_per_s: f64::from(n) * 1000.0 / elapsed_ms,
                        ttft_ms,
                        note: None,
                        repetition,
                        repetitions: *repetitions,
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
        Workload::Questions {
            prompts,
            max_tokens,
            ..
        } => {
            // Every question once, each judged against its expectation.
            for (i, p) in prompts.iter().enumerate() {
                let a = chat_once(s, i as u32, p, *max_tokens)?;
                out(record(Body::Answer(a)))?;
            }
        }
        Workload::Perplexity {
            file,
            sha256,
            n_ctx,
            chunks,
            ..
        } => {
            let text = super::quality::read_text(file, sha256)?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let p = super::quality::perplexity(s, &name, sha256, &text, *n_ctx, *chunks)?;
            out(record(Body::Perplexity(p)))?;
        }
        // Run by the parent as processes of their own.
        Workload::ColdStart { .. } | Workload::Sustained { .. } => {}
    }
    Ok(())
}

/// Evaluate a synthetic prompt of `tokens` tokens, then take the first token: (prefill
/// ms, time to first token ms at this prompt length). A backend that tokenizes remotely
/// (http) answered the prompt with one token in the same request already; asking again
/// would send it twice, so it has no separate first token.
fn prefill_once(s: &mut dyn Session, tokens: u32) -> Result<(f64, Option<f64>)> {
    s.reset()?;
    let p = s.synthetic_prompt(tokens)?;
    let t0 = Instant::now();
    s.prefill(&p)?;
    let elapsed_ms = ms(t0, Instant::now());
    let mut first = None;
    if !p.is_empty() {
        s.generate(1, Eog::Ignore, &mut |e| first = Some(e.at))?;
    }
    Ok((elapsed_ms, first.map(|at| ms(t0, at))))
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

/// One chat answer, timed token by token, judged against the prompt's expectation when it
/// has one (an invalid answer is never correct).
pub(super) fn chat_once(
    s: &mut dyn Session,
    index: u32,
    prompt: &ChatPrompt,
    max_tokens: u32,
) -> Result<ChatSample> {
    s.reset()?;
    let p = s.chat_prompt(&prompt.text)?;
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
    let correct = prompt
        .expect
        .as_ref()
        .map(|e| valid && crate::config::expect::judge(e, &g.text));
    Ok(ChatSample {
        prompt_index: index,
        prompt: prompt.text.clone(),
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
        expect: prompt.expect.clone(),
        correct,
    })
}
