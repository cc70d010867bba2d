//! Writing a twin's F16 GGUF: seeded random weights, streamed tensor by tensor.
//!
//! Values are N(0, 0.02)-distributed (the models' `initializer_range`), so activations
//! stay finite through any number of layers; norm weights are 1. To write gigabytes fast
//! (also in unoptimised test builds) the values are not drawn one by one: a pool of 2^20
//! random values is drawn once per seed, and each block of 2^16 values of a tensor is a
//! window of that pool at an offset drawn from (seed, tensor name, block index). Every
//! value thus depends only on the seed, the tensor's name and its index, so a twin is
//! reproducible bit for bit; blocks are not independent of each other, which changes
//! nothing about how fast a model runs or how large it is.

use std::io::{self, Write};
use std::path::Path;

use crate::gguf::writer::{TensorSpec, f32_to_f16};

use super::catalogue::Arch;
use super::model::{self, Init};

/// Standard deviation of random weights.
pub const SIGMA: f32 = 0.02;
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

/// Fill `out` with N(0, σ) values of stream `stream`: each value is the Irwin–Hall sum of
/// four 16-bit uniforms of one xorshift64* draw, centred and scaled to unit variance
/// (close to normal within ±3.5σ, which is all small weights need).
fn normals(stream: u64, out: &mut [f32]) {
    let mut x = mix(stream) | 1;
    // Sum of 4 U{0..65535}: mean 131070, sd sqrt(4 (65536² − 1) / 12).
    let sd = (4.0f64 * (65536.0f64 * 65536.0 - 1.0) / 12.0).sqrt();
    let scale = (f64::from(SIGMA) / sd) as f32;
    for v in out {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let s = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
        *v = (s as f32 - 131_070.0) * scale;
    }
}

/// The random values of one seed, as F32 and as little-endian F16 bytes.
pub struct Pool {
    seed: u64,
    f32: Vec<f32>,
    f16: Vec<u8>,
}

impl Pool {
    pub fn new(seed: u64) -> Pool {
        let mut f32 = vec![0f32; POOL];
        normals(mix(seed), &mut f32);
        let f16 = f32
            .iter()
            .flat_map(|v| f32_to_f16(*v).to_le_bytes())
            .collect();
        Pool { seed, f32, f16 }
    }

    /// Pool offset of block `block` of the tensor with name hash `tensor`.
    fn offset(&self, tensor: u64, block: u64) -> usize {
        (mix(mix(self.seed ^ tensor) ^ block) % (POOL - BLOCK + 1) as u64) as usize
    }
}

/// Write tensor `t` (F16 or F32) to `w`; `zero_rows` are rows (of ne0 values) written as
/// zeros (the control tokens of an embedding).
fn write_tensor(
    t: &TensorSpec,
    init: Init,
    pool: &Pool,
    zero_rows: &[usize],
    w: &mut dyn Write,
) -> io::Result<()> {
    let n = t.n_elements() as usize;
    let f16 = t.ty.id == crate::gguf::types::F16.id;
    let width = if f16 { 2 } else { 4 };
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
            w.write_all(&row[..k * width])?;
            left -= k;
        }
        return Ok(());
    }
    let row = t.dims.first().copied().unwrap_or(1) as usize;
    let zero = if init == Init::Embedding {
        zero_rows
    } else {
        &[]
    };
    let th = name_hash(&t.name);
    let mut scratch: Vec<u8> = Vec::new();
    for (b, start) in (0..n).step_by(BLOCK).enumerate() {
        let len = BLOCK.min(n - start);
        let off = pool.offset(th, b as u64);
        let mut bytes: &[u8] = if f16 {
            &pool.f16[off * 2..(off + len) * 2]
        } else {
            scratch.clear();
            scratch.extend(
                pool.f32[off..off + len]
                    .iter()
                    .flat_map(|v| v.to_le_bytes()),
            );
            &scratch
        };
        let end = start + len;
        let hits: Vec<(usize, usize)> = zero
            .iter()
            .map(|r| (r * row, (r + 1) * row))
            .filter(|(a, z)| *a < end && *z > start)
            .collect();
        let mut owned;
        if !hits.is_empty() {
            owned = bytes.to_vec();
            for (a, z) in hits {
                owned[(a.max(start) - start) * width..(z.min(end) - start) * width].fill(0);
            }
            bytes = &owned;
        }
        w.write_all(bytes)?;
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

    #[test]
    fn normals_have_the_right_moments() {
        let mut v = vec![0f32; 1 << 20];
        normals(7, &mut v);
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
