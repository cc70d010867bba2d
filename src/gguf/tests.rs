//! Reader and writer tests: a hand-made buffer for every error, round trips, a mutation
//! sweep (no input may panic), and the two real files of models/cache when present.

use std::io::Cursor;
use std::path::PathBuf;

use super::reader::{self, GgufError, MAX_ARRAY, MAX_KV, MAX_STRING, MAX_TENSORS};
use super::types;
use super::value::{Value, ValueType};
use super::writer::{TensorSpec, Writer};
use super::*;

/// Little-endian byte builder for hand-made headers.
#[derive(Default, Clone)]
struct B(Vec<u8>);

impl B {
    fn header(version: u32, n_tensors: u64, n_kv: u64) -> B {
        B::default()
            .raw(b"GGUF")
            .u32(version)
            .u64(n_tensors)
            .u64(n_kv)
    }
    fn raw(mut self, b: &[u8]) -> B {
        self.0.extend_from_slice(b);
        self
    }
    fn u32(self, v: u32) -> B {
        self.raw(&v.to_le_bytes())
    }
    fn u64(self, v: u64) -> B {
        self.raw(&v.to_le_bytes())
    }
    fn str(self, s: &str) -> B {
        self.u64(s.len() as u64).raw(s.as_bytes())
    }
    fn kv_str(self, k: &str, v: &str) -> B {
        self.str(k).u32(8).str(v)
    }
    fn kv_u32(self, k: &str, v: u32) -> B {
        self.str(k).u32(4).u32(v)
    }
    /// Tensor info: name, dims, ggml type id, offset.
    fn tensor(self, name: &str, dims: &[u64], ty: u32, offset: u64) -> B {
        let mut b = self.str(name).u32(dims.len() as u32);
        for d in dims {
            b = b.u64(*d);
        }
        b.u32(ty).u64(offset)
    }
    /// Zero padding up to a multiple of 32, then `n` data bytes.
    fn data(mut self, n: usize) -> B {
        while !self.0.len().is_multiple_of(32) {
            self.0.push(0);
        }
        self.0.extend(std::iter::repeat_n(0x11u8, n));
        self
    }
    fn parse(&self) -> Result<Gguf, GgufError> {
        reader::parse(Cursor::new(&self.0), self.0.len() as u64)
    }
}

/// A small valid file: llama architecture, one F32 tensor of 8 elements.
fn valid() -> B {
    B::header(3, 1, 2)
        .kv_str("general.architecture", "llama")
        .kv_u32("general.file_type", 0)
        .tensor("token_embd.weight", &[8], 0, 0)
        .data(32)
}

/// Where the furthest tensor ends.
fn data_end(g: &Gguf) -> u64 {
    g.tensors
        .iter()
        .map(|t| g.data_offset + t.offset + t.n_bytes)
        .max()
        .unwrap_or(g.data_offset)
}

fn err(b: &B) -> GgufError {
    match b.parse() {
        Ok(_) => panic!("parsed, expected an error"),
        Err(e) => e,
    }
}

#[test]
fn valid_minimal_file() {
    let g = valid().parse().expect("valid file");
    assert_eq!(g.version, 3);
    assert_eq!(g.tensors.len(), 1);
    assert_eq!(g.tensors[0].n_bytes, 32);
    assert_eq!(g.data_offset % 32, 0);
    let info = info_of(&g).expect("info");
    assert_eq!(info.architecture, "llama");
    assert_eq!(info.quant, "F32");
    assert_eq!(info.n_params, 8);
    assert!(!info.has_chat_template);
    assert_eq!(info.twin, None);
    // Version 2 has the same layout.
    let mut v2 = valid();
    v2.0[4] = 2;
    assert_eq!(v2.parse().expect("v2").version, 2);
}

#[test]
fn not_gguf() {
    let html = B::default().raw(b"<!DOCTYPE html><html>404</html>");
    match err(&html) {
        GgufError::NotGguf { found } => assert_eq!(found, "<!DO"),
        e => panic!("{e}"),
    }
    match err(&B::default().raw(b"\x00\x01ab")) {
        GgufError::NotGguf { found } => assert_eq!(found, "..ab"),
        e => panic!("{e}"),
    }
    assert!(matches!(
        err(&B::default().raw(b"XY")),
        GgufError::NotGguf { .. }
    ));
}

