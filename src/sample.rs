//! The measured records: what a worker process reports and what the store keeps.
//!
//! Every line of a run's `samples.jsonl` is one [`Record`]. Records are raw
//! observations (counts, durations, texts); nothing here is a summary. Statistics,
//! verdicts and reports are all derived from these records later, so a report can be
//! rebuilt from a stored run without re-running a model.
//!
//! Times are milliseconds as `f64`, memory is bytes, counts are tokens.

use serde::{Deserialize, Serialize};

use crate::device::{GpuUse, Placement};

/// Version of the record format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One stored observation: which model, which round, and what was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Model id from models.toml.
    pub model: String,
    /// Round index, 0-based. Rounds are interleaved across models (A B C A B C …).
    pub round: u32,
    /// The configuration measured, when it is a sweep point and not the suite's named
    /// point (absent from the JSON then, as in runs made before sweeps).
    #[serde(default, skip_serializing_if = "Point::is_named")]
    pub point: Point,
    /// The measurement itself.
    #[serde(flatten)]
    pub body: Body,
}

/// What a record holds, tagged by `kind` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Decode(DecodeSample),
    Prefill(PrefillSample),
    Chat(ChatSample),
    ColdStart(ColdStartSample),
    Memory(MemorySample),
    Failure(FailureRecord),
    /// An answer to a question of a quality workload (`kind = "questions"`): the fields of
    /// a chat answer, kept apart so that the question set never enters the chat latencies.
    Answer(ChatSample),
    /// Perplexity of a fixed text (`kind = "perplexity"`), window by window.
    Perplexity(PerplexitySample),
    Sustained(SustainedWindow),
    Offload(OffloadSample),
}

/// Which configuration a record was measured at, when it is not the suite's named point
/// (see `crate::config::sweep`): a swept backend setting, or a process of its own for one
/// decode depth. Every field absent is the named point.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Point {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_batch: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quant: Option<String>,
    /// A bench process of its own for one decode depth, its context sized to depth +
    /// tokens: its memory record is the peak RSS of serving that depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
}

impl Point {
    pub fn is_named(&self) -> bool {
        *self == Point::default()
    }

    /// The backend configuration alone (the depth of a per-depth process left out): the
    /// decode records of a per-depth process belong to the configuration it ran.
    pub fn config(&self) -> Point {
        Point {
            depth: None,
            ..self.clone()
        }
    }

    /// "threads 1", "quant Q8_0", "depth 1024"; empty for the named point.
    pub fn label(&self) -> String {
        self.parts(" ").join(", ")
    }

    /// The point in a job name: "threads=1", "depth=1024".
    pub fn key(&self) -> String {
        self.parts("=").join(",")
    }

    fn parts(&self, sep: &str) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(t) = self.threads {
            v.push(format!("threads{sep}{t}"));
        }
        if let Some(b) = self.n_batch {
            v.push(format!("n_batch{sep}{b}"));
        }
        if let Some(q) = &self.quant {
            v.push(format!("quant{sep}{q}"));
        }
        if let Some(d) = self.depth {
            v.push(format!("depth{sep}{d}"));
        }
        v
    }
}

/// One window of a sustained decode (`kind = "sustained"`): tokens generated without a
/// pause for `duration_s`, counted per window of `window_s`, with the CPU frequency and
/// temperature where the OS shows them at the window's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SustainedWindow {
    /// 0-based window index.
    pub index: u32,
    /// Seconds since the sustained decode began: the window's start and end.
    pub start_s: f64,
    pub end_s: f64,
    /// Tokens whose timestamps fall in the window.
    pub tokens: u32,
    /// tokens ÷ (end_s − start_s).
    pub tokens_per_s: f64,
    /// The whole run's stated duration, window length and the cool-down before it.
    pub duration_s: u32,
    pub window_s: u32,
    pub cooldown_s: u32,
    /// Tokens per context before it is restarted (the depth cycles from 0 to this).
    pub chunk: u32,
    /// Mean current frequency of the CPUs in MHz (cpufreq, else /proc/cpuinfo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_mhz: Option<f64>,
    /// Hottest thermal sensor in °C (thermal zones, else hwmon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temp_c: Option<f64>,
}

