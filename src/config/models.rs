//! models.toml: the catalogue of model files a suite can name, with per-model backend
//! overrides. Parsing and validation only; reading GGUF headers lives in `crate::gguf`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::BackendSettings;

/// The whole models.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelsFile {
    #[serde(default, rename = "model")]
    pub models: Vec<ModelEntry>,
}

/// Which backend runs a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// llama.cpp in-process, through llama-cpp-2.
    #[default]
    Llama,
    /// An OpenAI-compatible HTTP server.
    Http,
}

/// One `[[model]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub id: String,
    /// Path to the GGUF file, relative to models.toml's folder unless absolute.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Name of a catalogued architecture: the file is a shape twin, generated on first use.
    #[serde(default)]
    pub twin: Option<String>,
    /// Quantization of a twin (e.g. "Q4_K_M").
    #[serde(default)]
    pub quant: Option<String>,
    /// Model family: lfm2, qwen3, gemma3, llama, …
    pub family: String,
    /// Free-form hints: "candidate", "baseline", "small", …
    #[serde(default)]
    pub roles: Vec<String>,
    /// A llama.cpp built-in chat template name ("chatml", "gemma", "llama3", …) used only
    /// when the GGUF carries no `tokenizer.chat_template` of its own.
    #[serde(default)]
    pub chat_template: Option<String>,
    /// Expected sha256 of the file, checked before a run when given.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Where the published file comes from, e.g. "LiquidAI/LFM2-350M-GGUF".
    #[serde(default)]
    pub hf_repo: Option<String>,
    #[serde(default)]
    pub hf_file: Option<String>,
    /// One line telling a user how to obtain the file.
    #[serde(default)]
    pub how_to_get: Option<String>,
    /// Why this shape twin stands in for the published file (`hf_repo`/`hf_file`): set by
    /// `lfmbench fetch --write-models` when the file could not be fetched; the report
    /// prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_in: Option<String>,
    /// Whether the model is instruction-tuned. Unset, lfmbench decides from the GGUF (a
    /// file with no chat template and no instruct-like `general.finetune` is a base
    /// model); `false` names it a base model whatever the file says. A base model's chat
    /// answers are shown as not meaningful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruct: Option<bool>,
    #[serde(default)]
    pub backend: BackendKind,
    /// Per-model overrides of the suite's `[backend]`.
    #[serde(default)]
    pub overrides: BackendSettings,
    /// Settings of the http backend.
    #[serde(default)]
    pub http: Option<HttpSettings>,
}

/// How to reach an OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// e.g. "http://127.0.0.1:8080"
    pub base_url: String,
    /// Model name the server knows.
    #[serde(default)]
    pub model: Option<String>,
    /// Name of an environment variable holding the API key (the key itself is never stored).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// A command that starts the server; lfmbench then measures its start-up and peak RSS.
    #[serde(default)]
    pub start_command: Option<Vec<String>>,
    /// Process id of an already running server, for its peak RSS.
    #[serde(default)]
    pub pid: Option<u32>,
    /// Seconds a request may wait for any byte from the server before it fails (idle
    /// timeout; a stream that keeps delivering tokens never times out). Default 60.
    #[serde(default)]
    pub timeout_s: Option<u64>,
    /// For an https server whose certificate comes from a private authority: a PEM file
    /// of the authority's certificate(s), trusted in addition to the system's roots.
    /// Relative to models.toml as written; made absolute when models.toml is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

impl ModelEntry {
    /// The GGUF path this entry resolves to, relative paths taken from `base` (the folder
    /// of models.toml). Twins resolve to their cache file.
    pub fn resolved_path(&self, base: &Path) -> Option<PathBuf> {
        if let Some(p) = &self.path {
            return Some(if p.is_absolute() {
                p.clone()
            } else {
                base.join(p)
            });
        }
        self.twin.as_ref().map(|t| {
            let quant = self.quant.as_deref().unwrap_or("F16").to_ascii_lowercase();
            base.join("models/twins").join(format!("{t}-{quant}.gguf"))
        })
    }

    pub fn is_twin(&self) -> bool {
        self.twin.is_some()
    }
}
