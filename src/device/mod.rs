//! The compute devices an engine reported, where one model's weights and KV cache were
//! placed, and the judgement whether a GPU that was asked for was really used.
//!
//! Everything here is pure: `backend::llama` lists the devices through llama-cpp-2 and
//! captures llama.cpp's log; [`log`] reads that text (device properties ggml-metal and
//! ggml-cuda print at start-up, the buffer sizes llama.cpp prints per device at load);
//! [`judge`] decides "GPU used" or "GPU requested, not used: <reason>". Being functions
//! of text, they are tested on logs published from real machines (`tests.rs`).

pub mod log;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

/// What kind of device ggml says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Cpu,
    Gpu,
    IntegratedGpu,
    Accelerator,
    Unknown,
}

impl DeviceKind {
    /// A GPU, discrete or integrated: where offloaded layers go.
    pub fn is_gpu(self) -> bool {
        matches!(self, DeviceKind::Gpu | DeviceKind::IntegratedGpu)
    }
}

/// One ggml backend device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// ggml's name for it: "CPU", "MTL0", "CUDA0", "Vulkan0" (older builds: "Metal").
    pub name: String,
    /// What it is: "Apple M2 Pro", "NVIDIA H200", "Apple Paravirtual device", the CPU model.
    pub description: String,
    /// The ggml backend it belongs to: "CPU", "Metal", "CUDA", "Vulkan".
    pub backend: String,
    pub kind: DeviceKind,
    #[serde(default)]
    pub memory_total_bytes: u64,
    #[serde(default)]
    pub memory_free_bytes: u64,
    /// What the backend logged about the device when it started.
    #[serde(default, skip_serializing_if = "Props::is_empty")]
    pub props: Props,
}

/// Device properties as the backend logs them at start-up (absent when not logged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Props {
    /// Metal: the GPU families it supports, as ggml-metal prints them, highest Apple
    /// family first ("MTLGPUFamilyApple5", "MTLGPUFamilyCommon3", "MTLGPUFamilyMetal3").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpu_families: Vec<String>,
    /// Metal: simdgroup reduction, which most of llama.cpp's Metal kernels need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simdgroup_reduction: Option<bool>,
    /// Metal: simdgroup matrix multiply, which its matrix kernels need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simdgroup_matrix_mul: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified_memory: Option<bool>,
    /// Metal: recommendedMaxWorkingSetSize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_working_set_bytes: Option<u64>,
    /// CUDA: compute capability, e.g. "9.0".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_capability: Option<String>,
    /// CUDA: virtual memory management.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vmm: Option<bool>,
}

impl Props {
    pub fn is_empty(&self) -> bool {
        *self == Props::default()
    }
}

/// What a buffer llama.cpp allocated holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BufferKind {
    /// Model weights (`model buffer size`).
    Weights,
    /// The attention KV cache (`KV buffer size`).
    Kv,
    /// Recurrent state (`RS buffer size`: LFM2's convolution state, Mamba's).
    RecurrentState,
    /// Scratch space of the compute graph.
    Compute,
    /// Logits and embeddings out.
    Output,
    Other,
}

/// One buffer llama.cpp reported at load, and the device it is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Buffer {
    /// The ggml buffer type as logged: "CPU_Mapped", "MTL0_Mapped", "CUDA0", "CUDA_Host".
    pub buffer: String,
    /// The device it lives on: a device name, "CPU" for host memory.
    pub device: String,
    pub kind: BufferKind,
    /// As logged, in MiB with two decimals: exact to about 10 kB.
    pub bytes: u64,
}

/// Where one model went when a worker loaded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// `n_gpu_layers` as asked (99 = all).
    pub n_gpu_layers: u32,
    /// llama.cpp's `offloaded X/Y layers to GPU`: X. None when it printed no such line (a
    /// build without a GPU backend prints none and offloads nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers_offloaded: Option<u32>,
    /// … and Y, the layers that could be offloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers_total: Option<u32>,
    pub buffers: Vec<Buffer>,
}

