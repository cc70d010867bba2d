//! Shape twins: GGUF files with random weights in the exact shapes of a published model.
//!
//! OWNED BY: the twin work (issue 3).
//!
//! A twin has the published model's architecture, tensor names and shapes, metadata,
//! vocabulary size and chat-template family, and is quantized by llama.cpp itself, so it
//! loads, runs and weighs like the real model and prefills at its speed. Decode speed on
//! CPU also depends on how the weights' block scales spread (see [`generate`]): twins'
//! magnitudes vary by tensor, row and column like real checkpoints', and decode within
//! 2-9% of the two real files the registries ship (README, "Shape twins"). Its text is
//! meaningless. Modules:
//! - [`catalogue`]: the architectures, with cited hyperparameters;
//! - [`model`]: tensor list and metadata per family, as llama.cpp's loader wants them;
//! - [`vocab`]: a tokenizer of the exact vocabulary size with the template's tokens;
//! - [`generate`]: seeded random weights, streamed to an F16 GGUF;
//! - [`quantize`]: `llama_model_quantize` to the requested type;
//! - [`size`]: the file a twin will be, from llama.cpp's dry run, without making it.

pub mod catalogue;
pub mod generate;
pub mod model;
pub mod quantize;
pub mod size;
pub mod vocab;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::cli::TwinArgs;
use crate::config::ModelEntry;

/// What generating a twin took.
#[derive(Debug, Clone)]
pub struct Made {
    pub path: PathBuf,
    pub bytes: u64,
    pub n_params: u64,
    pub quant: &'static str,
    /// Seconds writing the F16 weights.
    pub f16_s: f64,
    /// Seconds llama.cpp spent quantizing (0 for F16).
    pub quantize_s: f64,
}

/// `lfmbench twin …`
pub fn cli(args: &TwinArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        println!("{}", list_table());
        return Ok(ExitCode::SUCCESS);
    }
    let Some(name) = args.arch.as_deref() else {
        bail!("name an architecture (see `lfmbench twin --list`)");
    };
    let arch = find(name)?;
    let (quant, _) = quantize::parse_quant(&args.quant)?;
    if args.dry_run {
        let p = size::planned(arch, quant, &std::env::temp_dir())?;
        let mut by_type: Vec<(&str, usize)> = Vec::new();
        for (_, ty) in &p.tensors {
            match by_type.iter_mut().find(|(n, _)| *n == ty.name) {
                Some((_, c)) => *c += 1,
                None => by_type.push((ty.name, 1)),
            }
        }
        let types: Vec<String> = by_type.iter().map(|(n, c)| format!("{c} {n}")).collect();
        println!(
            "{} shape twin, {quant}: {} bytes ({:.1} MB), {} tensors ({}); nothing written",
            arch.display,
            p.bytes,
            p.bytes as f64 / 1e6,
            p.tensors.len(),
            types.join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    }
    let out = match &args.output {
        Some(p) => p.clone(),
        None => PathBuf::from("models/twins").join(default_file_name(arch.name, quant, args.seed)),
    };
    let made = generate(arch, quant, args.seed, &out)?;
    println!(
        "{}: {} shape twin, {}, {:.1} M parameters, {:.1} MB (weights {:.1} s, quantization {:.1} s)",
        made.path.display(),
        arch.display,
        made.quant,
        made.n_params as f64 / 1e6,
        made.bytes as f64 / 1e6,
        made.f16_s,
        made.quantize_s
    );
    Ok(ExitCode::SUCCESS)
}

/// `models/twins/<name>-<quant>.gguf`, as `ModelEntry::resolved_path` names it (seed 0).
pub fn default_file_name(arch: &str, quant: &str, seed: u64) -> String {
    let q = quant.to_ascii_lowercase();
    if seed == 0 {
        format!("{arch}-{q}.gguf")
    } else {
        format!("{arch}-{q}-seed{seed}.gguf")
    }
}

fn find(name: &str) -> anyhow::Result<&'static catalogue::Arch> {
    catalogue::find(name).with_context(|| {
        format!(
            "no catalogued architecture `{name}`\n  help: use one of {} (`lfmbench twin --list`)",
            catalogue::names()
        )
    })
}