/// Decode throughput: `n_requested` tokens generated one at a time after the context was
/// filled to `depth` tokens, end-of-generation ignored (llama-bench `tg`, `-d depth`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeSample {
    pub depth: u32,
    pub n_requested: u32,
    pub n_generated: u32,
    /// Wall time of the generation loop only (the depth fill is not included).
    pub elapsed_ms: f64,
    pub tokens_per_s: f64,
    /// False when fewer tokens than requested were produced; such a sample is never
    /// averaged in.
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// How the figures were obtained when a backend cannot measure them as the
    /// in-process one does (http: server timings or client-side chunk times, and where
    /// token counts came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Which measured repetition of its round this is, 0-based (llama-bench `-r`): the
    /// round's value is the median of its repetitions. Runs made before repetitions
    /// read as the only one.
    #[serde(default)]
    pub repetition: u32,
    /// How many measured repetitions its round took (the workload's `repetitions`).
    #[serde(default = "one")]
    pub repetitions: u32,
}

fn one() -> u32 {
    1
}

/// Prefill throughput: `n_tokens` prompt tokens evaluated in batches of `n_batch`
/// (llama-bench `pp`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefillSample {
    pub n_tokens: u32,
    pub n_batch: u32,
    pub elapsed_ms: f64,
    pub tokens_per_s: f64,
    /// Prompt submitted → its first generated token (the prefill, then one greedy pick):
    /// time to first token at this prompt length. Absent in runs made before it was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<f64>,
    /// How the figures were obtained when a backend cannot measure them as the
    /// in-process one does (http: server timings or client-side chunk times, and where
    /// token counts came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Which measured repetition of its round this is, 0-based, as for decode.
    #[serde(default)]
    pub repetition: u32,
    /// How many measured repetitions its round took.
    #[serde(default = "one")]
    pub repetitions: u32,
}

/// Why a generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model emitted an end-of-generation token.
    EndOfGeneration,
    /// `max_tokens` were generated.
    MaxTokens,
    /// The context window was full.
    ContextFull,
}

/// One chat prompt answered through the model's own chat template, greedy sampling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatSample {
    pub prompt_index: u32,
    pub prompt: String,
    pub n_prompt_tokens: u32,
    /// Which chat template wrapped the prompt: "gguf" (the model's own) or a fallback.
    #[serde(default)]
    pub template: Option<String>,
    pub max_tokens: u32,
    pub n_generated: u32,
    /// Prompt submitted → first generated token available.
    pub ttft_ms: f64,
    /// Gaps between consecutive generated tokens (`n_generated - 1` values).
    pub itl_ms: Vec<f64>,
    /// Prompt submitted → last token available.
    pub e2e_ms: f64,
    pub stop: StopReason,
    /// The generated text, kept so a reader can judge it.
    pub text: String,
    /// False for a zero-token answer (a broken template or end-of-generation handling).
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// How the figures were obtained when a backend cannot measure them as the
    /// in-process one does (http: server timings or client-side chunk times, and where
    /// token counts came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What a correct answer contains, when the suite says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expected>,
    /// Whether the text meets `expect` (judged when the answer was taken; `None` without
    /// an expectation). An invalid answer is never correct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
}

/// What a correct answer contains (a suite's `expect` or `expect_regex`; matching rules in
/// `crate::config::expect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// The text, case-insensitively, not inside a longer word.
    Contains(String),
    /// A regular expression (Rust `regex` syntax) that must match somewhere in the answer.
    Regex(String),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Contains(t) => write!(f, "\"{t}\""),
            Expected::Regex(r) => write!(f, "/{r}/"),
        }
    }
}

/// One text scored the way llama.cpp's `llama-perplexity` scores it: split into
/// non-overlapping windows of `n_ctx` tokens, each evaluated from an empty context, and
/// only the tokens from position `first + 1` to the end of each window scored (each
/// predicted with at least `first` tokens before it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerplexitySample {
    /// The text file as the suite names it, and its sha256.
    pub file: String,
    pub sha256: String,
    /// UTF-8 bytes of the text as tokenized (one trailing newline dropped, as
    /// llama-perplexity does).
    pub text_bytes: u64,
    /// Tokens of the whole text (with BOS where the model adds one).
    pub text_tokens: u32,
    /// Window length in tokens.
    pub n_ctx: u32,
    /// Positions `0..=first` of a window are context only; the tokens after are scored.
    pub first: u32,
    /// Whether each window starts with the model's BOS token (replacing the text's token
    /// there, as llama-perplexity does).
    pub bos: bool,
    /// Each window's sums, in text order.
    pub windows: Vec<WindowScore>,
    /// Wall time of the whole evaluation.
    pub elapsed_ms: f64,
}

