//! The worker protocol: what the parent process (`runner`) and a worker process
//! (`worker`, driving a `backend`) say to each other, and how a unit of work is named.
//!
//! A [`Job`] goes to the worker as JSON on its command line; the worker answers with one
//! [`WorkerMsg`] per stdout line. [`JobKey`] names a job in `jobs.jsonl` (for `--resume`).
//! These types are the only thing runner, worker and backends share, so the protocol
//! changes in this one place. No logic lives here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::models::HttpSettings;
use crate::config::{BackendKind, Resolved, Workload};
use crate::device::{Device, GpuUse, Placement};
use crate::sample::{Body, Point, Record};

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
    /// The configuration point this job measures (`settings` already hold its values);
    /// every record of the job carries it.
    #[serde(default, skip_serializing_if = "Point::is_named")]
    pub point: Point,
}

impl Job {
    /// A record of this job: its model, round and point.
    pub fn record(&self, body: Body) -> Record {
        Record {
            model: self.model.clone(),
            round: self.round,
            point: self.point.clone(),
            body,
        }
    }
}

/// The part of a round one process runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum Part {
    /// Throughput and latency workloads, in one process whose peak RSS is the memory figure.
    Bench { workloads: Vec<Workload> },
    /// Load, prefill a short chat prompt, produce the first token, exit.
    ColdStart { prompt: String },
    /// The quality workloads (questions, perplexity), in a process of their own whose
    /// memory is not measured.
    Quality { workloads: Vec<Workload> },
    /// Decode without a pause for `duration_s`, counting tokens per window of `window_s`,
    /// restarting the context every `chunk` tokens. The runner idles `cooldown_s` first.
    Sustained {
        duration_s: u32,
        window_s: u32,
        cooldown_s: u32,
        chunk: u32,
    },
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
    /// Bench: the worker's own peak RSS after its workloads (Linux VmHWM), and on macOS
    /// its physical footprint then and its lifetime peak (`measure::rss::own_footprint`).
    Peak {
        peak_rss_bytes: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phys_footprint_bytes: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phys_footprint_peak_bytes: Option<u64>,
    },
    /// After the load: where the model went and whether a GPU asked for was used.
    Offload {
        placement: Placement,
        gpu: GpuUse,
    },
    /// A workload failed; the others still run.
    Error {
        stage: String,
        message: String,
    },
}

/// What a backend says about itself, stored with every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// e.g. "llama.cpp"
    pub engine: String,
    /// e.g. "llama-cpp-2 0.1.160"
    pub version: String,
    /// Cargo features this binary was built with (metal, cuda, vulkan).
    pub build_features: Vec<String>,
    /// The engine's own description of its build (llama.cpp system info: SIMD, BLAS…).
    pub system_info: String,
    /// Whether layers can be offloaded to a GPU in this build.
    pub gpu_offload: bool,
    /// The backend devices the engine lists, with what their backends logged about them
    /// (empty for an engine that does not say, and in runs made before it was recorded).
    #[serde(default)]
    pub devices: Vec<Device>,
    /// Instruction sets: what the engine was built with against what the host has
    /// (engines lfmbench builds itself; absent for a server's, and in runs before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isa: Option<crate::measure::isa::IsaInfo>,
}

/// Identity of one unit of work, as recorded in `jobs.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobKey {
    pub model: String,
    pub round: u32,
    /// "bench" (decode/prefill/chat), "cold_start", "cold_start_warm", "quality",
    /// "sustained", and for a sweep point "bench@threads=1" or "decode@depth=1024".
    pub part: String,
}
