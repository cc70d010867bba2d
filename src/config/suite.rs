//! The suite file (suites/*.toml): which models, how many rounds, the workloads, the
//! criteria and the decision rule. Parsing and validation only; nothing here runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::BackendSettings;
pub use super::expect::ChatPrompt;
use super::sweep::{At, Counts, Sweep};

/// A whole suite as written in TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub suite: SuiteHeader,
    #[serde(default)]
    pub backend: BackendSettings,
    #[serde(default, rename = "workload")]
    pub workloads: Vec<Workload>,
    #[serde(default, rename = "criterion")]
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub decision: Option<Decision>,
    /// Device classes with their own targets (`[[device]]`, see `config::device`).
    #[serde(default, rename = "device", skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceClass>,
}

/// `[suite]`: identity, models and repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteHeader {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The model under evaluation (a models.toml id).
    pub candidate: String,
    /// The reference model that ratios are taken against.
    pub baseline: String,
    /// Further models measured alongside (shown in the report, not in ratios).
    #[serde(default)]
    pub others: Vec<String>,
    /// Measured rounds per model; each round is a fresh process.
    #[serde(default = "default_rounds")]
    pub rounds: u32,
    /// Unmeasured repetitions of each workload inside every round, before the measured one.
    #[serde(default = "default_warmup")]
    pub warmup: u32,
    /// Seconds a single round may take before its process is killed and the round failed.
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
    /// Further candidate ÷ baseline pairs, each with a ratio table of its own
    /// (`pairs = [["lfm2-1.2b", "qwen3-1.7b"], …]`); every id must be a model of the suite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<[String; 2]>,
}

fn default_rounds() -> u32 {
    5
}
fn default_warmup() -> u32 {
    1
}
fn default_timeout() -> u64 {
    600
}

/// One `[[workload]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Workload {
    /// Generate `tokens` tokens one at a time at each context depth. With more than one
    /// depth, each depth runs in a process of its own whose context is sized to it, so
    /// that its peak RSS is the memory of serving that depth.
    Decode {
        tokens: u32,
        #[serde(default = "default_depths")]
        depths: Vec<u32>,
        /// Measured repetitions per round at each depth, after the warm-up (llama-bench
        /// `-r`); the round's value is their median.
        #[serde(default = "default_repetitions")]
        repetitions: u32,
        /// Backend settings to measure it at besides the named point (see `sweep`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sweep: Option<Sweep>,
    },
    /// Evaluate `tokens` prompt tokens in batches of n_batch, then take the first token
    /// (time to first token); a list of lengths measures each.
    Prefill {
        tokens: Counts,
        /// Measured repetitions per round, after the warm-up (llama-bench `-r`); the
        /// round's value is their median.
        #[serde(default = "default_repetitions")]
        repetitions: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sweep: Option<Sweep>,
    },
    /// Answer each prompt through the chat template, greedy, at most `max_tokens`. A prompt
    /// may carry what a correct answer contains (`{ text = "…", expect = "…" }`).
    Chat {
        max_tokens: u32,
        prompts: Vec<ChatPrompt>,
        /// How many times each prompt is answered per round (more samples for percentiles).
        #[serde(default = "default_repeat")]
        repeat: u32,
    },
    /// A fresh process from spawn to first token, with the page cache dropped and warm.
    ColdStart {
        #[serde(default = "default_cold_prompt")]
        prompt: String,
    },
    /// Quality: a question set answered through the chat template, each answer judged
    /// against its expectation. Runs once per model per run (in its own process, after
    /// the first round's bench) unless `every_round`.
    Questions {
        /// A question file (see `super::questions`), relative to the suite; its prompts
        /// are read into `prompts` when the suite is loaded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompts_file: Option<std::path::PathBuf>,
        /// sha256 of `prompts_file`, checked when the suite is loaded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
        #[serde(default = "default_question_tokens")]
        max_tokens: u32,
        /// Questions written in the suite, and those read from `prompts_file` after them.
        #[serde(default)]
        prompts: Vec<ChatPrompt>,
        #[serde(default)]
        every_round: bool,
    },
    /// Quality: perplexity and bits per byte of a fixed text, in non-overlapping windows of
    /// `n_ctx` tokens scored as llama.cpp's `llama-perplexity` scores them. Runs once per
    /// model per run unless `every_round`.
    Perplexity {
        /// The text, relative to the suite (made absolute in the job a worker gets).
        file: std::path::PathBuf,
        /// sha256 of the file, checked when the suite is loaded and again by the worker.
        sha256: String,
        /// Window length in tokens (llama-perplexity `-c`; 512 as its default).
        #[serde(default = "default_ppl_ctx")]
        n_ctx: u32,
        /// Score only the first `chunks` windows (llama-perplexity `--chunks`); all when
        /// absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chunks: Option<u32>,
        #[serde(default)]
        every_round: bool,
    },
    /// Decode without a pause for `duration_s` after `cooldown_s` of idling, counting the
    /// rate per window of `window_s` (thermal throttling shows as a falling rate). Runs in
    /// a process of its own, in the first `rounds` rounds, for `models` (default: all).
    Sustained {
        #[serde(default = "default_duration")]
        duration_s: u32,
        #[serde(default = "default_window")]
        window_s: u32,
        #[serde(default = "default_cooldown")]
        cooldown_s: u32,
        /// Tokens per context before it is restarted (the depth cycles from 0 to this).
        #[serde(default = "default_chunk")]
        chunk: u32,
        #[serde(default = "default_sustained_rounds")]
        rounds: u32,
        /// Which models run it (ids of the suite); empty: every model.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        models: Vec<String>,
    },
}

