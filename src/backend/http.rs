//! The http backend: a model served by an OpenAI-compatible server (llama.cpp's
//! llama-server, Ollama, LM Studio, …), measured through `/v1/chat/completions` with
//! streaming, behind the same [`Backend`]/[`Session`] trait as the in-process engine.
//!
//! Mapping onto the trait (the worker's workload functions are unchanged):
//! - `chat_prompt` keeps the user text: the server applies its own chat template;
//! - `synthetic_prompt(n)` is `n` common words (one token each in usual vocabularies);
//! - `prefill` remembers the prompt; for a synthetic prompt it also sends it with
//!   `max_tokens = 1`, so that the prefill workload times a real evaluation;
//! - `generate` sends the request (`stream: true`, `stream_options.include_usage`,
//!   `temperature: 0`, llama-server's `cache_prompt: false`, and `ignore_eos: true` when
//!   end-of-generation is to be ignored) and reports every content chunk the moment it
//!   arrives, which is what the worker times TTFT and ITL from.
//!
//! What only the server knows (its `usage` token counts, llama-server's `timings`) is
//! attached to each record by [`run_worker`] from the request that produced it, with a
//! `note` saying where every figure came from. The API key is read from the environment
//! variable the config names and never written anywhere (messages are redacted).
//!
//! Below it: [`endpoint`] (base_url), [`transport`] (the ureq client: https, proxies,
//! timeouts, failures), [`tls`] and [`proxy`] (what the client trusts and goes through),
//! [`stream`] (the streamed answer), [`failure`] (messages) and [`server`] (the server
//! process, when lfmbench starts or watches it).

pub mod failure;
pub mod proxy;
pub mod server;
pub mod stream;
pub mod tls;
pub mod transport;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};

use self::failure::{Failure, Kind};
use self::stream::StreamSummary;
use self::transport::Client;
use super::{Backend, EngineInfo, Eog, Generation, LoadTimes, Prompt, Session, TokenEvent};
use crate::config::Resolved;
use crate::config::endpoint::Endpoint;
use crate::config::models::HttpSettings;
use crate::protocol::{Job, WorkerMsg};
use crate::sample::{Body, ChatSample, DecodeSample, PrefillSample, Record, StopReason};

/// `engine` of [`EngineInfo`] for this backend.
pub const ENGINE: &str = "http (OpenAI-compatible)";
/// Idle timeout of a request when `timeout_s` is not set.
pub const DEFAULT_TIMEOUT_S: u64 = 60;
/// The one endpoint measured.
pub const CHAT_PATH: &str = "/v1/chat/completions";

/// The API key from the variable `api_key_env` names, if one is named.
pub fn api_key(settings: &HttpSettings) -> Result<Option<String>> {
    let Some(var) = &settings.api_key_env else {
        return Ok(None);
    };
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Some(v)),
        Ok(_) => bail!(
            "the environment variable `{var}` (api_key_env) is empty\n  help: export the server's API key in it, e.g. `export {var}=…`"
        ),
        Err(std::env::VarError::NotPresent) => bail!(
            "the environment variable `{var}` (api_key_env) is not set\n  help: export the server's API key in it, e.g. `export {var}=…`, or remove api_key_env if the server needs none"
        ),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("the environment variable `{var}` (api_key_env) is not valid UTF-8")
        }
    }
}

/// A client for the model's server, with its key, idle timeout, trusted certificates
/// (https) and the environment's proxy.
pub fn client_for(settings: &HttpSettings) -> Result<Client> {
    let endpoint = Endpoint::parse(&settings.base_url).map_err(|e| anyhow!("base_url {e}"))?;
    let timeout = Duration::from_secs(settings.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S).max(1));
    Client::new(
        endpoint,
        api_key(settings)?,
        timeout,
        settings.ca_file.as_deref(),
    )
    .map_err(|e| anyhow!("{e}"))
}

/// `text` with every occurrence of `key` replaced, so that no message, record or log
/// line can carry it (a server may echo request headers in an error body).
pub fn redact(text: &str, key: Option<&str>) -> String {
    match key {
        Some(k) if !k.is_empty() => text.replace(k, "[REDACTED]"),
        _ => text.to_string(),
    }
}

/// One request and what came back, kept for the record it produced.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub summary: StreamSummary,
    /// Request written → stream finished, as lfmbench saw it.
    pub client_ms: f64,
}