impl Placement {
    /// Bytes of `kind` on `device`.
    pub fn bytes_on(&self, device: &str, kind: BufferKind) -> u64 {
        self.buffers
            .iter()
            .filter(|b| b.device == device && b.kind == kind)
            .map(|b| b.bytes)
            .sum()
    }

    /// Bytes of `kind` on every device.
    pub fn bytes_of(&self, kind: BufferKind) -> u64 {
        self.buffers
            .iter()
            .filter(|b| b.kind == kind)
            .map(|b| b.bytes)
            .sum()
    }

    /// The devices buffers were placed on, in the order first logged.
    pub fn devices(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for b in &self.buffers {
            if !out.contains(&b.device.as_str()) {
                out.push(&b.device);
            }
        }
        out
    }

    /// Bytes of every kind placed on devices other than the CPU (what sits in GPU memory).
    pub fn off_cpu_bytes(&self) -> u64 {
        self.buffers
            .iter()
            .filter(|b| b.device != CPU)
            .map(|b| b.bytes)
            .sum()
    }

    /// Weights off the CPU, and all weights.
    pub fn weights_split(&self) -> (u64, u64) {
        let all = self.bytes_of(BufferKind::Weights);
        let cpu = self.bytes_on(CPU, BufferKind::Weights);
        (all - cpu.min(all), all)
    }
}

/// ggml's name for host memory and the CPU device.
pub const CPU: &str = "CPU";

/// Whether offloading to a GPU was asked for and happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GpuUse {
    /// `n_gpu_layers = 0`: a CPU run by choice.
    NotRequested,
    /// The weights meant for a GPU are on it.
    Used {
        /// The device holding the most weights, with its description.
        device: String,
        /// Share of all weight bytes on GPU devices.
        weights_fraction: f64,
    },
    /// Offload was asked for and did not happen, or happened on a device whose results
    /// cannot stand for a real GPU.
    RequestedNotUsed { reason: String },
}

impl GpuUse {
    /// The words a report and a warning use.
    pub fn label(&self) -> String {
        match self {
            GpuUse::NotRequested => "CPU only (n_gpu_layers = 0)".into(),
            GpuUse::Used {
                device,
                weights_fraction,
            } => format!(
                "GPU used: {device}, {:.0}% of the weights",
                weights_fraction * 100.0
            ),
            GpuUse::RequestedNotUsed { reason } => format!("GPU requested, not used: {reason}"),
        }
    }

    pub fn not_used(&self) -> bool {
        matches!(self, GpuUse::RequestedNotUsed { .. })
    }
}

/// Below this share of the weights it was asked to take (all layers: all weights), a GPU
/// counts as not used. Not one half: llama.cpp always keeps the input embedding on the
/// CPU, and in a small model with a large vocabulary that is most of the file (Gemma3-270M:
/// 170M of its 270M parameters), while a device that refuses the work holds almost
/// nothing (the paravirtual GPU of llama.cpp issue 14829: 1.18 of 4454 MiB, 0.03%).
pub const MIN_GPU_WEIGHTS_SHARE: f64 = 0.10;

