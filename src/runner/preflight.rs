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
                Ok(()) => ready.push(ReadyModel {
                    base_model: (entry.instruct == Some(false))
                        .then(|| "models.toml marks it `instruct = false`".to_string()),
                    ..ReadyModel::at(&id, entry.resolved_path(&base).unwrap_or_default())
                }),
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
                base_model: base_model(entry.instruct, &info),
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

/// Why a model is a base model (not instruction-tuned), or `None` for an instruct model:
/// models.toml's `instruct` decides when set; else a file with no chat template and no
/// instruct-like `general.finetune` (or `general.name`) is a base model. A shape twin is
/// neither: its text is random whatever it is.
pub fn base_model(instruct: Option<bool>, info: &crate::gguf::GgufInfo) -> Option<String> {
    if info.twin.is_some() {
        return None;
    }
    match instruct {
        Some(true) => return None,
        Some(false) => return Some("models.toml marks it `instruct = false`".into()),
        None => {}
    }
    let instruct_like = |s: &str| {
        s.to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| {
                matches!(
                    w,
                    "instruct" | "it" | "chat" | "sft" | "dpo" | "rlhf" | "orpo" | "assistant"
                )
            })
    };
    let named = info.finetune.as_deref().is_some_and(instruct_like)
        || info.name.as_deref().is_some_and(instruct_like);
    (!info.has_chat_template && !named).then(|| {
        format!(
            "its GGUF has no chat template and no instruct-like general.finetune (general.name {})",
            info.name
                .as_deref()
                .map_or("unset".into(), |n| format!("\"{n}\""))
        )
    })
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

#[cfg(test)]
mod tests {
    use super::base_model;
    use crate::gguf::{GgufInfo, TwinMark};

    fn info(template: bool, name: Option<&str>, finetune: Option<&str>) -> GgufInfo {
        GgufInfo {
            version: 3,
            architecture: "gemma3".into(),
            name: name.map(str::to_string),
            finetune: finetune.map(str::to_string),
            n_params: 1,
            quant: "Q4_K_M".into(),
            file_bytes: 1,
            n_tensors: 1,
            has_chat_template: template,
            twin: None,
        }
    }

    #[test]
    fn base_models_are_told_from_instruct_ones() {
        // The registry's Gemma3-270M: no template, no finetune.
        let gemma = info(false, Some("Gemma 3 270m"), None);
        let why = base_model(None, &gemma).expect("base");
        assert!(
            why.contains("no chat template") && why.contains("Gemma 3 270m"),
            "{why}"
        );
        assert_eq!(base_model(Some(true), &gemma), None, "models.toml decides");
        assert_eq!(
            base_model(None, &info(true, None, None)),
            None,
            "a chat template"
        );
        assert_eq!(
            base_model(None, &info(false, Some("Gemma 3 270m It"), None)),
            None
        );
        assert_eq!(base_model(None, &info(false, None, Some("Instruct"))), None);
        assert!(base_model(None, &info(false, None, Some("8k-lc100k-mix1-ep2"))).is_some());
        assert!(base_model(Some(false), &info(true, None, Some("Instruct"))).is_some());
        let mut twin = info(false, None, None);
        twin.twin = Some(TwinMark {
            of: "x".into(),
            seed: 0,
        });
        assert_eq!(base_model(Some(false), &twin), None, "a twin is a twin");
    }
}