/// Make sure the twin file for `entry` exists at `path`, generating it if needed.
pub fn ensure(entry: &ModelEntry, path: &Path) -> anyhow::Result<()> {
    let Some(name) = entry.twin.as_deref() else {
        bail!("model `{}` is not a twin (no `twin = …`)", entry.id);
    };
    let arch = find(name).with_context(|| format!("model `{}` in models.toml", entry.id))?;
    let quant = entry.quant.as_deref().unwrap_or("F16");
    quantize::parse_quant(quant).with_context(|| format!("model `{}` in models.toml", entry.id))?;
    let announce = || eprintln!("generating twin {} → {}", entry.id, path.display());
    let made = ensure_file(arch, quant, path, announce)
        .with_context(|| format!("cannot generate the twin of model `{}`", entry.id))?;
    if let Some(made) = made {
        eprintln!(
            "twin {}: {:.1} MB in {:.1} s",
            entry.id,
            made.bytes as f64 / 1e6,
            made.f16_s + made.quantize_s
        );
    }
    Ok(())
}

/// Make sure `path` holds the seed-0 twin of `arch` in `quant` from this generator
/// version; generates it (calling `announce` first, returning what that took) when it
/// does not.
pub fn ensure_file(
    arch: &catalogue::Arch,
    quant: &str,
    path: &Path,
    announce: impl FnOnce(),
) -> anyhow::Result<Option<Made>> {
    let (quant, _) = quantize::parse_quant(quant)?;
    if is_current(path, arch.name, quant) {
        return Ok(None);
    }
    // Never overwrite a real model: only a twin (of another version or quant) or an
    // unreadable leftover is replaced.
    if let Ok(info) = crate::gguf::read_info(path)
        && info.twin.is_none()
    {
        bail!(
            "{} is a real model ({} {}), not a twin; refusing to overwrite it\n  help: point the twin elsewhere, or remove `twin = …` to run the file as it is",
            path.display(),
            info.architecture,
            info.quant
        );
    }
    // One generation at a time in a process: it uses every core already, and two
    // threads asking for the same file get it made once.
    let _one = GENERATING.lock().unwrap_or_else(|e| e.into_inner());
    // And across processes (two runs started together needing the same twin): the second
    // waits for the first and then finds the file current, instead of making it again and
    // replacing a file the first run is already measuring. (Without the lock both would
    // still write their own temporary files and rename whole files into place.)
    let _lock = FileLock::exclusive(path)?;
    if is_current(path, arch.name, quant) {
        return Ok(None);
    }
    // (The caller says which model it is generating for; generate reports progress.)
    announce();
    generate(arch, quant, 0, path).map(Some)
}

static GENERATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// An exclusive advisory lock (`flock`) on `.<file>.lock` beside a file, held until
/// dropped. The lock file is left in place (empty); the kernel frees the lock when the
/// process ends, however it ends.
struct FileLock(#[allow(dead_code)] std::fs::File);

impl FileLock {
    fn exclusive(path: &Path) -> anyhow::Result<FileLock> {
        let file = path
            .file_name()
            .with_context(|| format!("{}: not a file path", path.display()))?
            .to_string_lossy()
            .into_owned();
        let lock = path.with_file_name(format!(".{file}.lock"));
        if let Some(d) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .with_context(|| format!("cannot open the lock file {}", lock.display()))?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            loop {
                // SAFETY: a valid open descriptor; flock has no other precondition.
                let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
                if r == 0 {
                    break;
                }
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e).with_context(|| format!("cannot lock {}", lock.display()));
                }
            }
        }
        Ok(FileLock(f))
    }
}

/// Is `path` a twin of `arch` in `quant` made by this generator version?
pub fn is_current(path: &Path, arch: &str, quant: &str) -> bool {
    let Ok(g) = crate::gguf::read(path) else {
        return false;
    };
    let Ok(info) = crate::gguf::info_of(&g) else {
        return false;
    };
    info.twin.is_some_and(|t| t.of == arch)
        && info.quant == quant
        && g.get_u64(model::VERSION_KEY) == Some(u64::from(model::GENERATOR_VERSION))
}

