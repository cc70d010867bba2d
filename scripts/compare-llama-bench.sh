#!/usr/bin/env bash
# The speed reference: lfmbench's decode (tg) and prefill (pp) against llama.cpp's own
# llama-bench with the same threads, batch and token counts, taken side by side
# (alternating A B A B …) so that drift of a busy machine hits both.
#
#   scripts/compare-llama-bench.sh [MODEL.gguf …]   same file on both sides
#                                                   (default: the two registry models)
#   scripts/compare-llama-bench.sh LF.gguf=LB.gguf  lfmbench runs LF, llama-bench runs LB
#   scripts/compare-llama-bench.sh --twins          lfmbench's own twins of LFM2-350M and
#       Qwen3-0.6B (Q4_K_M) against twins built independently (scripts/independent-twin.py:
#       llama.cpp's gguf-py and llama-quantize, no lfmbench code) run by llama-bench
#   ROUNDS=3 THREADS=2 scripts/compare-llama-bench.sh
#
# llama-bench and llama-quantize are built from the llama.cpp inside the PyPI sdist of
# llama-cpp-python (scripts/build-llama-tool.sh), which is not the exact llama.cpp commit
# that llama-cpp-sys-2 vendors: small differences can come from that too. llama-bench is
# built for this CPU (LLAMA_BUILD_STYLE=native, the default: -march=native, as llama.cpp's
# own from-source build, with AMX compiled out as in lfmbench's build), never the
# handicapped generic way, and the script prints which instruction sets each side really
# used. LLAMA_BUILD_STYLE=release builds it as llama.cpp's release archives are (every CPU
# variant, picked at run time); on the Sapphire Rapids VMs this project runs on, that
# build picks libggml-cpu-sapphirerapids.so and dies of SIGILL at its first AMX
# `tileloadd` (llama-cpp-python 0.3.36's llama.cpp), so it cannot be the reference there.
# Run it on a quiet
# machine: two llama.cpp threads on a 2-core VM collapse under any other load.
# Before each llama-bench run its file is settled in the page cache as lfmbench settles its
# own (dropped, then read back sequentially): mmapped decode speed depends on how a file
# sits in the page cache (src/measure/pagecache.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
pp=512
tg=128
tools="${LFMBENCH_TOOLS:-.tools}"
style="${LLAMA_BUILD_STYLE:-native}"
export LLAMA_BUILD_STYLE="$style"
suffix="-$style"
[ "$style" = generic ] && suffix=""

cargo build --release --quiet
LF=target/release/lfmbench

pairs=()
if [ "${1:-}" = "--twins" ]; then
  scripts/build-llama-tool.sh llama-bench >/dev/null
  LLAMA_BUILD_STYLE=generic scripts/build-llama-tool.sh llama-quantize >/dev/null
  [ -x "$tools/py/bin/python" ] || python3 -m venv "$tools/py"
  "$tools/py/bin/python" -c 'import numpy, gguf' 2>/dev/null ||
    "$tools/py/bin/pip" install --quiet --disable-pip-version-check numpy gguf
  # v2: the value recipe with magnitude spreads (a cached v1 twin is not reused)
  mkdir -p "$tools/independent-twins/v2" models/twins
  for arch in lfm2-350m qwen3-0.6b; do
    ind="$tools/independent-twins/v2/$arch-q4_k_m.gguf"
    if [ ! -f "$ind" ]; then
      "$tools/py/bin/python" scripts/independent-twin.py "$arch" "$ind.f16"
      "$tools/llama-quantize/bin/llama-quantize" "$ind.f16" "$ind" Q4_K_M >"$ind.log" 2>&1
      rm -f "$ind.f16"
    fi
    own="models/twins/$arch-q4_k_m.gguf"
    "$LF" twin "$arch" --quant Q4_K_M -o "$own" >/dev/null # this generator version's
    printf '# %s: lfmbench twin %s bytes, independent twin %s bytes\n' "$arch" \
      "$(wc -c <"$own" | tr -d " ")" "$(wc -c <"$ind" | tr -d " ")"
    pairs+=("$own=$ind")
  done
