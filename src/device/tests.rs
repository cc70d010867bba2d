//! The device reading and the GPU judgement on real logs: this machine's CPU-only build
//! (captured from `lfmbench __worker` with `LFMBENCH_LLAMA_LOG=1`, SmolLM2-135M Q4_1,
//! n_gpu_layers = 99), and lines published in llama.cpp's issues from the paravirtual GPU
//! of GitHub's macOS runners and from real Apple-silicon and NVIDIA GPUs. Each excerpt is
//! quoted as published (the lines between left out).

use super::log::{annotate, buffer_device, placement};
use super::*;

const MIB: f64 = 1024.0 * 1024.0;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB
}

fn cpu(description: &str) -> Device {
    Device {
        name: "CPU".into(),
        description: description.into(),
        backend: "CPU".into(),
        kind: DeviceKind::Cpu,
        memory_total_bytes: 0,
        memory_free_bytes: 0,
        props: Props::default(),
    }
}

/// This machine: the engine message of a worker (its `devices`) and the load lines of the
/// same worker's log.
const THIS_MACHINE_DEVICES: &str = r#"[{"name":"CPU","description":"Intel(R) Xeon(R) Processor","backend":"CPU","kind":"cpu","memory_total_bytes":25276071936,"memory_free_bytes":25276071936}]"#;
const THIS_MACHINE_LOG: &str = "\
load_tensors: loading model tensors, this can take a while... (load_mode = mmap)
done_getting_tensors: tensor 'token_embd.weight' (q8_0) (and 272 others) cannot be used with preferred buffer type CPU_REPACK, using CPU instead
load_tensors:   CPU_Mapped model buffer size =    92.10 MiB
llama_context: n_ctx                 = 512
llama_context:        CPU  output buffer size =     0.19 MiB
llama_kv_cache:        CPU KV buffer size =    11.25 MiB
llama_kv_cache: size =   11.25 MiB (   512 cells,  30 layers,  1/1 seqs), K (f16):    5.62 MiB, V (f16):    5.62 MiB
sched_reserve:        CPU compute buffer size =    51.07 MiB
~llama_context:        CPU compute buffer size is  51.0723 MiB, matches expectation of  51.0723 MiB
";

#[test]
fn this_machines_cpu_only_build_is_gpu_requested_not_used() {
    let devices: Vec<Device> = serde_json::from_str(THIS_MACHINE_DEVICES).expect("devices");
    let p = placement(THIS_MACHINE_LOG, &devices, 99);
    assert_eq!(
        p.layers_offloaded, None,
        "a CPU build prints no offload line"
    );
    assert!((mib(p.bytes_on(CPU, BufferKind::Weights)) - 92.10).abs() < 0.005);
    assert!((mib(p.bytes_on(CPU, BufferKind::Kv)) - 11.25).abs() < 0.005);
    assert!(
        (mib(p.bytes_of(BufferKind::Compute)) - 51.07).abs() < 0.005,
        "{p:?}"
    );
    assert_eq!(p.off_cpu_bytes(), 0);
    let g = judge(&devices, &p);
    assert!(g.not_used(), "{g:?}");
    assert!(g.label().contains("no GPU backend"), "{}", g.label());
    assert!(g.label().starts_with("GPU requested, not used: "));
    assert_eq!(
        judge(
            &devices,
            &Placement {
                n_gpu_layers: 0,
                ..p
            }
        ),
        GpuUse::NotRequested
    );
}

/// llama.cpp issue 8617 (ggerganov quoting a hosted macOS runner's log, 2024-07-22).
const ISSUE_8617: &str = "\
ggml_metal_init: allocating
ggml_metal_init: found device: Apple Paravirtual device
ggml_metal_init: picking default device: Apple Paravirtual device
ggml_metal_init: using embedded metal library
ggml_metal_init: GPU name:   Apple Paravirtual device
ggml_metal_init: GPU family: MTLGPUFamilyCommon3 (3003)
ggml_metal_init: simdgroup reduction support   = false
ggml_metal_init: simdgroup matrix mul. support = false
ggml_metal_init: hasUnifiedMemory              = true
ggml_metal_init: recommendedMaxWorkingSetSize  =  5010.80 MB
";