#[test]
fn empty_and_cut_magic_are_truncated() {
    assert!(matches!(err(&B::default()), GgufError::Truncated { .. }));
    assert!(matches!(
        err(&B::default().raw(b"GG")),
        GgufError::Truncated { .. }
    ));
    // Magic and version, then nothing.
    assert!(matches!(
        err(&B::default().raw(b"GGUF").u32(3)),
        GgufError::Truncated { .. }
    ));
}

#[test]
fn unsupported_versions() {
    for v in [0u32, 1, 4, 99] {
        match err(&B::header(v, 0, 0)) {
            GgufError::UnsupportedVersion { version, .. } => assert_eq!(version, v),
            e => panic!("{e}"),
        }
    }
    // Version 3 written big-endian.
    match err(&B::header(0x0300_0000, 0, 0)) {
        GgufError::UnsupportedVersion { hint, .. } => assert!(hint.contains("big-endian")),
        e => panic!("{e}"),
    }
}

#[test]
fn absurd_counts_are_refused_before_allocating() {
    for (t, k, what) in [
        (u64::MAX, 0, "tensor count"),
        (MAX_TENSORS + 1, 0, "tensor count"),
        (0, u64::MAX, "metadata count"),
        (0, MAX_KV + 1, "metadata count"),
    ] {
        match err(&B::header(3, t, k)) {
            GgufError::Absurd { what: w, .. } => assert!(w.contains(what), "{w}"),
            e => panic!("{e}"),
        }
    }
    // A key claiming 2^60 bytes.
    let b = B::header(3, 0, 1).u64(1 << 60);
    assert!(matches!(err(&b), GgufError::Absurd { value, .. } if value == 1 << 60));
    // A string value over the limit.
    let b = B::header(3, 0, 1).str("k").u32(8).u64(MAX_STRING + 1);
    assert!(matches!(err(&b), GgufError::Absurd { .. }));
    // An array over the limit.
    let b = B::header(3, 0, 1).str("k").u32(9).u32(8).u64(MAX_ARRAY + 1);
    assert!(matches!(err(&b), GgufError::Absurd { .. }));
}

#[test]
fn lengths_past_the_end_are_truncation() {
    // A key of 1000 bytes in a 40-byte buffer.
    let b = B::header(3, 0, 1).u64(1000).raw(b"abc");
    match err(&b) {
        GgufError::Truncated { need, have, what } => {
            assert_eq!(have, b.0.len() as u64);
            assert!(need > have);
            assert!(what.contains("key"), "{what}");
        }
        e => panic!("{e}"),
    }
    // An array of a million u32 with 8 bytes behind it: refused before the loop.
    let b = B::header(3, 0, 1)
        .str("tokenizer.ggml.token_type")
        .u32(9)
        .u32(4)
        .u64(1_000_000)
        .u64(0);
    match err(&b) {
        GgufError::Truncated { what, need, .. } => {
            assert!(what.contains("token_type"), "{what}");
            assert!(need >= 4_000_000);
        }
        e => panic!("{e}"),
    }
    // More metadata announced than present.
    let b = B::header(3, 0, 3).kv_str("general.architecture", "llama");
    assert!(matches!(err(&b), GgufError::Truncated { .. }));
}

#[test]
fn bad_value_types() {
    let b = B::header(3, 0, 1).str("k").u32(13).u32(0);
    assert!(matches!(err(&b), GgufError::Invalid(m) if m.contains("value type 13")));
    // Nested array.
    let b = B::header(3, 0, 1).str("k").u32(9).u32(9).u64(1);
    assert!(matches!(err(&b), GgufError::Invalid(m) if m.contains("nested")));
    // Array of an unknown type.
    let b = B::header(3, 0, 1).str("k").u32(9).u32(77).u64(1);
    assert!(matches!(err(&b), GgufError::Invalid(_)));
}

#[test]
fn bad_keys() {
    let b = B::header(3, 0, 2).kv_u32("a", 1).kv_u32("a", 2);
    assert!(matches!(err(&b), GgufError::Invalid(m) if m.contains("duplicate metadata key `a`")));
    let b = B::header(3, 0, 1).kv_u32("", 1);
    assert!(matches!(err(&b), GgufError::Invalid(m) if m.contains("empty key")));
}

#[test]
fn bad_alignment() {
    let b = B::header(3, 0, 1).kv_u32("general.alignment", 24);
    assert!(matches!(err(&b), GgufError::Invalid(m) if m.contains("power of two")));
    let b = B::header(3, 0, 1).kv_u32("general.alignment", 0);
    assert!(matches!(err(&b), GgufError::Invalid(_)));
    let b = B::header(3, 0, 1).kv_str("general.alignment", "32");
    assert!(matches!(err(&b), GgufError::Invalid(m) if m.contains("u32")));
}

