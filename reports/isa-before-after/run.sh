#!/usr/bin/env bash
# Before/after issue 12 on one host: the same lfmbench commit built generic (x86-64, the
# llama-cpp-sys-2 default: GGML_NATIVE=OFF, AVX2) and native (.cargo/config.toml), runs
# alternated G N G N, each one round after a warm-up; then analyse.py prints the figures
# README quotes. Build the generic side first (6+ minutes, 1.3 GB):
#   CARGO_TARGET_DIR=/tmp/generic-target RUSTFLAGS="-C target-cpu=x86-64" cargo build --release
# Run on a quiet host.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
generic="${GENERIC_TARGET:-/tmp/generic-target}/release/lfmbench"
cargo build --release --quiet
for i in 1 2; do
  for side in generic native; do
    bin=target/release/lfmbench
    [ "$side" = generic ] && bin="$generic"
    uptime | sed "s/^/[$side $i] /"
    "$bin" run "$here/suite.toml" --rounds 1 --out "$here/runs-$side"
  done
done
python3 "$here/analyse.py"
