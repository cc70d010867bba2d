//! The backend seam: one trait every engine implements, so that measurement code
//! ([`workload`], run by `crate::worker`) never knows which engine it drives.
//!
//! A backend loads one model, turns text into a prompt (through the model's own chat
//! template), evaluates prompts, and generates tokens while reporting the instant each
//! one became available. Timing of workloads is done by the caller around these calls;
//! a backend only reports what happened.

pub mod http;
pub mod llama;
mod llama_log;
pub mod quality;
pub mod workload;

use std::time::Instant;

use crate::config::Resolved;
use crate::device::{Device, Placement};
pub use crate::protocol::EngineInfo;
use crate::sample::StopReason;

/// A prompt ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    /// The text as sent (after the chat template), for records and debugging.
    pub text: String,
    /// Token ids; empty for backends that tokenize remotely.
    pub tokens: Vec<i32>,
    /// Which chat template made it ("gguf", or the built-in fallback); None for raw prompts.
    pub template: Option<String>,
}

impl Prompt {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// How long loading took, split as a cold start reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadTimes {
    pub load_ms: f64,
    pub context_ms: f64,
}

/// One generated token, reported the moment it is available.
#[derive(Debug, Clone, Copy)]
pub struct TokenEvent {
    pub index: u32,
    pub at: Instant,
}

/// The outcome of a generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub n_generated: u32,
    pub stop: StopReason,
    pub text: String,
}

/// How a generation treats end-of-generation tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eog {
    /// Stop at end-of-generation (chat).
    Stop,
    /// Keep generating past it (decode throughput, as llama-bench `tg`).
    Ignore,
}

/// An engine that can load one model.
pub trait Backend {
    /// What this engine is.
    fn info(&self) -> EngineInfo;

    /// The compute devices the engine can place a model on (empty for one that does not
    /// say, such as a server).
    fn devices(&self) -> Vec<Device> {
        Vec::new()
    }

    /// Load the model and create a context; returns the session and how long each part
    /// took.
    fn load(&mut self, settings: &Resolved) -> anyhow::Result<(Box<dyn Session + '_>, LoadTimes)>;
}

/// A loaded model with a context to evaluate in.
pub trait Session {
    /// The user prompt wrapped in the model's own chat template, assistant turn open.
    fn chat_prompt(&self, user: &str) -> anyhow::Result<Prompt>;

    /// `n` prompt tokens with no meaning (as llama-bench uses), for prefill and depth.
    fn synthetic_prompt(&self, n: u32) -> anyhow::Result<Prompt>;

    /// Forget the context (KV cache, recurrent state); the next prompt starts at 0.
    fn reset(&mut self) -> anyhow::Result<()>;

    /// Evaluate `prompt` after what is already in the context, in batches of n_batch.
    fn prefill(&mut self, prompt: &Prompt) -> anyhow::Result<()>;

    /// Generate up to `max_tokens` after the evaluated prompt, greedily; `on_token` is
    /// called with the instant each token became available.
    fn generate(
        &mut self,
        max_tokens: u32,
        eog: Eog,
        on_token: &mut dyn FnMut(TokenEvent),
    ) -> anyhow::Result<Generation>;

    /// A plain text as the model's tokenizer cuts it (special-token text not parsed), with
    /// the BOS token first where the model adds one; and that BOS token, if any. For the
    /// perplexity workload; a backend without logits cannot score text.
    fn text_tokens(&self, _text: &str) -> anyhow::Result<(Vec<i32>, Option<i32>)> {
        anyhow::bail!("{}", NO_LOGITS)
    }

    /// UTF-8 bytes of the text a token stands for (its piece; 0 for control tokens).
    fn piece_bytes(&self, _token: i32) -> anyhow::Result<u64> {
        anyhow::bail!("{}", NO_LOGITS)
    }

    /// Evaluate `window` from an empty context and return, for each position p from
    /// `first` to the one before last, −ln p(window[p + 1] | window[..=p]) in nats.
    fn window_nll(&mut self, _window: &[i32], _first: usize) -> anyhow::Result<Vec<f64>> {
        anyhow::bail!("{}", NO_LOGITS)
    }

    /// Where the engine put the model when it loaded it (layers, bytes per device), for
    /// an engine that says; None for one that does not (a server).
    fn placement(&self) -> Option<Placement> {
        None
    }
}

/// Why a backend without logits (a server's chat API) has no perplexity.
pub const NO_LOGITS: &str = "this backend gives no logits, so it cannot score a text (perplexity, bits per byte); they are measured in-process only";
