//! Tokenizers for twins: a vocabulary of exactly the architecture's size that llama.cpp
//! loads, tokenizes any text with, and whose chat template it recognises.
//!
//! Two kinds, as llama.cpp's `llama_vocab::impl::load` (src/llama-vocab.cpp) reads them:
//! - byte-level BPE (`tokenizer.ggml.model = "gpt2"`): the 256 byte tokens in GPT-2's
//!   byte-to-unicode spelling, merges for every other token, the family's pre-tokenizer;
//! - SentencePiece (`"llama"`, Gemma): `<0xNN>` byte-fallback tokens, scored pieces with
//!   `▁` for spaces.
//!
//! Apart from the special tokens (placed at the real models' ids) the pieces are made up:
//! spaced letters and letter pairs first, then concatenations of earlier pieces drawn by a
//! fixed-seed generator, each a merge of two earlier tokens (BPE) — so the metadata has
//! the size and the structure of a real vocabulary. Token strings are unique, as
//! llama.cpp asserts. The generator does not depend on the weights' seed: every twin of
//! one architecture tokenizes text the same way.

use std::collections::HashSet;

use crate::gguf::Value;

use super::catalogue::Family;

/// llama.cpp's `llama_token_type` values (include/llama.h).
pub const NORMAL: i32 = 1;
pub const CONTROL: i32 = 3;
pub const BYTE: i32 = 6;

/// How a family tokenizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Byte-level BPE with this `tokenizer.ggml.pre`.
    Bpe { pre: &'static str },
    /// SentencePiece with byte fallback.
    Spm,
}

/// A family's tokenizer: kind, special tokens at their real ids, template.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub kind: Kind,
    /// Control tokens (id, text), at the ids the published tokenizer gives them.
    pub specials: &'static [(u32, &'static str)],
    pub bos: u32,
    pub eos: u32,
    pub unk: Option<u32>,
    pub pad: Option<u32>,
    pub add_bos: bool,
    /// `tokenizer.chat_template`; llama.cpp picks its built-in template by substrings of
    /// it (`<|im_start|>` → chatml, `<start_of_turn>` → gemma; src/llama-chat.cpp).
    pub chat_template: &'static str,
}

const CHATML: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/// LFM2's template is ChatML opened by the BOS token.
const LFM2_TEMPLATE: &str = "{{- bos_token -}}{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const GEMMA_TEMPLATE: &str = "{{ bos_token }}{% for message in messages %}{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";

/// The tokenizer of a family (special ids from the published tokenizer_config.json /
/// GGUF files: LiquidAI/LFM2-350M, Qwen/Qwen3-0.6B, google/gemma-3-270m and the
/// SmolLM2 GGUF in models/cache).
pub fn spec(family: Family) -> Spec {
    match family {
        Family::Lfm2 | Family::Lfm2Moe => Spec {
            kind: Kind::Bpe { pre: "lfm2" },
            specials: &[
                (0, "<|pad|>"),
                (1, "<|startoftext|>"),
                (2, "<|endoftext|>"),
                (3, "<|fim_pre|>"),
                (4, "<|fim_mid|>"),
                (5, "<|fim_suf|>"),
                (6, "<|im_start|>"),
                (7, "<|im_end|>"),
            ],
            bos: 1,
            eos: 7,
            unk: None,
            pad: Some(0),
            add_bos: true,
            chat_template: LFM2_TEMPLATE,
        },
        Family::Qwen3 => Spec {
            kind: Kind::Bpe { pre: "qwen2" },
            specials: &[
                (151_643, "<|endoftext|>"),
                (151_644, "<|im_start|>"),
                (151_645, "<|im_end|>"),
                (151_667, "<think>"),
                (151_668, "</think>"),
            ],
            bos: 151_643,
            eos: 151_645,
            unk: None,
            pad: Some(151_643),
            add_bos: false,
            chat_template: CHATML,
        },
        Family::Llama => Spec {
            kind: Kind::Bpe { pre: "smollm" },
            specials: &[
                (0, "<|endoftext|>"),
                (1, "<|im_start|>"),
                (2, "<|im_end|>"),
                (3, "<repo_name>"),
                (4, "<reponame>"),
                (5, "<file_sep>"),
                (6, "<filename>"),
                (7, "<gh_stars>"),
                (8, "<issue_start>"),
                (9, "<issue_comment>"),
                (10, "<issue_closed>"),
                (11, "<jupyter_start>"),
                (12, "<jupyter_text>"),
                (13, "<jupyter_code>"),
                (14, "<jupyter_output>"),
                (15, "<jupyter_script>"),
                (16, "<empty_output>"),
            ],
            bos: 1,
            eos: 2,
            unk: Some(0),
            pad: Some(2),
            add_bos: false,
            chat_template: CHATML,
        },
        Family::Gemma3 => Spec {
            kind: Kind::Spm,
            specials: &[
                (0, "<pad>"),
                (1, "<eos>"),
                (2, "<bos>"),
                (3, "<unk>"),
                (4, "<mask>"),
                (105, "<start_of_turn>"),
                (106, "<end_of_turn>"),
            ],
            bos: 2,
            eos: 1,
            unk: Some(3),
            pad: Some(0),
            add_bos: true,
            chat_template: GEMMA_TEMPLATE,
        },
    }
}

/// A built vocabulary.
#[derive(Debug, Clone)]
pub struct Vocab {
    pub tokens: Vec<String>,
    pub types: Vec<i32>,
    /// SentencePiece scores (SPM only).
    pub scores: Vec<f32>,
    /// BPE merges "left right" in rank order (BPE only).
    pub merges: Vec<String>,
}

impl Vocab {
    /// Ids of the control tokens.
    pub fn control_ids(&self) -> impl Iterator<Item = usize> + '_ {
        self.types
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == CONTROL)
            .map(|(i, _)| i)
    }
}