/// Removes a temporary file when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Generate the twin of `arch` quantized as `quant` with `seed` at `out`, atomically:
/// temporary files beside `out`, renamed into place only when complete and checked.
pub fn generate(
    arch: &catalogue::Arch,
    quant: &str,
    seed: u64,
    out: &Path,
) -> anyhow::Result<Made> {
    let (quant, ftype) = quantize::parse_quant(quant)?;
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let file = out
        .file_name()
        .with_context(|| format!("{}: not a file path", out.display()))?
        .to_string_lossy()
        .into_owned();
    // Unique per process and call: concurrent generations never share a temporary file.
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = |suffix: &str| {
        TempFile(out.with_file_name(format!(
            ".{file}.{}-{call}.{suffix}.tmp~",
            std::process::id()
        )))
    };
    let threads = crate::measure::host::physical_cores().max(1);

    let t0 = Instant::now();
    let f16 = tmp("f16");
    let f16_bytes = generate::write_f16(arch, seed, &f16.0)?;
    let f16_s = t0.elapsed().as_secs_f64();
    let (done, quantize_s) = if ftype == 1 {
        (f16, 0.0)
    } else {
        eprintln!(
            "  {}: F16 weights written ({:.0} MB, {f16_s:.1} s); llama.cpp quantizes to {quant} on {threads} threads…",
            arch.name,
            f16_bytes as f64 / 1e6
        );
        let q = tmp("q");
        let t1 = Instant::now();
        quantize::quantize(&f16.0, &q.0, ftype, threads as u32)?;
        drop(f16);
        (q, t1.elapsed().as_secs_f64())
    };
    // Check the result the way a run will before it takes the final name.
    let g = crate::gguf::read(&done.0)?;
    let info =
        crate::gguf::info_of(&g).map_err(|e| anyhow::anyhow!("{}: {e}", done.0.display()))?;
    if info.n_params != arch.n_params || info.quant != quant {
        bail!(
            "the twin came out as {} parameters in {}, expected {} in {quant} (a generator bug)",
            info.n_params,
            info.quant,
            arch.n_params
        );
    }
    std::fs::rename(&done.0, out)
        .with_context(|| format!("cannot move the twin into place at {}", out.display()))?;
    Ok(Made {
        path: out.to_path_buf(),
        bytes: info.file_bytes,
        n_params: info.n_params,
        quant,
        f16_s,
        quantize_s,
    })
}

/// The catalogue as a table.
pub fn list_table() -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "name",
        "family",
        "params",
        "layers",
        "hidden",
        "ff",
        "heads (kv)",
        "vocab",
        "published Q4_K_M",
        "source",
    ]);
    for a in catalogue::CATALOGUE {
        let layers = if a.attn_layers.is_empty() {
            a.n_layer.to_string()
        } else {
            format!(
                "{} ({} attn, {} conv)",
                a.n_layer,
                a.attn_layers.len(),
                a.n_layer as usize - a.attn_layers.len()
            )
        };
        let ff = match a.moe {
            Some(m) => format!(
                "{} ({} dense); {} experts × {}, top {}",
                a.n_ff, m.n_dense_lead, m.n_expert, m.n_ff_exp, m.n_expert_used
            ),
            None => a.n_ff.to_string(),
        };
        let source = match a.same_shapes_as {
            Some(s) => format!("{}; shapes of {s}", a.source),
            None => a.source.to_string(),
        };
        t.add_row([
            a.name.to_string(),
            a.family.arch().to_string(),
            format!("{:.1} M", a.n_params as f64 / 1e6),
            layers,
            a.n_embd.to_string(),
            ff,
            format!("{} ({})", a.n_head, a.n_head_kv),
            a.n_vocab.to_string(),
            a.published_q4_k_m
                .map_or("—".into(), |(b, _)| format!("{:.1} MB", b as f64 / 1e6)),
            source,
        ]);
    }
    t
}

#[cfg(test)]
mod tests;
