//! A GGUF header parser that trusts nothing it reads.
//!
//! Layout (ggml/include/gguf.h of the vendored llama.cpp; versions 2 and 3 share it):
//! magic "GGUF", u32 version, u64 tensor count, u64 metadata count, the metadata
//! (key string, u32 type, value; arrays are u32 element type, u64 count, elements), the
//! tensor infos (name string, u32 n_dims, u64 × n_dims, u32 ggml type, u64 offset), padding
//! to `general.alignment` (default 32), then the tensor data.
//!
//! Every length and count is checked against a hard limit and against the bytes the file
//! still has before anything is allocated from it, all arithmetic is checked, and the
//! checks llama.cpp's own loader (`ggml/src/gguf.cpp`) makes are made here too, so a file
//! that passes would also pass there. Nothing here panics, whatever the input.

use std::collections::HashSet;
use std::io::Read;

use super::types::{GgmlType, ggml_type};
use super::value::{Value, ValueType};

/// GGUF's default data alignment (gguf.h, GGUF_DEFAULT_ALIGNMENT).
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml's GGML_MAX_DIMS.
pub const MAX_DIMS: u32 = 4;
/// ggml's GGML_MAX_NAME: tensor names must be shorter.
pub const MAX_NAME: usize = 64;

/// Limits far above any real model, low enough that a hostile header cannot make the
/// reader allocate or loop without end.
pub const MAX_TENSORS: u64 = 1 << 20;
pub const MAX_KV: u64 = 1 << 20;
pub const MAX_STRING: u64 = 1 << 28;
pub const MAX_ARRAY: u64 = 1 << 28;

/// Why a byte stream is not a usable GGUF file. The file name is added by the caller.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a GGUF file: it starts with {found:?}, a GGUF file starts with \"GGUF\"")]
    NotGguf { found: String },
    #[error("unsupported GGUF version {version}{hint}")]
    UnsupportedVersion { version: u32, hint: &'static str },
    #[error("truncated: {what} needs the file to be at least {need} bytes long, but it has {have}")]
    Truncated { what: String, need: u64, have: u64 },
    #[error("corrupt header: {what} is {value}, more than the limit of {limit}")]
    Absurd {
        what: String,
        value: u64,
        limit: u64,
    },
    #[error("corrupt header: {0}")]
    Invalid(String),
    #[error("no general.architecture in the metadata")]
    NoArchitecture,
    #[error(
        "architecture `{0}` is unknown to the llama.cpp this lfmbench is built with (llama-cpp-2 {ver}: its llama.cpp knows {n} architectures)",
        n = super::arch::KNOWN.len(),
        ver = super::arch::LLAMA_CPP_SYS_VERSION
    )]
    UnknownArchitecture(String),
}

impl GgufError {
    /// What the user can do about it.
    pub fn help(&self) -> &'static str {
        match self {
            GgufError::Io(_) => "check the path and the file's permissions",
            GgufError::NotGguf { .. } => {
                "check the path; a failed download often saves an HTML or JSON error page under the model's name — download the .gguf file again"
            }
            GgufError::UnsupportedVersion { .. } => {
                "llama.cpp reads GGUF versions 2 and 3; convert the model again with a current llama.cpp (convert_hf_to_gguf.py)"
            }
            GgufError::Truncated { .. } => {
                "the file is incomplete (an interrupted download or copy); download it again and compare its size or sha256 with the published one"
            }
            GgufError::Absurd { .. } | GgufError::Invalid(_) => {
                "the file is damaged or not written by a GGUF writer; download or convert it again"
            }
            GgufError::NoArchitecture => {
                "llama.cpp cannot load a GGUF without general.architecture; convert the model again with llama.cpp's convert_hf_to_gguf.py"
            }
            GgufError::UnknownArchitecture(_) => {
                "use a model of an architecture this llama.cpp supports (see `lfmbench twin --list` for the ones lfmbench catalogues), or build lfmbench against a newer llama-cpp-2"
            }
        }
    }
}

/// One tensor as the header describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// ne[0], ne[1], … (ne[0] is the contiguous dimension).
    pub dims: Vec<u64>,
    pub ty: GgmlType,
    /// Offset from the start of the data section.
    pub offset: u64,
    pub n_elements: u64,
    pub n_bytes: u64,
}

