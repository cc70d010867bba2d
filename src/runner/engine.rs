//! What a run learns about the engine from its workers: `engine.json` (written from the
//! first worker's report, then given each model's placement the first time one of its
//! workers loads it), and the warnings about the GPU — before anything starts when this
//! build cannot offload what the suite asks, and the first time a model's GPU was asked
//! for and not used.

use std::collections::HashSet;

use anyhow::Result;

use crate::backend::llama;
use crate::config::{BackendKind, Loaded};
use crate::device::{self, GpuUse, Placement};
use crate::plan::ReadyModel;
use crate::protocol::EngineInfo;
use crate::store::RunWriter;

/// Before any worker starts: say when the suite asks for GPU layers that this build
/// cannot give (no GPU backend, a paravirtual device, a Metal device without the
/// simdgroup operations llama.cpp needs). Returns the warning printed, if any.
pub fn warn_at_start(loaded: &Loaded, ready: &[ReadyModel]) -> Option<String> {
    let asked = ready
        .iter()
        .filter(|m| {
            loaded
                .model(&m.id)
                .is_some_and(|e| e.backend != BackendKind::Http)
        })
        .map(|m| loaded.settings_for(&m.id).n_gpu_layers)
        .max()
        .filter(|n| *n > 0)?;
    let reason = device::blocked(&llama::devices(), asked)?;
    let text = format!(
        "warning: GPU requested, not used: {reason}\n  help: {}",
        if reason.contains("no GPU backend") {
            "build with `--features metal`, `cuda` or `vulkan` for a GPU, or set `n_gpu_layers = 0` in the suite's [backend] to run on the CPU by choice"
        } else {
            "measure GPU figures on a machine with a real GPU (a self-hosted runner); the figures of this run are mostly CPU figures"
        }
    );
    eprintln!("{text}");
    Some(text)
}

/// engine.json and the GPU warnings, across the jobs of one run.
pub struct EngineNotes {
    written: bool,
    placed: HashSet<String>,
    warned: HashSet<String>,
}

impl EngineNotes {
    /// For a run folder that may already hold engine.json (a resumed run).
    pub fn new(writer: &RunWriter) -> EngineNotes {
        let engine = read(writer);
        let placed = engine
            .get("placements")
            .and_then(|p| p.as_object())
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        EngineNotes {
            written: !engine.is_null(),
            placed,
            warned: HashSet::new(),
        }
    }

    /// A worker described the engine: the first description is kept.
    pub fn engine(&mut self, writer: &RunWriter, info: &EngineInfo) -> Result<()> {
        if self.written {
            return Ok(());
        }
        self.written = true;
        writer.write_json("engine.json", info)
    }

    /// A worker of `model` loaded it: keep the first placement per model in engine.json
    /// (`placements.<model>`) and warn once when its GPU was asked for and not used.
    pub fn placement(
        &mut self,
        writer: &RunWriter,
        model: &str,
        placement: &Placement,
        gpu: &GpuUse,
    ) -> Result<()> {
        if gpu.not_used() && self.warned.insert(model.to_string()) {
            eprint!("\n  warning: {model}: {}\n ", gpu.label());
        }
        if !self.placed.insert(model.to_string()) {
            return Ok(());
        }
        let mut engine = read(writer);
        if !engine.is_object() {
            // No engine.json yet (its worker's message comes first; this is a fallback).
            engine = serde_json::json!({});
        }
        if let Some(obj) = engine.as_object_mut() {
            // "gpu" first, in any map order: scripts/gpu-check.sh greps for it.
            let entry = serde_json::json!({ "gpu": gpu, "placement": placement });
            match obj
                .entry("placements")
                .or_insert_with(|| serde_json::json!({}))
                .as_object_mut()
            {
                Some(p) => {
                    p.insert(model.to_string(), entry);
                }
                None => {
                    obj.insert("placements".into(), serde_json::json!({ model: entry }));
                }
            }
        }
        writer.write_json("engine.json", &engine)
    }
}

fn read(writer: &RunWriter) -> serde_json::Value {
    std::fs::read_to_string(writer.dir.join("engine.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}