#[test]
fn bad_tensor_infos() {
    let one = |name: &str, dims: &[u64], ty: u32, off: u64| {
        B::header(3, 1, 1)
            .kv_str("general.architecture", "llama")
            .tensor(name, dims, ty, off)
            .data(4096)
    };
    let cases: Vec<(B, &str)> = vec![
        (one("t", &[1, 1, 1, 1, 1], 0, 0), "dimensions"),
        (one("t", &[32], 4, 0), "ggml type 4"),
        (one("t", &[32], 43, 0), "ggml type 43"),
        (one("t", &[33], 2, 0), "not a multiple of its block size 32"),
        (one("t", &[1 << 40, 1 << 40], 0, 0), "overflows"),
        (one("t", &[u64::MAX], 0, 0), "overflows"),
        (one(&"x".repeat(64), &[8], 0, 0), "at most 63"),
        (one("t", &[8], 0, 32), "llama.cpp expects 0"),
    ];
    for (b, want) in cases {
        match err(&b) {
            GgufError::Invalid(m) => assert!(m.contains(want), "{m} lacks {want}"),
            e => panic!("{e} (wanted {want})"),
        }
    }
    let dup = B::header(3, 2, 0)
        .tensor("t", &[8], 0, 0)
        .tensor("t", &[8], 0, 32)
        .data(64);
    assert!(matches!(err(&dup), GgufError::Invalid(m) if m.contains("duplicate tensor `t`")));
    // Second tensor not padded to the alignment.
    let unpadded = B::header(3, 2, 0)
        .tensor("a", &[3], 0, 0)
        .tensor("b", &[3], 0, 12)
        .data(64);
    assert!(matches!(err(&unpadded), GgufError::Invalid(m) if m.contains("expects 32")));
}

#[test]
fn truncated_tensor_data_names_the_tensor() {
    let full = B::header(3, 2, 1)
        .kv_str("general.architecture", "llama")
        .tensor("a", &[8], 0, 0)
        .tensor("blk.0.ffn_up.weight", &[256, 4], 12, 32) // Q4_K: 4 rows of 144 bytes
        .data(32 + 576);
    let g = full.parse().expect("full file");
    assert_eq!(data_end(&g), full.0.len() as u64);
    let mut cut = full.clone();
    cut.0.truncate(full.0.len() - 1);
    match err(&cut) {
        GgufError::Truncated { what, need, have } => {
            assert!(what.contains("blk.0.ffn_up.weight"), "{what}");
            assert_eq!(need, full.0.len() as u64);
            assert_eq!(have, need - 1);
        }
        e => panic!("{e}"),
    }
    // Cut inside the padding before the data.
    let mut cut = full.clone();
    cut.0.truncate(g.data_offset as usize - 1);
    assert!(matches!(err(&cut), GgufError::Truncated { .. }));
}

#[test]
fn architecture_checks() {
    let g = B::header(3, 0, 1).kv_u32("general.file_type", 1).parse();
    assert!(matches!(
        info_of(&g.expect("parses")),
        Err(GgufError::NoArchitecture)
    ));
    let g = B::header(3, 0, 1)
        .kv_str("general.architecture", "lfm9")
        .parse()
        .expect("parses");
    match info_of(&g) {
        Err(e @ GgufError::UnknownArchitecture(_)) => {
            assert!(e.to_string().contains("`lfm9`"));
            assert!(e.help().contains("supports"));
        }
        r => panic!("{r:?}"),
    }
    let g = B::header(3, 0, 1)
        .kv_u32("general.architecture", 7)
        .parse()
        .expect("parses");
    assert!(matches!(info_of(&g), Err(GgufError::Invalid(_))));
}

#[test]
fn read_info_errors_name_the_file_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("model.gguf");
    std::fs::write(&p, b"<html>Not Found</html>").expect("write");
    let e = format!("{:#}", read_info(&p).expect_err("not gguf"));
    assert!(e.contains("model.gguf"), "{e}");
    assert!(e.contains("not a GGUF file"), "{e}");
    assert!(e.contains("help:"), "{e}");

    let mut b = valid();
    b.0.truncate(b.0.len() - 5);
    std::fs::write(&p, &b.0).expect("write");
    let e = format!("{:#}", read_info(&p).expect_err("truncated"));
    assert!(e.contains("model.gguf: truncated"), "{e}");
    assert!(e.contains("download it again"), "{e}");

    let e = format!(
        "{:#}",
        read_info(&dir.path().join("absent.gguf")).expect_err("absent")
    );
    assert!(e.contains("absent.gguf"), "{e}");
}

