//! Whether the host has the memory a model needs, asked before any worker starts: an
//! estimate from the GGUF's own metadata against the memory available now (or the figure
//! `--mem-available` gives). A model that cannot fit is refused with the numbers; one
//! that comes close is warned about.
//!
//! The estimate, and how each part is approximated:
//! - **weights**: the file's size. With mmap its pages count in the worker's resident
//!   memory as they are touched, and every weight is touched by a forward pass;
//! - **KV cache**: `n_ctx` × Σ over layers of `head_count_kv` × (`key_length` +
//!   `value_length`) × 2 bytes (llama.cpp's default f16 cache). A per-layer
//!   `head_count_kv` array (LFM2: 0 on its convolution layers) is summed as given;
//!   recurrent and convolution states are small and left out;
//! - **compute buffers**: llama.cpp sizes them from the worst-case graph; approximated as
//!   the logits of one batch (`n_batch` × `n_vocab` × 4 bytes) plus the attention scores
//!   of one batch over the context (`n_batch` × `n_ctx` × `head_count` × 4 bytes) plus 64
//!   MiB of activations and runtime. It errs on the high side for small models.
//!
//! Only one worker runs at a time, so each model is held against the whole figure.

use std::path::Path;

use anyhow::{Result, bail};

use crate::gguf::{Gguf, Value};

/// A model's estimated memory need, in bytes, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub weights: u64,
    pub kv: u64,
    pub compute: u64,
}

impl Need {
    pub fn total(&self) -> u64 {
        self.weights
            .saturating_add(self.kv)
            .saturating_add(self.compute)
    }

    pub fn describe(&self) -> String {
        format!(
            "needs about {} (weights {} + KV cache {} + compute buffers {}, approximated)",
            gib(self.total()),
            gib(self.weights),
            gib(self.kv),
            gib(self.compute)
        )
    }
}

/// A need within this share of what is available is warned about.
const CLOSE: f64 = 0.8;

/// What to do about a model, given its need and the memory available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    Fits,
    Close(String),
    TooBig(String),
}

pub fn judge(need: &Need, available: u64, source: &str) -> Fit {
    let total = need.total();
    if total > available {
        Fit::TooBig(format!(
            "{}, but {} is available ({source})\n      help: free memory, use a smaller quant or n_ctx, or pass --mem-available if the figure is wrong",
            need.describe(),
            gib(available)
        ))
    } else if total as f64 > CLOSE * available as f64 {
        Fit::Close(format!(
            "{}, of {} available ({source}): close to the limit, the OS may swap or kill the worker",
            need.describe(),
            gib(available)
        ))
    } else {
        Fit::Fits
    }
}

/// The estimate for the GGUF at `path` at `n_ctx` and `n_batch`.
pub fn estimate(path: &Path, n_ctx: u32, n_batch: u32) -> Result<Need> {
    let g = crate::gguf::read(path)?;
    Ok(estimate_of(&g, n_ctx, n_batch))
}

/// The estimate from a parsed header (see the module documentation for the formula).
pub fn estimate_of(g: &Gguf, n_ctx: u32, n_batch: u32) -> Need {
    let arch = g.get_str("general.architecture").unwrap_or("");
    let key = |k: &str| format!("{arch}.{k}");
    let n_layer = g.get_u64(&key("block_count")).unwrap_or(0);
    let n_embd = g.get_u64(&key("embedding_length")).unwrap_or(0);
    let heads = per_layer(g.get(&key("attention.head_count")), n_layer);
    let heads_kv = match g.get(&key("attention.head_count_kv")) {
        Some(v) => per_layer(Some(v), n_layer),
        None => heads.clone(),
    };
    let n_head = heads.iter().copied().max().unwrap_or(0);
    let head_dim = n_embd.checked_div(n_head).unwrap_or(0);
    let k_len = g.get_u64(&key("attention.key_length")).unwrap_or(head_dim);
    let v_len = g
        .get_u64(&key("attention.value_length"))
        .unwrap_or(head_dim);
    let per_token: u64 = heads_kv
        .iter()
        .map(|h| {
            h.saturating_mul(k_len.saturating_add(v_len))
                .saturating_mul(2)
        })
        .fold(0u64, u64::saturating_add);
    let n_vocab = match g.get("tokenizer.ggml.tokens") {
        Some(Value::Array(_, items)) => items.len() as u64,
        _ => 0,
    };
    let (ctx, batch) = (u64::from(n_ctx), u64::from(n_batch.min(n_ctx.max(1))));
    let compute = batch
        .saturating_mul(n_vocab)
        .saturating_mul(4)
        .saturating_add(
            batch
                .saturating_mul(ctx)
                .saturating_mul(n_head)
                .saturating_mul(4),
        )
        .saturating_add(64 << 20);
    Need {
        weights: g.file_bytes,
        kv: ctx.saturating_mul(per_token),
        compute,
    }
}