else
  scripts/build-llama-tool.sh llama-bench >/dev/null
  [ $# -eq 0 ] && set -- models/cache/SmolLM2-135M-Instruct.Q4_1.gguf models/cache/gemma-3-270m-q4_k_m.gguf
  pairs=("$@")
fi
LB="$tools/llama-bench$suffix/bin/llama-bench"
settle() {
  python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)' "$1"
  cat "$1" >/dev/null
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'model\tside\tround\tpp%s_tok_s\ttg%s_tok_s\n' "$pp" "$tg" | tee "$work/all.tsv"
for pair in ${pairs[@]+"${pairs[@]}"}; do
  lf_file=$(realpath "${pair%%=*}")
  lb_file=$(realpath "${pair#*=}")
  name=$(basename "$lf_file")
  cat >"$work/models.toml" <<TOML
[[model]]
id = "m"
path = "$lf_file"
family = "any"
[[model]]
id = "other"
path = "$lf_file"
family = "any"
TOML
  cat >"$work/suite.toml" <<TOML
[suite]
name = "vs-llama-bench"
candidate = "m"
baseline = "other"
rounds = 1
warmup = 1
[backend]
threads = $threads
n_ctx = $((pp + tg + 16))
n_batch = $pp
[[workload]]
kind = "decode"
tokens = $tg
[[workload]]
kind = "prefill"
tokens = $pp
TOML
  for r in $(seq 1 "$rounds"); do
    # llama-bench: -r 2 repetitions after its own warm-up; its mean is reported.
    settle "$lb_file"
    line=$("$LB" -m "$lb_file" -p "$pp" -n "$tg" -b "$pp" -ub "$pp" -t "$threads" -r 2 -o csv 2>"$work/lb.err" |
      python3 -c 'import csv,sys
rows=list(csv.DictReader(sys.stdin))
pp=[r["avg_ts"] for r in rows if r["n_prompt"]!="0"][0]
tg=[r["avg_ts"] for r in rows if r["n_gen"]!="0"][0]
print(f"{float(pp):.1f}\t{float(tg):.1f}")')
    printf '%s\tllama-bench\t%s\t%s\n' "$name" "$r" "$line" | tee -a "$work/all.tsv"
    (cd "$work" && rm -rf reports && "$OLDPWD/$LF" run suite.toml >/dev/null 2>&1)
    python3 - "$work" "$name" "$r" <<'PY' | tee -a "$work/all.tsv"
import json, sys, glob
work, name, r = sys.argv[1:]
recs = [json.loads(l) for f in glob.glob(work + "/reports/runs/*/samples.jsonl") for l in open(f)]
mine = [x for x in recs if x["model"] == "m"]
pp = [x["tokens_per_s"] for x in mine if x["kind"] == "prefill"][0]
tg = [x["tokens_per_s"] for x in mine if x["kind"] == "decode"][0]
print(f"{name}\tlfmbench\t{r}\t{pp:.1f}\t{tg:.1f}")
PY
  done
done

# What each side ran: the CPU backend llama-bench loaded (release style: the variant ggml
# picked for this CPU) and the instruction sets lfmbench's engine reported (engine.json).
echo
echo "llama-bench ($style build): $(grep -h -o 'loaded CPU backend from .*' "$work/lb.err" | head -1 || true)"
"$LB" --list-devices 2>&1 | grep -i cpu | head -2 | sed 's/^/llama-bench device: /' || true
# llama-bench prints no instruction-set list, so read the machine code itself: AVX-512
# (zmm registers), AVX-512/AVX VNNI (vpdpbusd) and AVX-512 BF16 (vdpbf16ps) instructions
# present in each binary (a release-style llama-bench keeps them in its libggml-cpu-*.so).
if command -v objdump >/dev/null; then
  for bin in "$LB" "$LF"; do
    d=$(objdump -d --no-show-raw-insn "$bin" 2>/dev/null || true)
    printf 'instructions in %s: zmm %s, vpdpbusd %s, vdpbf16ps %s\n' "$bin" \
      "$(grep -c zmm <<<"$d" || true)" "$(grep -c vpdpbusd <<<"$d" || true)" "$(grep -c vdpbf16ps <<<"$d" || true)"
  done
fi
python3 - "$work" <<'PY'
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/reports/runs/*/engine.json"))[:1]:
    isa = json.load(open(f)).get("isa") or {}
    print("lfmbench engine CPU features:", " ".join(isa.get("engine_cpu_features", [])) or "unknown")
    print("host CPU features:", " ".join(isa.get("host_cpu_features", [])))
    print("host features the engine leaves unused:", " ".join(isa.get("unused_host_features", [])) or "none")
PY

# Medians per model and side, and lfmbench ÷ llama-bench.
python3 - "$work/all.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cols = [c for c in rows[0] if c.endswith("_tok_s")]
print("\nmedians\tmetric\tllama-bench\tlfmbench\tlfmbench/llama-bench")
for m in dict.fromkeys(r["model"] for r in rows):
    for c in cols:
        med = {s: statistics.median(float(r[c]) for r in rows if r["model"] == m and r["side"] == s)
               for s in ("llama-bench", "lfmbench")}
        print(f"{m}\t{c}\t{med['llama-bench']:.1f}\t{med['lfmbench']:.1f}\t{med['lfmbench'] / med['llama-bench']:.3f}")
PY
