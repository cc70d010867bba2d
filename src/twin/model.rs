//! The GGUF layout of a twin: metadata and tensor list, per family.
//!
//! Tensor names and shapes are those each family's `load_arch_tensors` creates in the
//! vendored llama.cpp (src/models/{lfm2,lfm2moe,qwen3,gemma3,llama}.cpp; names from
//! src/llama-arch.cpp `LLM_TENSOR_NAMES`); the metadata is what `load_hparams`
//! (src/llama-model.cpp) and each `load_arch_hparams` require, mirroring what
//! convert_hf_to_gguf.py writes (checked against the real SmolLM2 and Gemma 3 GGUFs).
//! Shapes are listed ggml-style: `[ne0, ne1]` with ne0 the input (contiguous) dimension.

use crate::gguf::types::{F16, F32};
use crate::gguf::writer::{TensorSpec, Writer};
use crate::gguf::{TWIN_OF_KEY, TWIN_SEED_KEY, Value};

use super::catalogue::{Arch, Family};
use super::vocab;

/// Version of the generator; cached twins of another version are made again.
pub const GENERATOR_VERSION: u32 = 2;
/// Metadata key holding [`GENERATOR_VERSION`].
pub const VERSION_KEY: &str = "lfmbench.twin.version";

/// How a tensor's values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// Norm weights: all ones (identity scale).
    Ones,
    /// Seeded N(0, σ) values.
    Random,
    /// Token embeddings: random, with the rows of control tokens zero, so that a random
    /// model never picks an end-of-turn token (a zero-token chat answer would void a
    /// chat measurement; the speed of a step does not depend on which token it picks).
    Embedding,
}

/// Every tensor of `a`, in llama.cpp's names and shapes, with how to fill it.
pub fn tensors(a: &Arch) -> Vec<(TensorSpec, Init)> {
    let e = u64::from(a.n_embd);
    let v = u64::from(a.n_vocab);
    let ff = u64::from(a.n_ff);
    let hd = u64::from(a.head_dim);
    let q = u64::from(a.n_head) * hd;
    let kv = u64::from(a.n_head_kv) * hd;
    let mut t: Vec<(TensorSpec, Init)> = Vec::new();
    let mat =
        |name: String, ne0: u64, ne1: u64| (TensorSpec::new(name, &[ne0, ne1], F16), Init::Random);
    let norm = |name: String, n: u64| (TensorSpec::new(name, &[n], F32), Init::Ones);

    t.push((
        TensorSpec::new("token_embd.weight", &[e, v], F16),
        Init::Embedding,
    ));
    // Tied embeddings everywhere in the catalogue: no output.weight (llama.cpp then
    // uses token_embd, TENSOR_DUPLICATED). LFM2's final norm is named token_embd_norm.
    let out_norm = if a.family.is_hybrid() {
        "token_embd_norm.weight"
    } else {
        "output_norm.weight"
    };
    t.push(norm(out_norm.into(), e));
    for il in 0..a.n_layer {
        let b = |s: &str| format!("blk.{il}.{s}");
        t.push(norm(b("attn_norm.weight"), e));
        if a.is_attn(il) {
            let q_out = if a.family.is_hybrid() { e } else { q };
            t.push(mat(b("attn_q.weight"), e, q_out));
            t.push(mat(b("attn_k.weight"), e, kv));
            t.push(mat(b("attn_v.weight"), e, kv));
            t.push(mat(b("attn_output.weight"), q_out, e));
            if a.family != Family::Llama {
                t.push(norm(b("attn_q_norm.weight"), hd));
                t.push(norm(b("attn_k_norm.weight"), hd));
            }
            if a.family == Family::Gemma3 {
                t.push(norm(b("post_attention_norm.weight"), e));
            }
        } else {
            // LFM2 gated short convolution: conv {L_cache, n_embd} (kept F32, as
            // llama-quantize never quantizes it), in_proj {n_embd, 3 n_embd}, out_proj.
            t.push((
                TensorSpec::new(
                    b("shortconv.conv.weight"),
                    &[u64::from(a.conv_l_cache), e],
                    F32,
                ),
                Init::Random,
            ));
            t.push(mat(b("shortconv.in_proj.weight"), e, 3 * e));
            t.push(mat(b("shortconv.out_proj.weight"), e, e));
        }
        t.push(norm(b("ffn_norm.weight"), e));
        match a.moe.filter(|_| a.is_moe_layer(il)) {
            // lfm2moe.cpp: router {n_embd, n_expert} (F32, as the converter writes it and
            // llama-quantize keeps it), experts stacked along ne2, expert bias {n_expert}.
            Some(m) => {
                let (n_exp, ff_exp) = (u64::from(m.n_expert), u64::from(m.n_ff_exp));
                let float =
                    |name: String, dims: &[u64]| (TensorSpec::new(name, dims, F32), Init::Random);
                let exps = |name: String, ne0: u64, ne1: u64| {
                    (TensorSpec::new(name, &[ne0, ne1, n_exp], F16), Init::Random)
                };
                t.push(float(b("ffn_gate_inp.weight"), &[e, n_exp]));
                t.push(exps(b("ffn_gate_exps.weight"), e, ff_exp));
                t.push(exps(b("ffn_up_exps.weight"), e, ff_exp));
                t.push(exps(b("ffn_down_exps.weight"), ff_exp, e));
                t.push(float(b("exp_probs_b.bias"), &[n_exp]));
            }
            None => {
                t.push(mat(b("ffn_gate.weight"), e, ff));
                t.push(mat(b("ffn_up.weight"), e, ff));
                t.push(mat(b("ffn_down.weight"), ff, e));
            }
        }
        if a.family == Family::Gemma3 {
            t.push(norm(b("post_ffw_norm.weight"), e));
        }
    }
    t
}