/// Every kind of value, custom alignment, F16 and quantized tensors: written, read back.
#[test]
fn writer_round_trip() {
    let mut w = Writer::new();
    w.set("general.architecture", Value::str("qwen3"));
    w.set("general.alignment", Value::U32(64));
    w.set("general.file_type", Value::U32(15));
    w.set("general.name", Value::str("round trip"));
    w.set("u8", Value::U8(250));
    w.set("i8", Value::I8(-5));
    w.set("u16", Value::U16(65000));
    w.set("i16", Value::I16(-300));
    w.set("i32", Value::I32(-70000));
    w.set("f32", Value::F32(1.5e-6));
    w.set("bool", Value::Bool(true));
    w.set("u64", Value::U64(1 << 50));
    w.set("i64", Value::I64(-(1 << 50)));
    w.set("f64", Value::F64(-2.25));
    w.set(
        "tokens",
        Value::strs(["a", "b", "<|im_end|>", "é"].map(String::from)),
    );
    w.set("types", Value::i32s([1, 1, 3, 1]));
    w.set(
        "swa",
        Value::Array(ValueType::Bool, vec![Value::Bool(true), Value::Bool(false)]),
    );
    w.set(
        "heads",
        Value::Array(ValueType::U32, vec![Value::U32(0), Value::U32(8)]),
    );
    w.set("scores", Value::f32s([0.0, -1.0]));
    w.set("tokenizer.chat_template", Value::str("{{ x }}"));
    w.set(TWIN_OF_KEY, Value::str("qwen3-0.6b"));
    w.set(TWIN_SEED_KEY, Value::U64(42));
    w.set("general.name", Value::str("replaced"));
    w.add_tensor(TensorSpec::new("a", &[3], types::F32));
    w.add_tensor(TensorSpec::new("b", &[4, 2], types::F16));
    let q4k = types::ggml_type(12).expect("Q4_K");
    w.add_tensor(TensorSpec::new("c", &[256, 2], q4k));
    let mut out = Vec::new();
    let n = w
        .write(&mut out, &mut |i, t, o| {
            o.write_all(&vec![i as u8 + 1; t.n_bytes() as usize])
        })
        .expect("write");
    assert_eq!(n, out.len() as u64);
    let g = reader::parse(Cursor::new(&out), out.len() as u64).expect("read back");
    assert_eq!(g.alignment, 64);
    assert_eq!(g.data_offset % 64, 0);
    assert_eq!(g.kv, w.kv);
    assert_eq!(g.get_str("general.name"), Some("replaced"));
    let offs: Vec<u64> = g.tensors.iter().map(|t| t.offset).collect();
    assert_eq!(offs, [0, 64, 128]);
    assert_eq!(g.tensors[2].n_bytes, 288);
    assert_eq!(data_end(&g), out.len() as u64);
    // The data landed where the header says.
    for t in &g.tensors {
        let at = (g.data_offset + t.offset) as usize;
        assert!(out[at..at + t.n_bytes as usize].iter().all(|b| *b != 0));
    }
    let info = info_of(&g).expect("info");
    assert_eq!(info.quant, "Q4_K_M");
    assert_eq!(info.n_params, 3 + 8 + 512);
    assert!(info.has_chat_template);
    assert_eq!(
        info.twin,
        Some(TwinMark {
            of: "qwen3-0.6b".into(),
            seed: 42
        })
    );
    assert_eq!(info.name.as_deref(), Some("replaced"));
}

#[test]
fn writer_refuses_what_llama_cpp_would() {
    let bad_rows = {
        let mut w = Writer::new();
        w.add_tensor(TensorSpec::new(
            "q",
            &[33],
            types::ggml_type(2).expect("Q4_0"),
        ));
        w
    };
    let mixed = {
        let mut w = Writer::new();
        w.set(
            "k",
            Value::Array(ValueType::I32, vec![Value::I32(1), Value::U8(1)]),
        );
        w
    };
    let long = {
        let mut w = Writer::new();
        w.add_tensor(TensorSpec::new("n".repeat(64), &[1], types::F32));
        w
    };
    for w in [bad_rows, mixed, long] {
        let mut out = Vec::new();
        assert!(w.write(&mut out, &mut |_, _, _| Ok(())).is_err());
    }
    // A data callback writing the wrong amount is caught.
    let mut w = Writer::new();
    w.add_tensor(TensorSpec::new("t", &[4], types::F32));
    let mut out = Vec::new();
    let e = w
        .write(&mut out, &mut |_, _, o| o.write_all(&[0; 3]))
        .expect_err("short tensor");
    assert!(e.to_string().contains("3 bytes written, 16 expected"));
}

