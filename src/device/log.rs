//! Reading llama.cpp's log: the device properties ggml-metal and ggml-cuda print when
//! they start, and the buffers llama.cpp prints per device when it loads a model and
//! creates a context. The formats changed over llama.cpp's history; each one read here is
//! quoted from a real log in `tests.rs` (this build's, and logs published in llama.cpp's
//! issues).

use super::{Buffer, BufferKind, CPU, Device, DeviceKind, Placement};

/// ggml backends whose buffers live in GPU memory, for a buffer whose device the engine
/// did not list (a log read on its own).
const GPU_BACKENDS: &[&str] = &[
    "Metal", "MTL", "CUDA", "ROCm", "MUSA", "Vulkan", "SYCL", "OpenCL", "CANN",
];

/// Add to `devices` what the log says about them: Metal's GPU family and simdgroup
/// support (`ggml_metal_device_init`, older builds `ggml_metal_init`), CUDA's compute
/// capability (`ggml_cuda_init`). A device the log names and the list lacks is added.
pub fn annotate(devices: &mut Vec<Device>, log: &str) {
    let mut current: Option<usize> = None;
    let mut cuda_name = "CUDA".to_string();
    for line in log.lines() {
        let (func, text) = split_func(line);
        if func.starts_with("ggml_metal") {
            if let Some(v) = value_after(text, "GPU name:") {
                current = Some(metal_device(devices, v));
                continue;
            }
            let Some(i) = current else { continue };
            let p = &mut devices[i].props;
            if let Some(v) = value_after(text, "GPU family:") {
                if let Some(fam) = v.split_whitespace().next() {
                    p.gpu_families.push(fam.to_string());
                }
            } else if text.contains("simdgroup reduction") {
                p.simdgroup_reduction = flag(text);
            } else if text.contains("simdgroup matrix mul") {
                p.simdgroup_matrix_mul = flag(text);
            } else if text.contains("hasUnifiedMemory") || text.contains("has unified memory") {
                p.unified_memory = flag(text);
            } else if text.contains("recommendedMaxWorkingSetSize") {
                // "%8.2f MB" of bytes / 1e6
                p.max_working_set_bytes = after_eq(text)
                    .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                    .map(|mb| (mb * 1e6).round() as u64);
            }
            continue;
        }
        if func.starts_with("ggml_cuda_init") {
            // "found 1 CUDA devices (Total VRAM: …):" or "found 1 ROCm devices:"
            if let Some(rest) = text.trim().strip_prefix("found ")
                && let Some(name) = rest.split_whitespace().nth(1)
            {
                cuda_name = name.to_string();
            }
            continue;
        }
        // "  Device 0: NVIDIA H200, compute capability 9.0, VMM: yes, VRAM: 143156 MiB"
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Device ")
            && let Some((n, rest)) = rest.split_once(": ")
            && n.chars().all(|c| c.is_ascii_digit())
            && rest.contains("VMM:")
        {
            let name = format!("{cuda_name}{n}");
            let mut parts = rest.split(", ");
            let description = parts.next().unwrap_or("").to_string();
            let i = find_or_add(devices, &name, &description, &cuda_name);
            let p = &mut devices[i].props;
            for part in parts {
                if let Some(cc) = part.strip_prefix("compute capability ") {
                    p.compute_capability = Some(cc.trim().to_string());
                } else if let Some(v) = part.strip_prefix("VMM: ") {
                    p.vmm = Some(v.trim() == "yes");
                }
            }
        }
    }
}

/// The placement of one model's load: layers offloaded and every buffer llama.cpp
/// reported, each on its device. `log` is the text from the start of the load to the
/// end of context creation.
pub fn placement(log: &str, devices: &[Device], n_gpu_layers: u32) -> Placement {
    let mut p = Placement {
        n_gpu_layers,
        layers_offloaded: None,
        layers_total: None,
        buffers: Vec::new(),
    };
    for line in log.lines() {
        let (func, text) = split_func(line);
        // "offloaded 33/81 layers to GPU"
        if let Some(rest) = text.trim().strip_prefix("offloaded ")
            && let Some((x, rest)) = rest.split_once('/')
            && let Some(y) = rest.split_whitespace().next()
        {
            p.layers_offloaded = x.trim().parse().ok();
            p.layers_total = y.parse().ok();
            continue;
        }
        // "%12s model buffer size = %8.2f MiB", "%10s KV buffer size = …", older
        // "%10s buffer size = …" (weights, under llm_load_tensors).
        let Some((what, size)) = text.split_once(" buffer size = ") else {
            continue;
        };
        let mut words = what.split_whitespace();
        let Some(buffer) = words.next() else { continue };
        let kind = match words.next() {
            Some("model") => BufferKind::Weights,
            Some("KV") => BufferKind::Kv,
            Some("RS") => BufferKind::RecurrentState,
            Some("compute") => BufferKind::Compute,
            Some("output") => BufferKind::Output,
            None if func.contains("load_tensors") => BufferKind::Weights,
            _ => BufferKind::Other,
        };
        let Some(bytes) = size_bytes(size) else {
            continue;
        };
        p.buffers.push(Buffer {
            buffer: buffer.to_string(),
            device: buffer_device(buffer, devices),
            kind,
            bytes,
        });
    }
    p
}

