//! Published architectures a twin can copy, with the source of every number.
//!
//! Hyperparameters are the models' Hugging Face `config.json` values (cited per entry),
//! expressed the way llama.cpp's loader reads them (`src/models/<arch>.cpp` and
//! `src/llama-model.cpp` of the vendored llama.cpp). Where a converter changes a value on
//! the way to GGUF (LFM2's feed-forward size), the comment shows the arithmetic. Where a
//! figure could not be found, the entry says so and where the value it uses comes from.
//!
//! An LFM2.5 model whose shapes are those of its LFM2 sibling is its own entry (its own
//! name, source and published size) built from the sibling's shapes, and says so in
//! `same_shapes_as`.
//!
//! Published Q4_K_M sizes are byte counts of the files in the named Hugging Face repos,
//! as download manifests that pin those files (repo, file, sha256 and size) record them;
//! the search corpus holds no byte-exact Hugging Face file listing (its tree pages round
//! to three digits, e.g. "229 MB").

/// Model family: decides tensor names, metadata keys and the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// general.architecture = "lfm2": gated short convolutions + grouped-query attention.
    Lfm2,
    /// "lfm2moe": the LFM2 backbone with mixture-of-experts feed-forward blocks after its
    /// leading dense layers.
    Lfm2Moe,
    /// "qwen3": dense transformer with q/k norms.
    Qwen3,
    /// "gemma3": q/k norms, post-norms, 5 sliding-window layers to 1 global.
    Gemma3,
    /// "llama": plain Llama layout (SmolLM2).
    Llama,
}

impl Family {
    /// `general.architecture`.
    pub fn arch(self) -> &'static str {
        match self {
            Family::Lfm2 => "lfm2",
            Family::Lfm2Moe => "lfm2moe",
            Family::Qwen3 => "qwen3",
            Family::Gemma3 => "gemma3",
            Family::Llama => "llama",
        }
    }

    /// LFM2's hybrid backbone: convolution and attention layers, per-layer KV heads.
    pub fn is_hybrid(self) -> bool {
        matches!(self, Family::Lfm2 | Family::Lfm2Moe)
    }
}

/// The mixture-of-experts part of an `lfm2moe` model (config.json names in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moe {
    /// Routed experts per MoE layer (`num_experts`).
    pub n_expert: u32,
    /// Experts each token uses (`num_experts_per_tok`).
    pub n_expert_used: u32,
    /// Feed-forward size of one expert (`moe_intermediate_size`).
    pub n_ff_exp: u32,
    /// Leading layers with a dense feed-forward block instead (`num_dense_layers`).
    pub n_dense_lead: u32,
}

/// One catalogued architecture.
#[derive(Debug, Clone, PartialEq)]
pub struct Arch {
    /// Catalogue name, used on the command line and in models.toml (`twin = "…"`).
    pub name: &'static str,
    /// The published model's name.
    pub display: &'static str,
    pub family: Family,
    /// Where the numbers come from.
    pub source: &'static str,
    /// The catalogued architecture whose shapes this one shares, when the entry is a later
    /// release of identical shapes (LFM2.5 on its LFM2 sibling).
    pub same_shapes_as: Option<&'static str>,
    pub n_layer: u32,
    pub n_embd: u32,
    /// Feed-forward size as llama.cpp sees it (`feed_forward_length`; for `lfm2moe` the
    /// dense leading layers').
    pub n_ff: u32,
    pub n_head: u32,
    /// KV heads of an attention layer.
    pub n_head_kv: u32,
    /// Per-head size of keys and values.
    pub head_dim: u32,
    pub n_vocab: u32,
    pub n_ctx_train: u32,
    pub rope_freq_base: f32,
    pub rms_eps: f32,
    /// LFM2: the layers that are attention (the others are short convolutions).
    pub attn_layers: &'static [u32],
    /// LFM2: `conv_L_cache`.
    pub conv_l_cache: u32,
    /// Gemma 3: sliding window of the local layers.
    pub sliding_window: u32,
    /// `lfm2moe`: experts, router and dense leading layers.
    pub moe: Option<Moe>,
    /// Parameter count of the published weights (tied embeddings counted once).
    pub n_params: u64,
    /// Size in bytes of a published Q4_K_M GGUF, where one is known, and which file.
    pub published_q4_k_m: Option<(u64, &'static str)>,
}

impl Arch {
    /// Is layer `il` an attention layer?
    pub fn is_attn(&self, il: u32) -> bool {
        !self.family.is_hybrid() || self.attn_layers.contains(&il)
    }