/// The http engine for one model.
pub struct HttpBackend {
    client: Client,
    settings: HttpSettings,
    /// Kept only to redact it from messages.
    key: Option<String>,
    /// The last finished request, for [`run_worker`] to annotate records with.
    last: Rc<RefCell<Option<Exchange>>>,
}

impl HttpBackend {
    pub fn new(settings: &HttpSettings) -> Result<HttpBackend> {
        let client = client_for(settings)?;
        let key = api_key(settings)?;
        Ok(HttpBackend {
            client,
            settings: settings.clone(),
            key,
            last: Rc::default(),
        })
    }

    fn fail(&self, f: Failure) -> anyhow::Error {
        anyhow!(redact(&f.message, self.key.as_deref()))
    }

    fn request_body(&self, text: &str, max_tokens: u32, ignore_eos: bool) -> Value {
        let mut body = json!({
            "messages": [{"role": "user", "content": text}],
            "max_tokens": max_tokens,
            "stream": true,
            "stream_options": {"include_usage": true},
            "temperature": 0.0,
            // llama-server: do not reuse the KV cache of an earlier request, so that
            // every request evaluates its whole prompt (as the in-process backend does).
            "cache_prompt": false,
        });
        if let Some(m) = &self.settings.model {
            body["model"] = json!(m);
        }
        if ignore_eos {
            body["ignore_eos"] = json!(true);
        }
        body
    }

    /// Send one streamed chat completion and read it to the end.
    pub fn stream_chat(
        &self,
        text: &str,
        max_tokens: u32,
        ignore_eos: bool,
        on_chunk: &mut dyn FnMut(u32, Instant),
    ) -> Result<Exchange, Failure> {
        let body = serde_json::to_vec(&self.request_body(text, max_tokens, ignore_eos))
            .map_err(|e| Failure::new(Kind::Io, format!("cannot encode the request: {e}")))?;
        let what = format!("POST {}", self.client.endpoint.url(CHAT_PATH));
        let t0 = Instant::now();
        let resp = self
            .client
            .post_json(CHAT_PATH, &body, "text/event-stream")?;
        if resp.status >= 400 {
            let (status, reason) = (resp.status, resp.reason.clone());
            let text = resp.text(64 * 1024).unwrap_or_default();
            return Err(status_failure(
                status,
                &reason,
                &what,
                &failure::server_message(&text),
                self.settings.api_key_env.as_deref(),
            ));
        }
        if resp.status != 200 {
            let status = resp.status;
            resp.close();
            return Err(Failure::new(
                Kind::Malformed,
                format!("{what}: unexpected HTTP status {status} (expected 200 and a stream)"),
            ));
        }
        if resp
            .content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().contains("application/json"))
        {
            let text = resp.text(2048).unwrap_or_default();
            return Err(Failure::new(
                Kind::Malformed,
                format!(
                    "{what}: the server answered with one JSON document instead of a stream of server-sent events (it ignored `stream: true`), so tokens cannot be timed: `{}`",
                    failure::clip_text(text.trim(), 200)
                ),
            ));
        }
        let timeout_s = format!("{:.1}", self.client.timeout.as_secs_f64());
        let summary = stream::read_chat_stream(resp.body(), &what, &timeout_s, on_chunk)?;
        Ok(Exchange {
            summary,
            client_ms: t0.elapsed().as_secs_f64() * 1000.0,
        })
    }

    fn get_json(&self, client: &Client, path: &str) -> Option<Value> {
        let resp = client.get(path, "application/json").ok()?;
        if resp.status != 200 {
            resp.close();
            return None;
        }
        serde_json::from_str(&resp.text(1 << 20).ok()?).ok()
    }
}

/// A precise message for an HTTP error status, with what to do about it.
pub fn status_failure(
    status: u16,
    reason: &str,
    what: &str,
    server_msg: &str,
    key_env: Option<&str>,
) -> Failure {
    let hint = match status {
        401 | 403 => match key_env {
            Some(var) => format!(
                "the server refused the API key: check that the environment variable `{var}` holds the key it expects"
            ),
            None => "the server wants an API key: set `api_key_env` in the model's http table to the name of an environment variable holding it".to_string(),
        },
        404 => "no such endpoint or model: check base_url (the server must serve /v1/chat/completions) and `model` (GET /v1/models lists what the server has)".to_string(),
        400 | 422 => "the server rejected the request: lfmbench sends model, messages, max_tokens, stream, stream_options.include_usage and temperature = 0, plus llama-server's cache_prompt = false and, for decode, ignore_eos = true".to_string(),
        429 => "the server is rate-limiting: lower the load or the number of rounds".to_string(),
        503 => "the server is not ready (still loading the model?) or overloaded".to_string(),
        500..=599 => "the server failed: its own log says more".to_string(),
        _ => String::new(),
    };
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(" {reason}")
    };
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!("\n  help: {hint}")
    };
    Failure::new(
        Kind::Status(status),
        format!("HTTP {status}{reason} from {what}: {server_msg}{hint}"),
    )
}

