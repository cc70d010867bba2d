# shellcheck shell=bash
# Shell helpers the scripts share; sourced (`. scripts/lib.sh`), never run.
#
# Written for the oldest bash the scripts meet: macOS's stock /bin/bash 3.2. There, under
# `set -u`, expanding an empty array ("${a[@]}") is an "unbound variable" error (bash 4.4+
# allows it), so an array that may be empty is expanded as ${a[@]+"${a[@]}"} (nothing
# when empty). tests/scripts.rs checks that, runs each script under shellcheck, and runs
# these functions with stand-in tools on PATH.

# sha256 of FILE, lowercase hex, on stdout: GNU coreutils' sha256sum (Linux), else
# shasum -a 256 (Perl's, on every stock Mac).
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  else
    echo "error: neither sha256sum nor shasum is installed, so $1 cannot be checked" >&2
    echo "  help: Debian/Ubuntu: apt-get install coreutils; macOS: shasum ships with the system (/usr/bin/shasum)" >&2
    return 1
  fi
}

# The Rust edition 2024 needs Rust 1.85 or newer. Fails with what to install when cargo or
# rustc is missing or older.
RUST_MIN_MINOR=85
check_rust() {
  local v major minor
  if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    echo "error: cargo/rustc not found: lfmbench is built with Rust 1.$RUST_MIN_MINOR or newer (edition 2024)" >&2
    echo "  help: install Rust with rustup (https://rustup.rs), open a new shell (or run: . \"\$HOME/.cargo/env\"), then run this again" >&2
    return 1
  fi
  v=$(rustc --version 2>/dev/null | awk '{print $2}')
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  case "$major.$minor" in
    [0-9]*.[0-9]*) ;;
    *)
      echo "error: cannot read the Rust version from \`rustc --version\` (got: '$(rustc --version 2>&1)')" >&2
      echo "  help: lfmbench needs Rust 1.$RUST_MIN_MINOR or newer; check that rustc runs, or reinstall it with rustup (https://rustup.rs)" >&2
      return 1
      ;;
  esac
  if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt "$RUST_MIN_MINOR" ]; }; then
    echo "error: Rust $v is too old: lfmbench uses edition 2024, which needs Rust 1.$RUST_MIN_MINOR or newer" >&2
    echo "  help: rustup update stable (or, with a system Rust, install rustup from https://rustup.rs)" >&2
    return 1
  fi
}

# macOS: the Xcode command-line tools (clang, make, and the libclang that bindgen loads
# to generate llama.cpp's bindings). Fails with what to install when they are missing.
check_macos_tools() {
  local dev lib
  if ! dev=$(xcode-select -p 2>/dev/null) || [ -z "$dev" ]; then
    echo "error: the Xcode command-line tools are not installed (they provide clang and the libclang that bindgen needs)" >&2
    echo "  help: xcode-select --install, accept the dialog, then run this again" >&2
    return 1
  fi
  if [ -n "${LIBCLANG_PATH:-}" ]; then
    lib="$LIBCLANG_PATH/libclang.dylib"
  elif [ -e "$dev/usr/lib/libclang.dylib" ]; then
    lib="$dev/usr/lib/libclang.dylib" # the command-line tools alone
  else
    lib="$dev/Toolchains/XcodeDefault.xctoolchain/usr/lib/libclang.dylib" # full Xcode
  fi
  if [ ! -e "$lib" ]; then
    echo "error: no libclang.dylib at $lib: bindgen cannot generate llama.cpp's bindings" >&2
    echo "  help: reinstall the command-line tools (softwareupdate --list, or xcode-select --install)," >&2
    echo "        or point LIBCLANG_PATH at a folder holding libclang.dylib (e.g. brew install llvm; LIBCLANG_PATH=\"\$(brew --prefix llvm)/lib\")" >&2
    return 1
  fi
}

# Logical CPUs: nproc on Linux, sysctl on macOS.
cpu_count() {
  nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.logicalcpu 2>/dev/null || echo 2
}