    /// Does layer `il` have a mixture-of-experts feed-forward block?
    pub fn is_moe_layer(&self, il: u32) -> bool {
        self.moe.is_some_and(|m| il >= m.n_dense_lead)
    }
}

/// LFM2 layer layout shared by 350M, 700M and 1.2B (`layer_types` in config.json:
/// conv, conv, full_attention, conv, conv, full_attention, conv, conv, full_attention,
/// conv, full_attention, conv, full_attention, conv, full_attention, conv).
const LFM2_ATTN: &[u32] = &[2, 5, 8, 10, 12, 14];

// huggingface.co/LiquidAI/LFM2-350M/blob/main/config.json: hidden_size 1024,
// num_hidden_layers 16, num_attention_heads 16, num_key_value_heads 8,
// intermediate_size 6656 with block_auto_adjust_ff_dim true, block_ffn_dim_multiplier
// 1.0, block_multiple_of 256 → int(2 * 6656 / 3) = 4437 → rounded up to 256: 4608
// (llama.cpp's lfm2.cpp types n_ff 4608 as 350M), vocab_size 65536, conv_L_cache 3,
// max_position_embeddings 128000, rope_theta 1000000, norm_eps 1e-5,
// tie_embedding true. Model card: 354,483,968 parameters.
const LFM2_350M: Arch = Arch {
    name: "lfm2-350m",
    display: "LFM2-350M",
    family: Family::Lfm2,
    source: "LiquidAI/LFM2-350M config.json",
    same_shapes_as: None,
    n_layer: 16,
    n_embd: 1024,
    n_ff: 4608,
    n_head: 16,
    n_head_kv: 8,
    head_dim: 64,
    n_vocab: 65536,
    n_ctx_train: 128_000,
    rope_freq_base: 1_000_000.0,
    rms_eps: 1e-5,
    attn_layers: LFM2_ATTN,
    conv_l_cache: 3,
    sliding_window: 0,
    moe: None,
    n_params: 354_483_968,
    // LiquidAI/LFM2-350M-GGUF, LFM2-350M-Q4_K_M.gguf: 229,309,376 bytes (a model
    // catalogue pinning the file records it; the repo's listing says "229 MB").
    published_q4_k_m: Some((229_309_376, "LiquidAI/LFM2-350M-GGUF LFM2-350M-Q4_K_M.gguf")),
};

// huggingface.co/LiquidAI/LFM2-1.2B/blob/main/config.json: hidden_size 2048,
// 16 layers, 32 heads, 8 KV heads, intermediate_size 12288 → int(2 * 12288 / 3) =
// 8192 (lfm2.cpp: 1.2B), vocab 65536, same layer_types.
// Model card: 1,170,340,608 parameters.
const LFM2_1_2B: Arch = Arch {
    name: "lfm2-1.2b",
    display: "LFM2-1.2B",
    family: Family::Lfm2,
    source: "LiquidAI/LFM2-1.2B config.json",
    same_shapes_as: None,
    n_layer: 16,
    n_embd: 2048,
    n_ff: 8192,
    n_head: 32,
    n_head_kv: 8,
    head_dim: 64,
    n_vocab: 65536,
    n_ctx_train: 128_000,
    rope_freq_base: 1_000_000.0,
    rms_eps: 1e-5,
    attn_layers: LFM2_ATTN,
    conv_l_cache: 3,
    sliding_window: 0,
    moe: None,
    n_params: 1_170_340_608,
    // LiquidAI/LFM2-1.2B-GGUF, LFM2-1.2B-Q4_K_M.gguf: 730,893,248 bytes (two download
    // manifests record it).
    published_q4_k_m: Some((730_893_248, "LiquidAI/LFM2-1.2B-GGUF LFM2-1.2B-Q4_K_M.gguf")),
};

/// Every catalogued architecture.
pub const CATALOGUE: &[Arch] = &[
    LFM2_350M,
    // huggingface.co/LiquidAI/LFM2-700M/blob/main/config.json: hidden_size 1536,
    // 16 layers, 24 heads, 8 KV heads, intermediate_size 10240 → int(2 * 10240 / 3) =
    // 6826 → 6912 (lfm2.cpp: 700M), vocab 65536, same layer_types as 350M.
    // Model card: 742,489,344 parameters.
    Arch {
        name: "lfm2-700m",
        display: "LFM2-700M",
        family: Family::Lfm2,
        source: "LiquidAI/LFM2-700M config.json",
        same_shapes_as: None,
        n_layer: 16,
        n_embd: 1536,
        n_ff: 6912,
        n_head: 24,
        n_head_kv: 8,
        head_dim: 64,
        n_vocab: 65536,
        n_ctx_train: 128_000,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-5,
        attn_layers: LFM2_ATTN,
        conv_l_cache: 3,
        sliding_window: 0,
        moe: None,
        n_params: 742_489_344,
        published_q4_k_m: None,
    },
    LFM2_1_2B,
    // huggingface.co/LiquidAI/LFM2-2.6B/blob/main/config.json (transformers 4.55.0.dev0,
    // as quoted whole in a public C++ port): hidden_size 2048, num_hidden_layers 30,
    // num_attention_heads 32, num_key_value_heads 8, intermediate_size = block_ff_dim =
    // 10752 with block_auto_adjust_ff_dim false (used as is; llama.cpp's lfm2.cpp types
    // n_ff 10752 as 2.6B), vocab_size 65536, conv_L_cache 3, max_position_embeddings
    // 128000, rope_theta 1000000, norm_eps 1e-5, tie_embedding true, layer_types with
    // full_attention at 2, 5, 9, 13, 17, 21, 24, 27. Model card: 2,569,272,320 parameters,
    // "30 (22 conv + 8 attn)" layers.
    Arch {
        name: "lfm2-2.6b",
        display: "LFM2-2.6B",
        family: Family::Lfm2,
        source: "LiquidAI/LFM2-2.6B config.json",
        same_shapes_as: None,
        n_layer: 30,
        n_embd: 2048,
        n_ff: 10752,
        n_head: 32,
        n_head_kv: 8,
        head_dim: 64,
        n_vocab: 65536,
        n_ctx_train: 128_000,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-5,
        attn_layers: &[2, 5, 9, 13, 17, 21, 24, 27],
        conv_l_cache: 3,
        sliding_window: 0,
        moe: None,
        n_params: 2_569_272_320,
        // LiquidAI/LFM2-2.6B-GGUF, LFM2-2.6B-Q4_K_M.gguf: 1,563,668,704 bytes (two
        // independent download manifests, one pinning revision a759abdc59).
        published_q4_k_m: Some((
            1_563_668_704,
            "LiquidAI/LFM2-2.6B-GGUF LFM2-2.6B-Q4_K_M.gguf",
        )),
    },
    // huggingface.co/LiquidAI/LFM2-8B-A1B/blob/main/config.json (model_type lfm2_moe; the
    // page itself is not in the search corpus: its values as a public MLX port quotes
    // them, and as Liquid AI's LFM2-24B-A2B announcement describes the 8B — 24 layers,
    // hidden size 2048, 32 experts, top-4 routing, expert size 1792, first two layers
    // dense): hidden_size 2048, num_hidden_layers 24, num_attention_heads 32,
    // num_key_value_heads 8, intermediate_size 7168 (the dense layers', used as is: the
    // converter writes it unchanged), moe_intermediate_size 1792, num_experts 32,
    // num_experts_per_tok 4, num_dense_layers 2, use_expert_bias true, norm_topk_prob
    // true, vocab_size 65536, conv_L_cache 3, max_position_embeddings 128000,
    // rope_theta 1000000, norm_eps 1e-5, tie_word_embeddings true, layer_types with
    // full_attention at 2, 6, 10, 14, 18, 21. Model card: 8.3B parameters, 1.5B active,
    // "24 (18 conv + 6 attn)" layers, vocabulary 65,536.
    //
    // llama.cpp's lfm2moe.cpp: per MoE layer a router ffn_gate_inp {n_embd, n_expert}
    // (never quantized; F32 as the converter writes it), stacked experts
    // ffn_{gate,up}_exps {n_embd, n_ff_exp, n_expert} and ffn_down_exps
    // {n_ff_exp, n_embd, n_expert}, and the expert bias exp_probs_b {n_expert}; no shared
    // expert. Attention and convolution blocks are LFM2's. The tensors add up to
    // 8,339,930,560 parameters (the card's 8.3B).
    Arch {
        name: "lfm2-8b-a1b",
        display: "LFM2-8B-A1B",
        family: Family::Lfm2Moe,
        source: "LiquidAI/LFM2-8B-A1B config.json",
        same_shapes_as: None,
        n_layer: 24,
        n_embd: 2048,
        n_ff: 7168,
        n_head: 32,
        n_head_kv: 8,
        head_dim: 64,
        n_vocab: 65536,
        n_ctx_train: 128_000,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-5,
        attn_layers: &[2, 6, 10, 14, 18, 21],
        conv_l_cache: 3,
        sliding_window: 0,
        moe: Some(Moe {
            n_expert: 32,
            n_expert_used: 4,
            n_ff_exp: 1792,
            n_dense_lead: 2,
        }),
        n_params: 8_339_930_560,
        // LiquidAI/LFM2-8B-A1B-GGUF, LFM2-8B-A1B-Q4_K_M.gguf: 5,044,779,712 bytes (three
        // independent download manifests and scripts).
        published_q4_k_m: Some((
            5_044_779_712,
            "LiquidAI/LFM2-8B-A1B-GGUF LFM2-8B-A1B-Q4_K_M.gguf",
        )),
    },
    // LiquidAI/LFM2.5-230M config.json, as public code that validates the checkpoint
    // quotes it: model_type lfm2, hidden_size 1024, num_hidden_layers 14,
    // num_attention_heads 16, num_key_value_heads 8, vocab_size 65536,
    // tie_word_embeddings true, conv_L_cache 3, layer_types conv, conv, full_attention,
    // conv, full_attention, … (full_attention at 2, 4, 6, 8, 10, 12); intermediate_size =
    // block_ff_dim = 2560 with block_auto_adjust_ff_dim false (used as is; llama.cpp's
    // lfm2.cpp types n_ff 2560 as 230M), rope_theta 1000000. Model card: 230M parameters,
    // "14 (8 … convolution blocks + 6 GQA blocks)" layers, vocabulary 65,536, context
    // 32,768. Not found: max_position_embeddings and norm_eps; 128000 and 1e-5 as in every
    // LFM2 config. The tensors add up to 229,693,184 parameters (llama.cpp PR 25008's
    // 229.69M).
    Arch {
        name: "lfm2.5-230m",
        display: "LFM2.5-230M",
        family: Family::Lfm2,
        source: "LiquidAI/LFM2.5-230M config.json",
        same_shapes_as: None,
        n_layer: 14,
        n_embd: 1024,
        n_ff: 2560,
        n_head: 16,
        n_head_kv: 8,
        head_dim: 64,
        n_vocab: 65536,
        n_ctx_train: 128_000,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-5,
        attn_layers: &[2, 4, 6, 8, 10, 12],
        conv_l_cache: 3,
        sliding_window: 0,
        moe: None,
        n_params: 229_693_184,
        // LiquidAI/LFM2.5-230M-GGUF, LFM2.5-230M-Q4_K_M.gguf: 153,406,304 bytes (several
        // download manifests pinning sha256 7bbd9038…).
        published_q4_k_m: Some((
            153_406_304,
            "LiquidAI/LFM2.5-230M-GGUF LFM2.5-230M-Q4_K_M.gguf",
        )),
    },
    // LFM2.5-350M has LFM2-350M's shapes. Its config.json, as public code quotes it:
    // model_type lfm2, intermediate_size = block_ff_dim 6656 auto-adjusted to 4608,
    // rope_theta 1000000; model card: 16 layers (10 convolution + 6 GQA blocks),
    // vocabulary 65,536; and the published Q4_K_M is 2,848 bytes (metadata) larger than
    // LFM2-350M's. The page itself is not in the search corpus, so the remaining values
    // (layer order, heads, context) are LFM2-350M's.
    Arch {
        name: "lfm2.5-350m",
        display: "LFM2.5-350M",
        source: "LiquidAI/LFM2.5-350M card and config.json",
        same_shapes_as: Some("lfm2-350m"),
        // LiquidAI/LFM2.5-350M-GGUF, LFM2.5-350M-Q4_K_M.gguf: 229,312,224 bytes (a
        // download manifest pinning revision bb7ee58b and its sha256).
        published_q4_k_m: Some((
            229_312_224,
            "LiquidAI/LFM2.5-350M-GGUF LFM2.5-350M-Q4_K_M.gguf",
        )),
        ..LFM2_350M
    },
    // LFM2.5-1.2B (published as LFM2.5-1.2B-Instruct, -Base, -Thinking) has LFM2-1.2B's
    // shapes: its card gives 1.17B parameters, 16 layers (10 convolution + 6 GQA blocks)
    // and a 65,536 vocabulary, and its published Q4_K_M is 1,920 bytes (metadata) larger
    // than LFM2-1.2B's. Its config.json is not in the search corpus: every other value
    // (layer order, heads, feed-forward size, rope, context) is LFM2-1.2B's.
    Arch {
        name: "lfm2.5-1.2b",
        display: "LFM2.5-1.2B",
        source: "LiquidAI/LFM2.5-1.2B-Instruct card",
        same_shapes_as: Some("lfm2-1.2b"),
        // LiquidAI/LFM2.5-1.2B-Instruct-GGUF, LFM2.5-1.2B-Instruct-Q4_K_M.gguf:
        // 730,895,168 bytes (two download manifests, one pinning its sha256).
        published_q4_k_m: Some((
            730_895_168,
            "LiquidAI/LFM2.5-1.2B-Instruct-GGUF LFM2.5-1.2B-Instruct-Q4_K_M.gguf",
        )),
        ..LFM2_1_2B
    },
    // huggingface.co/Qwen/Qwen3-0.6B/blob/main/config.json: hidden_size 1024,
    // num_hidden_layers 28, num_attention_heads 16, num_key_value_heads 8, head_dim 128,
    // intermediate_size 3072, vocab_size 151936, max_position_embeddings 40960,
    // rope_theta 1000000, rms_norm_eps 1e-6, tie_word_embeddings true.
    // Model card: 0.6B parameters, 0.44B non-embedding (596,049,920 in all).
    Arch {
        name: "qwen3-0.6b",
        display: "Qwen3-0.6B",
        family: Family::Qwen3,
        source: "Qwen/Qwen3-0.6B config.json",
        same_shapes_as: None,
        n_layer: 28,
        n_embd: 1024,
        n_ff: 3072,
        n_head: 16,
        n_head_kv: 8,
        head_dim: 128,
        n_vocab: 151_936,
        n_ctx_train: 40_960,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-6,
        attn_layers: &[],
        conv_l_cache: 0,
        sliding_window: 0,
        moe: None,
        n_params: 596_049_920,
        // unsloth/Qwen3-0.6B-GGUF, Qwen3-0.6B-Q4_K_M.gguf: 397 MB (the repo's listing;
        // no byte count found).
        published_q4_k_m: Some((
            397_000_000,
            "unsloth/Qwen3-0.6B-GGUF Qwen3-0.6B-Q4_K_M.gguf",
        )),
    },
    // huggingface.co/Qwen/Qwen3-1.7B/blob/main/config.json: hidden_size 2048, 28 layers,
    // 16 heads, 8 KV heads, head_dim 128, intermediate_size 6144, vocab_size 151936,
    // max_position_embeddings 40960, rope_theta 1000000, rms_norm_eps 1e-6,
    // tie_word_embeddings true. Model card: 1.7B parameters, 1.4B non-embedding.
    Arch {
        name: "qwen3-1.7b",
        display: "Qwen3-1.7B",
        family: Family::Qwen3,
        source: "Qwen/Qwen3-1.7B config.json",
        same_shapes_as: None,
        n_layer: 28,
        n_embd: 2048,
        n_ff: 6144,
        n_head: 16,
        n_head_kv: 8,
        head_dim: 128,
        n_vocab: 151_936,
        n_ctx_train: 40_960,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-6,
        attn_layers: &[],
        conv_l_cache: 0,
        sliding_window: 0,
        moe: None,
        n_params: 1_720_574_976,
        // unsloth/Qwen3-1.7B-GGUF, Qwen3-1.7B-Q4_K_M.gguf: 1,107,409,472 bytes (a
        // third-party notice pinning it with sha256 b139949c…).
        published_q4_k_m: Some((
            1_107_409_472,
            "unsloth/Qwen3-1.7B-GGUF Qwen3-1.7B-Q4_K_M.gguf",
        )),
    },
    // huggingface.co/google/gemma-3-270m/blob/main/config.json: hidden_size 640,
    // num_hidden_layers 18, num_attention_heads 4, num_key_value_heads 1, head_dim 256,
    // intermediate_size 2048, vocab_size 262144, max_position_embeddings 32768,
    // sliding_window 512 (sliding_window_pattern 6), rope_theta 1000000,
    // rms_norm_eps 1e-6, tied embeddings. The real GGUF in models/cache
    // (gemma-3-270m-q4_k_m.gguf) has the same metadata and 268,098,176 parameters.
    Arch {
        name: "gemma3-270m",
        display: "Gemma3-270M",
        family: Family::Gemma3,
        source: "google/gemma-3-270m config.json",
        same_shapes_as: None,
        n_layer: 18,
        n_embd: 640,
        n_ff: 2048,
        n_head: 4,
        n_head_kv: 1,
        head_dim: 256,
        n_vocab: 262_144,
        n_ctx_train: 32_768,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-6,
        attn_layers: &[],
        conv_l_cache: 0,
        sliding_window: 512,
        moe: None,
        n_params: 268_098_176,
        // The registry file in models/cache: 253,113,024 bytes.
        published_q4_k_m: Some((253_113_024, "models/cache/gemma-3-270m-q4_k_m.gguf")),
    },
    // huggingface.co/google/gemma-3-1b-it/blob/main/config.json (model_type gemma3_text,
    // as public code quotes it): hidden_size 1152, num_hidden_layers 26,
    // num_attention_heads 4, num_key_value_heads 1, head_dim 256, intermediate_size 6912,
    // vocab_size 262144, max_position_embeddings 32768, sliding_window 512
    // (sliding_window_pattern 6), rope_theta 1000000, rope_local_base_freq 10000,
    // rms_norm_eps 1e-6, tie_word_embeddings true. The tensors add up to 999,885,952
    // parameters (the card's "1B").
    Arch {
        name: "gemma3-1b",
        display: "Gemma3-1B",
        family: Family::Gemma3,
        source: "google/gemma-3-1b-it config.json",
        same_shapes_as: None,
        n_layer: 26,
        n_embd: 1152,
        n_ff: 6912,
        n_head: 4,
        n_head_kv: 1,
        head_dim: 256,
        n_vocab: 262_144,
        n_ctx_train: 32_768,
        rope_freq_base: 1_000_000.0,
        rms_eps: 1e-6,
        attn_layers: &[],
        conv_l_cache: 0,
        sliding_window: 512,
        moe: None,
        n_params: 999_885_952,
        // ggml-org/gemma-3-1b-it-GGUF, gemma-3-1b-it-Q4_K_M.gguf: 806,058,240 bytes (a
        // benchmark's probe of the file on Hugging Face records it).
        published_q4_k_m: Some((
            806_058_240,
            "ggml-org/gemma-3-1b-it-GGUF gemma-3-1b-it-Q4_K_M.gguf",
        )),
    },
    // huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/blob/main/config.json:
    // hidden_size 576, num_hidden_layers 30, num_attention_heads 9, num_key_value_heads 3,
    // intermediate_size 1536, vocab_size 49152, max_position_embeddings 8192,
    // rope_theta 100000, rms_norm_eps 1e-5, tie_word_embeddings true. The real GGUF in
    // models/cache (SmolLM2-135M-Instruct.Q4_1.gguf) agrees: 134,515,008 parameters.
    Arch {
        name: "smollm2-135m",
        display: "SmolLM2-135M",
        family: Family::Llama,
        source: "HuggingFaceTB/SmolLM2-135M-Instruct config.json",
        same_shapes_as: None,
        n_layer: 30,
        n_embd: 576,
        n_ff: 1536,
        n_head: 9,
        n_head_kv: 3,
        head_dim: 64,
        n_vocab: 49_152,
        n_ctx_train: 8192,
        rope_freq_base: 100_000.0,
        rms_eps: 1e-5,
        attn_layers: &[],
        conv_l_cache: 0,
        sliding_window: 0,
        moe: None,
        n_params: 134_515_008,
        published_q4_k_m: None,
    },
];

/// The catalogued architecture of this name (case-insensitive).
pub fn find(name: &str) -> Option<&'static Arch> {
    CATALOGUE.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// "lfm2-350m, lfm2-700m, …" for error messages.
pub fn names() -> String {
    CATALOGUE
        .iter()
        .map(|a| a.name)
        .collect::<Vec<_>>()
        .join(", ")
}