impl Backend for HttpBackend {
    fn info(&self) -> EngineInfo {
        // Best effort: what the server says about itself, in a few seconds at most.
        let probe = self.client.with_timeout(Duration::from_secs(3));
        let models = self.get_json(&probe, "/v1/models");
        let props = self.get_json(&probe, "/props");
        let served: Vec<String> = models
            .as_ref()
            .and_then(|m| m.get("data"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("id").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let owned_by = models
            .as_ref()
            .and_then(|m| m.pointer("/data/0/owned_by"))
            .and_then(Value::as_str);
        let build = props
            .as_ref()
            .and_then(|p| p.get("build_info"))
            .and_then(Value::as_str);
        let version = match (owned_by, build) {
            (Some(o), Some(b)) => format!("{o} {b}"),
            (Some(o), None) => o.to_string(),
            (None, Some(b)) => format!("llama-server {b}"),
            (None, None) if models.is_some() => "unknown (the server does not say)".into(),
            (None, None) => "unknown (the server did not answer GET /v1/models)".into(),
        };
        let mut system_info = format!(
            "base_url {}; model {}; served models [{}]; api key {}",
            self.client.endpoint.url(""),
            self.settings.model.as_deref().unwrap_or("(server default)"),
            served.join(", "),
            match &self.settings.api_key_env {
                Some(v) => format!("from ${v} (never stored)"),
                None => "none".into(),
            }
        );
        if let Some(t) = self
            .client
            .trust
            .as_ref()
            .filter(|_| self.client.endpoint.tls)
        {
            system_info.push_str(&format!(
                "; TLS, certificate verified against {}",
                t.describe()
            ));
        }
        if let Some(p) = &self.client.proxy {
            system_info.push_str(&format!("; through the proxy {}", p.describe()));
        }
        let system_info = redact(&system_info, self.key.as_deref());
        EngineInfo {
            engine: ENGINE.into(),
            version,
            build_features: Vec::new(),
            system_info,
            gpu_offload: false,
            devices: Vec::new(),
            isa: None,
        }
    }

    fn load(&mut self, _settings: &Resolved) -> Result<(Box<dyn Session + '_>, LoadTimes)> {
        // Nothing to load: the server holds the model. No request is made here, so that a
        // server that is down fails each workload with its own message.
        Ok((
            Box::new(HttpSession {
                b: self,
                pending: None,
                rng: 0x9E37_79B9_7F4A_7C15,
            }),
            LoadTimes {
                load_ms: 0.0,
                context_ms: 0.0,
            },
        ))
    }
}

/// Words that are one token each in the usual BPE and SentencePiece vocabularies.
const WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "on", "was", "be",
    "at", "by", "this", "from", "or", "are", "an", "but", "not", "have", "all", "they", "which",
    "one", "you", "were", "her", "his",
];

/// Where [`HttpSession::chat_prompt`] says the template comes from.
pub const SERVER_TEMPLATE: &str = "server-side (the server applies its own chat template)";

struct HttpSession<'b> {
    b: &'b HttpBackend,
    /// The prompt `generate` will send.
    pending: Option<String>,
    /// xorshift state for synthetic prompts; advanced by `reset`, so that consecutive
    /// synthetic prompts differ (no server-side prefix cache can serve them).
    rng: u64,
}

