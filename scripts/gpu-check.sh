#!/usr/bin/env bash
# Device check of the CUDA build, on a machine with an NVIDIA GPU: build lfmbench with
# --features cuda, run a tiny suite on SmolLM2-135M with n_gpu_layers = 99, and print what
# the run recorded about the GPU: engine.json's devices and placements, the offload and
# memory records, and the report's GPU rows.
#
#   scripts/gpu-check.sh            # everything, each step under its own time limit
#
# Settings (environment):
#   GPU_CHECK_MODEL=path.gguf       the model (default models/cache/SmolLM2-135M-Instruct.Q4_1.gguf)
#   GPU_CHECK_BUILD_TIMEOUT=s       the build's limit (default 1500)
#   GPU_CHECK_RUN_TIMEOUT=s         the run's limit (default 300)
#   GPU_CHECK_FAST=1                leave llama.cpp's CUDA FlashAttention kernels out of the
#                                   build (GGML_CUDA_FA=OFF): a much shorter compile, and a
#                                   build that does not run FlashAttention on the GPU
#   CMAKE_CUDA_ARCHITECTURES=90     the GPU code compiled (default: this GPU's, from nvidia-smi)
#   GPU_CHECK_BIN=path/lfmbench     check this binary: no tool checks, no build
# The build goes to target/gpu-check (the CPU build in target/ is left alone).
#
# Exit status: 0 when the GPU held the model, 1 when it did not (the reason is printed),
# 2 when a tool, the model or a step is missing or failed (what is missing is said),
# 124 when a step ran past its limit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

step() { printf '\n== %s\n' "$*"; }

# Tools, then the CUDA build: sets `bin`.
tools_and_build() {
  step "tools"
  # The CUDA toolkit is often installed without being on PATH.
  for d in "${CUDA_PATH:-}/bin" /usr/local/cuda/bin /opt/cuda/bin; do
    if ! command -v nvcc >/dev/null 2>&1 && [ -x "$d/nvcc" ]; then
      PATH="$d:$PATH"
      export PATH
    fi
  done
  missing=""
  need() {
    if command -v "$1" >/dev/null 2>&1; then
      echo "  $1: $(command -v "$1")"
    else
      missing=$(printf '%s\n  - %s: %s' "$missing" "$1" "$2")
    fi
  }
  need cargo "the Rust toolchain, 1.$RUST_MIN_MINOR or newer (https://rustup.rs)"
  need cmake "cmake 3.18 or newer (llama-cpp-sys-2 builds llama.cpp with it): apt-get install cmake"
  need nvcc "the CUDA toolkit's compiler: install the CUDA toolkit, or put its bin/ on PATH (or set CUDA_PATH)"
  need nvidia-smi "the NVIDIA driver's nvidia-smi: without a driver there is no GPU to check"
  need timeout "coreutils' timeout (apt-get install coreutils)"
  if [ -n "$missing" ]; then
    printf 'error: missing:%s\n' "$missing" >&2
    exit 2
  fi
  check_rust || exit 2
  echo "  $(nvcc --version | tail -n 1)"
  if ! gpus=$(timeout 30 nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv,noheader 2>&1); then
    echo "error: nvidia-smi found no usable GPU: $gpus" >&2
    echo "  help: check the driver (nvidia-smi on its own) and that this machine has a GPU" >&2
    exit 2
  fi
  echo "  GPU: $gpus"
  if [ -z "${CMAKE_CUDA_ARCHITECTURES:-}" ]; then
    # "9.0" -> "90": compile for this GPU only (llama.cpp's default list takes far longer).
    cap=$(printf '%s\n' "$gpus" | head -n 1 | awk -F', ' '{print $2}' | tr -d '.')
    case "$cap" in
      [0-9][0-9]*) CMAKE_CUDA_ARCHITECTURES="$cap" ;;
      *) CMAKE_CUDA_ARCHITECTURES=native ;;
    esac
  fi
  export CMAKE_CUDA_ARCHITECTURES
  echo "  CUDA architectures compiled: $CMAKE_CUDA_ARCHITECTURES"

  step "build (cargo build --features cuda; limit ${GPU_CHECK_BUILD_TIMEOUT:-1500} s)"
  export CARGO_TARGET_DIR="$PWD/target/gpu-check"
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(cpu_count)}
  export CMAKE_BUILD_PARALLEL_LEVEL
  if [ "${GPU_CHECK_FAST:-}" = 1 ]; then
    export GGML_CUDA_FA=OFF
    echo "  GPU_CHECK_FAST=1: GGML_CUDA_FA=OFF (no FlashAttention kernels on the GPU)"
  fi
  log="$CARGO_TARGET_DIR/build.log"
  mkdir -p "$CARGO_TARGET_DIR"
  status=0
  timeout "${GPU_CHECK_BUILD_TIMEOUT:-1500}" cargo build --features cuda >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    if [ "$status" -eq 124 ]; then
      echo "error: the build ran past ${GPU_CHECK_BUILD_TIMEOUT:-1500} s (log: $log); run again to continue it, or GPU_CHECK_FAST=1" >&2
      exit 124
    fi
    echo "error: the CUDA build failed (exit $status; whole log: $log)" >&2
    echo "  help: without network, cargo needs the crates already in ~/.cargo/registry (run \`cargo fetch\` where there is network)," >&2
    echo "        and llama.cpp's CUDA build needs the toolkit's headers and libraries (CUDA_PATH)" >&2
    exit 2
  fi
  bin="$CARGO_TARGET_DIR/debug/lfmbench"
}