/// A parsed GGUF header.
#[derive(Debug, Clone, PartialEq)]
pub struct Gguf {
    pub version: u32,
    /// Metadata in file order.
    pub kv: Vec<(String, Value)>,
    pub tensors: Vec<TensorInfo>,
    pub alignment: u64,
    /// Where the data section starts.
    pub data_offset: u64,
    /// Length of the file (or buffer) read.
    pub file_bytes: u64,
}

impl Gguf {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.kv.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
    /// Any integer value that fits u64 (GGUF writers differ in the integer type they use).
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(Value::as_u64)
    }
}

/// Counts bytes, checks every read against the length of the input.
struct Src<R> {
    r: R,
    pos: u64,
    len: u64,
}

impl<R: Read> Src<R> {
    fn need(&self, n: u64, what: &dyn Fn() -> String) -> Result<(), GgufError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(GgufError::Truncated {
                what: what(),
                need: self.pos.saturating_add(n),
                have: self.len,
            }),
        }
    }

    fn bytes<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N], GgufError> {
        self.need(N as u64, what)?;
        let mut b = [0u8; N];
        self.r
            .read_exact(&mut b)
            .map_err(|e| eof_as_truncated(e, self, what))?;
        self.pos += N as u64;
        Ok(b)
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.bytes(what)?))
    }
    fn u64(&mut self, what: &dyn Fn() -> String) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.bytes(what)?))
    }

    fn string(&mut self, what: &dyn Fn() -> String) -> Result<String, GgufError> {
        let n = self.u64(what)?;
        if n > MAX_STRING {
            return Err(GgufError::Absurd {
                what: format!("the length of {}", what()),
                value: n,
                limit: MAX_STRING,
            });
        }
        self.need(n, what)?;
        // n <= MAX_STRING and within the input: safe to allocate.
        let mut buf = vec![0u8; n as usize];
        self.r
            .read_exact(&mut buf)
            .map_err(|e| eof_as_truncated(e, self, what))?;
        self.pos += n;
        Ok(match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// Skip forward to `to` (padding before the data section).
    fn skip_to(&mut self, to: u64, what: &dyn Fn() -> String) -> Result<(), GgufError> {
        let n = to.saturating_sub(self.pos);
        self.need(n, what)?;
        let copied = std::io::copy(&mut (&mut self.r).take(n), &mut std::io::sink())?;
        if copied != n {
            return Err(GgufError::Truncated {
                what: what(),
                need: to,
                have: self.pos + copied,
            });
        }
        self.pos = to;
        Ok(())
    }
}

/// A read that hit the end although the length said the bytes were there (the file
/// shrank while being read, or a reader shorter than announced).
fn eof_as_truncated<R>(e: std::io::Error, s: &Src<R>, what: &dyn Fn() -> String) -> GgufError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        GgufError::Truncated {
            what: what(),
            need: s.len.saturating_add(1),
            have: s.len,
        }
    } else {
        GgufError::Io(e)
    }
}

