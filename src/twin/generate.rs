//! Writing a twin's F16 GGUF: seeded random weights, streamed tensor by tensor.
//!
//! A weight is `N(0, σ) · 2^(t + r + c)`: a normal value (σ = 0.02, the models'
//! `initializer_range`, so activations stay finite through any number of layers) times
//! log-normal factors of its tensor (`t`), its row (`r`) and its column (`c`); norm weights
//! are 1. The factors are there for speed, not for realism of text: ggml-cpu on x86 turns
//! each quantized block's FP16 scale into F32 through a 256 KB lookup table
//! (`GGML_CPU_FP16_TO_FP32` is a table lookup there even with F16C), so decode speed
//! depends on how many of that table's cache lines a model's scales touch. Measured with
//! llama-bench (tg64, 1 thread, files settled in the page cache), SmolLM2-135M Q4_1: the
//! real file's scales snapped to a coarse grid (same 4-bit values, 65 lines instead of 920)
//! decode 33% faster than the real file; twins with weights of one magnitude (generator
//! version 1, ~220 lines per tensor against the real file's ~420) 23% faster; these twins
//! (~390 lines) 0.96-0.98x. Real checkpoints' magnitudes vary by tensor, row and input
//! channel; the spreads below are set so that twins' scales touch as many table lines as
//! the real registry files' do (`twin_scales_spread_like_the_real_files` in the tests).
//!
//! To write gigabytes fast the normal values are not drawn one by one (and the dev profile
//! optimises lfmbench, Cargo.toml, for the tests' twins): a pool of 2^20 is drawn once per
//! seed, and each block of 2^16 values of a tensor is a window of that pool at an offset
//! drawn from (seed, tensor name, block index); the factors come from (seed, tensor name,
//! row or column). Every value thus depends only on the seed, the tensor's name and its
//! index, so a twin is reproducible bit for bit.

use std::io::{self, Write};
use std::path::Path;

use crate::gguf::writer::{TensorSpec, extend_f16_le};

use super::catalogue::Arch;
use super::model::{self, Init};

/// Standard deviation of random weights (before the magnitude factors).
pub const SIGMA: f32 = 0.02;
/// Standard deviations, in log2 units, of the tensor, row and column magnitude factors.
/// Measured from real block scales (SmolLM2-135M Q4_1, Gemma3-270M Q4_K_M: per-tensor
/// medians spread 0.3–0.4, row means 0.22, within rows 0.25), then widened until twins'
/// scales touch as many lookup-table lines as those files' (module doc): with exactly the
/// measured spreads a SmolLM2 twin touched ~300 lines per tensor and decoded ~13% faster
/// than with these; wider still (row 0.5) it touched ~520 and decoded 8% slower.
pub const TENSOR_SPREAD: f32 = 0.35;
pub const ROW_SPREAD: f32 = 0.35;
pub const COLUMN_SPREAD: f32 = 0.30;
/// Values per block (one window of the pool).
const BLOCK: usize = 1 << 16;
/// Values in the pool.
const POOL: usize = 1 << 20;

/// splitmix64: seeds streams from (seed, tensor, block).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a tensor name.
fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// A standard normal value from 64 random bits: the Irwin–Hall sum of their four 16-bit
/// uniforms, centred and scaled to unit variance (close to normal within ±3.5σ, which is
/// all random weights need).
fn unit_normal(r: u64) -> f32 {
    // Sum of 4 U{0..65535}: mean 131070, sd sqrt(4 (65536² − 1) / 12).
    const SD: f64 = 37_837.227_723_826_26;
    let s = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
    ((s as f64 - 131_070.0) / SD) as f32
}

/// 2^x from IEEE basic operations only (libm's exp2 may differ in the last bit between
/// platforms, and twins are meant to be the same bytes everywhere): 2^n · e^(f ln 2) with
/// f in [0, 1) by its Taylor series, exact to f32 precision.
fn pow2(x: f32) -> f32 {
    let x = f64::from(x).clamp(-60.0, 60.0);
    let n = x.floor();
    let y = (x - n) * std::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 1..=14 {
        term *= y / f64::from(k);
        sum += term;
    }
    // 2^n for |n| ≤ 60 is a normal f64: exponent bits only.
    let scale = f64::from_bits(((n as i64 + 1023) as u64) << 52);
    (sum * scale) as f32
}