impl Session for HttpSession<'_> {
    fn chat_prompt(&self, user: &str) -> Result<Prompt> {
        Ok(Prompt {
            text: user.to_string(),
            tokens: Vec::new(),
            template: Some(SERVER_TEMPLATE.into()),
        })
    }

    fn synthetic_prompt(&self, n: u32) -> Result<Prompt> {
        let mut x = self.rng;
        let mut words = Vec::with_capacity(n as usize);
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            words.push(WORDS[(x % WORDS.len() as u64) as usize]);
        }
        Ok(Prompt {
            text: words.join(" "),
            tokens: Vec::new(),
            template: None,
        })
    }

    fn reset(&mut self) -> Result<()> {
        self.pending = None;
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        Ok(())
    }

    fn prefill(&mut self, prompt: &Prompt) -> Result<()> {
        if prompt.template.is_none() {
            // A synthetic prompt: have the server evaluate it now (one token generated,
            // end-of-generation ignored), so that the time spent here is a prefill.
            let ex = self
                .b
                .stream_chat(&prompt.text, 1, true, &mut |_, _| {})
                .map_err(|f| self.b.fail(f))?;
            *self.b.last.borrow_mut() = Some(ex);
        }
        self.pending = Some(prompt.text.clone());
        Ok(())
    }

    fn generate(
        &mut self,
        max_tokens: u32,
        eog: Eog,
        on_token: &mut dyn FnMut(TokenEvent),
    ) -> Result<Generation> {
        let text = self
            .pending
            .take()
            .ok_or_else(|| anyhow!("generate called before any prompt was given"))?;
        let ex = self
            .b
            .stream_chat(&text, max_tokens, eog == Eog::Ignore, &mut |index, at| {
                on_token(TokenEvent { index, at })
            })
            .map_err(|f| self.b.fail(f))?;
        let n = generated_tokens(&ex.summary).0;
        let stop = match ex.summary.finish_reason.as_deref() {
            Some("length") if n < max_tokens => StopReason::ContextFull,
            Some("length") => StopReason::MaxTokens,
            Some(_) => StopReason::EndOfGeneration,
            None if n >= max_tokens => StopReason::MaxTokens,
            None => StopReason::EndOfGeneration,
        };
        let text = ex.summary.text.clone();
        *self.b.last.borrow_mut() = Some(ex);
        Ok(Generation {
            n_generated: n,
            stop,
            text,
        })
    }
}

/// Generated tokens of a request and where the count came from.
///
/// llama-server (recognised by its `timings`) counts the end-of-generation token it
/// sampled in `completion_tokens` when an answer ends by itself; that token is no text
/// and the in-process backend does not count it, so it is taken off here.
fn generated_tokens(s: &StreamSummary) -> (u32, &'static str) {
    let eog_counted = s.finish_reason.as_deref() == Some("stop") && s.timings.is_some();
    if let Some(n) = s.usage.and_then(|u| u.completion_tokens) {
        if eog_counted && n > 0 {
            return (
                n - 1,
                "the server's usage report, less the end-of-generation token llama-server counts in it",
            );
        }
        return (n, "the server's usage report");
    }
    if let Some(n) = s.timings.and_then(|t| t.predicted_n) {
        let n = n.max(0.0) as u32;
        if eog_counted && n > 0 {
            return (
                n - 1,
                "the server's timings.predicted_n, less the end-of-generation token it counts",
            );
        }
        return (n, "the server's timings.predicted_n");
    }
    (
        s.chunks,
        "content chunks (the server sent no usage report, so each chunk is taken as one token)",
    )
}

/// Entry point of a worker whose job names the http backend: run the job through the
/// trait and annotate each record with what the server reported.
pub fn run_worker(job: &Job, out: &mut dyn FnMut(WorkerMsg) -> Result<()>) -> Result<()> {
    let settings = job.http.as_ref().ok_or_else(|| {
        anyhow!(
            "model `{}` uses the http backend but its job has no http settings",
            job.model
        )
    })?;
    let mut backend = HttpBackend::new(settings)?;
    out(WorkerMsg::Engine(backend.info()))?;
    let last = Rc::clone(&backend.last);
    super::workload::run_job(&mut backend, job, &mut |m| match m {
        WorkerMsg::Record(r) => out(WorkerMsg::Record(annotate(r, last.borrow_mut().take()))),
        other => out(other),
    })
}

/// Attach the server's figures to a record made from the request `ex`.
pub fn annotate(mut r: Record, ex: Option<Exchange>) -> Record {
    let Some(ex) = ex else {
        return r;
    };
    match &mut r.body {
        Body::Chat(c) => annotate_chat(c, &ex),
        Body::Decode(d) => annotate_decode(d, &ex),
        Body::Prefill(p) => annotate_prefill(p, &ex),
        _ => {}
    }
    r
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite() && *x > 0.0)
}

