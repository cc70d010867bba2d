//! Published architectures a twin can copy, with the source of every number.
//!
//! Hyperparameters are the models' Hugging Face `config.json` values (cited per entry),
//! expressed the way llama.cpp's loader reads them (`src/models/<arch>.cpp` and
//! `src/llama-model.cpp` of the vendored llama.cpp). Where a converter changes a value on
//! the way to GGUF (LFM2's feed-forward size), the comment shows the arithmetic.

/// Model family: decides tensor names, metadata keys and the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// general.architecture = "lfm2": gated short convolutions + grouped-query attention.
    Lfm2,
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
            Family::Qwen3 => "qwen3",
            Family::Gemma3 => "gemma3",
            Family::Llama => "llama",
        }
    }
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
    pub n_layer: u32,
    pub n_embd: u32,
    /// Feed-forward size as llama.cpp sees it (`feed_forward_length`).
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
    /// Parameter count of the published weights (tied embeddings counted once).
    pub n_params: u64,
    /// Size of a published Q4_K_M GGUF in bytes, where one is known, and where from.
    pub published_q4_k_m: Option<(u64, &'static str)>,
}

impl Arch {
    /// Is layer `il` an attention layer?
    pub fn is_attn(&self, il: u32) -> bool {
        self.family != Family::Lfm2 || self.attn_layers.contains(&il)
    }
}

/// LFM2 layer layout shared by 350M, 700M and 1.2B (`layer_types` in config.json:
/// conv, conv, full_attention, conv, conv, full_attention, conv, conv, full_attention,
/// conv, full_attention, conv, full_attention, conv, full_attention, conv).
const LFM2_ATTN: &[u32] = &[2, 5, 8, 10, 12, 14];

/// Every catalogued architecture.
pub const CATALOGUE: &[Arch] = &[
    // huggingface.co/LiquidAI/LFM2-350M/blob/main/config.json: hidden_size 1024,
    // num_hidden_layers 16, num_attention_heads 16, num_key_value_heads 8,
    // intermediate_size 6656 with block_auto_adjust_ff_dim true, block_ffn_dim_multiplier
    // 1.0, block_multiple_of 256 → int(2 * 6656 / 3) = 4437 → rounded up to 256: 4608
    // (llama.cpp's lfm2.cpp types n_ff 4608 as 350M), vocab_size 65536, conv_L_cache 3,
    // max_position_embeddings 128000, rope_theta 1000000, norm_eps 1e-5,
    // tie_embedding true. Model card: 354,483,968 parameters.
    Arch {
        name: "lfm2-350m",
        display: "LFM2-350M",
        family: Family::Lfm2,
        source: "LiquidAI/LFM2-350M config.json",
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
        n_params: 354_483_968,
        // LiquidAI/LFM2-350M-GGUF, LFM2-350M-Q4_K_M.gguf: 229 MB.
        published_q4_k_m: Some((229_000_000, "LiquidAI/LFM2-350M-GGUF")),
    },
    // huggingface.co/LiquidAI/LFM2-700M/blob/main/config.json: hidden_size 1536,
    // 16 layers, 24 heads, 8 KV heads, intermediate_size 10240 → int(2 * 10240 / 3) =
    // 6826 → 6912 (lfm2.cpp: 700M), vocab 65536, same layer_types as 350M.
    // Model card: 742,489,344 parameters.
    Arch {
        name: "lfm2-700m",
        display: "LFM2-700M",
        family: Family::Lfm2,
        source: "LiquidAI/LFM2-700M config.json",
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
        n_params: 742_489_344,
        published_q4_k_m: None,
    },
    // huggingface.co/LiquidAI/LFM2-1.2B/blob/main/config.json: hidden_size 2048,
    // 16 layers, 32 heads, 8 KV heads, intermediate_size 12288 → int(2 * 12288 / 3) =
    // 8192 (lfm2.cpp: 1.2B), vocab 65536, same layer_types.
    // Model card: 1,170,340,608 parameters.
    Arch {
        name: "lfm2-1.2b",
        display: "LFM2-1.2B",
        family: Family::Lfm2,
        source: "LiquidAI/LFM2-1.2B config.json",
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
        n_params: 1_170_340_608,
        published_q4_k_m: None,
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
        n_params: 596_049_920,
        // unsloth/Qwen3-0.6B-GGUF, Qwen3-0.6B-Q4_K_M.gguf: 397 MB.
        published_q4_k_m: Some((397_000_000, "unsloth/Qwen3-0.6B-GGUF")),
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
        n_params: 1_720_574_976,
        published_q4_k_m: None,
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
        n_params: 268_098_176,
        // The registry file in models/cache: 253,113,024 bytes.
        published_q4_k_m: Some((253_113_024, "models/cache/gemma-3-270m-q4_k_m.gguf")),
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
