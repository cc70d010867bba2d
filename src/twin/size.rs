//! The size a twin will have, known before it is made.
//!
//! llama.cpp decides each tensor's type when it quantizes (`llama_tensor_get_type`: which
//! layers' attention values and feed-forward outputs get more bits, what the tied
//! embedding becomes, which tensors stay F32). Its dry run answers that without touching
//! tensor data, so the twin's F16 file is written as a skeleton: the real header, then a
//! hole as long as the weights (a sparse file: nothing is written, no disk is used). The
//! quantized file is then the same header with the types llama.cpp chose, one more key
//! (`general.quantization_version`) and `general.file_type` changed, followed by every
//! tensor padded to the alignment, as llama_model_quantize_impl writes it. A multi-
//! gigabyte twin's size is thus known in seconds; a unit test checks the prediction
//! byte for byte against twins actually made.

use std::path::Path;

use anyhow::Context;

use crate::gguf::Value;
use crate::gguf::reader::{DEFAULT_ALIGNMENT, align_up};
use crate::gguf::types::GgmlType;

use super::catalogue::Arch;
use super::{model, quantize};

/// `GGML_QNT_VERSION` of the vendored llama.cpp (ggml/include/ggml.h), which
/// llama_model_quantize writes as `general.quantization_version`.
const QNT_VERSION: u32 = 2;

/// What a twin of one architecture in one quantization will be.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// File size in bytes.
    pub bytes: u64,
    /// Every tensor with the type it will have.
    pub tensors: Vec<(String, GgmlType)>,
}

/// The twin of `arch` in `quant` (seed 0), as it will be written: for F16 the generator's
/// own layout; otherwise llama.cpp's dry run of the quantization over a skeleton F16 file
/// made in `scratch` (removed afterwards).
pub fn planned(arch: &Arch, quant: &str, scratch: &Path) -> anyhow::Result<Planned> {
    let (quant, ftype) = quantize::parse_quant(quant)?;
    let (mut w, _, _) = model::layout(arch, 0);
    let listed = |w: &crate::gguf::writer::Writer| {
        w.tensors
            .iter()
            .map(|t| (t.name.clone(), t.ty))
            .collect::<Vec<_>>()
    };
    if ftype == 1 {
        // The generator's F16 file: no padding after the last tensor.
        let data: u64 = w.tensors.iter().map(|t| padded(t.n_bytes())).sum::<u64>()
            - w.tensors
                .last()
                .map_or(0, |t| padded(t.n_bytes()) - t.n_bytes());
        return Ok(Planned {
            bytes: w.header_len()? + data,
            tensors: listed(&w),
        });
    }
    let skeleton = scratch.join(format!(
        ".{}-{}.skeleton-{}.gguf.tmp~",
        arch.name,
        quant.to_ascii_lowercase(),
        std::process::id()
    ));
    let types = {
        let _remove = Remove(&skeleton);
        write_skeleton(&w, &skeleton)?;
        quantize::dry_run(&skeleton, ftype)?
    };
    for t in &mut w.tensors {
        let Some((_, ty)) = types.iter().find(|(n, _)| *n == t.name) else {
            anyhow::bail!(
                "llama.cpp's dry run of {} {quant} did not list tensor `{}`",
                arch.name,
                t.name
            );
        };
        t.ty = *ty;
    }
    w.set("general.quantization_version", Value::U32(QNT_VERSION));
    w.set("general.file_type", Value::U32(ftype));
    // llama.cpp pads every tensor, the last one too.
    let data: u64 = w.tensors.iter().map(|t| padded(t.n_bytes())).sum();
    Ok(Planned {
        bytes: w.header_len()? + data,
        tensors: listed(&w),
    })
}

fn padded(n: u64) -> u64 {
    align_up(n, DEFAULT_ALIGNMENT).unwrap_or(u64::MAX)
}

/// The F16 file's header followed by a hole as long as its tensor data.
fn write_skeleton(w: &crate::gguf::writer::Writer, path: &Path) -> anyhow::Result<()> {
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(&f);
    let header = w
        .write_header(&mut out)
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(out);
    let data: u64 = w.tensors.iter().map(|t| padded(t.n_bytes())).sum();
    f.set_len(header + data)
        .with_context(|| format!("cannot size {}", path.display()))?;
    Ok(())
}

/// Removes a file when dropped.
struct Remove<'a>(&'a Path);

impl Drop for Remove<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0);
    }
}
