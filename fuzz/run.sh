#!/usr/bin/env bash
# Run the fuzz targets for a bounded time each: fuzz/run.sh [SECONDS] [TARGET…]
# (default: 60 s, every target). Uses cargo-fuzz when installed; otherwise builds the
# targets with the same libFuzzer coverage flags on stable Rust (no sanitizer: the code
# under test is safe Rust, where a sanitizer finds little that a panic does not).
# Seeds come from suites/, models.toml, the small test models' GGUF headers and the
# stored runs under tests/fixtures/runs/ and reports/reference/.
# The corpus grows in fuzz/corpus/ across runs. A crash leaves its input in
# fuzz/artifacts/<target>/: turn it into a unit test with those bytes beside the code it
# broke, then fix the code.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
all=(config_toml gguf_header suite_toml run_json host_json jobs_jsonl samples_jsonl report_samples)
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# Seed corpora (idempotent).
for t in "${all[@]}"; do mkdir -p "corpus/$t"; done
for s in ../suites/*.toml; do
  { cat "$s"; printf '\n#--models--\n'; cat ../models.toml; } > "corpus/config_toml/seed-$(basename "$s" .toml)"
  cp "$s" "corpus/suite_toml/seed-$(basename "$s" .toml)"
done
for g in ../models/cache/*.gguf; do
  if [ -f "$g" ]; then head -c 8192 "$g" > "corpus/gguf_header/seed-$(basename "$g" .gguf)"; fi
done
for run in ../tests/fixtures/runs/* ../reports/reference/*/; do
  [ -f "$run/run.json" ] || continue
  name=$(basename "$run")
  cp "$run/run.json" "corpus/run_json/seed-$name"
  cp "$run/host.json" "corpus/host_json/seed-$name"
  if [ -f "$run/jobs.jsonl" ]; then head -n 40 "$run/jobs.jsonl" > "corpus/jobs_jsonl/seed-$name"; fi
  # A few records of each kind keep the seeds small (the report runs on every input).
  if [ -f "$run/samples.jsonl" ]; then
    for k in decode prefill chat cold_start memory failure; do
      grep "\"kind\":\"$k\"" "$run/samples.jsonl" | head -n 4 || true
    done > "corpus/samples_jsonl/seed-$name"
    cp "corpus/samples_jsonl/seed-$name" "corpus/report_samples/seed-$name"
  fi
done

flags=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1)
if command -v cargo-fuzz >/dev/null 2>&1; then
  for t in "${targets[@]}"; do
    mkdir -p "artifacts/$t"
    cargo fuzz run --sanitizer none "$t" "corpus/$t" -- "${flags[@]}"
  done
  exit 0
fi

host=$(rustc -vV | sed -n 's/^host: //p')
# What cargo-fuzz passes (see its project.rs), minus the sanitizer. --target keeps build
# scripts and proc macros uninstrumented.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions -Coverflow-checks"
cargo build --release --target "$host" --bins
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t"
  echo "== $t: ${secs}s"
  "target/$host/release/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" "${flags[@]}"
done