/// GPT-2's byte → printable character map (the `bytes_to_unicode` of GPT-2's encoder.py,
/// which llama.cpp's unicode.cpp inverts when decoding).
pub fn gpt2_byte_char(b: u8) -> char {
    let printable = |c: u8| (b'!'..=b'~').contains(&c) || (0xA1..=0xAC).contains(&c) || c >= 0xAE;
    if printable(b) {
        return char::from(b);
    }
    // The others are numbered in byte order from U+0100.
    let n = (0..b).filter(|&c| !printable(c)).count() as u32;
    char::from_u32(256 + n).unwrap_or('?')
}

/// FNV-1a: the default SipHash is needlessly slow for a quarter million short strings
/// (and these are no untrusted keys).
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xCBF2_9CE4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01B3);
        }
        self.0 = h;
    }
}

type Seen = HashSet<String, std::hash::BuildHasherDefault<Fnv>>;

/// Fills the free ids of a vocabulary in order.
struct Builder {
    tokens: Vec<Option<String>>,
    types: Vec<i32>,
    scores: Vec<f32>,
    merges: Vec<String>,
    seen: Seen,
    /// Ids not taken by special tokens, in order.
    free: std::vec::IntoIter<usize>,
    /// Ids of the normal pieces so far (the material of new pieces).
    pieces: Vec<usize>,
    rank: f32,
    bpe: bool,
}

impl Builder {
    /// Place `text` at the next free id; false when the vocabulary is full.
    fn put(&mut self, text: String, ty: i32) -> bool {
        let Some(i) = self.free.next() else {
            return false;
        };
        self.seen.insert(text.clone());
        if ty == NORMAL {
            self.scores[i] = -self.rank;
            self.rank += 1.0;
            self.pieces.push(i);
        } else {
            self.scores[i] = -1000.0;
        }
        self.tokens[i] = Some(text);
        self.types[i] = ty;
        true
    }

    fn piece(&self, k: usize) -> &str {
        self.pieces
            .get(k)
            .and_then(|i| self.tokens[*i].as_deref())
            .unwrap_or("")
    }

    /// The piece `a` + `b` (a merge for BPE) unless it exists; false when the vocabulary
    /// is full.
    fn join(&mut self, a: &str, b: &str) -> bool {
        let mut s = String::with_capacity(a.len() + b.len());
        s.push_str(a);
        s.push_str(b);
        if self.seen.contains(&s) {
            return true;
        }
        if !self.put(s, NORMAL) {
            return false;
        }
        if self.bpe {
            self.merges.push(format!("{a} {b}"));
        }
        true
    }

