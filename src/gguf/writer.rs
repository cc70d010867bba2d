//! Writing GGUF v3 files: header, metadata, tensor infos, alignment padding, data.
//!
//! The tensor data is streamed: the caller writes each tensor's bytes when asked, so a
//! multi-gigabyte file never has to be held in memory.

use std::io::{self, Write};

use super::reader::{DEFAULT_ALIGNMENT, MAX_DIMS, MAX_NAME, align_up};
use super::types::GgmlType;
use super::value::{Value, ValueType};

/// A tensor to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorSpec {
    pub name: String,
    /// ne[0], ne[1], … (ne[0] is the contiguous dimension, as llama.cpp lists shapes).
    pub dims: Vec<u64>,
    pub ty: GgmlType,
}

impl TensorSpec {
    pub fn new(name: impl Into<String>, dims: &[u64], ty: GgmlType) -> TensorSpec {
        TensorSpec {
            name: name.into(),
            dims: dims.to_vec(),
            ty,
        }
    }
    pub fn n_elements(&self) -> u64 {
        self.dims.iter().fold(1u64, |a, d| a.saturating_mul(*d))
    }
    pub fn n_bytes(&self) -> u64 {
        self.ty.n_bytes(self.n_elements()).unwrap_or(u64::MAX)
    }
}