/// Why the GPU of this build cannot be used for `n_gpu_layers > 0`, known before any model
/// loads: no GPU device at all, a paravirtual device, a Metal device without the simdgroup
/// operations llama.cpp's kernels need. None when nothing stands in the way (or nothing
/// was asked).
pub fn blocked(devices: &[Device], n_gpu_layers: u32) -> Option<String> {
    if n_gpu_layers == 0 {
        return None;
    }
    let gpus: Vec<&Device> = devices.iter().filter(|d| d.kind.is_gpu()).collect();
    if gpus.is_empty() {
        return Some(format!(
            "this build has no GPU backend (llama.cpp lists only {}), so n_gpu_layers = {n_gpu_layers} was ignored",
            if devices.is_empty() {
                "no device".to_string()
            } else {
                devices
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    // The first GPU is where llama.cpp puts offloaded layers by default.
    let d = gpus[0];
    if d.description.to_ascii_lowercase().contains("paravirtual") {
        return Some(format!(
            "{} is the paravirtual GPU of a virtual machine (a hosted CI runner?): llama.cpp's Metal kernels mostly fall back to the CPU there, or hang",
            named(d)
        ));
    }
    let missing: Vec<&str> = [
        (d.props.simdgroup_reduction, "simdgroup reduction"),
        (d.props.simdgroup_matrix_mul, "simdgroup matrix multiply"),
    ]
    .into_iter()
    .filter(|(v, _)| *v == Some(false))
    .map(|(_, what)| what)
    .collect();
    if d.backend == "Metal" && missing.contains(&"simdgroup reduction") {
        return Some(format!(
            "{} lacks {}, which most of llama.cpp's Metal kernels need (the work falls back to the CPU)",
            named(d),
            missing.join(" and ")
        ));
    }
    None
}

/// Did the GPU take the weights asked of it? `devices` as the engine listed them (with
/// their logged properties), `placement` as llama.cpp logged the model's load.
pub fn judge(devices: &[Device], placement: &Placement) -> GpuUse {
    let asked = placement.n_gpu_layers;
    if asked == 0 {
        return GpuUse::NotRequested;
    }
    if let Some(reason) = blocked(devices, asked) {
        return GpuUse::RequestedNotUsed { reason };
    }
    let (on_gpu, all) = placement.weights_split();
    if all == 0 {
        return GpuUse::RequestedNotUsed {
            reason:
                "llama.cpp reported no weight buffers at load, so where the weights went is unknown"
                    .into(),
        };
    }
    let share = on_gpu as f64 / all as f64;
    // A partial offload asks for a share of the layers; hold the device to that share.
    let wanted = match placement.layers_total {
        Some(total) if total > 0 => f64::from(asked.min(total)) / f64::from(total),
        _ => 1.0,
    };
    if share < MIN_GPU_WEIGHTS_SHARE * wanted {
        let gpu = devices
            .iter()
            .find(|d| d.kind.is_gpu())
            .map_or("the GPU".to_string(), named);
        let layers = match (placement.layers_offloaded, placement.layers_total) {
            (Some(x), Some(y)) => format!("llama.cpp offloaded {x}/{y} layers, yet "),
            _ => String::new(),
        };
        return GpuUse::RequestedNotUsed {
            reason: format!(
                "{layers}only {} of {} of weights are on {gpu}; the rest stayed on the CPU",
                mib(on_gpu),
                mib(all)
            ),
        };
    }
    let top = placement
        .devices()
        .into_iter()
        .filter(|d| *d != CPU)
        .max_by_key(|d| placement.bytes_on(d, BufferKind::Weights))
        .unwrap_or("GPU");
    let device = devices
        .iter()
        .find(|d| d.name == top)
        .map_or(top.to_string(), named);
    GpuUse::Used {
        device,
        weights_fraction: share,
    }
}

/// One label for a machine that ran several models: the first model not using the GPU it
/// asked for names the reason (with its id, when models differ); else the first model's.
/// `judged` pairs model ids with their judgement, in report order.
pub fn machine(judged: &[(String, GpuUse)]) -> Option<GpuUse> {
    let bad: Vec<&(String, GpuUse)> = judged.iter().filter(|(_, g)| g.not_used()).collect();
    match bad.as_slice() {
        [] => judged.first().map(|(_, g)| g.clone()),
        [(_, g), rest @ ..] if rest.iter().all(|(_, o)| o == g) => Some(g.clone()),
        many => Some(GpuUse::RequestedNotUsed {
            reason: many
                .iter()
                .map(|(id, g)| match g {
                    GpuUse::RequestedNotUsed { reason } => format!("`{id}`: {reason}"),
                    other => format!("`{id}`: {}", other.label()),
                })
                .collect::<Vec<_>>()
                .join("; "),
        }),
    }
}

/// "MTL0 (Apple M2 Pro)".
pub fn named(d: &Device) -> String {
    if d.description.is_empty() || d.description == d.name {
        d.name.clone()
    } else {
        format!("{} ({})", d.name, d.description)
    }
}

fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1024.0 * 1024.0);
    if m >= 1024.0 {
        format!("{:.2} GiB", m / 1024.0)
    } else {
        format!("{m:.2} MiB")
    }
}