/// Fill `out` with N(0, σ) values of stream `stream` (one xorshift64* draw each).
fn normals(stream: u64, sigma: f32, out: &mut [f32]) {
    let mut x = mix(stream) | 1;
    for v in out {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *v = sigma * unit_normal(x.wrapping_mul(0x2545_F491_4F6C_DD1D));
    }
}

/// The random values of one seed.
pub struct Pool {
    seed: u64,
    values: Vec<f32>,
}

impl Pool {
    pub fn new(seed: u64) -> Pool {
        let mut values = vec![0f32; POOL];
        normals(mix(seed), SIGMA, &mut values);
        Pool { seed, values }
    }

    /// Pool offset of block `block` of the tensor with name hash `tensor`.
    fn offset(&self, tensor: u64, block: u64) -> usize {
        (mix(mix(self.seed ^ tensor) ^ block) % (POOL - BLOCK + 1) as u64) as usize
    }
}

/// The magnitude factors of one tensor: its own and its columns' (multiplied together),
/// and the stream its rows' factors come from.
struct Factors {
    columns: Vec<f32>,
    rows: u64,
}

impl Factors {
    fn new(seed: u64, tensor: u64, row_len: usize) -> Factors {
        let stream = mix(seed ^ tensor);
        let t = pow2(TENSOR_SPREAD * unit_normal(mix(stream ^ 1)));
        let mut columns = vec![0f32; row_len];
        normals(mix(stream ^ 2), COLUMN_SPREAD, &mut columns);
        for c in &mut columns {
            *c = t * pow2(*c);
        }
        Factors {
            columns,
            rows: mix(stream ^ 3),
        }
    }

    fn row(&self, row: usize) -> f32 {
        pow2(ROW_SPREAD * unit_normal(mix(self.rows ^ row as u64)))
    }
}

/// Write tensor `t` (F16 or F32) to `w`; `zero_rows` (ascending) are rows (of ne0 values)
/// written as zeros (the control tokens of an embedding).
fn write_tensor(
    t: &TensorSpec,
    init: Init,
    pool: &Pool,
    zero_rows: &[usize],
    w: &mut dyn Write,
) -> io::Result<()> {
    let n = t.n_elements() as usize;
    let f16 = t.ty.id == crate::gguf::types::F16.id;
    if init == Init::Ones {
        let one: &[u8] = if f16 {
            &[0x00, 0x3C]
        } else {
            &[0x00, 0x00, 0x80, 0x3F]
        };
        let row: Vec<u8> = one.repeat(BLOCK);
        let mut left = n;
        while left > 0 {
            let k = left.min(BLOCK);
            w.write_all(&row[..k * one.len()])?;
            left -= k;
        }
        return Ok(());
    }
    let row_len = (t.dims.first().copied().unwrap_or(1) as usize).max(1);
    let zero = if init == Init::Embedding {
        zero_rows
    } else {
        &[]
    };
    let th = name_hash(&t.name);
    let factors = Factors::new(pool.seed, th, row_len);
    let mut values = vec![0f32; BLOCK];
    let mut bytes: Vec<u8> = Vec::with_capacity(BLOCK * 4);
    for (b, start) in (0..n).step_by(BLOCK).enumerate() {
        let len = BLOCK.min(n - start);
        let off = pool.offset(th, b as u64);
        let (src, dst) = (&pool.values[off..off + len], &mut values[..len]);
        // One row segment at a time: a block may start and end inside rows.
        let mut i = 0;
        while i < len {
            let (row, col) = ((start + i) / row_len, (start + i) % row_len);
            let seg = (row_len - col).min(len - i);
            let out = &mut dst[i..i + seg];
            if zero.binary_search(&row).is_ok() {
                out.fill(0.0);
            } else {
                let k = factors.row(row);
                let cols = &factors.columns[col..col + seg];
                for ((o, v), c) in out.iter_mut().zip(&src[i..i + seg]).zip(cols) {
                    *o = v * c * k;
                }
            }
            i += seg;
        }
        bytes.clear();
        if f16 {
            extend_f16_le(&mut bytes, dst);
        } else {
            bytes.extend(dst.iter().flat_map(|v| v.to_le_bytes()));
        }
        w.write_all(&bytes)?;
    }
    Ok(())
}

