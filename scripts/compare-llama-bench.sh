#!/usr/bin/env bash
# The speed reference: lfmbench's decode (tg) and prefill (pp) against llama.cpp's own
# llama-bench on the same model file, threads, batch and token counts, taken side by side
# (alternating A B A B …) so that drift of a busy machine hits both.
#
#   scripts/compare-llama-bench.sh [MODEL.gguf …]     (default: the two registry models)
#   ROUNDS=3 THREADS=2 scripts/compare-llama-bench.sh
#
# llama-bench is built from the llama.cpp inside the PyPI sdist of llama-cpp-python
# (scripts/build-llama-tool.sh llama-bench), which is not the exact llama.cpp commit that
# llama-cpp-sys-2 vendors: small differences can come from that too.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
pp=512
tg=128
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(models/cache/SmolLM2-135M-Instruct.Q4_1.gguf models/cache/gemma-3-270m-q4_k_m.gguf)
scripts/build-llama-tool.sh llama-bench >/dev/null
LB=.tools/llama-bench/bin/llama-bench
cargo build --release --quiet
LF=target/release/lfmbench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'model\tside\tround\tpp%s_tok_s\ttg%s_tok_s\n' "$pp" "$tg"
for m in "${models[@]}"; do
  abs=$(realpath "$m")
  cat >"$work/models.toml" <<TOML
[[model]]
id = "m"
path = "$abs"
family = "any"
[[model]]
id = "other"
path = "$abs"
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
    line=$("$LB" -m "$abs" -p "$pp" -n "$tg" -b "$pp" -ub "$pp" -t "$threads" -r 2 -o csv 2>/dev/null |
      python3 -c 'import csv,sys
rows=list(csv.DictReader(sys.stdin))
pp=[r["avg_ts"] for r in rows if r["n_prompt"]!="0"][0]
tg=[r["avg_ts"] for r in rows if r["n_gen"]!="0"][0]
print(f"{float(pp):.1f}\t{float(tg):.1f}")')
    printf '%s\tllama-bench\t%s\t%s\n' "$(basename "$m")" "$r" "$line"
    (cd "$work" && rm -rf reports && "$OLDPWD/$LF" run suite.toml >/dev/null 2>&1)
    python3 - "$work" "$(basename "$m")" "$r" <<'PY'
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