model=${GPU_CHECK_MODEL:-models/cache/SmolLM2-135M-Instruct.Q4_1.gguf}
if [ ! -f "$model" ]; then
  echo "error: the model $model is missing" >&2
  echo "  help: scripts/fetch-test-models.sh fetches it (network needed), or copy it there, or set GPU_CHECK_MODEL" >&2
  exit 2
fi
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")

if [ -n "${GPU_CHECK_BIN:-}" ]; then
  bin=$GPU_CHECK_BIN
  echo "GPU_CHECK_BIN=$bin: no tool checks, no build"
else
  tools_and_build
fi
"$bin" --version | sed 's/^/  /'

step "run (n_gpu_layers = 99; limit ${GPU_CHECK_RUN_TIMEOUT:-300} s)"
work=$(mktemp -d "${TMPDIR:-/tmp}/lfmbench-gpu-check.XXXXXX")
cat >"$work/models.toml" <<EOF
[[model]]
id = "smol"
path = "$model"
family = "llama"

[[model]]
id = "smol-cpu"
path = "$model"
family = "llama"
overrides = { n_gpu_layers = 0 }
EOF
cat >"$work/suite.toml" <<'EOF'
[suite]
name = "gpu-check"
candidate = "smol"
baseline = "smol-cpu"
rounds = 1
warmup = 0
timeout_s = 120

[backend]
n_ctx = 1024
n_batch = 256
n_gpu_layers = 99

[[workload]]
kind = "decode"
tokens = 32
depths = [0]

[[workload]]
kind = "prefill"
tokens = 128

[[workload]]
kind = "chat"
max_tokens = 8
prompts = ["What is the capital of France?"]

[[workload]]
kind = "cold_start"
EOF
status=0
(cd "$work" && timeout "${GPU_CHECK_RUN_TIMEOUT:-300}" "$bin" run suite.toml) || status=$?
if [ "$status" -eq 124 ]; then
  echo "warning: the run ran past ${GPU_CHECK_RUN_TIMEOUT:-300} s and was stopped; what it recorded follows" >&2
fi
run_dir=$(find "$work/reports/runs" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
if [ -z "$run_dir" ] || [ ! -f "$run_dir/engine.json" ]; then
  echo "error: the run recorded no engine.json (exit $status; folder: $work)" >&2
  [ "$status" -eq 124 ] && exit 124
  exit 2
fi

step "engine.json ($run_dir)"
cat "$run_dir/engine.json"
echo
step "offload records (one per worker)"
grep '"kind":"offload"' "$run_dir/samples.jsonl" || echo "  none"
step "memory records"
grep '"kind":"memory"' "$run_dir/samples.jsonl" || echo "  none"
step "report: GPU rows"
timeout 120 "$bin" report "$run_dir" --out "$work/F.md" >/dev/null
grep -E '^\*\*Verdict|^\| (GPU offload|Devices|GPU layers) \||^\| `smol[^|]*\| [0-9]+ requested' "$work/F.md" || true
echo "  (whole report: $work/F.md)"

# The candidate asked for every layer on the GPU: what does its placement say?
# (engine.json's keys are sorted: "gpu" comes first, and in it "reason" before "state".)
state=$(tr -d ' \n' <"$run_dir/engine.json" | grep -o '"smol":{"gpu":{[^}]*}' | sed 's/.*"state":"//; s/".*//' || true)
echo
case "$state" in
  used)
    echo "GPU check: the GPU held smol's weights (the run exited $status)"
    exit 0
    ;;
  "")
    echo "GPU check: no placement was recorded for smol (the run exited $status)" >&2
    [ "$status" -eq 124 ] && exit 124
    exit 2
    ;;
  *)
    echo "GPU check: smol's GPU was NOT used ($state); engine.json's placements.smol.gpu says why" >&2
    exit 1
    ;;
esac