/// A per-layer figure given as one number or as an array, one value per layer.
fn per_layer(v: Option<&Value>, n_layer: u64) -> Vec<u64> {
    match v {
        Some(Value::Array(_, items)) => items.iter().map(|x| x.as_u64().unwrap_or(0)).collect(),
        Some(x) => vec![x.as_u64().unwrap_or(0); usize::try_from(n_layer).unwrap_or(0)],
        None => Vec::new(),
    }
}

/// Memory available to a new process now, and where the figure came from: the kernel's
/// MemAvailable, lowered to what a cgroup (v2 `memory.max`) still allows.
pub fn available() -> Option<(u64, String)> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let mut out = (kb * 1024, "MemAvailable in /proc/meminfo".to_string());
    let read = |p: &str| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok();
    if let (Some(max), Some(cur)) = (
        read("/sys/fs/cgroup/memory.max"),
        read("/sys/fs/cgroup/memory.current"),
    ) {
        let left = max.saturating_sub(cur);
        if left < out.0 {
            out = (left, "the cgroup's memory.max less memory.current".into());
        }
    }
    Some(out)
}

/// A size such as `512M`, `2G`, `1.5GiB` or a number of bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = match num.parse() {
        Ok(n) => n,
        Err(_) => {
            bail!("`{s}` is not a size\n  help: give bytes or a number with K, M or G, e.g. 8G")
        }
    };
    let mult: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        other => bail!("`{s}`: unknown unit `{other}`\n  help: use K, M, G or T (powers of 1024)"),
    };
    Ok((n * mult as f64) as u64)
}

fn gib(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.2} GiB", b as f64 / f64::from(1u32 << 30))
    } else {
        format!("{:.0} MiB", b as f64 / f64::from(1u32 << 20))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units_and_refuse_junk() {
        assert_eq!(parse_size("512M").expect("512M"), 512 << 20);
        assert_eq!(parse_size("2G").expect("2G"), 2 << 30);
        assert_eq!(parse_size("1.5GiB").expect("1.5GiB"), 3 << 29);
        assert_eq!(parse_size("1000").expect("bytes"), 1000);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3X").is_err());
    }

    #[test]
    fn kv_follows_the_per_layer_head_counts_and_the_context() {
        let mut g = Gguf {
            version: 3,
            kv: Vec::new(),
            tensors: Vec::new(),
            alignment: 32,
            data_offset: 0,
            file_bytes: 100 << 20,
        };
        g.kv = vec![
            ("general.architecture".into(), Value::str("lfm2")),
            ("lfm2.block_count".into(), Value::U32(4)),
            ("lfm2.embedding_length".into(), Value::U32(1024)),
            ("lfm2.attention.head_count".into(), Value::U32(16)),
            // Two attention layers with 8 KV heads, two convolution layers.
            (
                "lfm2.attention.head_count_kv".into(),
                Value::i32s([8, 0, 8, 0]),
            ),
        ];
        let n = estimate_of(&g, 4096, 512);
        // 4096 tokens × 2 layers × 8 heads × (64 + 64) × 2 bytes.
        assert_eq!(n.kv, 4096 * 2 * 8 * 128 * 2);
        assert_eq!(n.weights, 100 << 20);
        let doubled = estimate_of(&g, 8192, 512);
        assert_eq!(doubled.kv, 2 * n.kv);
        assert!(doubled.compute > n.compute);
    }

    #[test]
    fn too_big_is_refused_with_numbers_close_is_warned() {
        let need = Need {
            weights: 700 << 20,
            kv: 200 << 20,
            compute: 100 << 20,
        };
        match judge(&need, 512 << 20, "--mem-available") {
            Fit::TooBig(m) => {
                assert!(m.contains("needs about 1000 MiB"), "{m}");
                assert!(m.contains("512 MiB is available (--mem-available)"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(judge(&need, 1100 << 20, "x"), Fit::Close(_)));
        assert_eq!(judge(&need, 4 << 30, "x"), Fit::Fits);
    }
}