/// The architecture metadata (`general.*`, `<arch>.*`) of a twin.
pub fn arch_metadata(a: &Arch, seed: u64) -> Vec<(String, Value)> {
    let arch = a.family.arch();
    let mut kv: Vec<(String, Value)> = Vec::new();
    let mut set = |k: &str, v: Value| kv.push((k.to_string(), v));
    let key = |k: &str| format!("{arch}.{k}");
    set("general.architecture", Value::str(arch));
    set("general.type", Value::str("model"));
    set(
        "general.name",
        Value::str(format!("{} shape twin (random weights)", a.display)),
    );
    // F16 before quantization; llama_model_quantize rewrites it.
    set("general.file_type", Value::U32(1));
    set(TWIN_OF_KEY, Value::str(a.name));
    set(TWIN_SEED_KEY, Value::U64(seed));
    set(VERSION_KEY, Value::U32(GENERATOR_VERSION));
    set(&key("context_length"), Value::U32(a.n_ctx_train));
    set(&key("embedding_length"), Value::U32(a.n_embd));
    set(&key("block_count"), Value::U32(a.n_layer));
    set(&key("feed_forward_length"), Value::U32(a.n_ff));
    set(&key("attention.head_count"), Value::U32(a.n_head));
    if a.family.is_hybrid() {
        // Per layer: 0 KV heads marks a convolution layer (lfm2.cpp: is_recr = n_head_kv == 0).
        let per_layer = (0..a.n_layer).map(|il| if a.is_attn(il) { a.n_head_kv as i32 } else { 0 });
        set(&key("attention.head_count_kv"), Value::i32s(per_layer));
        set(&key("shortconv.l_cache"), Value::U32(a.conv_l_cache));
        set(&key("vocab_size"), Value::U32(a.n_vocab));
    } else {
        set(&key("attention.head_count_kv"), Value::U32(a.n_head_kv));
    }
    set(&key("rope.freq_base"), Value::F32(a.rope_freq_base));
    set(
        &key("attention.layer_norm_rms_epsilon"),
        Value::F32(a.rms_eps),
    );
    match a.family {
        Family::Qwen3 | Family::Gemma3 => {
            // head_dim differs from n_embd / n_head: llama.cpp must be told.
            set(&key("attention.key_length"), Value::U32(a.head_dim));
            set(&key("attention.value_length"), Value::U32(a.head_dim));
        }
        Family::Llama => {
            set(&key("vocab_size"), Value::U32(a.n_vocab));
            set(&key("rope.dimension_count"), Value::U32(a.head_dim));
        }
        Family::Lfm2 => {}
        Family::Lfm2Moe => {
            // What convert_hf_to_gguf.py's LFM2MoeModel writes (lfm2moe.cpp reads them).
            if let Some(m) = a.moe {
                set(&key("expert_count"), Value::U32(m.n_expert));
                set(&key("expert_used_count"), Value::U32(m.n_expert_used));
                set(&key("expert_feed_forward_length"), Value::U32(m.n_ff_exp));
                set(
                    &key("leading_dense_block_count"),
                    Value::U32(m.n_dense_lead),
                );
                // gguf ExpertGatingFuncType.SIGMOID
                set(&key("expert_gating_func"), Value::U32(2));
            }
        }
    }
    if a.family == Family::Gemma3 {
        // Pattern 6 (5 local : 1 global) is llama.cpp's gemma3 default.
        set(
            &key("attention.sliding_window"),
            Value::U32(a.sliding_window),
        );
    }
    kv
}