/// The device a ggml buffer type lives on: host buffers ("CPU_Mapped", "CPU_REPACK",
/// "CUDA_Host", "AMX") on the CPU; others on the device whose name ("MTL0" for
/// "MTL0_Mapped") or backend ("Metal" for "Metal_Mapped", older builds) begins the name.
pub fn buffer_device(buffer: &str, devices: &[Device]) -> String {
    if buffer.ends_with("_Host") || buffer.starts_with(CPU) {
        return CPU.into();
    }
    let gpus = || devices.iter().filter(|d| d.kind != DeviceKind::Cpu);
    if let Some(d) = gpus()
        .filter(|d| !d.name.is_empty() && buffer.starts_with(&d.name))
        .max_by_key(|d| d.name.len())
    {
        return d.name.clone();
    }
    if let Some(d) = gpus().find(|d| !d.backend.is_empty() && buffer.starts_with(&d.backend)) {
        return d.name.clone();
    }
    match GPU_BACKENDS.iter().find(|b| buffer.starts_with(*b)) {
        // Not listed: name it by the buffer, less a "_Mapped"/"_Private"/"_Split" suffix.
        Some(_) => buffer.split('_').next().unwrap_or(buffer).to_string(),
        None => CPU.into(),
    }
}

/// "load_tensors:   CPU_Mapped model …" → ("load_tensors", "  CPU_Mapped model …"); a
/// line with no function prefix gives ("", line). Timestamps and level letters some
/// programs print before the function ("0.02.020.033 I llama_…") are skipped.
fn split_func(line: &str) -> (&str, &str) {
    match line.split_once(": ") {
        Some((f, rest)) if !f.trim().is_empty() && !f.trim_start().starts_with("Device") => {
            (f.split_whitespace().last().unwrap_or(""), rest)
        }
        _ => ("", line),
    }
}

fn value_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.split_once(key).map(|(_, v)| v.trim())
}

fn after_eq(text: &str) -> Option<&str> {
    text.split_once('=').map(|(_, v)| v.trim())
}

/// "… = true" / "… = false".
fn flag(text: &str) -> Option<bool> {
    match after_eq(text)? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// "    1.18 MiB" → bytes (MiB as llama.cpp prints them; "MB" in very old builds meant
/// the same 2^20).
fn size_bytes(size: &str) -> Option<u64> {
    let mut it = size.split_whitespace();
    let v: f64 = it.next()?.parse().ok()?;
    match it.next()? {
        "MiB" | "MB" => Some((v * 1024.0 * 1024.0).round() as u64),
        "GiB" => Some((v * 1024.0 * 1024.0 * 1024.0).round() as u64),
        _ => None,
    }
}

/// The Metal device a "GPU name:" line names ("MTL0 (Apple M1 Pro)" today, "Apple M4"
/// in older builds), found in `devices` or added.
fn metal_device(devices: &mut Vec<Device>, value: &str) -> usize {
    let (name, description) = match value.split_once(" (") {
        Some((n, d)) if !n.contains(' ') && d.ends_with(')') => {
            (n.to_string(), d.trim_end_matches(')').to_string())
        }
        _ => (String::new(), value.to_string()),
    };
    let found = devices.iter().position(|d| {
        d.backend == "Metal"
            && if name.is_empty() {
                d.description == description || d.description.is_empty()
            } else {
                d.name == name
            }
    });
    if let Some(i) = found {
        if devices[i].description.is_empty() {
            devices[i].description = description;
        }
        return i;
    }
    let name = if name.is_empty() {
        "Metal".into()
    } else {
        name
    };
    find_or_add(devices, &name, &description, "Metal")
}

fn find_or_add(devices: &mut Vec<Device>, name: &str, description: &str, backend: &str) -> usize {
    if let Some(i) = devices.iter().position(|d| d.name == name) {
        return i;
    }
    devices.push(Device {
        name: name.to_string(),
        description: description.to_string(),
        backend: backend.to_string(),
        kind: DeviceKind::Gpu,
        memory_total_bytes: 0,
        memory_free_bytes: 0,
        props: Default::default(),
    });
    devices.len() - 1
}
