//! The GPU of a run's machine as the report shows it: the devices the engine listed, per
//! model the layers asked for, where its weights and KV cache went and whether a GPU it
//! asked for was used (from its workers' offload records; in runs made before those
//! existed, from engine.json's `gpu_offload` and the settings), and one label for the
//! machine. [`with_records`] lets those records correct the offload "achieved" that the
//! verdict line's basis reads from engine.json alone.

use super::basis::Offload;
use crate::config::BackendKind;
use crate::device::{self, Device, GpuUse, Placement};
use crate::sample::Body;
use crate::store::StoredRun;

/// One model's GPU, as its workers reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelGpu {
    pub id: String,
    /// `n_gpu_layers` as run.
    pub n_gpu_layers: u32,
    /// The first worker's placement (None in runs made before it was recorded).
    pub placement: Option<Placement>,
    /// The worst judgement among its workers; None when the run cannot say.
    pub gpu: Option<GpuUse>,
    pub offloaded: Layers,
}

/// Layers offloaded, as llama.cpp said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layers {
    /// `offloaded X/Y layers to GPU`.
    Offloaded(u32, u32),
    /// None: no GPU backend, or nothing asked.
    Zero,
    Unknown,
}

/// The GPU part of a run's view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GpuView {
    /// engine.json's devices (empty in runs made before they were recorded).
    pub devices: Vec<Device>,
    /// Models run by an in-process engine, in report order (http models have no GPU of
    /// lfmbench's to judge).
    pub models: Vec<ModelGpu>,
    /// One label for the machine (see [`device::machine`]).
    pub machine: Option<GpuUse>,
}

impl GpuView {
    /// The machine's label when a GPU was asked for and not used.
    pub fn not_used(&self) -> Option<String> {
        self.machine
            .as_ref()
            .filter(|g| g.not_used())
            .map(GpuUse::label)
    }
}

pub fn gpu_view(run: &StoredRun, ids: &[String]) -> GpuView {
    let devices: Vec<Device> = run
        .engine
        .get("devices")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .unwrap_or_default();
    let gpu_offload = run.engine.get("gpu_offload").and_then(|x| x.as_bool());
    let mut models = Vec::new();
    for id in ids {
        let entry = run.models.models.iter().find(|e| &e.id == id);
        if entry.is_some_and(|e| e.backend == BackendKind::Http) {
            continue;
        }
        let n_gpu_layers = match run.meta.settings.get(id) {
            Some(s) => s.n_gpu_layers,
            None => entry
                .map_or(run.suite.backend.clone(), |e| {
                    e.overrides.over(&run.suite.backend)
                })
                .n_gpu_layers
                .unwrap_or(crate::config::DEFAULT_N_GPU_LAYERS),
        };
        let offloads: Vec<_> = run
            .records
            .iter()
            .filter(|r| &r.model == id)
            .filter_map(|r| match &r.body {
                Body::Offload(o) => Some(o),
                _ => None,
            })
            .collect();
        let gpu = match offloads
            .iter()
            .find(|o| o.gpu.not_used())
            .or(offloads.first())
        {
            Some(o) => Some(o.gpu.clone()),
            None if n_gpu_layers == 0 => Some(GpuUse::NotRequested),
            None if gpu_offload == Some(false) => Some(GpuUse::RequestedNotUsed {
                reason: format!(
                    "this build has no GPU backend (engine.json: gpu_offload = false), so n_gpu_layers = {n_gpu_layers} was ignored"
                ),
            }),
            None => None,
        };
        let placement = offloads.first().map(|o| o.placement.clone());
        let offloaded = match &placement {
            Some(Placement {
                layers_offloaded: Some(x),
                layers_total: Some(y),
                ..
            }) => Layers::Offloaded(*x, *y),
            Some(p) if p.off_cpu_bytes() == 0 => Layers::Zero,
            None if n_gpu_layers == 0 || gpu_offload == Some(false) => Layers::Zero,
            _ => Layers::Unknown,
        };
        models.push(ModelGpu {
            id: id.clone(),
            n_gpu_layers,
            placement,
            gpu,
            offloaded,
        });
    }
    let judged: Vec<(String, GpuUse)> = models
        .iter()
        .filter_map(|m| Some((m.id.clone(), m.gpu.clone()?)))
        .collect();
    GpuView {
        machine: device::machine(&judged),
        devices,
        models,
    }
}

/// The offload a verdict line states (`basis::offload`, from engine.json and the
/// settings), corrected by the workers' offload records where the run has them: they say
/// where the weights really went, so a GPU that was listed yet took almost nothing, or a
/// paravirtual one, reads "GPU requested, not used: <reason>" and a GPU that took them is
/// named with its share. Runs without those records keep engine.json's account.
pub fn with_records(offload: Offload, gpu: &GpuView) -> Offload {
    if !gpu.models.iter().any(|m| m.placement.is_some()) {
        return offload;
    }
    let from = "the workers' offload records".to_string();
    match &gpu.machine {
        Some(GpuUse::RequestedNotUsed { reason }) => Offload {
            achieved: format!("none, {reason}"),
            achieved_from: from,
            requested_not_used: true,
            ..offload
        },
        Some(GpuUse::Used {
            device,
            weights_fraction,
        }) => Offload {
            achieved: format!("{device}, {:.0}% of the weights", weights_fraction * 100.0),
            achieved_from: from,
            requested_not_used: false,
            ..offload
        },
        Some(GpuUse::NotRequested) | None => offload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_json_says_devices_listed() -> Offload {
        Offload {
            requested: "99 layers".into(),
            requested_from: "n_gpu_layers = 99".into(),
            achieved: "devices MTL0 (GPU)".into(),
            achieved_from: "engine.json devices".into(),
            requested_not_used: false,
        }
    }

    fn view(gpu: GpuUse, recorded: bool) -> GpuView {
        GpuView {
            devices: Vec::new(),
            models: vec![ModelGpu {
                id: "m".into(),
                n_gpu_layers: 99,
                placement: recorded.then(|| Placement {
                    n_gpu_layers: 99,
                    layers_offloaded: Some(0),
                    layers_total: Some(31),
                    buffers: Vec::new(),
                }),
                gpu: Some(gpu.clone()),
                offloaded: Layers::Offloaded(0, 31),
            }],
            machine: Some(gpu),
        }
    }

    #[test]
    fn the_workers_records_overrule_engine_json_on_what_offload_achieved() {
        let reason = "MTL0 (Apple Paravirtual device) is the paravirtual GPU of a virtual machine";
        let not_used = GpuUse::RequestedNotUsed {
            reason: reason.into(),
        };
        let o = with_records(
            engine_json_says_devices_listed(),
            &view(not_used.clone(), true),
        );
        assert!(o.requested_not_used);
        assert_eq!(
            o.words(),
            format!("GPU requested (99 layers), not used: {reason}")
        );
        assert_eq!(o.achieved_from, "the workers' offload records");

        let used = GpuUse::Used {
            device: "CUDA0 (NVIDIA H200)".into(),
            weights_fraction: 0.93,
        };
        let o = with_records(engine_json_says_devices_listed(), &view(used, true));
        assert!(!o.requested_not_used);
        assert_eq!(o.achieved, "CUDA0 (NVIDIA H200), 93% of the weights");

        // A run made before the records existed keeps engine.json's account.
        let o = with_records(engine_json_says_devices_listed(), &view(not_used, false));
        assert_eq!(o, engine_json_says_devices_listed());
    }
}