/// The complete F16 twin layout of `a`: metadata, tokenizer, tensor list.
pub fn layout(a: &Arch, seed: u64) -> (Writer, Vec<Init>, vocab::Vocab) {
    let spec = vocab::spec(a.family);
    let voc = vocab::build(&spec, a.n_vocab);
    let mut w = Writer::new();
    for (k, v) in arch_metadata(a, seed)
        .into_iter()
        .chain(vocab::metadata(&spec, &voc))
    {
        w.set(&k, v);
    }
    let mut inits = Vec::new();
    for (t, init) in tensors(a) {
        w.add_tensor(t);
        inits.push(init);
    }
    (w, inits, voc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twin::catalogue::CATALOGUE;

    /// Sum of the element counts of the tensors of `a`.
    fn n_params(a: &Arch) -> u64 {
        tensors(a).iter().map(|(t, _)| t.n_elements()).sum()
    }

    /// The tensors add up to the published parameter count of every architecture.
    #[test]
    fn parameter_counts_match_the_catalogue() {
        for a in CATALOGUE {
            assert_eq!(n_params(a), a.n_params, "{}", a.name);
        }
    }

    #[test]
    fn lfm2_layout_follows_llama_cpp() {
        let a = crate::twin::catalogue::find("lfm2-350m").expect("catalogued");
        let t = tensors(a);
        let names: Vec<&str> = t.iter().map(|(s, _)| s.name.as_str()).collect();
        assert!(names.contains(&"token_embd_norm.weight"));
        assert!(!names.contains(&"output.weight"));
        assert!(names.contains(&"blk.2.attn_q_norm.weight"));
        assert!(names.contains(&"blk.0.shortconv.in_proj.weight"));
        assert!(!names.contains(&"blk.0.attn_q.weight"));
        assert!(!names.contains(&"blk.2.shortconv.conv.weight"));
        let conv = t
            .iter()
            .find(|(s, _)| s.name == "blk.0.shortconv.conv.weight")
            .expect("conv");
        assert_eq!(conv.0.dims, [3, 1024]);
        let k = t
            .iter()
            .find(|(s, _)| s.name == "blk.14.attn_k.weight")
            .expect("k");
        assert_eq!(k.0.dims, [1024, 512]);
        let kv = arch_metadata(a, 0);
        let heads = kv
            .iter()
            .find(|(k, _)| k == "lfm2.attention.head_count_kv")
            .expect("kv heads");
        assert_eq!(
            heads.1,
            Value::i32s([0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0])
        );
        assert_eq!(a.n_ff, 4608);
    }

    /// LFM2's feed-forward sizes follow the config.json adjustment (where
    /// block_auto_adjust_ff_dim is true; 2.6B and LFM2.5-230M use theirs as is).
    #[test]
    fn lfm2_ff_adjustment() {
        let adjust = |ff: u32| (2 * ff / 3).div_ceil(256) * 256;
        for (name, hf) in [
            ("lfm2-350m", 6656),
            ("lfm2-700m", 10240),
            ("lfm2-1.2b", 12288),
            ("lfm2.5-350m", 6656),
        ] {
            let a = crate::twin::catalogue::find(name).expect("catalogued");
            assert_eq!(a.n_ff, adjust(hf), "{name}");
        }
    }

    fn find<'a>(t: &'a [(TensorSpec, Init)], name: &str) -> &'a TensorSpec {
        &t.iter()
            .find(|(s, _)| s.name == name)
            .unwrap_or_else(|| panic!("no tensor {name}"))
            .0
    }

    /// LFM2-8B-A1B: LFM2's backbone, dense feed-forward in the two leading layers, then
    /// per layer a router, 32 stacked experts and their bias, as lfm2moe.cpp creates
    /// them; the metadata lfm2moe.cpp requires.
    #[test]
    fn lfm2moe_layout_follows_llama_cpp() {
        let a = crate::twin::catalogue::find("lfm2-8b-a1b").expect("catalogued");
        let t = tensors(a);
        let has = |n: &str| t.iter().any(|(s, _)| s.name == n);
        for il in 0..2 {
            assert!(has(&format!("blk.{il}.ffn_gate.weight")), "{il}");
            assert!(!has(&format!("blk.{il}.ffn_gate_exps.weight")), "{il}");
        }
        assert_eq!(find(&t, "blk.1.ffn_down.weight").dims, [7168, 2048]);
        for il in 2..24 {
            assert!(!has(&format!("blk.{il}.ffn_gate.weight")), "{il}");
            let b = |s: &str| format!("blk.{il}.{s}");
            let router = find(&t, &b("ffn_gate_inp.weight"));
            assert_eq!(
                (router.dims.as_slice(), router.ty),
                (&[2048u64, 32][..], F32)
            );
            assert_eq!(find(&t, &b("ffn_gate_exps.weight")).dims, [2048, 1792, 32]);
            assert_eq!(find(&t, &b("ffn_up_exps.weight")).dims, [2048, 1792, 32]);
            assert_eq!(find(&t, &b("ffn_down_exps.weight")).dims, [1792, 2048, 32]);
            let bias = find(&t, &b("exp_probs_b.bias"));
            assert_eq!((bias.dims.as_slice(), bias.ty), (&[32u64][..], F32));
        }
        let attn: Vec<u32> = (0..24)
            .filter(|il| has(&format!("blk.{il}.attn_q.weight")))
            .collect();
        assert_eq!(attn, [2, 6, 10, 14, 18, 21]);
        assert!(has("blk.3.shortconv.in_proj.weight"));
        assert!(has("token_embd_norm.weight") && !has("output.weight"));
        // Active parameters per token: everything but the 28 unused experts of each MoE
        // layer; the model card says 1.5B.
        let per_expert = 3 * 2048 * 1792u64;
        let active = a.n_params - 22 * (32 - 4) * per_expert;
        assert!((1_400_000_000..1_600_000_000).contains(&active), "{active}");
        let kv = arch_metadata(a, 0);
        let get = |k: &str| {
            kv.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {k}"))
        };
        assert_eq!(get("general.architecture"), Value::str("lfm2moe"));
        assert_eq!(get("lfm2moe.expert_count"), Value::U32(32));
        assert_eq!(get("lfm2moe.expert_used_count"), Value::U32(4));
        assert_eq!(get("lfm2moe.expert_feed_forward_length"), Value::U32(1792));
        assert_eq!(get("lfm2moe.leading_dense_block_count"), Value::U32(2));
        assert_eq!(get("lfm2moe.expert_gating_func"), Value::U32(2));
        assert_eq!(get("lfm2moe.feed_forward_length"), Value::U32(7168));
        assert_eq!(get("lfm2moe.shortconv.l_cache"), Value::U32(3));
        let kv_heads: Vec<i32> = (0..24)
            .map(|il| {
                if [2, 6, 10, 14, 18, 21].contains(&il) {
                    8
                } else {
                    0
                }
            })
            .collect();
        assert_eq!(
            get("lfm2moe.attention.head_count_kv"),
            Value::i32s(kv_heads)
        );
    }

    /// An entry that shares its sibling's shapes has exactly the sibling's tensors and
    /// layer layout; its own name marks its twin.
    #[test]
    fn shared_shapes_are_the_siblings() {
        let mut shared = 0;
        for a in CATALOGUE {
            let Some(of) = a.same_shapes_as else {
                continue;
            };
            let s = crate::twin::catalogue::find(of).expect("sibling catalogued");
            assert_ne!(a.name, s.name);
            assert!(s.same_shapes_as.is_none(), "{}: a chain", a.name);
            assert_eq!(tensors(a), tensors(s), "{}", a.name);
            assert_eq!(a.attn_layers, s.attn_layers, "{}", a.name);
            assert!(
                arch_metadata(a, 0)
                    .contains(&(crate::gguf::TWIN_OF_KEY.to_string(), Value::str(a.name)))
            );
            shared += 1;
        }
        assert_eq!(shared, 2, "LFM2.5-350M and LFM2.5-1.2B");
    }

    /// Every family's `general.architecture` is one the linked llama.cpp loads.
    #[test]
    fn every_family_is_known_to_llama_cpp() {
        for a in CATALOGUE {
            assert!(crate::gguf::arch::is_known(a.family.arch()), "{}", a.name);
        }
    }
}
