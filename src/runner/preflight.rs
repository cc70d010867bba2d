//! Pre-flight: every model of the suite is checked before anything starts — the GGUF is
//! there, readable, complete and matches its pinned sha256, a twin is (re)made when stale,
//! an http model's server settings are usable — and each that cannot run says why and what
//! to do.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::backend::http::server as http_server;
use crate::config::{BackendKind, Loaded};
use crate::digest::sha256_file;
use crate::plan::ReadyModel;

/// Why a model cannot run, with what to do about it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub model: String,
    pub message: String,
}

/// Check every model of the suite before anything starts.
pub fn preflight(loaded: &Loaded) -> (Vec<ReadyModel>, Vec<Problem>) {
    let base = loaded.models_base();
    let mut ready = Vec::new();
    let mut problems = Vec::new();
    for id in loaded.model_ids() {
        let Some(entry) = loaded.model(&id) else {
            continue;
        };
        if entry.backend == BackendKind::Http {
            // A served model: no GGUF to check here (`path`, when given, is optional).
            match http_server::preflight(entry, &base) {
                Ok(()) => ready.push(ReadyModel::at(
                    &id,
                    entry.resolved_path(&base).unwrap_or_default(),
                )),
                Err(e) => problems.push(Problem {
                    model: id,
                    message: format!("{e:#}"),
                }),
            }
            continue;
        }
        let Some(path) = entry.resolved_path(&base) else {
            continue;
        };
        let how = entry
            .how_to_get
            .clone()
            .unwrap_or_else(|| "download it and set `path` in models.toml".into());
        // A twin is (re)made when missing or stale (another generator version or quant).
        if entry.is_twin()
            && let Err(e) = crate::twin::ensure(entry, &path)
        {
            problems.push(Problem {
                model: id,
                message: format!("{e:#}"),
            });
            continue;
        }
        let quant_paths = match swept_quants(loaded, entry, &base) {
            Ok(q) => q,
            Err(e) => {
                problems.push(Problem {
                    model: id,
                    message: format!("{e:#}"),
                });
                continue;
            }
        };
        match check_file(&path, entry.sha256.as_deref()) {
            Ok(info) => ready.push(ReadyModel {
                id,
                path,
                twin_of: info.twin.map(|t| t.of),
                n_params: Some(info.n_params),
                quant: Some(info.quant),
                quant_paths,
            }),
            Err(e) if !path.exists() => problems.push(Problem {
                model: id,
                message: format!("{e:#}\n      how to get it: {how}"),
            }),
            Err(e) => problems.push(Problem {
                model: id,
                message: format!("{e:#}"),
            }),
        }
    }
    (ready, problems)
}

/// The twins of the other quantizations the suite's sweeps list, made when missing: a
/// model file has one quantization, so a file (not a twin) has none.
fn swept_quants(
    loaded: &Loaded,
    entry: &crate::config::ModelEntry,
    base: &Path,
) -> Result<Vec<(String, std::path::PathBuf)>> {
    if !entry.is_twin() {
        return Ok(Vec::new());
    }
    let mut quants: Vec<String> = Vec::new();
    let backend = loaded.suite.backend.sweep.as_ref();
    for w in &loaded.suite.workloads {
        for q in w.sweep(backend).map(|s| s.quant.as_slice()).unwrap_or(&[]) {
            let named = entry
                .quant
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(q));
            if !named && !quants.iter().any(|x| x.eq_ignore_ascii_case(q)) {
                quants.push(q.clone());
            }
        }
    }
    let mut out = Vec::new();
    for q in quants {
        let twin = crate::config::ModelEntry {
            quant: Some(q.clone()),
            ..entry.clone()
        };
        let Some(path) = twin.resolved_path(base) else {
            continue;
        };
        crate::twin::ensure(&twin, &path)
            .with_context(|| format!("the {q} twin a sweep asks for"))?;
        out.push((q, path));
    }
    Ok(out)
}

/// Is `path` a readable, complete GGUF (with the pinned sha256, when given)? Its header.
pub fn check_file(path: &Path, sha256: Option<&str>) -> Result<crate::gguf::GgufInfo> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: file not found", path.display()))?;
    if meta.len() == 0 {
        bail!(
            "{}: the file is empty (an interrupted download?)",
            path.display()
        );
    }
    let info = crate::gguf::read_runnable(path)?;
    if let Some(want) = sha256 {
        let got = sha256_file(path)?;
        if !got.eq_ignore_ascii_case(want) {
            bail!(
                "{}: sha256 is {got}, models.toml pins {want}\n      help: the file changed or is another build; fetch it again or update the pin",
                path.display()
            );
        }
    }
    Ok(info)
}