/// Parse a whole header from `r`, an input of `len` bytes.
pub fn parse<R: Read>(r: R, len: u64) -> Result<Gguf, GgufError> {
    let mut s = Src { r, pos: 0, len };

    if len < 4 {
        let mut head = Vec::new();
        (&mut s.r).take(4).read_to_end(&mut head)?;
        // An empty file or the start of "GGUF" is a cut-off file, anything else is not GGUF.
        if head.as_slice() != &b"GGUF"[..head.len()] {
            return Err(GgufError::NotGguf {
                found: printable(&head),
            });
        }
        return Err(GgufError::Truncated {
            what: "the header".into(),
            need: 24,
            have: len,
        });
    }
    let magic: [u8; 4] = s.bytes(&|| "the magic".into())?;
    if &magic != b"GGUF" {
        return Err(GgufError::NotGguf {
            found: printable(&magic),
        });
    }
    let version = s.u32(&|| "the header".into())?;
    match version {
        2 | 3 => {}
        1 => {
            return Err(GgufError::UnsupportedVersion {
                version,
                hint: " (GGUF v1 is no longer read by llama.cpp)",
            });
        }
        v if v & 0xFFFF == 0 => {
            return Err(GgufError::UnsupportedVersion {
                version,
                hint: " (this looks like a big-endian file read on a little-endian machine)",
            });
        }
        _ => {
            return Err(GgufError::UnsupportedVersion { version, hint: "" });
        }
    }
    let n_tensors = s.u64(&|| "the header".into())?;
    let n_kv = s.u64(&|| "the header".into())?;
    if n_tensors > MAX_TENSORS {
        return Err(GgufError::Absurd {
            what: "the tensor count".into(),
            value: n_tensors,
            limit: MAX_TENSORS,
        });
    }
    if n_kv > MAX_KV {
        return Err(GgufError::Absurd {
            what: "the metadata count".into(),
            value: n_kv,
            limit: MAX_KV,
        });
    }

    // Metadata.
    let mut kv: Vec<(String, Value)> = Vec::with_capacity((n_kv as usize).min(1024));
    let mut seen = HashSet::new();
    for i in 0..n_kv {
        let key = s.string(&|| format!("the key of metadata entry {i}"))?;
        if key.is_empty() {
            return Err(GgufError::Invalid(format!(
                "metadata entry {i} has an empty key"
            )));
        }
        if !seen.insert(key.clone()) {
            return Err(GgufError::Invalid(format!(
                "duplicate metadata key `{key}`"
            )));
        }
        let what = || format!("the value of `{key}`");
        let ty_id = s.u32(&what)?;
        let value = match ValueType::from_id(ty_id) {
            Some(ValueType::Array) => {
                let elem_id = s.u32(&what)?;
                let elem = match ValueType::from_id(elem_id) {
                    Some(ValueType::Array) | None => {
                        return Err(GgufError::Invalid(format!(
                            "`{key}` is an array of type {elem_id}, which GGUF does not have (llama.cpp reads no nested arrays)"
                        )));
                    }
                    Some(t) => t,
                };
                let n = s.u64(&what)?;
                if n > MAX_ARRAY {
                    return Err(GgufError::Absurd {
                        what: format!("the element count of `{key}`"),
                        value: n,
                        limit: MAX_ARRAY,
                    });
                }
                // Each element takes at least this many bytes: fail before looping.
                s.need(n.saturating_mul(elem.min_size()), &what)?;
                let mut items = Vec::with_capacity((n as usize).min(1 << 16));
                for j in 0..n {
                    items.push(scalar(&mut s, elem, &|| format!("element {j} of `{key}`"))?);
                }
                Value::Array(elem, items)
            }
            Some(t) => scalar(&mut s, t, &what)?,
            None => {
                return Err(GgufError::Invalid(format!(
                    "`{key}` has value type {ty_id}, which GGUF does not have"
                )));
            }
        };
        kv.push((key, value));
    }

    let alignment = match kv.iter().find(|(k, _)| k == "general.alignment") {
        None => DEFAULT_ALIGNMENT,
        Some((_, Value::U32(a))) if *a != 0 && a.is_power_of_two() => u64::from(*a),
        Some((_, Value::U32(a))) => {
            return Err(GgufError::Invalid(format!(
                "general.alignment is {a}, not a power of two"
            )));
        }
        Some((_, v)) => {
            return Err(GgufError::Invalid(format!(
                "general.alignment must be a u32, it is a {}",
                v.type_name()
            )));
        }
    };

    // Tensor infos.
    let mut tensors: Vec<TensorInfo> = Vec::with_capacity((n_tensors as usize).min(4096));
    let mut names = HashSet::new();
    for i in 0..n_tensors {
        let name = s.string(&|| format!("the name of tensor {i}"))?;
        if name.len() >= MAX_NAME {
            return Err(GgufError::Invalid(format!(
                "tensor {i}'s name is {} bytes long; llama.cpp allows at most {}",
                name.len(),
                MAX_NAME - 1
            )));
        }
        if !names.insert(name.clone()) {
            return Err(GgufError::Invalid(format!("duplicate tensor `{name}`")));
        }
        let what = || format!("the info of tensor `{name}`");
        let n_dims = s.u32(&what)?;
        if n_dims > MAX_DIMS {
            return Err(GgufError::Invalid(format!(
                "tensor `{name}` has {n_dims} dimensions; ggml allows at most {MAX_DIMS}"
            )));
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        let mut n_elements: u64 = 1;
        for _ in 0..n_dims {
            let d = s.u64(&what)?;
            // llama.cpp holds dimensions and element counts in int64_t.
            n_elements = match n_elements.checked_mul(d) {
                Some(n) if d <= i64::MAX as u64 && n <= i64::MAX as u64 => n,
                _ => {
                    return Err(GgufError::Invalid(format!(
                        "tensor `{name}` has a shape whose element count overflows"
                    )));
                }
            };
            dims.push(d);
        }
        let ty_id = s.u32(&what)?;
        let Some(ty) = ggml_type(ty_id) else {
            return Err(GgufError::Invalid(format!(
                "tensor `{name}` has ggml type {ty_id}, which this llama.cpp does not know"
            )));
        };
        let ne0 = dims.first().copied().unwrap_or(1);
        if ne0 % ty.block != 0 {
            return Err(GgufError::Invalid(format!(
                "tensor `{name}` of type {} has rows of {ne0} elements, not a multiple of its block size {}",
                ty.name, ty.block
            )));
        }
        let Some(n_bytes) = ty.n_bytes(n_elements) else {
            return Err(GgufError::Invalid(format!(
                "tensor `{name}` is too large to address"
            )));
        };
        let offset = s.u64(&what)?;
        tensors.push(TensorInfo {
            name,
            dims,
            ty,
            offset,
            n_elements,
            n_bytes,
        });
    }

    // The data section starts at the next multiple of the alignment.
    let data_offset = if n_tensors > 0 {
        let Some(d) = align_up(s.pos, alignment) else {
            return Err(GgufError::Invalid(
                "the data section offset overflows".into(),
            ));
        };
        s.skip_to(d, &|| "the padding before the tensor data".into())?;
        d
    } else {
        s.pos
    };

    // llama.cpp requires tensors to be laid out in order, each padded to the alignment.
    let mut expect: u64 = 0;
    let mut furthest = data_offset;
    for t in &tensors {
        if t.offset != expect {
            return Err(GgufError::Invalid(format!(
                "tensor `{}` starts at data offset {}, llama.cpp expects {expect} (tensors must follow each other, each padded to {alignment} bytes)",
                t.name, t.offset
            )));
        }
        let end = data_offset
            .checked_add(t.offset)
            .and_then(|o| o.checked_add(t.n_bytes));
        let padded = align_up(t.n_bytes, alignment).and_then(|p| expect.checked_add(p));
        let (Some(end), Some(padded)) = (end, padded) else {
            return Err(GgufError::Invalid(format!(
                "tensor `{}` ends beyond any possible file size",
                t.name
            )));
        };
        furthest = furthest.max(end);
        expect = padded;
    }
    if furthest > len {
        let last = tensors
            .iter()
            .max_by_key(|t| t.offset.saturating_add(t.n_bytes))
            .map_or(String::new(), |t| format!(" (tensor `{}`)", t.name));
        return Err(GgufError::Truncated {
            what: format!("the tensor data{last}"),
            need: furthest,
            have: len,
        });
    }

    Ok(Gguf {
        version,
        kv,
        tensors,
        alignment,
        data_offset,
        file_bytes: len,
    })
}

fn scalar<R: Read>(
    s: &mut Src<R>,
    t: ValueType,
    what: &dyn Fn() -> String,
) -> Result<Value, GgufError> {
    Ok(match t {
        ValueType::U8 => Value::U8(u8::from_le_bytes(s.bytes(what)?)),
        ValueType::I8 => Value::I8(i8::from_le_bytes(s.bytes(what)?)),
        ValueType::U16 => Value::U16(u16::from_le_bytes(s.bytes(what)?)),
        ValueType::I16 => Value::I16(i16::from_le_bytes(s.bytes(what)?)),
        ValueType::U32 => Value::U32(s.u32(what)?),
        ValueType::I32 => Value::I32(i32::from_le_bytes(s.bytes(what)?)),
        ValueType::F32 => Value::F32(f32::from_le_bytes(s.bytes(what)?)),
        ValueType::Bool => Value::Bool(u8::from_le_bytes(s.bytes(what)?) != 0),
        ValueType::Str => Value::Str(s.string(what)?),
        ValueType::U64 => Value::U64(s.u64(what)?),
        ValueType::I64 => Value::I64(i64::from_le_bytes(s.bytes(what)?)),
        ValueType::F64 => Value::F64(f64::from_le_bytes(s.bytes(what)?)),
        ValueType::Array => {
            return Err(GgufError::Invalid(format!("{} is a nested array", what())));
        }
    })
}

/// `x` rounded up to a multiple of `a` (a power of two), None on overflow.
pub fn align_up(x: u64, a: u64) -> Option<u64> {
    let m = a.checked_sub(1)?;
    x.checked_add(m).map(|v| v & !m)
}

/// Bytes shown as text where printable, for "it starts with …".
fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '.'
            }
        })
        .collect()
}