/// The scored part of one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowScore {
    /// Σ −ln p(token | the tokens before it in the window), in nats.
    pub nll: f64,
    /// Tokens scored.
    pub tokens: u32,
    /// UTF-8 bytes of the scored tokens' pieces (the text they stand for).
    pub bytes: u64,
}

/// Whether the model file's pages were in the OS page cache when a cold start began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PageCache {
    /// Pages were dropped first (Linux: posix_fadvise POSIX_FADV_DONTNEED).
    Dropped,
    /// Pages were left as they were (a second start right after another one).
    Warm,
    /// Dropping was asked for but this platform or file could not do it.
    NotDropped { reason: String },
}

/// A fresh process from spawn to first generated token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartSample {
    pub page_cache: PageCache,
    /// Fraction of the model file resident in the page cache just before the spawn
    /// (mincore), so a reader can see that "dropped" really was cold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_before: Option<f64>,
    /// Spawn → first token, measured by the parent.
    pub total_ms: f64,
    /// Spawn → the worker's `main` running (exec, dynamic linking, backend init).
    pub process_ms: f64,
    /// Model load (file open, mmap, tensor setup).
    pub load_ms: f64,
    /// Context creation (KV cache allocation).
    pub context_ms: f64,
    /// Short prompt prefilled and first token sampled.
    pub first_token_ms: f64,
}

/// Peak memory of one worker process that ran the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemorySample {
    /// The process's own high-water mark of resident memory (Linux VmHWM / ru_maxrss).
    pub peak_rss_bytes: u64,
    /// Where the figure came from.
    pub source: String,
    /// Size of the GGUF file, so file-backed and anonymous memory can be told apart.
    pub model_file_bytes: u64,
    /// Whether the model was mmapped (its pages then count in RSS as they are touched).
    pub use_mmap: bool,
    /// How the model file was put in the page cache before the process started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_cache: Option<Settle>,
    /// Peak memory as the platform counts it, what `memory.peak_bytes` (the Memory
    /// criterion) reads: on macOS the worker's lifetime peak physical footprint (what
    /// Activity Monitor and memory pressure count, GPU buffers of unified memory
    /// included); elsewhere `peak_rss_bytes` plus `gpu_bytes`. Absent in runs made before
    /// it was recorded, where `peak_rss_bytes` is the figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_bytes: Option<u64>,
    /// What `peak_bytes` is, in words (which counter, what was added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_source: Option<String>,
    /// macOS: the worker's physical footprint after its workloads (`ri_phys_footprint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phys_footprint_bytes: Option<u64>,
    /// macOS: its lifetime peak (`ri_lifetime_max_phys_footprint`, the footprint ledger's
    /// maximum), where the OS gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phys_footprint_peak_bytes: Option<u64>,
    /// Bytes llama.cpp placed on GPU devices (weights, KV cache, compute buffers), as it
    /// logged them at load; absent when nothing went to a GPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_bytes: Option<u64>,
}

impl MemorySample {
    /// The figure the Memory criterion uses: `peak_bytes`, or `peak_rss_bytes` in runs
    /// that predate it.
    pub fn counted_bytes(&self) -> u64 {
        self.peak_bytes.unwrap_or(self.peak_rss_bytes)
    }
}

/// Where one worker's model went: the layers and bytes llama.cpp placed on each device,
/// and whether a GPU that was asked for was used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffloadSample {
    /// Which worker: "bench", "cold_start", "cold_start_warm".
    pub part: String,
    pub placement: Placement,
    pub gpu: GpuUse,
}

/// Whether a bench process's model file was put in a known page-cache state first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Settle {
    /// Dropped from the page cache, then read back sequentially in one pass, so every
    /// model's file is cached the same way whatever its history (mmapped decode speed
    /// depends on it; see `measure::pagecache`).
    Settled,
    /// Could not be dropped (this platform or file); only read back.
    ReadBack { reason: String },
}

