//! Is a parsed GGUF a model llama.cpp can run, rather than only a valid file? Checked
//! from the header before any worker starts, so that a file llama.cpp would refuse is
//! named with what it lacks instead of failing later inside a worker with llama.cpp's
//! generic "failed to load model".
//!
//! What is checked (the reader has already checked the header itself, that every
//! tensor's data lies inside the file at its alignment, and that llama.cpp knows the
//! architecture):
//! - there are tensors at all (a vocabulary-only file, like llama.cpp's own
//!   `ggml-vocab-*.gguf`, or a header without weights has none);
//! - a tokenizer: `tokenizer.ggml.model` (llama.cpp refuses a file without it) and its
//!   token list (lfmbench tokenizes prompts and detokenizes answers);
//! - for the architectures lfmbench measures and catalogues (`llama`, `qwen3`, `gemma3`,
//!   `lfm2`): the hyperparameters llama.cpp requires and every weight its
//!   `load_arch_tensors` creates as required, layer by layer (vendored llama.cpp of
//!   llama-cpp-sys-2 0.1.160, `src/models/{llama,qwen3,gemma3,lfm2}.cpp`; fused `attn_qkv`
//!   accepted in place of `attn_q`/`attn_k`/`attn_v`, as `create_tensor_qkv` does);
//!   for other architectures llama.cpp knows, only what holds for all of them;
//! - the vocabulary against the embedding: `token_embd.weight` (and `output.weight`) has
//!   one row per token of `tokenizer.ggml.tokens` — llama.cpp sizes the embedding by the
//!   vocabulary and refuses any other shape — and rows of `embedding_length` values.

use super::reader::{Gguf, TensorInfo};
use super::value::Value;

/// How many missing tensors are named one by one.
const NAMED: usize = 6;

/// Why a valid GGUF is not a model llama.cpp can run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotRunnable {
    #[error(
        "the file has no tensors: it holds {} only, no weights",
        if *.vocabulary { "a vocabulary (tokenizer)" } else { "metadata" }
    )]
    NoTensors { vocabulary: bool },
    #[error("no tokenizer: the metadata has no tokenizer.ggml.model, which llama.cpp requires")]
    NoTokenizer,
    #[error(
        "no vocabulary: tokenizer.ggml.model is `{0}`, so the model cannot read a prompt or write text"
    )]
    NoVocabulary(String),
    #[error("no token list: tokenizer.ggml.tokens is missing or not an array of strings")]
    NoTokens,
    #[error("`{key}` is missing from the metadata; llama.cpp needs it to build a `{arch}` model")]
    MissingKey { arch: String, key: String },
    #[error(
        "{count} of the weights a `{arch}` model needs {}: {}",
        if *.count == 1 { "is missing" } else { "are missing" },
        listed(.named, *.count)
    )]
    MissingTensors {
        arch: String,
        /// The first few missing names (`a | b` where either would do).
        named: Vec<String>,
        count: usize,
    },
    #[error(
        "vocabulary and embedding disagree: tokenizer.ggml.tokens has {tokens} tokens but `{tensor}` has {rows} rows (one per token)"
    )]
    VocabularyMismatch {
        tensor: String,
        tokens: u64,
        rows: u64,
    },
    #[error("`{tensor}` has rows of {got} values but {arch}.embedding_length is {want}")]
    EmbeddingWidth {
        arch: String,
        tensor: String,
        got: u64,
        want: u64,
    },
}

