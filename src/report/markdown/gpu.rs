//! The GPU's words in the findings: the machine's label ("GPU requested, not used: …")
//! in the device matrix and the environment (the verdict line states it through
//! `Offload::words`; all three read one `Offload`, corrected by the workers' offload
//! records, so they never disagree), and in "Environment" the devices, the layers asked
//! for against those offloaded, and each model's bytes per device ([`GpuView`]).

use std::fmt::Write;

use super::text::{MIB, cell, mib};
use crate::device::{BufferKind, Device, DeviceKind, GpuUse};
use crate::report::view::{GpuView, Layers, ModelGpu, Offload};

/// The "GPU offload achieved" cell of the device matrix and the environment: the
/// machine's label "GPU requested, not used: <reason> (<source>)" when offload was asked
/// for and not done, else what the engine reported with where it was read.
pub(super) fn achieved(o: &Offload) -> String {
    if o.requested_not_used {
        let reason = o.achieved.trim_start_matches("none, ");
        if o.achieved_from.is_empty() {
            format!("GPU requested, not used: {reason}")
        } else {
            format!("GPU requested, not used: {reason} ({})", o.achieved_from)
        }
    } else {
        o.achieved_text()
    }
}

/// Environment's "GPU layers" row: asked for against offloaded, once when every model
/// agrees, else per model.
pub(super) fn environment_layers(gpu: &GpuView) -> String {
    let each: Vec<(String, String)> = gpu
        .models
        .iter()
        .map(|m| (m.id.clone(), layers(m)))
        .collect();
    match each.first() {
        None => "—".into(),
        Some((_, first)) if each.iter().all(|(_, t)| t == first) => first.clone(),
        Some(_) => each
            .iter()
            .map(|(id, t)| format!("`{id}` {t}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn layers(m: &ModelGpu) -> String {
    let offloaded = match m.offloaded {
        Layers::Offloaded(x, y) => format!("{x}/{y} offloaded"),
        Layers::Zero => "0 offloaded".into(),
        Layers::Unknown => "offloaded not recorded".into(),
    };
    format!("{} requested, {offloaded}", m.n_gpu_layers)
}

/// Environment's "Devices" row.
pub(super) fn environment_devices(devices: &[Device]) -> String {
    if devices.is_empty() {
        return "not recorded (a run made before lfmbench recorded them)".into();
    }
    devices.iter().map(device).collect::<Vec<_>>().join("; ")
}

/// A model's judgement in its table row; the reasons are in the "GPU offload" row.
fn short(g: &GpuUse) -> String {
    match g {
        GpuUse::NotRequested => "not requested".into(),
        GpuUse::Used {
            device,
            weights_fraction,
        } => format!(
            "used: {device}, {:.0}% of weights",
            weights_fraction * 100.0
        ),
        GpuUse::RequestedNotUsed { .. } => "requested, not used".into(),
    }
}

fn device(d: &Device) -> String {
    let kind = match d.kind {
        DeviceKind::Cpu => "CPU",
        DeviceKind::Gpu => "GPU",
        DeviceKind::IntegratedGpu => "integrated GPU",
        DeviceKind::Accelerator => "accelerator",
        DeviceKind::Unknown => "unknown kind",
    };
    let mut facts = vec![if d.backend == kind {
        kind.to_string()
    } else {
        format!("{} {kind}", d.backend)
    }];
    if d.memory_total_bytes > 0 {
        facts.push(format!(
            "{:.1} GiB",
            d.memory_total_bytes as f64 / (MIB * 1024.0)
        ));
    }
    let p = &d.props;
    if let Some(f) = p.gpu_families.first() {
        facts.push(f.clone());
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    if let Some(b) = p.simdgroup_reduction {
        facts.push(format!("simdgroup reduction {}", yes(b)));
    }
    if let Some(b) = p.simdgroup_matrix_mul {
        facts.push(format!("simdgroup matrix mul {}", yes(b)));
    }
    if let Some(b) = p.unified_memory {
        facts.push(format!("unified memory {}", yes(b)));
    }
    if let Some(c) = &p.compute_capability {
        facts.push(format!("compute capability {c}"));
    }
    if d.description.is_empty() || d.description == d.name {
        format!("{} ({})", d.name, facts.join(", "))
    } else {
        format!("{} — {} ({})", d.name, d.description, facts.join(", "))
    }
}

/// After the environment table: each model's weights and KV cache per device, as
/// llama.cpp logged them at load (only for runs that recorded them).
pub(super) fn placement_table(out: &mut String, gpu: &GpuView) {
    let rows: Vec<&ModelGpu> = gpu
        .models
        .iter()
        .filter(|m| m.placement.is_some())
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Where each model went, as llama.cpp logged its first load (MiB per device):\n\n| Model | GPU layers | Weights | KV cache and state | GPU |\n|---|---|---|---|---|"
    );
    for m in rows {
        let Some(p) = &m.placement else { continue };
        let per = |kinds: &[BufferKind]| {
            let parts: Vec<String> = p
                .devices()
                .into_iter()
                .map(|d| {
                    let b: u64 = kinds.iter().map(|k| p.bytes_on(d, *k)).sum();
                    (d, b)
                })
                .filter(|(_, b)| *b > 0)
                .map(|(d, b)| format!("{d} {}", mib(b)))
                .collect();
            if parts.is_empty() {
                "—".into()
            } else {
                parts.join(", ")
            }
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            m.id,
            layers(m),
            per(&[BufferKind::Weights]),
            per(&[BufferKind::Kv, BufferKind::RecurrentState]),
            cell(&m.gpu.as_ref().map_or("not recorded".into(), short)),
        );
    }
    out.push('\n');
}