/// A round (or part of one) that did not produce its measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// Which part failed: "round", "cold_start", or a workload name.
    pub stage: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(default)]
    pub timed_out: bool,
    /// The last lines the process wrote to stderr.
    #[serde(default)]
    pub stderr_tail: String,
}

impl Body {
    /// Whether this record is a valid measurement: a sample whose own checks passed (a
    /// decode or chat sample marked valid, a perplexity with windows, a sustained window
    /// with tokens), never a failure or an offload note. What `run` counts when it asks
    /// whether a model measured anything, and what the verdict counts as a model's data.
    pub fn is_valid_measurement(&self) -> bool {
        match self {
            Body::Decode(d) => d.valid,
            Body::Chat(c) | Body::Answer(c) => c.valid,
            Body::Perplexity(p) => !p.windows.is_empty(),
            Body::Prefill(_) | Body::ColdStart(_) | Body::Memory(_) => true,
            Body::Sustained(w) => w.tokens > 0,
            Body::Failure(_) | Body::Offload(_) => false,
        }
    }

    /// Short name of the record kind, as used in metric names.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Decode(_) => "decode",
            Body::Prefill(_) => "prefill",
            Body::Chat(_) => "chat",
            Body::ColdStart(_) => "cold_start",
            Body::Memory(_) => "memory",
            Body::Failure(_) => "failure",
            Body::Answer(_) => "answer",
            Body::Perplexity(_) => "perplexity",
            Body::Sustained(_) => "sustained",
            Body::Offload(_) => "offload",
        }
    }
}

/// Metrics that cannot be measured for one model, and why (`run.json` `not_measured`):
/// the record of an absence, decided before any worker runs (e.g. a remote server's memory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotMeasured {
    pub model: String,
    /// Metric names, as criteria use them (`memory.peak_rss_bytes`, …).
    pub metrics: Vec<String>,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_through_json_with_kind_tag() {
        let mut r = Record {
            model: "m".into(),
            round: 2,
            point: Point::default(),
            body: Body::Prefill(PrefillSample {
                n_tokens: 512,
                n_batch: 256,
                elapsed_ms: 100.0,
                tokens_per_s: 5120.0,
                ttft_ms: None,
                note: None,
                repetition: 2,
                repetitions: 3,
            }),
        };
        let line = serde_json::to_string(&r).expect("serialize");
        assert!(line.contains(r#""kind":"prefill""#), "{line}");
        assert!(line.contains(r#""repetition":2,"repetitions":3"#), "{line}");
        assert!(
            !line.contains("point"),
            "the named point is not written: {line}"
        );
        let back: Record = serde_json::from_str(&line).expect("parse");
        assert_eq!(back, r);
        r.point.threads = Some(1);
        let line = serde_json::to_string(&r).expect("serialize");
        assert!(line.contains(r#""point":{"threads":1}"#), "{line}");
        let back: Record = serde_json::from_str(&line).expect("parse");
        assert_eq!(back, r);
    }

    #[test]
    fn a_memory_record_from_before_peak_bytes_counts_its_rss() {
        let old = r#"{"model":"m","round":0,"kind":"memory","peak_rss_bytes":1000,"source":"VmHWM","model_file_bytes":10,"use_mmap":true}"#;
        let r: Record = serde_json::from_str(old).expect("parse");
        let Body::Memory(m) = r.body else {
            panic!("{r:?}")
        };
        assert_eq!(m.counted_bytes(), 1000);
        let now = MemorySample {
            peak_bytes: Some(1500),
            ..m
        };
        assert_eq!(now.counted_bytes(), 1500);
    }

    #[test]
    fn a_sample_from_before_repetitions_is_the_only_one_of_its_round() {
        let line = r#"{"model":"m","round":0,"kind":"decode","depth":0,"n_requested":8,"n_generated":8,"elapsed_ms":70.0,"tokens_per_s":100.0,"valid":true}"#;
        let r: Record = serde_json::from_str(line).expect("parse");
        match r.body {
            Body::Decode(d) => assert_eq!((d.repetition, d.repetitions), (0, 1)),
            other => panic!("{other:?}"),
        }
    }
}
