#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine (or a Mac with Homebrew) needs before lfmbench
# builds and its tests run:
#   - Rust 1.85 or newer (edition 2024): checked, never installed; the message says how;
#   - macOS: the Xcode command-line tools (clang, and the libclang bindgen loads): checked;
#   - cmake and libclang: llama-cpp-sys-2 builds llama.cpp with cmake and generates its
#     bindings with bindgen (libclang); on Linux also GNU time and shellcheck (the tests
#     lint every script with it);
#   - the two small real GGUF models the tests use (scripts/fetch-test-models.sh).
# Safe to run again: each step is skipped when already done. Runs under macOS's bash 3.2.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

check_rust
[ "$(uname -s)" = Darwin ] && check_macos_tools

need_apt=()
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
if [ "$(uname -s)" = Linux ]; then
  [ -x /usr/bin/time ] || need_apt+=(time)
  command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
  # tests/isa_guard.rs runs the binary on an emulated older CPU (QEMU user mode)
  [ "$(uname -m)" = x86_64 ] && { command -v qemu-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-user); }
  # bindgen loads libclang.so / libclang-N.so (package libclang1-N); libclang-cpp.so, which
  # some images ship alone, is a different library and does not do.
  compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || compgen -G '/usr/lib/llvm-*/lib/libclang-[0-9]*.so*' >/dev/null \
    || compgen -G '/usr/lib/*-linux-gnu/libclang-[0-9]*.so*' >/dev/null || compgen -G '/usr/lib/*-linux-gnu/libclang.so*' >/dev/null \
    || need_apt+=(libclang-dev clang)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(uname -s)" = Darwin ]; then
    command -v brew >/dev/null 2>&1 || {
      echo "error: cmake is missing and Homebrew is not installed to get it" >&2
      echo "  help: install Homebrew (https://brew.sh) and run this again, or install cmake yourself (https://cmake.org/download/)" >&2
      exit 1
    }
    brew install cmake
  else
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing ${need_apt[*]:-} …"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ${need_apt[@]+"${need_apt[@]}"} >/dev/null
  fi
fi

scripts/fetch-test-models.sh

# --- llama-server for tests/http_server.rs (the http backend against a real server) ---
# Built once into a cache that outlives this checkout, as .ci/run does (several minutes on
# 2 cores the first time, reused after); the test finds it there. The build fetches
# llama.cpp's source with pip. LFMBENCH_SETUP_LLAMA_SERVER=0 skips it (machines that only
# benchmark or report, e.g. the nightly workflow).
[ "${LFMBENCH_SETUP_LLAMA_SERVER:-1}" = 0 ] && exit 0
export LFMBENCH_TOOLS="${LFMBENCH_TOOLS:-$HOME/.cache/lfmbench/tools}"
if ! python3 -m pip --version >/dev/null 2>&1 && [ "$(uname -s)" = Linux ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing python3-pip …"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-pip >/dev/null
fi
scripts/build-llama-tool.sh llama-server
# --- end of llama-server ---
