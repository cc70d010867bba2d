//! GGUF files: reading headers (what a file really is) and writing them (shape twins).
//!
//! OWNED BY: the twin work (issue 3). The reader API below is what the rest of lfmbench
//! uses; keep its shape.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// What a GGUF file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GgufInfo {
    pub version: u32,
    /// general.architecture, e.g. "lfm2", "qwen3", "gemma3", "llama".
    pub architecture: String,
    /// general.name, if present.
    pub name: Option<String>,
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

/// Read and check a GGUF header: magic, version, metadata, tensor infos, and that the
/// file is long enough for every tensor it declares (a truncated download is caught here).
pub fn read_info(path: &Path) -> anyhow::Result<GgufInfo> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    f.read_exact(&mut magic)?;
    anyhow::ensure!(&magic == b"GGUF", "{} is not a GGUF file", path.display());
    // Placeholder until the full reader lands: only the magic is checked.
    Ok(GgufInfo {
        version: 0,
        architecture: "?".into(),
        name: None,
        n_params: 0,
        quant: "?".into(),
        file_bytes: f.metadata()?.len(),
        n_tensors: 0,
        has_chat_template: false,
        twin: None,
    })
}
