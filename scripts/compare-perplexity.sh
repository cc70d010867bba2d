#!/usr/bin/env bash
# The quality reference: lfmbench's perplexity workload against llama.cpp's own
# llama-perplexity on the same GGUF, the same text, the same context and windows.
# Prints both perplexities and their ratio per model, and fails when one differs by more
# than 1 % (TOLERANCE_PCT).
#
#   scripts/compare-perplexity.sh [MODEL.gguf …]   default: the two registry models
#   N_CTX=512 CHUNKS=8 THREADS=2 scripts/compare-perplexity.sh
#   TEXT=suites/texts/alice29.txt scripts/compare-perplexity.sh
#
# llama-perplexity is built from the llama.cpp inside the PyPI sdist of llama-cpp-python
# (scripts/build-llama-tool.sh, into $LFMBENCH_TOOLS or .tools/), which is not the exact
# llama.cpp commit that llama-cpp-sys-2 vendors: kernels may round a little differently.
# Both sides use one batch per window (n_batch = n_ctx), as llama-perplexity does by default.
# Timing plays no part: a busy machine gives the same numbers, only later.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
n_ctx="${N_CTX:-512}"
chunks="${CHUNKS:-8}"
threads="${THREADS:-2}"
text="${TEXT:-suites/texts/alice29.txt}"
tolerance="${TOLERANCE_PCT:-1}"
tools="${LFMBENCH_TOOLS:-.tools}"

scripts/build-llama-tool.sh llama-perplexity >/dev/null
LP="$tools/llama-perplexity/bin/llama-perplexity"
cargo build --quiet
LF="${CARGO_TARGET_DIR:-target}/debug/lfmbench"
LF="$(cd "$(dirname "$LF")" && pwd)/lfmbench"
[ $# -eq 0 ] && set -- models/cache/SmolLM2-135M-Instruct.Q4_1.gguf models/cache/gemma-3-270m-q4_k_m.gguf

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
abs_text="$(cd "$(dirname "$text")" && pwd)/$(basename "$text")"
sha=$(sha256_of "$abs_text")

printf '| model | n_ctx | windows | llama-perplexity | lfmbench | ratio |\n|---|--:|--:|--:|--:|--:|\n'
failed=0
for model in "$@"; do
  abs_model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"
  # A suite needs a candidate and a baseline: the same file twice, under two names.
  cat >"$work/models.toml" <<EOF
[[model]]
id = "m"
path = "$abs_model"
family = "x"

[[model]]
id = "same"
path = "$abs_model"
family = "x"
EOF
  cat >"$work/suite.toml" <<EOF
[suite]
name = "perplexity-check"
candidate = "m"
baseline = "same"
rounds = 1
warmup = 0
timeout_s = 3600

[backend]
threads = $threads
n_ctx = $n_ctx
n_batch = $n_ctx

[[workload]]
kind = "perplexity"
file = "$abs_text"
sha256 = "$sha"
n_ctx = $n_ctx
chunks = $chunks
EOF
  (cd "$work" && "$LF" run suite.toml --models models.toml --out runs >"$work/lf.log" 2>&1) || {
    tail -20 "$work/lf.log" >&2
    echo "error: lfmbench failed on $model" >&2
    exit 1
  }
  ours=$(python3 - "$work"/runs/*/samples.jsonl <<'PY'
import json, math, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] == "perplexity" and r["model"] == "m":
        nll = sum(w["nll"] for w in r["windows"])
        n = sum(w["tokens"] for w in r["windows"])
        print(f"{math.exp(nll / n):.4f} {len(r['windows'])}")
        break
PY
)
  [ -n "$ours" ] || {
    tail -20 "$work/lf.log" >&2
    echo "error: lfmbench stored no perplexity for $model" >&2
    exit 1
  }
  "$LP" -m "$abs_model" -f "$abs_text" -c "$n_ctx" -b "$n_ctx" --chunks "$chunks" -t "$threads" \
    >"$work/lp.log" 2>&1 || {
    tail -20 "$work/lp.log" >&2
    echo "error: llama-perplexity failed on $model" >&2
    exit 1
  }
  theirs=$(sed -n 's/.*Final estimate: PPL = \([0-9.]*\).*/\1/p' "$work/lp.log" | tail -1)
  [ -n "$theirs" ] || {
    tail -20 "$work/lp.log" >&2
    echo "error: no 'Final estimate' in llama-perplexity's output for $model" >&2
    exit 1
  }
  read -r ours_ppl ours_windows <<<"$ours"
  verdict=$(python3 -c "
a, b, tol = float('$theirs'), float('$ours_ppl'), float('$tolerance')
r = b / a
print(f'{r:.4f} ' + ('ok' if abs(r - 1) * 100 <= tol else 'OFF'))")
  ratio=${verdict% *}
  [ "${verdict#* }" = ok ] || failed=1
  printf '| %s | %s | %s | %s | %s | %s |\n' "$(basename "$model")" "$n_ctx" "$ours_windows" "$theirs" "$ours_ppl" "$ratio"
  rm -rf "$work/runs"
done
if [ "$failed" -ne 0 ]; then
  echo "error: a perplexity differs from llama-perplexity's by more than $tolerance %" >&2
  exit 1
fi
echo "every perplexity within $tolerance % of llama-perplexity's"