    fn full(&self) -> bool {
        self.free.len() == 0
    }
}

/// Build the vocabulary of `n_vocab` tokens for `spec`.
pub fn build(spec: &Spec, n_vocab: u32) -> Vocab {
    let n = n_vocab as usize;
    let bpe = matches!(spec.kind, Kind::Bpe { .. });
    let mut tokens: Vec<Option<String>> = vec![None; n];
    let mut types = vec![NORMAL; n];
    let mut scores = vec![0f32; n];
    let mut seen = Seen::default();
    for (id, text) in spec.specials {
        let i = *id as usize;
        if i < n && seen.insert((*text).to_string()) {
            tokens[i] = Some((*text).to_string());
            types[i] = CONTROL;
            scores[i] = -1000.0;
        }
    }
    let free: Vec<usize> = (0..n).filter(|i| tokens[*i].is_none()).collect();
    let mut v = Builder {
        tokens,
        types,
        scores,
        merges: Vec::new(),
        seen,
        free: free.into_iter(),
        pieces: Vec::new(),
        rank: 0.0,
        bpe,
    };
    let space = if bpe { 'Ġ' } else { '▁' };
    // Base symbols every piece is built from.
    if bpe {
        for b in 0..=255u8 {
            v.put(gpt2_byte_char(b).to_string(), NORMAL);
        }
    } else {
        for b in 0..=255u8 {
            v.put(format!("<0x{b:02X}>"), BYTE);
        }
        let chars = std::iter::once(space)
            .chain((b'!'..=b'~').map(char::from))
            .chain(std::iter::once('\n'));
        for c in chars {
            v.put(c.to_string(), NORMAL);
        }
    }
    // Spaced letters, letter pairs, spaced letter pairs: the pieces English needs most.
    let sp = space.to_string();
    let lower: Vec<String> = ('a'..='z').map(String::from).collect();
    let letters: Vec<String> = ('a'..='z').chain('A'..='Z').map(String::from).collect();
    for l in &letters {
        v.join(&sp, l);
    }
    for a in &lower {
        for b in &lower {
            v.join(a, b);
        }
    }
    for a in &lower {
        for b in &lower {
            v.join(&format!("{sp}{a}"), b);
        }
    }
    // Then concatenations of two earlier pieces drawn at random, up to 16 bytes, never
    // with a space inside (a pre-tokenizer splits there).
    let mut rng = 0x5EED_0F7A_1C0D_E5A1_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Like real BPE vocabularies, most new pieces extend a piece by a short one: the
    // right part comes from the first (shortest) pieces.
    let short = v.pieces.len();
    let mut misses = 0u64;
    let mut s = String::new();
    while !v.full() && short > 0 && misses < 10_000_000 {
        let ka = (next() % v.pieces.len() as u64) as usize;
        let kb = (next() % short as u64) as usize;
        let (a, b) = (v.piece(ka), v.piece(kb));
        if a.len() + b.len() > 16 || b.starts_with(space) {
            misses += 1;
            continue;
        }
        s.clear();
        s.push_str(a);
        s.push_str(b);
        if v.seen.contains(&s) {
            misses += 1;
            continue;
        }
        let (a, b) = (a.to_string(), b.to_string());
        v.join(&a, &b);
    }
    // Anything left (only for tiny alphabets or absurd sizes): numbered placeholders.
    let tokens = v
        .tokens
        .into_iter()
        .enumerate()
        .map(|(i, t)| t.unwrap_or_else(|| format!("[PAD{i}]")))
        .collect();
    Vocab {
        tokens,
        types: v.types,
        scores: v.scores,
        merges: v.merges,
    }
}