fn annotate_chat(c: &mut ChatSample, ex: &Exchange) {
    let s = &ex.summary;
    let (n, source) = generated_tokens(s);
    let mut note = format!(
        "http: ttft/itl/e2e timed by lfmbench at content-chunk arrival; n_generated from {source}"
    );
    match s.usage.and_then(|u| u.prompt_tokens) {
        Some(p) => {
            c.n_prompt_tokens = p;
            note.push_str(
                "; n_prompt_tokens from the usage report (the server's template included)",
            );
        }
        None => note.push_str("; n_prompt_tokens unknown (0): no usage report"),
    }
    if s.chunks != n {
        note.push_str(&format!(
            "; {} content chunks carried {n} tokens, so itl_ms holds gaps between chunks, not tokens",
            s.chunks
        ));
    }
    if let Some(t) = s.timings {
        if let (Some(pn), Some(pps)) = (t.prompt_n, positive(t.prompt_per_second)) {
            note.push_str(&format!(
                "; server timings: prompt {pn:.0} tokens at {pps:.1} tok/s"
            ));
        }
        if let Some(tg) = positive(t.predicted_per_second) {
            note.push_str(&format!(", decode {tg:.1} tok/s"));
        }
    }
    c.note = Some(note);
}

fn annotate_decode(d: &mut DecodeSample, ex: &Exchange) {
    let s = &ex.summary;
    let (_, source) = generated_tokens(s);
    let client_rate = d.tokens_per_s;
    let mut note = match s.timings.and_then(|t| {
        Some((
            positive(t.predicted_per_second)?,
            t.predicted_n?,
            positive(t.predicted_ms)?,
        ))
    }) {
        Some((tps, n, ms)) if n >= 2.0 => {
            d.tokens_per_s = tps;
            d.elapsed_ms = ms;
            format!(
                "http: tokens_per_s and elapsed_ms from the server's timings (predicted_per_second; {n:.0} tokens in {ms:.1} ms); lfmbench's own chunk-arrival rate was {client_rate:.1} tok/s"
            )
        }
        _ => "http: the server reported no timings; tokens_per_s is lfmbench's chunk-arrival rate, (n_generated - 1) / (first -> last content chunk)".to_string(),
    };
    note.push_str(&format!("; n_generated from {source}"));
    if let Some(p) = s.usage.and_then(|u| u.prompt_tokens) {
        note.push_str(&format!(
            "; depth {} is the synthetic prompt's word count, the server evaluated {p} prompt tokens (its chat template included)",
            d.depth
        ));
    }
    d.note = Some(note);
}

fn annotate_prefill(p: &mut PrefillSample, ex: &Exchange) {
    let s = &ex.summary;
    let requested = p.n_tokens;
    let server = s.timings.and_then(|t| {
        Some((
            t.prompt_n.filter(|n| *n >= 1.0)?,
            positive(t.prompt_ms)?,
            positive(t.prompt_per_second)?,
        ))
    });
    let note = match server {
        Some((n, ms, tps)) => {
            p.n_tokens = n as u32;
            p.elapsed_ms = ms;
            p.tokens_per_s = tps;
            format!(
                "http: n_tokens, elapsed_ms and tokens_per_s from the server's timings (prompt_n, prompt_ms, prompt_per_second; the server's chat template included); lfmbench's own request -> response time was {:.1} ms for {requested} words",
                ex.client_ms
            )
        }
        None => {
            let (n, from) = match s.usage.and_then(|u| u.prompt_tokens) {
                Some(n) => (n, "the usage report"),
                None => (requested, "the requested word count (no usage report)"),
            };
            p.n_tokens = n;
            if p.elapsed_ms > 0.0 {
                p.tokens_per_s = f64::from(n) * 1000.0 / p.elapsed_ms;
            }
            format!(
                "http: the server reported no timings; elapsed_ms is lfmbench's request -> complete response of a max_tokens = 1 request (HTTP, tokenization, chat template and one sampled token included); n_tokens from {from}"
            )
        }
    };
    p.note = Some(format!(
        "{note}; n_batch is the suite's setting, not necessarily the server's"
    ));
}

#[cfg(test)]
mod tests {
    use super::stream::{Timings, Usage};
    use super::*;

    fn exchange(usage: Option<Usage>, timings: Option<Timings>, chunks: u32) -> Exchange {
        Exchange {
            summary: StreamSummary {
                chunks,
                usage,
                timings,
                done: true,
                ..Default::default()
            },
            client_ms: 50.0,
        }
    }

    fn decode(n: u32) -> DecodeSample {
        DecodeSample {
            depth: 0,
            n_requested: 16,
            n_generated: n,
            elapsed_ms: 100.0,
            tokens_per_s: 150.0,
            valid: true,
            invalid_reason: None,
            note: None,
            repetition: 0,
            repetitions: 1,
        }
    }

