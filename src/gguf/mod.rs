//! GGUF files: reading headers (what a file really is) and writing them (shape twins).
//!
//! OWNED BY: the twin work (issue 3). The reader API below is what the rest of lfmbench
//! uses; keep its shape.
//!
//! - [`reader`]: a header parser that checks everything llama.cpp's loader checks, guards
//!   every allocation against hostile lengths and never panics;
//! - [`writer`]: GGUF v3 writing with streamed tensor data;
//! - [`types`]: ggml tensor types (block sizes) and llama.cpp file types (quant names);
//! - [`arch`]: the architectures the linked llama.cpp knows;
//! - [`runnable`]: whether a valid file is a model llama.cpp can run (weights, vocabulary).

pub mod arch;
pub mod reader;
pub mod runnable;
pub mod types;
pub mod value;
pub mod writer;

use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use reader::{Gguf, GgufError};
pub use value::Value;

/// Metadata key naming the architecture a twin copies (lfmbench's own key).
pub const TWIN_OF_KEY: &str = "lfmbench.twin.of";
/// Metadata key holding the seed of a twin's random weights.
pub const TWIN_SEED_KEY: &str = "lfmbench.twin.seed";

/// What a GGUF file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GgufInfo {
    pub version: u32,
    /// general.architecture, e.g. "lfm2", "qwen3", "gemma3", "llama".
    pub architecture: String,
    /// general.name, if present.
    pub name: Option<String>,
    /// general.finetune, if present (e.g. "Instruct", "it"; what a base model lacks).
    #[serde(default)]
    pub finetune: Option<String>,
    /// Sum of the element counts of all tensors.
    pub n_params: u64,
    /// Quantization, from general.file_type (e.g. "Q4_K_M"), else the dominant tensor type.
    pub quant: String,
    pub file_bytes: u64,
    pub n_tensors: u64,
    pub has_chat_template: bool,
    /// Set when the file is an lfmbench shape twin (random weights).
    pub twin: Option<TwinMark>,
}

/// GGUF metadata that marks a shape twin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwinMark {
    pub of: String,
    pub seed: u64,
}

/// Parse the header of the GGUF file at `path` (tensor data is not read, only its extent
/// checked against the file's length). Errors name the file and say what to do.
pub fn read(path: &Path) -> anyhow::Result<Gguf> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("{}: cannot open the model file", path.display()))?;
    let len = f
        .metadata()
        .with_context(|| format!("{}: cannot read the file's size", path.display()))?
        .len();
    reader::parse(BufReader::with_capacity(1 << 16, f), len).map_err(|e| located(path, e))
}

fn located(path: &Path, e: GgufError) -> anyhow::Error {
    anyhow::anyhow!("{}: {e}\n  help: {}", path.display(), e.help())
}

/// Read and check a GGUF header: magic, version, metadata, tensor infos, and that the
/// file is long enough for every tensor it declares (a truncated download is caught here).
pub fn read_info(path: &Path) -> anyhow::Result<GgufInfo> {
    let g = read(path)?;
    info_of(&g).map_err(|e| located(path, e))
}

/// Read a GGUF header and check that it is a model llama.cpp can run: [`read_info`]'s
/// checks, then the weights its architecture needs and a vocabulary that matches the
/// embedding ([`runnable::check`]). What `lfmbench run` checks before any worker starts.
pub fn read_runnable(path: &Path) -> anyhow::Result<GgufInfo> {
    let g = read(path)?;
    let info = info_of(&g).map_err(|e| located(path, e))?;
    runnable::check(&g, &info.architecture).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a runnable `{}` model: {e}\n  help: {}",
            path.display(),
            info.architecture,
            e.help()
        )
    })?;
    Ok(info)
}

/// The summary of a parsed header; fails on a missing or unknown architecture.
pub fn info_of(g: &Gguf) -> Result<GgufInfo, GgufError> {
    let architecture = match g.get("general.architecture") {
        Some(Value::Str(a)) => a.clone(),
        Some(v) => {
            return Err(GgufError::Invalid(format!(
                "general.architecture must be a string, it is a {}",
                v.type_name()
            )));
        }
        None => return Err(GgufError::NoArchitecture),
    };
    if !arch::is_known(&architecture) {
        return Err(GgufError::UnknownArchitecture(architecture));
    }
    let n_params = g
        .tensors
        .iter()
        .fold(0u64, |a, t| a.saturating_add(t.n_elements));
    let quant = g
        .get_u64("general.file_type")
        .and_then(|v| u32::try_from(v).ok())
        .and_then(types::file_type_name)
        .map(str::to_string)
        .unwrap_or_else(|| dominant_type(g));
    let twin = match (g.get_str(TWIN_OF_KEY), g.get_u64(TWIN_SEED_KEY)) {
        (Some(of), seed) => Some(TwinMark {
            of: of.to_string(),
            seed: seed.unwrap_or(0),
        }),
        _ => None,
    };
    Ok(GgufInfo {
        version: g.version,
        architecture,
        name: g.get_str("general.name").map(str::to_string),
        finetune: g.get_str("general.finetune").map(str::to_string),
        n_params,
        quant,
        file_bytes: g.file_bytes,
        n_tensors: g.tensors.len() as u64,
        has_chat_template: g
            .get_str("tokenizer.chat_template")
            .is_some_and(|t| !t.trim().is_empty()),
        twin,
    })
}

/// The tensor type holding the most elements ("?" for a file without tensors).
fn dominant_type(g: &Gguf) -> String {
    let mut by_type: Vec<(&'static str, u64)> = Vec::new();
    for t in &g.tensors {
        match by_type.iter_mut().find(|(n, _)| *n == t.ty.name) {
            Some((_, c)) => *c = c.saturating_add(t.n_elements),
            None => by_type.push((t.ty.name, t.n_elements)),
        }
    }
    by_type
        .into_iter()
        .max_by_key(|(_, c)| *c)
        .map_or_else(|| "?".to_string(), |(n, _)| n.to_string())
}

#[cfg(test)]
mod tests;