/// The `tokenizer.*` metadata of a vocabulary.
pub fn metadata(spec: &Spec, v: &Vocab) -> Vec<(String, Value)> {
    let mut kv = Vec::new();
    let mut set = |k: &str, v: Value| kv.push((k.to_string(), v));
    match spec.kind {
        Kind::Bpe { pre } => {
            set("tokenizer.ggml.model", Value::str("gpt2"));
            set("tokenizer.ggml.pre", Value::str(pre));
            set(
                "tokenizer.ggml.tokens",
                Value::strs(v.tokens.iter().cloned()),
            );
            set(
                "tokenizer.ggml.token_type",
                Value::i32s(v.types.iter().copied()),
            );
            set(
                "tokenizer.ggml.merges",
                Value::strs(v.merges.iter().cloned()),
            );
        }
        Kind::Spm => {
            set("tokenizer.ggml.model", Value::str("llama"));
            set("tokenizer.ggml.pre", Value::str("default"));
            set(
                "tokenizer.ggml.tokens",
                Value::strs(v.tokens.iter().cloned()),
            );
            set(
                "tokenizer.ggml.scores",
                Value::f32s(v.scores.iter().copied()),
            );
            set(
                "tokenizer.ggml.token_type",
                Value::i32s(v.types.iter().copied()),
            );
        }
    }
    set("tokenizer.ggml.bos_token_id", Value::U32(spec.bos));
    set("tokenizer.ggml.eos_token_id", Value::U32(spec.eos));
    if let Some(u) = spec.unk {
        set("tokenizer.ggml.unknown_token_id", Value::U32(u));
    }
    if let Some(p) = spec.pad {
        set("tokenizer.ggml.padding_token_id", Value::U32(p));
    }
    set("tokenizer.ggml.add_bos_token", Value::Bool(spec.add_bos));
    set("tokenizer.ggml.add_eos_token", Value::Bool(false));
    set("tokenizer.ggml.add_space_prefix", Value::Bool(false));
    set("tokenizer.chat_template", Value::str(spec.chat_template));
    kv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_byte_map_is_a_bijection_like_gpt2s() {
        let chars: HashSet<char> = (0..=255u8).map(gpt2_byte_char).collect();
        assert_eq!(chars.len(), 256);
        assert_eq!(gpt2_byte_char(b' '), 'Ġ');
        assert_eq!(gpt2_byte_char(b'\n'), 'Ċ');
        assert_eq!(gpt2_byte_char(b'a'), 'a');
        assert_eq!(gpt2_byte_char(0), 'Ā');
        assert_eq!(gpt2_byte_char(0xAD), 'Ń'); // U+0143, GPT-2's soft hyphen
    }

    #[test]
    fn vocabularies_have_exact_sizes_unique_tokens_and_valid_merges() {
        for (family, n) in [
            (Family::Llama, 49_152u32),
            (Family::Lfm2, 65_536),
            (Family::Gemma3, 262_144),
        ] {
            let s = spec(family);
            let v = build(&s, n);
            assert_eq!(v.tokens.len(), n as usize);
            assert_eq!(v.types.len(), n as usize);
            let uniq: HashSet<&String> = v.tokens.iter().collect();
            assert_eq!(uniq.len(), n as usize, "{family:?}: tokens must be unique");
            assert!(!v.tokens.iter().any(|t| t.starts_with("[PAD")));
            for (id, text) in s.specials {
                assert_eq!(&v.tokens[*id as usize], text);
                assert_eq!(v.types[*id as usize], CONTROL);
            }
            match s.kind {
                Kind::Bpe { .. } => {
                    // Every merge joins two tokens into a token.
                    for m in &v.merges {
                        let (a, b) = m.split_once(' ').expect("merge has a space");
                        assert!(uniq.contains(&a.to_string()), "{m}");
                        assert!(uniq.contains(&b.to_string()), "{m}");
                        assert!(uniq.contains(&format!("{a}{b}")), "{m}");
                    }
                    assert_eq!(v.merges.len(), n as usize - 256 - s.specials.len());
                }
                Kind::Spm => {
                    assert!(v.tokens.contains(&"<0x0A>".to_string()));
                    assert!(v.tokens.contains(&"▁".to_string()));
                    assert_eq!(v.types.iter().filter(|t| **t == BYTE).count(), 256);
                }
            }
        }
    }

    #[test]
    fn vocabulary_is_deterministic() {
        let s = spec(Family::Llama);
        let a = build(&s, 49_152);
        let b = build(&s, 49_152);
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(a.merges, b.merges);
    }
}