/// A GGUF file being assembled.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    pub kv: Vec<(String, Value)>,
    pub tensors: Vec<TensorSpec>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Set a metadata value (replacing an earlier one of the same key).
    pub fn set(&mut self, key: &str, value: Value) {
        match self.kv.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.kv.push((key.to_string(), value)),
        }
    }

    pub fn add_tensor(&mut self, t: TensorSpec) {
        self.tensors.push(t);
    }

    fn alignment(&self) -> u64 {
        match self.kv.iter().find(|(k, _)| k == "general.alignment") {
            Some((_, Value::U32(a))) if a.is_power_of_two() => u64::from(*a),
            _ => DEFAULT_ALIGNMENT,
        }
    }

    /// Check what llama.cpp would refuse before anything is written.
    fn validate(&self) -> io::Result<()> {
        let bad = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        if let Some((_, v)) = self.kv.iter().find(|(k, _)| k == "general.alignment")
            && !matches!(v, Value::U32(a) if a.is_power_of_two())
        {
            return Err(bad("general.alignment must be a u32 power of two".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for (k, v) in &self.kv {
            if k.is_empty() || !seen.insert(k.as_str()) {
                return Err(bad(format!("empty or duplicate metadata key `{k}`")));
            }
            if let Value::Array(ty, items) = v
                && (*ty == ValueType::Array || items.iter().any(|i| i.ty() != *ty))
            {
                return Err(bad(format!("`{k}` mixes element types or nests arrays")));
            }
        }
        let mut names = std::collections::HashSet::new();
        for t in &self.tensors {
            if t.name.len() >= MAX_NAME || !names.insert(t.name.as_str()) {
                return Err(bad(format!(
                    "tensor name `{}` too long or repeated",
                    t.name
                )));
            }
            if t.dims.is_empty() || t.dims.len() > MAX_DIMS as usize {
                return Err(bad(format!(
                    "tensor `{}` has {} dims",
                    t.name,
                    t.dims.len()
                )));
            }
            if t.dims[0] % t.ty.block != 0 {
                return Err(bad(format!(
                    "tensor `{}`: rows of {} elements are not whole {} blocks",
                    t.name, t.dims[0], t.ty.name
                )));
            }
        }
        Ok(())
    }

    /// Write the header to `w`: magic, metadata, tensor infos and the padding up to the
    /// first tensor's data. Returns its length, the offset of the tensor data.
    pub fn write_header<W: Write>(&self, w: W) -> io::Result<u64> {
        let mut w = Counting { w, n: 0 };
        self.header(&mut w)?;
        w.flush()?;
        Ok(w.n)
    }

    /// The header's length in bytes (what [`Writer::write_header`] would write).
    pub fn header_len(&self) -> io::Result<u64> {
        self.write_header(io::sink())
    }

    fn header<W: Write>(&self, w: &mut Counting<W>) -> io::Result<()> {
        self.validate()?;
        let align = self.alignment();
        w.write_all(b"GGUF")?;
        w.write_all(&3u32.to_le_bytes())?;
        w.write_all(&(self.tensors.len() as u64).to_le_bytes())?;
        w.write_all(&(self.kv.len() as u64).to_le_bytes())?;
        for (k, v) in &self.kv {
            write_str(w, k)?;
            w.write_all(&v.ty().id().to_le_bytes())?;
            write_value(w, v)?;
        }
        let mut offset = 0u64;
        for t in &self.tensors {
            write_str(w, &t.name)?;
            w.write_all(&(t.dims.len() as u32).to_le_bytes())?;
            for d in &t.dims {
                w.write_all(&d.to_le_bytes())?;
            }
            w.write_all(&t.ty.id.to_le_bytes())?;
            w.write_all(&offset.to_le_bytes())?;
            offset = align_up(t.n_bytes(), align)
                .and_then(|n| offset.checked_add(n))
                .ok_or_else(|| io::Error::other("tensor sizes overflow"))?;
        }
        if !self.tensors.is_empty() {
            pad(w, align)?;
        }
        Ok(())
    }

    /// Write the file to `w`; `data(i, spec, out)` must write exactly `spec.n_bytes()` bytes
    /// of tensor `i`. Returns the number of bytes written.
    pub fn write<W: Write>(
        &self,
        w: W,
        data: &mut dyn FnMut(usize, &TensorSpec, &mut dyn Write) -> io::Result<()>,
    ) -> io::Result<u64> {
        let align = self.alignment();
        let mut w = Counting { w, n: 0 };
        self.header(&mut w)?;
        for (i, t) in self.tensors.iter().enumerate() {
            let before = w.n;
            data(i, t, &mut w)?;
            let wrote = w.n - before;
            if wrote != t.n_bytes() {
                return Err(io::Error::other(format!(
                    "tensor `{}`: {wrote} bytes written, {} expected",
                    t.name,
                    t.n_bytes()
                )));
            }
            if i + 1 < self.tensors.len() {
                pad(&mut w, align)?;
            }
        }
        w.flush()?;
        Ok(w.n)
    }
}

struct Counting<W> {
    w: W,
    n: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.w.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

fn pad<W: Write>(w: &mut Counting<W>, align: u64) -> io::Result<()> {
    let to = align_up(w.n, align).ok_or_else(|| io::Error::other("offset overflow"))?;
    let zeros = [0u8; 64];
    let mut left = to - w.n;
    while left > 0 {
        let k = left.min(zeros.len() as u64) as usize;
        w.write_all(&zeros[..k])?;
        left -= k as u64;
    }
    Ok(())
}

fn write_str<W: Write>(w: &mut W, s: &str) -> io::Result<()> {
    w.write_all(&(s.len() as u64).to_le_bytes())?;
    w.write_all(s.as_bytes())
}

fn write_value<W: Write>(w: &mut W, v: &Value) -> io::Result<()> {
    match v {
        Value::U8(x) => w.write_all(&x.to_le_bytes()),
        Value::I8(x) => w.write_all(&x.to_le_bytes()),
        Value::U16(x) => w.write_all(&x.to_le_bytes()),
        Value::I16(x) => w.write_all(&x.to_le_bytes()),
        Value::U32(x) => w.write_all(&x.to_le_bytes()),
        Value::I32(x) => w.write_all(&x.to_le_bytes()),
        Value::F32(x) => w.write_all(&x.to_le_bytes()),
        Value::Bool(x) => w.write_all(&[u8::from(*x)]),
        Value::Str(s) => write_str(w, s),
        Value::U64(x) => w.write_all(&x.to_le_bytes()),
        Value::I64(x) => w.write_all(&x.to_le_bytes()),
        Value::F64(x) => w.write_all(&x.to_le_bytes()),
        Value::Array(ty, items) => {
            w.write_all(&ty.id().to_le_bytes())?;
            w.write_all(&(items.len() as u64).to_le_bytes())?;
            for i in items {
                write_value(w, i)?;
            }
            Ok(())
        }
    }
}

/// IEEE half precision from single, rounding to nearest even (as ggml's
/// `ggml_compute_fp32_to_fp16` does on hardware without F16C).
pub fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xFF) as i32;
    let man = bits & 0x007F_FFFF;
    if exp == 0xFF {
        // Inf or NaN (keep NaN a NaN).
        return sign | 0x7C00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1F {
        return sign | 0x7C00; // overflow to infinity
    }
    if e <= 0 {
        // Subnormal half (or zero).
        if e < -10 {
            return sign;
        }
        let m = man | 0x0080_0000;
        let shift = (14 - e) as u32;
        let half = 1u32 << (shift - 1);
        let rest = m & ((1u32 << shift) - 1);
        let mut h = m >> shift;
        if rest > half || (rest == half && (h & 1) == 1) {
            h += 1;
        }
        return sign | h as u16;
    }
    let mut h = ((e as u32) << 10) | (man >> 13);
    let rest = man & 0x1FFF;
    if rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1) {
        h += 1; // may carry into the exponent, which is right (up to infinity)
    }
    sign | h as u16
}

/// Append `src` to `dst` as little-endian IEEE halves, rounded as [`f32_to_f16`] rounds
/// (by the CPU's F16C instructions where it has them: ten times faster, which matters for
/// the gigabytes a twin is made of).
pub fn extend_f16_le(dst: &mut Vec<u8>, src: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("f16c") {
        // SAFETY: the CPU supports F16C (and so AVX), checked just above.
        unsafe { extend_f16_le_f16c(dst, src) };
        return;
    }
    dst.extend(src.iter().flat_map(|v| f32_to_f16(*v).to_le_bytes()));
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,f16c")]
fn extend_f16_le_f16c(dst: &mut Vec<u8>, src: &[f32]) {
    use std::arch::x86_64::{
        __m128i, _MM_FROUND_TO_NEAREST_INT, _mm_storeu_si128, _mm256_cvtps_ph, _mm256_loadu_ps,
    };
    dst.reserve(src.len() * 2);
    let chunks = src.chunks_exact(8);
    let rest = chunks.remainder();
    let mut half = [0u8; 16];
    for c in chunks {
        // SAFETY: `c` holds 8 f32 and `half` 16 bytes; both intrinsics take unaligned
        // pointers.
        unsafe {
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(_mm256_loadu_ps(c.as_ptr()));
            _mm_storeu_si128(half.as_mut_ptr().cast::<__m128i>(), h);
        }
        dst.extend_from_slice(&half);
    }
    dst.extend(rest.iter().flat_map(|v| f32_to_f16(*v).to_le_bytes()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion_matches_ggml() {
        let samples = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.02,
            -0.02,
            65504.0,
            65520.0,
            1e-5,
            6.1e-5,
            3e-8,
            1e-9,
            0.1,
            0.333_333,
            1234.567,
            f32::INFINITY,
            -f32::INFINITY,
        ];
        for x in samples {
            // SAFETY: pure conversion function of ggml.
            let want = unsafe { llama_cpp_sys_2::ggml_fp32_to_fp16(x) };
            assert_eq!(f32_to_f16(x), want, "f16 of {x}");
        }
        // A sweep of small magnitudes, where twin weights live.
        let mut x = 1e-8f32;
        while x < 10.0 {
            // SAFETY: as above.
            let want = unsafe { llama_cpp_sys_2::ggml_fp32_to_fp16(x) };
            assert_eq!(f32_to_f16(x), want, "f16 of {x}");
            x *= 1.0137;
        }
        assert_eq!(f32_to_f16(f32::NAN) & 0x7C00, 0x7C00);
        assert_ne!(f32_to_f16(f32::NAN) & 0x03FF, 0);
    }

    /// The batch conversion (F16C where present) gives exactly the scalar one's bits,
    /// rounding ties, subnormals and the tail past the last group of 8 included.
    #[test]
    fn batch_f16_conversion_matches_the_scalar_one() {
        let mut xs: Vec<f32> = Vec::new();
        let mut x = 1e-9f32;
        while x < 70_000.0 {
            xs.extend([
                x,
                -x,
                x * (1.0 + 1.0 / 2048.0),
                f32::from_bits(x.to_bits() | 0x1000),
            ]);
            x *= 1.0137;
        }
        // Exact ties between two halves: odd and even last kept bits.
        xs.extend([1.0 + 1.0 / 2048.0, 1.0 + 3.0 / 2048.0, 0.0, -0.0, 65_520.0]);
        xs.push(0.3); // a tail of one
        let mut got = Vec::new();
        extend_f16_le(&mut got, &xs);
        let want: Vec<u8> = xs
            .iter()
            .flat_map(|v| f32_to_f16(*v).to_le_bytes())
            .collect();
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.chunks(2).zip(want.chunks(2)).enumerate() {
            assert_eq!(g, w, "f16 of {}", xs[i]);
        }
    }
}