impl NotRunnable {
    /// What the user can do about it.
    pub fn help(&self) -> &'static str {
        match self {
            NotRunnable::NoTensors { vocabulary: true } => {
                "this is a vocabulary-only GGUF (as llama.cpp ships for tokenizer tests); point models.toml at the model's full .gguf"
            }
            NotRunnable::NoTensors { vocabulary: false } => {
                "the file holds no weights (a header written alone, or a failed conversion); download or convert the model again"
            }
            NotRunnable::NoTokenizer | NotRunnable::NoTokens => {
                "convert the model again with llama.cpp's convert_hf_to_gguf.py from a folder that has its tokenizer files"
            }
            NotRunnable::NoVocabulary(_) => {
                "lfmbench needs a model with its tokenizer; use the model's GGUF that includes one"
            }
            NotRunnable::MissingKey { .. } | NotRunnable::MissingTensors { .. } => {
                "the file is incomplete or was written for another architecture; download or convert the model again (convert_hf_to_gguf.py of a current llama.cpp)"
            }
            NotRunnable::VocabularyMismatch { .. } | NotRunnable::EmbeddingWidth { .. } => {
                "the tokenizer and the weights come from different models, or the file was edited; download or convert the model again"
            }
        }
    }
}

/// "a, b and 3 more".
fn listed(named: &[String], count: usize) -> String {
    let mut s = named.join(", ");
    if count > named.len() {
        s.push_str(&format!(" and {} more", count - named.len()));
    }
    s
}

/// Check that `g` (of llama.cpp architecture `arch`) holds what a runnable model needs.
pub fn check(g: &Gguf, arch: &str) -> Result<(), NotRunnable> {
    let tokens = match g.get("tokenizer.ggml.tokens") {
        Some(Value::Array(_, items)) if items.iter().all(|v| v.as_str().is_some()) => {
            Some(items.len() as u64)
        }
        Some(_) => return Err(NotRunnable::NoTokens),
        None => None,
    };
    if g.tensors.is_empty() {
        return Err(NotRunnable::NoTensors {
            vocabulary: tokens.is_some(),
        });
    }
    match g.get_str("tokenizer.ggml.model") {
        None => return Err(NotRunnable::NoTokenizer),
        Some(m @ ("no_vocab" | "none")) => return Err(NotRunnable::NoVocabulary(m.into())),
        Some(_) => {}
    }
    let Some(tokens) = tokens else {
        return Err(NotRunnable::NoTokens);
    };
    let width = g.get_u64(&format!("{arch}.embedding_length"));
    if let Some(required) = required_tensors(g, arch)? {
        let missing: Vec<String> = required
            .iter()
            .filter(|alts| !alts.iter().any(|set| set.iter().all(|n| has(g, n))))
            .map(|alts| describe(g, alts))
            .collect();
        if !missing.is_empty() {
            return Err(NotRunnable::MissingTensors {
                arch: arch.to_string(),
                count: missing.len(),
                named: missing.into_iter().take(NAMED).collect(),
            });
        }
    }
    for name in ["token_embd.weight", "output.weight"] {
        let Some(t) = tensor(g, name) else {
            continue;
        };
        let rows = t.dims.get(1).copied().unwrap_or(1);
        if rows != tokens {
            return Err(NotRunnable::VocabularyMismatch {
                tensor: name.into(),
                tokens,
                rows,
            });
        }
        if let (Some(want), Some(&got)) = (width, t.dims.first())
            && got != want
        {
            return Err(NotRunnable::EmbeddingWidth {
                arch: arch.into(),
                tensor: name.into(),
                got,
                want,
            });
        }
    }
    Ok(())
}

fn tensor<'a>(g: &'a Gguf, name: &str) -> Option<&'a TensorInfo> {
    g.tensors.iter().find(|t| t.name == name)
}

fn has(g: &Gguf, name: &str) -> bool {
    tensor(g, name).is_some()
}