    #[test]
    fn decode_prefers_server_timings() {
        let t = Timings {
            predicted_n: Some(16.0),
            predicted_ms: Some(80.0),
            predicted_per_second: Some(187.5),
            ..Default::default()
        };
        let mut d = decode(16);
        annotate_decode(
            &mut d,
            &exchange(
                Some(Usage {
                    prompt_tokens: Some(30),
                    completion_tokens: Some(16),
                }),
                Some(t),
                16,
            ),
        );
        assert_eq!(d.tokens_per_s, 187.5);
        assert_eq!(d.elapsed_ms, 80.0);
        let note = d.note.expect("note");
        assert!(note.contains("server's timings"), "{note}");
        assert!(note.contains("150.0 tok/s"), "{note}");
        assert!(note.contains("usage report"), "{note}");
    }

    #[test]
    fn without_timings_or_usage_the_record_says_so() {
        let mut d = decode(16);
        annotate_decode(&mut d, &exchange(None, None, 16));
        assert_eq!(d.tokens_per_s, 150.0);
        let note = d.note.expect("note");
        assert!(note.contains("no timings"), "{note}");
        assert!(note.contains("no usage report"), "{note}");

        let mut p = PrefillSample {
            n_tokens: 64,
            n_batch: 128,
            elapsed_ms: 40.0,
            tokens_per_s: 1600.0,
            ttft_ms: None,
            note: None,
            repetition: 0,
            repetitions: 1,
        };
        annotate_prefill(&mut p, &exchange(None, None, 1));
        assert_eq!(p.n_tokens, 64);
        assert!(p.note.expect("note").contains("requested word count"));
    }

    #[test]
    fn prefill_takes_prompt_n_from_timings() {
        let mut p = PrefillSample {
            n_tokens: 64,
            n_batch: 128,
            elapsed_ms: 40.0,
            tokens_per_s: 1600.0,
            ttft_ms: None,
            note: None,
            repetition: 0,
            repetitions: 1,
        };
        let t = Timings {
            prompt_n: Some(90.0),
            prompt_ms: Some(30.0),
            prompt_per_second: Some(3000.0),
            ..Default::default()
        };
        annotate_prefill(&mut p, &exchange(None, Some(t), 1));
        assert_eq!(
            (p.n_tokens, p.elapsed_ms, p.tokens_per_s),
            (90, 30.0, 3000.0)
        );
    }

    #[test]
    fn llama_server_end_of_generation_token_is_not_counted() {
        let mut ex = exchange(
            Some(Usage {
                prompt_tokens: Some(16),
                completion_tokens: Some(8),
            }),
            Some(Timings::default()),
            7,
        );
        ex.summary.finish_reason = Some("stop".into());
        assert_eq!(generated_tokens(&ex.summary).0, 7);
        ex.summary.finish_reason = Some("length".into());
        assert_eq!(generated_tokens(&ex.summary).0, 8);
        ex.summary.timings = None;
        ex.summary.finish_reason = Some("stop".into());
        assert_eq!(
            generated_tokens(&ex.summary).0,
            8,
            "other servers: as reported"
        );
    }

    #[test]
    fn redaction_removes_every_copy() {
        assert_eq!(
            redact("Bearer sk-1 and sk-1 again", Some("sk-1")),
            "Bearer [REDACTED] and [REDACTED] again"
        );
        assert_eq!(redact("nothing", None), "nothing");
    }

    #[test]
    fn synthetic_prompts_have_n_words_and_change_on_reset() {
        let settings = HttpSettings {
            base_url: "http://127.0.0.1:9".into(),
            model: None,
            api_key_env: None,
            start_command: None,
            pid: None,
            timeout_s: None,
            ca_file: None,
        };
        let mut b = HttpBackend::new(&settings).expect("backend");
        let (mut s, _) = b
            .load(&crate::config::BackendSettings::default().resolve())
            .expect("session");
        let a = s.synthetic_prompt(64).expect("prompt");
        assert_eq!(a.text.split(' ').count(), 64);
        assert!(a.template.is_none());
        s.reset().expect("reset");
        let b2 = s.synthetic_prompt(64).expect("prompt");
        assert_ne!(a.text, b2.text);
        let c = s.chat_prompt("Hi").expect("chat");
        assert_eq!(c.text, "Hi");
        assert_eq!(c.template.as_deref(), Some(SERVER_TEMPLATE));
    }
}