#[test]
fn the_paravirtual_device_of_issue_8617_is_read_and_refused() {
    let mut devices = vec![cpu("Apple M1 (Virtual)")];
    annotate(&mut devices, ISSUE_8617);
    let d = devices
        .iter()
        .find(|d| d.kind.is_gpu())
        .expect("a Metal device");
    assert_eq!(d.description, "Apple Paravirtual device");
    assert_eq!(d.backend, "Metal");
    assert_eq!(d.props.gpu_families, ["MTLGPUFamilyCommon3"]);
    assert_eq!(d.props.simdgroup_reduction, Some(false));
    assert_eq!(d.props.simdgroup_matrix_mul, Some(false));
    assert_eq!(d.props.unified_memory, Some(true));
    assert_eq!(d.props.max_working_set_bytes, Some(5_010_800_000));
    let why = blocked(&devices, 99).expect("refused");
    assert!(why.contains("paravirtual"), "{why}");
    assert_eq!(blocked(&devices, 0), None, "nothing asked, nothing refused");
}

/// llama.cpp issue 14829 (MengAiDev, llama-server on a macOS runner): the weights and the
/// device as that build printed them.
const ISSUE_14829: &str = "\
load_tensors:        Metal model buffer size =     1.18 MiB
load_tensors:          CPU model buffer size =  4453.30 MiB
llama_context: constructing llama_context
ggml_metal_init: allocating
ggml_metal_init: found device: Apple Paravirtual device
ggml_metal_init: picking default device: Apple Paravirtual device
ggml_metal_load_library: using embedded metal library
ggml_metal_init: GPU name:   Apple Paravirtual device
ggml_metal_init: GPU family: MTLGPUFamilyApple5  (1005)
ggml_metal_init: GPU family: MTLGPUFamilyCommon3 (3003)
ggml_metal_init: simdgroup reduction   = false
ggml_metal_init: simdgroup matrix mul. = false
";

