#!/usr/bin/env bash
# Print a short identity of this machine's CPU: its architecture and a hash of what the
# compiler sees with `-C target-cpu=native` (model name and instruction-set flags), e.g.
# `x86_64-3f9c0a1be2d47c55`.
#
# Builds here use the host's own instruction set (.cargo/config.toml: target-cpu=native;
# llama.cpp is then built with GGML_NATIVE=ON), so a target/ folder built on one CPU may
# hold instructions another CPU lacks. CI cache keys for target/ include this identity:
# a cache is only restored on a runner with the same CPU model and flags.
#
#   Linux: /proc/cpuinfo's model name / flags (x86) or implementer / part / Features (Arm);
#          CPUINFO=FILE reads another file (the tests use it).
#   macOS: sysctl machdep.cpu.brand_string and every hw.optional.* feature flag.
set -euo pipefail
info="${CPUINFO:-/proc/cpuinfo}"
case "$info" in /*) ;; *) info="$PWD/$info" ;; esac
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

arch=$(uname -m)
desc=$(mktemp)
trap 'rm -f "$desc"' EXIT
if [ "$(uname -s)" = Darwin ] && [ -z "${CPUINFO:-}" ]; then
  {
    sysctl -n machdep.cpu.brand_string 2>/dev/null || true
    sysctl hw.optional 2>/dev/null || true
  } >"$desc"
else
  [ -r "$info" ] || {
    echo "error: cannot read $info to identify the CPU" >&2
    exit 1
  }
  # One line per distinct value: every core repeats them.
  grep -E '^(model name|flags|CPU implementer|CPU architecture|CPU variant|CPU part|Features)[[:space:]]*:' "$info" |
    sed -E 's/[[:space:]]+/ /g' | sort -u >"$desc" || true
fi
if [ ! -s "$desc" ]; then
  echo "error: found nothing that identifies the CPU ($info or sysctl)" >&2
  exit 1
fi
hash=$(sha256_of "$desc")
printf '%s-%s\n' "$arch" "$(printf '%s' "$hash" | cut -c1-16)"