#[test]
fn dominant_type_when_file_type_is_absent() {
    let mut w = Writer::new();
    w.set("general.architecture", Value::str("llama"));
    w.add_tensor(TensorSpec::new("n", &[64], types::F32));
    w.add_tensor(TensorSpec::new(
        "w",
        &[64, 64],
        types::ggml_type(8).expect("Q8_0"),
    ));
    let mut out = Vec::new();
    w.write(&mut out, &mut |_, t, o| {
        o.write_all(&vec![0; t.n_bytes() as usize])
    })
    .expect("write");
    let g = reader::parse(Cursor::new(&out), out.len() as u64).expect("read");
    assert_eq!(info_of(&g).expect("info").quant, "Q8_0");
}

/// Every prefix and thousands of single- and multi-byte corruptions of a rich file parse
/// to Ok or Err, never a panic; every strict prefix is an error.
#[test]
fn no_input_panics() {
    let mut w = Writer::new();
    w.set("general.architecture", Value::str("llama"));
    w.set("tokens", Value::strs((0..20).map(|i| format!("t{i}"))));
    w.set("types", Value::i32s(0..20));
    w.set("general.alignment", Value::U32(16));
    w.add_tensor(TensorSpec::new("a", &[32, 2], types::F16));
    w.add_tensor(TensorSpec::new(
        "b",
        &[32],
        types::ggml_type(2).expect("Q4_0"),
    ));
    let mut good = Vec::new();
    w.write(&mut good, &mut |_, t, o| {
        o.write_all(&vec![7; t.n_bytes() as usize])
    })
    .expect("write");
    let parse = |b: &[u8]| reader::parse(Cursor::new(b), b.len() as u64);
    assert!(parse(&good).is_ok());
    for n in 0..good.len() {
        assert!(parse(&good[..n]).is_err(), "prefix of {n} bytes parsed");
    }
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..20_000 {
        let mut b = good.clone();
        let k = 1 + (round % 4);
        for _ in 0..k {
            let at = (next() % b.len() as u64) as usize;
            b[at] = match next() % 4 {
                0 => 0xFF,
                1 => 0,
                _ => next() as u8,
            };
        }
        let _ = parse(&b).map(|g| info_of(&g));
    }
    // Valid magic and version, then noise: random counts, lengths and types.
    for round in 0..20_000u64 {
        let mut b = B::default().raw(b"GGUF").u32(2 + (round % 2) as u32).0;
        let n = (next() % 600) as usize;
        for i in 0..n {
            // Small numbers where counts and types are expected, so parsing gets deep.
            let x = next();
            b.push(if i % 8 < 2 && x % 3 != 0 {
                (x >> 8) as u8 % 13
            } else if i % 8 < 2 {
                x as u8
            } else {
                0
            });
        }
        let _ = parse(&b).map(|g| info_of(&g));
    }
}

fn cache_file(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models/cache")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (run scripts/fetch-test-models.sh)",
            p.display()
        );
        None
    }
}

#[test]
fn real_smollm2_q4_1() {
    let Some(p) = cache_file("SmolLM2-135M-Instruct.Q4_1.gguf") else {
        return;
    };
    let info = read_info(&p).expect("SmolLM2 reads");
    assert_eq!(info.architecture, "llama");
    assert_eq!(info.quant, "Q4_1");
    assert!(info.has_chat_template);
    assert_eq!(info.twin, None);
    // SmolLM2-135M: 134,515,008 parameters (tied embeddings).
    assert_eq!(info.n_params, 134_515_008);
    let g = read(&p).expect("header");
    assert_eq!(data_end(&g), g.file_bytes);
    assert_eq!(g.get_u64("llama.block_count"), Some(30));
}

#[test]
fn real_gemma3_270m_q4_k_m() {
    let Some(p) = cache_file("gemma-3-270m-q4_k_m.gguf") else {
        return;
    };
    let info = read_info(&p).expect("gemma reads");
    assert_eq!(info.architecture, "gemma3");
    assert_eq!(info.quant, "Q4_K_M");
    assert_eq!(info.twin, None);
    // Gemma 3 270M: 268,098,176 parameters.
    assert_eq!(info.n_params, 268_098_176);
    let g = read(&p).expect("header");
    assert_eq!(g.get_u64("gemma3.block_count"), Some(18));
}