#[test]
fn issue_14829_left_its_weights_on_the_cpu_of_a_paravirtual_device() {
    let mut devices = vec![cpu("Apple M1 (Virtual)")];
    annotate(&mut devices, ISSUE_14829);
    let d = &devices[1];
    assert_eq!(d.name, "Metal");
    assert_eq!(
        d.props.gpu_families,
        ["MTLGPUFamilyApple5", "MTLGPUFamilyCommon3"]
    );
    assert_eq!(d.props.simdgroup_reduction, Some(false));
    let p = placement(ISSUE_14829, &devices, 99);
    assert_eq!(buffer_device("Metal", &devices), "Metal");
    let (on_gpu, all) = p.weights_split();
    assert!((mib(on_gpu) - 1.18).abs() < 0.005 && (mib(all) - 4454.48).abs() < 0.005);
    let g = judge(&devices, &p);
    assert!(g.label().contains("paravirtual"), "{}", g.label());
    // The weights alone say it too, whatever the device is called.
    let mut renamed = devices.clone();
    renamed[1].description = "Some GPU".into();
    renamed[1].props = Props::default();
    match judge(&renamed, &p) {
        GpuUse::RequestedNotUsed { reason } => {
            assert!(reason.contains("1.18 MiB of 4.35 GiB"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

/// llama.cpp issue 11083 (bobleer, Mac M4, llama-server): a real M-series GPU.
const ISSUE_11083_M4: &str = "\
ggml_metal_init: using embedded metal library
ggml_metal_init: GPU name:   Apple M4
ggml_metal_init: GPU family: MTLGPUFamilyApple9  (1009)
ggml_metal_init: GPU family: MTLGPUFamilyCommon3 (3003)
ggml_metal_init: GPU family: MTLGPUFamilyMetal3  (5001)
ggml_metal_init: simdgroup reduction   = true
ggml_metal_init: simdgroup matrix mul. = true
ggml_metal_init: has bfloat            = true
ggml_metal_init: use bfloat            = true
ggml_metal_init: hasUnifiedMemory      = true
ggml_metal_init: recommendedMaxWorkingSetSize  = 11453.25 MB
llama_kv_cache_init: kv_size = 4096, offload = 1, type_k = 'f16', type_v = 'f16', n_layer = 28
llama_kv_cache_init:      Metal KV buffer size =   112.00 MiB
llama_new_context_with_model: KV self size  =  112.00 MiB, K (f16):   56.00 MiB, V (f16):   56.00 MiB
llama_new_context_with_model:        CPU  output buffer size =     0.58 MiB
llama_new_context_with_model:      Metal compute buffer size =   299.75 MiB
llama_new_context_with_model:        CPU compute buffer size =    11.01 MiB
";

#[test]
fn a_real_m4_passes_the_device_checks_and_holds_its_kv_cache() {
    let mut devices = vec![cpu("Apple M4")];
    annotate(&mut devices, ISSUE_11083_M4);
    let d = &devices[1];
    assert_eq!(d.description, "Apple M4");
    assert_eq!(d.props.gpu_families[0], "MTLGPUFamilyApple9");
    assert_eq!(d.props.simdgroup_reduction, Some(true));
    assert_eq!(d.props.simdgroup_matrix_mul, Some(true));
    assert_eq!(blocked(&devices, 99), None);
    let p = placement(ISSUE_11083_M4, &devices, 99);
    assert_eq!(mib(p.bytes_on("Metal", BufferKind::Kv)), 112.0);
    assert!((mib(p.bytes_on("Metal", BufferKind::Compute)) - 299.75).abs() < 0.005);
    assert!((mib(p.bytes_on(CPU, BufferKind::Output)) - 0.58).abs() < 0.005);
    // This excerpt has no weight lines: where the weights went is not known, not assumed.
    assert!(judge(&devices, &p).not_used());
}

/// llama.cpp PR 16559 (cern1710, Apple M1 Pro): the device lines of the current
/// ggml_metal_device_init.
const PR_16559_M1_PRO: &str = "\
ggml_metal_device_init: GPU name:   Apple M1 Pro
ggml_metal_device_init: GPU family: MTLGPUFamilyApple7  (1007)
ggml_metal_device_init: GPU family: MTLGPUFamilyCommon3 (3003)
ggml_metal_device_init: GPU family: MTLGPUFamilyMetal4  (5002)
ggml_metal_device_init: simdgroup reduction   = true
ggml_metal_device_init: simdgroup matrix mul. = true
ggml_metal_device_init: has unified memory    = true
ggml_metal_device_init: has bfloat            = true
ggml_metal_device_init: use residency sets    = true
ggml_metal_device_init: use shared buffers    = true
ggml_metal_device_init: recommendedMaxWorkingSetSize  = 12713.12 MB
";

#[test]
fn the_current_metal_device_lines_annotate_the_listed_device() {
    // As llama-cpp-2 lists it: ggml-metal names device 0 "MTL0" (ggml-metal-device.m).
    let mut devices = vec![
        cpu("Apple M1 Pro"),
        Device {
            name: "MTL0".into(),
            description: "Apple M1 Pro".into(),
            backend: "Metal".into(),
            kind: DeviceKind::Gpu,
            memory_total_bytes: 0,
            memory_free_bytes: 0,
            props: Props::default(),
        },
    ];
    annotate(&mut devices, PR_16559_M1_PRO);
    assert_eq!(
        devices.len(),
        2,
        "the listed device is annotated, not doubled"
    );
    let p = &devices[1].props;
    assert_eq!(
        p.gpu_families,
        [
            "MTLGPUFamilyApple7",
            "MTLGPUFamilyCommon3",
            "MTLGPUFamilyMetal4"
        ]
    );
    assert_eq!(p.unified_memory, Some(true));
    assert_eq!(p.max_working_set_bytes, Some(12_713_120_000));
    // Today's builds name the device in the line itself: "GPU name:   MTL0 (Apple M1 Pro)".
    let mut fresh = vec![cpu("x")];
    annotate(
        &mut fresh,
        "ggml_metal_device_init: GPU name:   MTL0 (Apple M1 Pro)\nggml_metal_device_init: simdgroup reduction   = true\n",
    );
    assert_eq!(
        (fresh[1].name.as_str(), fresh[1].description.as_str()),
        ("MTL0", "Apple M1 Pro")
    );
    assert_eq!(fresh[1].props.simdgroup_reduction, Some(true));
}

/// llama.cpp PR 22673 (boutell, Apple M2 Pro, a 35B model): today's buffer names.
const PR_22673_M2_PRO: &str = "\
load_tensors: offloading output layer to GPU
load_tensors: offloading 64 repeating layers to GPU
load_tensors: offloaded 66/66 layers to GPU
load_tensors:   CPU_Mapped model buffer size =   644.14 MiB
load_tensors:  MTL0_Mapped model buffer size = 14803.73 MiB
ggml_metal_init: allocating
ggml_metal_init: found device: Apple M2 Pro
";

#[test]
fn a_real_m2_pro_took_its_weights() {
    let devices = vec![
        cpu("Apple M2 Pro"),
        Device {
            name: "MTL0".into(),
            description: "Apple M2 Pro".into(),
            backend: "Metal".into(),
            kind: DeviceKind::Gpu,
            memory_total_bytes: 0,
            memory_free_bytes: 0,
            props: Props::default(),
        },
    ];
    let p = placement(PR_22673_M2_PRO, &devices, 99);
    assert_eq!((p.layers_offloaded, p.layers_total), (Some(66), Some(66)));
    assert_eq!(buffer_device("MTL0_Mapped", &devices), "MTL0");
    assert_eq!(buffer_device("CPU_Mapped", &devices), CPU);
    match judge(&devices, &p) {
        GpuUse::Used {
            device,
            weights_fraction,
        } => {
            assert_eq!(device, "MTL0 (Apple M2 Pro)");
            assert!((weights_fraction - 14803.73 / (14803.73 + 644.14)).abs() < 1e-6);
        }
        other => panic!("{other:?}"),
    }
}

/// mozilla-ai/llamafile PR 552 (ikawrakow, RTX 4080): a CUDA build of the same era.
const PR_552_CUDA: &str = "\
ggml_cuda_init: GGML_CUDA_FORCE_MMQ:    no
ggml_cuda_init: GGML_CUDA_FORCE_CUBLAS: no
ggml_cuda_init: found 1 CUDA devices:
  Device 0: NVIDIA GeForce RTX 4080, compute capability 8.9, VMM: yes
llm_load_tensors: ggml ctx size =    0.26 MiB
llm_load_tensors: offloading 30 repeating layers to GPU
llm_load_tensors: offloading non-repeating layers to GPU
llm_load_tensors: offloaded 31/31 layers to GPU
llm_load_tensors:        CPU buffer size =   297.00 MiB
llm_load_tensors:      CUDA0 buffer size =  7317.71 MiB
llama_kv_cache_init:      CUDA0 KV buffer size =   180.00 MiB
llama_new_context_with_model:  CUDA_Host  output buffer size =     0.19 MiB
llama_new_context_with_model:      CUDA0 compute buffer size =   105.00 MiB
";

#[test]
fn a_cuda_gpu_is_read_and_its_bytes_counted() {
    let mut devices = vec![cpu("x86")];
    annotate(&mut devices, PR_552_CUDA);
    let d = &devices[1];
    assert_eq!(
        (d.name.as_str(), d.description.as_str()),
        ("CUDA0", "NVIDIA GeForce RTX 4080")
    );
    assert_eq!(d.props.compute_capability.as_deref(), Some("8.9"));
    assert_eq!(d.props.vmm, Some(true));
    let p = placement(PR_552_CUDA, &devices, 99);
    assert_eq!(
        buffer_device("CUDA_Host", &devices),
        CPU,
        "pinned host memory"
    );
    assert!((mib(p.bytes_on(CPU, BufferKind::Weights)) - 297.0).abs() < 0.005);
    assert!((mib(p.off_cpu_bytes()) - (7317.71 + 180.0 + 105.0)).abs() < 0.01);
    assert!(matches!(judge(&devices, &p), GpuUse::Used { .. }));
    // Partial offload: 4 of 31 layers asked, about that share placed: used.
    let partial = Placement {
        n_gpu_layers: 4,
        layers_offloaded: Some(4),
        layers_total: Some(31),
        buffers: vec![
            Buffer {
                buffer: "CPU".into(),
                device: CPU.into(),
                kind: BufferKind::Weights,
                bytes: 6_700 << 20,
            },
            Buffer {
                buffer: "CUDA0".into(),
                device: "CUDA0".into(),
                kind: BufferKind::Weights,
                bytes: 900 << 20,
            },
        ],
    };
    assert!(matches!(judge(&devices, &partial), GpuUse::Used { .. }));
}

#[test]
fn a_machine_is_labelled_by_the_models_that_did_not_get_their_gpu() {
    let no = |r: &str| GpuUse::RequestedNotUsed { reason: r.into() };
    let used = GpuUse::Used {
        device: "MTL0".into(),
        weights_fraction: 0.9,
    };
    assert_eq!(machine(&[]), None);
    assert_eq!(machine(&[("a".into(), used.clone())]), Some(used.clone()));
    assert_eq!(
        machine(&[("a".into(), used.clone()), ("b".into(), no("x"))]),
        Some(no("x"))
    );
    assert_eq!(
        machine(&[("a".into(), no("x")), ("b".into(), no("x"))]),
        Some(no("x")),
        "one reason said once"
    );
    let both = machine(&[("a".into(), no("x")), ("b".into(), no("y"))]).expect("label");
    assert_eq!(both.label(), "GPU requested, not used: `a`: x; `b`: y");
}
