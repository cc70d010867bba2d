#!/usr/bin/env bash
# The main job: set up, build, run the Phase-0 suite on the models present, then write
# reports/PHASE_0_FINDINGS.md from the stored run.
# Extra arguments go to `lfmbench run` (e.g. --rounds 3, or --features are set via
# LFMBENCH_FEATURES=metal).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# No array here: macOS's bash 3.2 fails on an empty "${array[@]}" under set -u.
cargo build --release ${LFMBENCH_FEATURES:+--features "$LFMBENCH_FEATURES"}
status=0
./target/release/lfmbench run suites/phase0.toml --keep-going "$@" || status=$?
if ls reports/runs/*/run.json >/dev/null 2>&1; then
  ./target/release/lfmbench report
fi
exit $status