fn default_duration() -> u32 {
    300
}
fn default_window() -> u32 {
    10
}
fn default_cooldown() -> u32 {
    60
}
fn default_chunk() -> u32 {
    64
}
fn default_sustained_rounds() -> u32 {
    1
}
fn default_question_tokens() -> u32 {
    32
}
fn default_ppl_ctx() -> u32 {
    512
}

fn default_depths() -> Vec<u32> {
    vec![0]
}
/// Repetitions of decode and prefill per round (llama-bench's `-r` defaults to 5; 3 keeps
/// a round short while its median is already robust to one stalled repetition).
pub const DEFAULT_REPETITIONS: u32 = 3;
/// More repetitions than this in one round is refused: use more rounds instead (rounds,
/// not repetitions, are what intervals count).
pub const MAX_REPETITIONS: u32 = 100;

fn default_repetitions() -> u32 {
    DEFAULT_REPETITIONS
}
fn default_repeat() -> u32 {
    1
}
fn default_cold_prompt() -> String {
    "Hello".to_string()
}

impl Workload {
    pub fn kind(&self) -> &'static str {
        match self {
            Workload::Decode { .. } => "decode",
            Workload::Prefill { .. } => "prefill",
            Workload::Chat { .. } => "chat",
            Workload::ColdStart { .. } => "cold_start",
            Workload::Questions { .. } => "questions",
            Workload::Perplexity { .. } => "perplexity",
            Workload::Sustained { .. } => "sustained",
        }
    }

    /// The workload's own sweep, else the backend's (decode and prefill only: chat, cold
    /// start and sustained load are measured at the named point).
    pub fn sweep<'a>(&'a self, backend: Option<&'a Sweep>) -> Option<&'a Sweep> {
        match self {
            Workload::Decode { sweep, .. } | Workload::Prefill { sweep, .. } => {
                sweep.as_ref().or(backend)
            }
            _ => None,
        }
    }

    /// A quality workload (questions, perplexity): run in a process of its own, once per
    /// model per run unless the suite asks for every round, and never on a shape twin.
    pub fn is_quality(&self) -> bool {
        matches!(
            self,
            Workload::Questions { .. } | Workload::Perplexity { .. }
        )
    }

    /// Whether a quality workload repeats in every round (`every_round = true`).
    pub fn every_round(&self) -> bool {
        match self {
            Workload::Questions { every_round, .. } | Workload::Perplexity { every_round, .. } => {
                *every_round
            }
            _ => true,
        }
    }

    /// Measured repetitions per round (decode and prefill; 1 for the others, whose
    /// samples are not repetitions of one measurement).
    pub fn repetitions(&self) -> u32 {
        match self {
            Workload::Decode { repetitions, .. } | Workload::Prefill { repetitions, .. } => {
                *repetitions
            }
            _ => 1,
        }
    }
}

/// Comparison operator of a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
        }
    }
    /// Whether `value op target` holds.
    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            Op::Ge => value >= target,
            Op::Gt => value > target,
            Op::Le => value <= target,
            Op::Lt => value < target,
        }
    }
}

/// What a criterion's value is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Versus {
    /// The candidate's value itself.
    Absolute,
    /// candidate ÷ baseline, paired by round.
    Baseline,
    /// candidate − baseline (quality metrics: a correct fraction compares as a difference
    /// of fractions).
    BaselineDifference,
}

/// One `[[criterion]]`: a metric of the candidate held against a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    /// A metric name, see `crate::metric` (e.g. "decode.tokens_per_s", "chat.ttft_ms").
    pub metric: String,
    /// Statistic over the samples: "median" (default), "p50", "p95", "p99", "mean", "max".
    #[serde(default = "default_stat")]
    pub stat: String,
    #[serde(default = "default_versus")]
    pub vs: Versus,
    pub op: Op,
    pub target: f64,
    /// A critical criterion must pass for GO.
    #[serde(default)]
    pub critical: bool,
    /// If the measured value is on the wrong side of this threshold, the decision is NO-GO.
    #[serde(default)]
    pub no_go: Option<f64>,
    /// Plain-language definition repeated in the report.
    #[serde(default)]
    pub definition: Option<String>,
    /// Shown with PASS/FAIL beside the others but never counted in the decision (neither
    /// in `pass_at_least` nor as critical or NO-GO).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub advisory: bool,
    /// The configuration judged, a value of a sweep (`at = { threads = 1 }`); absent,
    /// the suite's named point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
    /// Another pair than the suite's candidate and baseline (e.g. one size of a family).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
}

fn default_stat() -> String {
    "median".to_string()
}
fn default_versus() -> Versus {
    Versus::Absolute
}

/// `[decision]`: how criteria combine into GO / CONDITIONAL / NO-GO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// At least this many criteria must pass for GO.
    pub pass_at_least: u32,
}

// Device classes: their types live here with the suite's; matching and checking them is
// `super::device`'s.

/// One `[[device]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceClass {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "match")]
    pub rule: DeviceMatch,
    /// Target overrides by criterion name.
    #[serde(default)]
    pub targets: BTreeMap<String, f64>,
    /// Criteria of this class only, added to the suite's (`[[device.criterion]]`).
    #[serde(default, rename = "criterion")]
    pub criteria: Vec<Criterion>,
}

/// The `match` rule of a device class (see `config::device`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceMatch {
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub arch: Option<String>,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub min_cores: Option<usize>,
    #[serde(default)]
    pub max_cores: Option<usize>,
    #[serde(default)]
    pub min_memory_gib: Option<f64>,
    #[serde(default)]
    pub max_memory_gib: Option<f64>,
    #[serde(default)]
    pub gpu: Option<String>,
}