/// A missing requirement as the user reads it: the first alternative's missing names,
/// "or" the others.
fn describe(g: &Gguf, alts: &[Vec<String>]) -> String {
    alts.iter()
        .map(|set| {
            let missing: Vec<&str> = set
                .iter()
                .filter(|n| !has(g, n))
                .map(String::as_str)
                .collect();
            missing.join(" + ")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// One requirement: any of the alternatives, each a set of tensors that must all be there.
type Requirement = Vec<Vec<String>>;

fn one(name: impl Into<String>) -> Requirement {
    vec![vec![name.into()]]
}

/// The families whose required weights are known here.
#[derive(Clone, Copy, PartialEq)]
enum Family {
    Llama,
    Qwen3,
    Gemma3,
    Lfm2,
}

/// The weights `arch` requires, `None` for an architecture not described here.
fn required_tensors(g: &Gguf, arch: &str) -> Result<Option<Vec<Requirement>>, NotRunnable> {
    let family = match arch {
        "llama" => Family::Llama,
        "qwen3" => Family::Qwen3,
        "gemma3" => Family::Gemma3,
        "lfm2" => Family::Lfm2,
        _ => return Ok(None),
    };
    let key = |k: &str| {
        let key = format!("{arch}.{k}");
        g.get_u64(&key).ok_or(NotRunnable::MissingKey {
            arch: arch.into(),
            key,
        })
    };
    let n_layer = key("block_count")?;
    key("embedding_length")?;
    // LFM2 marks convolution layers by 0 KV heads (lfm2.cpp: is_recr).
    let attn_layer = |il: u64| -> bool {
        if family != Family::Lfm2 {
            return true;
        }
        match g.get(&format!("{arch}.attention.head_count_kv")) {
            Some(Value::Array(_, v)) => v
                .get(il as usize)
                .and_then(Value::as_u64)
                .is_some_and(|n| n > 0),
            Some(v) => v.as_u64().is_some_and(|n| n > 0),
            None => false,
        }
    };
    let moe = family == Family::Llama && g.get_u64("llama.expert_count").unwrap_or(0) > 0;

    let mut req: Vec<Requirement> = vec![one("token_embd.weight")];
    req.push(one(if family == Family::Lfm2 {
        "token_embd_norm.weight"
    } else {
        "output_norm.weight"
    }));
    // Every layer is listed; a file with a huge block_count and few tensors is reported by
    // its count of missing weights, so the list stays bounded by the reader's limits.
    for il in 0..n_layer.min(1 << 16) {
        let b = |s: &str| format!("blk.{il}.{s}.weight");
        req.push(one(b("attn_norm")));
        if attn_layer(il) {
            req.push(vec![
                vec![b("attn_q"), b("attn_k"), b("attn_v")],
                vec![b("attn_qkv")],
            ]);
            req.push(one(b("attn_output")));
            if family != Family::Llama {
                req.push(one(b("attn_q_norm")));
                req.push(one(b("attn_k_norm")));
            }
            if family == Family::Gemma3 {
                req.push(one(b("post_attention_norm")));
            }
        } else {
            for s in ["shortconv.conv", "shortconv.in_proj", "shortconv.out_proj"] {
                req.push(one(b(s)));
            }
        }
        req.push(one(b("ffn_norm")));
        let ffn = if moe {
            ["ffn_gate_inp", "ffn_up_exps", "ffn_down_exps"]
        } else {
            ["ffn_gate", "ffn_up", "ffn_down"]
        };
        for s in ffn {
            req.push(one(b(s)));
        }
        if family == Family::Gemma3 {
            req.push(one(b("post_ffw_norm")));
        }
    }
    Ok(Some(req))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::types::{F16, F32};
    use crate::gguf::writer::{TensorSpec, Writer};

    /// A tiny llama-architecture file's layout: 2 layers, 64 wide, 32 tokens.
    pub(crate) fn tiny_llama() -> Writer {
        let mut w = Writer::new();
        w.set("general.architecture", Value::str("llama"));
        w.set("llama.block_count", Value::U32(2));
        w.set("llama.embedding_length", Value::U32(64));
        w.set("llama.feed_forward_length", Value::U32(128));
        w.set("llama.attention.head_count", Value::U32(4));
        w.set("tokenizer.ggml.model", Value::str("gpt2"));
        w.set(
            "tokenizer.ggml.tokens",
            Value::strs((0..32).map(|i| format!("t{i}"))),
        );
        w.add_tensor(TensorSpec::new("token_embd.weight", &[64, 32], F16));
        w.add_tensor(TensorSpec::new("output_norm.weight", &[64], F32));
        for il in 0..2 {
            let b = |s: &str| format!("blk.{il}.{s}.weight");
            for n in ["attn_norm", "ffn_norm"] {
                w.add_tensor(TensorSpec::new(b(n), &[64], F32));
            }
            for n in ["attn_q", "attn_k", "attn_v", "attn_output"] {
                w.add_tensor(TensorSpec::new(b(n), &[64, 64], F16));
            }
            w.add_tensor(TensorSpec::new(b("ffn_gate"), &[64, 128], F16));
            w.add_tensor(TensorSpec::new(b("ffn_up"), &[64, 128], F16));
            w.add_tensor(TensorSpec::new(b("ffn_down"), &[128, 64], F16));
        }
        w
    }

    /// Write `w` with zero data and parse it back.
    fn parsed(w: &Writer) -> Gguf {
        let mut bytes = Vec::new();
        w.write(&mut bytes, &mut |_, t, out| {
            out.write_all(&vec![0u8; t.n_bytes() as usize])
        })
        .expect("write");
        crate::gguf::reader::parse(bytes.as_slice(), bytes.len() as u64).expect("parse")
    }

    fn without(w: &Writer, names: &[&str]) -> Writer {
        let mut w = w.clone();
        w.tensors.retain(|t| !names.contains(&t.name.as_str()));
        w
    }

    #[test]
    fn a_complete_tiny_llama_passes() {
        assert_eq!(check(&parsed(&tiny_llama()), "llama"), Ok(()));
    }

    #[test]
    fn a_header_or_a_vocabulary_alone_has_no_tensors() {
        let mut w = tiny_llama();
        w.tensors.clear();
        assert_eq!(
            check(&parsed(&w), "llama"),
            Err(NotRunnable::NoTensors { vocabulary: true })
        );
        w.kv.retain(|(k, _)| !k.starts_with("tokenizer."));
        let e = check(&parsed(&w), "llama").expect_err("header only");
        assert_eq!(e, NotRunnable::NoTensors { vocabulary: false });
        assert!(e.to_string().contains("holds metadata only"), "{e}");
    }

    #[test]
    fn missing_weights_are_named_and_counted() {
        let w = without(
            &tiny_llama(),
            &["blk.1.ffn_up.weight", "output_norm.weight"],
        );
        let e = check(&parsed(&w), "llama").expect_err("missing");
        assert_eq!(
            e,
            NotRunnable::MissingTensors {
                arch: "llama".into(),
                named: vec!["output_norm.weight".into(), "blk.1.ffn_up.weight".into()],
                count: 2,
            }
        );
        assert!(e.to_string().starts_with("2 of the weights"), "{e}");
        // Every attention weight of a layer gone: the fused alternative is named too.
        let w = without(
            &tiny_llama(),
            &["blk.0.attn_q.weight", "blk.0.attn_k.weight"],
        );
        let e = check(&parsed(&w), "llama").expect_err("missing q, k");
        assert!(
            e.to_string()
                .contains("blk.0.attn_q.weight + blk.0.attn_k.weight | blk.0.attn_qkv.weight"),
            "{e}"
        );
        // Many missing: six named, the rest counted (2 + 7 per layer required, all but
        // token_embd missing).
        let mut w = tiny_llama();
        w.tensors.truncate(1);
        let e = check(&parsed(&w), "llama").expect_err("nearly empty");
        let text = e.to_string();
        assert!(
            text.starts_with("15 of the weights") && text.ends_with("and 9 more"),
            "{e}"
        );
    }

    #[test]
    fn fused_qkv_stands_in_for_q_k_v() {
        let mut w = without(
            &tiny_llama(),
            &[
                "blk.0.attn_q.weight",
                "blk.0.attn_k.weight",
                "blk.0.attn_v.weight",
            ],
        );
        w.add_tensor(TensorSpec::new("blk.0.attn_qkv.weight", &[64, 192], F16));
        assert_eq!(check(&parsed(&w), "llama"), Ok(()));
    }

    #[test]
    fn vocabulary_and_embedding_must_agree() {
        let mut w = tiny_llama();
        w.set(
            "tokenizer.ggml.tokens",
            Value::strs((0..31).map(|i| format!("t{i}"))),
        );
        let e = check(&parsed(&w), "llama").expect_err("31 tokens, 32 rows");
        assert_eq!(
            e,
            NotRunnable::VocabularyMismatch {
                tensor: "token_embd.weight".into(),
                tokens: 31,
                rows: 32
            }
        );
        let mut w = tiny_llama();
        w.set("llama.embedding_length", Value::U32(96));
        assert!(matches!(
            check(&parsed(&w), "llama"),
            Err(NotRunnable::EmbeddingWidth {
                got: 64,
                want: 96,
                ..
            })
        ));
    }

    #[test]
    fn a_tokenizer_is_required() {
        let mut w = tiny_llama();
        w.kv.retain(|(k, _)| k != "tokenizer.ggml.model");
        assert_eq!(check(&parsed(&w), "llama"), Err(NotRunnable::NoTokenizer));
        let mut w = tiny_llama();
        w.set("tokenizer.ggml.model", Value::str("no_vocab"));
        assert!(matches!(
            check(&parsed(&w), "llama"),
            Err(NotRunnable::NoVocabulary(_))
        ));
        let mut w = tiny_llama();
        w.kv.retain(|(k, _)| k != "tokenizer.ggml.tokens");
        assert_eq!(check(&parsed(&w), "llama"), Err(NotRunnable::NoTokens));
        let mut w = tiny_llama();
        w.kv.retain(|(k, _)| k != "llama.block_count");
        assert!(matches!(
            check(&parsed(&w), "llama"),
            Err(NotRunnable::MissingKey { key, .. }) if key == "llama.block_count"
        ));
    }

    /// An architecture llama.cpp knows but this table does not describe: only the
    /// general checks apply.
    #[test]
    fn other_known_architectures_get_the_general_checks() {
        let mut w = tiny_llama();
        w.set("general.architecture", Value::str("olmo"));
        w.tensors.truncate(3);
        assert_eq!(check(&parsed(&w), "olmo"), Ok(()));
        w.set(
            "tokenizer.ggml.tokens",
            Value::strs((0..8).map(|i| format!("t{i}"))),
        );
        assert!(matches!(
            check(&parsed(&w), "olmo"),
            Err(NotRunnable::VocabularyMismatch { tokens: 8, .. })
        ));
    }

    /// Every catalogued twin layout (written for llama.cpp's loader, and run by the twin
    /// tests) meets the requirements: the table and the twin generator agree.
    #[test]
    fn every_twin_layout_is_runnable() {
        for a in crate::twin::catalogue::CATALOGUE {
            // The twin's metadata and tensor list, with a token list of the vocabulary's
            // size standing in for its tokenizer (building the real one for 262k tokens
            // takes memory that other tests measuring their own peak RSS would see).
            let mut kv = crate::twin::model::arch_metadata(a, 0);
            kv.push(("tokenizer.ggml.model".into(), Value::str("gpt2")));
            kv.push((
                "tokenizer.ggml.tokens".into(),
                Value::Array(
                    crate::gguf::value::ValueType::Str,
                    vec![Value::Str(String::new()); a.n_vocab as usize],
                ),
            ));
            let g = Gguf {
                version: 3,
                kv,
                tensors: crate::twin::model::tensors(a)
                    .iter()
                    .map(|(t, _)| TensorInfo {
                        name: t.name.clone(),
                        dims: t.dims.clone(),
                        ty: t.ty,
                        offset: 0,
                        n_elements: t.n_elements(),
                        n_bytes: t.n_bytes(),
                    })
                    .collect(),
                alignment: 32,
                data_offset: 0,
                file_bytes: 0,
            };
            assert_eq!(check(&g, a.family.arch()), Ok(()), "{}", a.name);
        }
    }
}