/// Write the F16 twin of `a` to `path`; returns its size in bytes.
pub fn write_f16(a: &Arch, seed: u64, path: &Path) -> anyhow::Result<u64> {
    use anyhow::Context;
    let (writer, inits, vocab) = model::layout(a, seed);
    let zero_rows: Vec<usize> = vocab.control_ids().collect();
    let pool = Pool::new(seed);
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = io::BufWriter::with_capacity(1 << 22, f);
    let n = writer
        .write(&mut out, &mut |i, t, w| {
            let init = inits.get(i).copied().unwrap_or(Init::Random);
            write_tensor(t, init, &pool, &zero_rows, w)
        })
        .with_context(|| format!("cannot write {}", path.display()))?;
    let f = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf::types::F32;

    #[test]
    fn normals_have_the_right_moments() {
        let mut v = vec![0f32; 1 << 20];
        normals(7, 0.02, &mut v);
        let n = v.len() as f64;
        let mean = v.iter().map(|x| f64::from(*x)).sum::<f64>() / n;
        let var = v
            .iter()
            .map(|x| (f64::from(*x) - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!(mean.abs() < 1e-4, "mean {mean}");
        assert!((var.sqrt() - 0.02).abs() < 2e-4, "sd {}", var.sqrt());
        assert!(v.iter().all(|x| x.abs() < 0.08));
    }

    #[test]
    fn pow2_is_exp2() {
        for i in -400..=400 {
            let x = i as f32 * 0.0173;
            let (got, want) = (pow2(x), x.exp2());
            assert!(((got - want) / want).abs() < 2e-7, "2^{x}: {got} vs {want}");
        }
    }

    /// Rows and columns vary in magnitude by the configured spreads (log2 of their RMS).
    #[test]
    fn rows_and_columns_have_the_configured_spreads() {
        let (cols, rows) = (512usize, 2048usize);
        let t = TensorSpec::new("blk.0.ffn_up.weight", &[cols as u64, rows as u64], F32);
        let mut bytes = Vec::new();
        write_tensor(&t, Init::Random, &Pool::new(5), &[], &mut bytes).expect("write");
        let v: Vec<f64> = bytes
            .chunks(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        let log_rms = |sq: &[f64], n: usize| -> Vec<f64> {
            sq.iter().map(|s| 0.5 * (s / n as f64).log2()).collect()
        };
        let sd = |x: &[f64]| {
            let m = x.iter().sum::<f64>() / x.len() as f64;
            (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
        };
        let mut row_sq = vec![0f64; rows];
        let mut col_sq = vec![0f64; cols];
        for (i, x) in v.iter().enumerate() {
            row_sq[i / cols] += x * x;
            col_sq[i % cols] += x * x;
        }
        // A row's RMS carries its own factor (and, averaged over 512 columns, little of
        // theirs); a column's carries its factor and the rows' average.
        let (r, c) = (sd(&log_rms(&row_sq, cols)), sd(&log_rms(&col_sq, rows)));
        assert!((r - f64::from(ROW_SPREAD)).abs() < 0.05, "row spread {r}");
        assert!(
            (c - f64::from(COLUMN_SPREAD)).abs() < 0.05,
            "column spread {c}"
        );
    }

    /// Same seed, same bytes; control-token rows are zero; another seed differs.
    #[test]
    fn values_are_reproducible() {
        let t = TensorSpec::new("token_embd.weight", &[64, 70_000], crate::gguf::types::F16);
        let write = |seed: u64, zero: &[usize]| {
            let mut v = Vec::new();
            write_tensor(&t, Init::Embedding, &Pool::new(seed), zero, &mut v).expect("write");
            v
        };
        let one = write(3, &[1, 69_999]);
        assert_eq!(one.len(), 64 * 70_000 * 2);
        assert!(one == write(3, &[1, 69_999]));
        assert!(one[128..256].iter().all(|b| *b == 0), "row 1 is zero");
        assert!(
            one[one.len() - 128..].iter().all(|b| *b == 0),
            "last row is zero"
        );
        assert!(one[..128].iter().any(|b| *b != 0));
        assert!(one != write(4, &[]), "another seed gives other values");
        // F32 tensors and norms.
        let c = TensorSpec::new(
            "blk.0.shortconv.conv.weight",
            &[3, 1024],
            crate::gguf::types::F32,
        );
        let mut v = Vec::new();
        write_tensor(&c, Init::Random, &Pool::new(3), &[], &mut v).expect("write");
        assert_eq!(v.len(), 3 * 1024 * 4);
        let n = TensorSpec::new("output_norm.weight", &[576], crate::gguf::types::F32);
        let mut v = Vec::new();
        write_tensor(&n, Init::Ones, &Pool::new(3), &[], &mut v).expect("write");
        assert_eq!(v.len(), 576 * 4);
        assert!(
            v.chunks(4)
                .all(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) == 1.0)
        );
    }
}
