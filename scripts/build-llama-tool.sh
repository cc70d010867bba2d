#!/usr/bin/env bash
# Build llama.cpp's own tools once, each into .tools/<tool>/bin/ (ignored by git; never
# committed; $LFMBENCH_TOOLS moves them, e.g. to a cache that outlives a checkout):
# `llama-server` for the http backend's integration test (tests/http_server.rs),
# `llama-bench` as the speed reference and `llama-quantize` for independently built twins
# (scripts/compare-llama-bench.sh), `llama-perplexity` as the reference for the perplexity
# workload (scripts/compare-perplexity.sh).
#
# Source: the PyPI sdist of llama-cpp-python, which vendors a complete llama.cpp tree
# (vendor/llama.cpp). It is fetched with the ordinary client (`pip download`); no registry
# address is written here. The build is CPU-only, Release, without curl/OpenSSL (the
# server never downloads anything) and without the web UI.
#
# Cached: a tool whose binary exists and was built from the same llama-cpp-python version
# is reused (its path printed); only the missing ones are built.
#
#   scripts/build-llama-tool.sh [TOOL…]   # llama-server (default), llama-bench, llama-quantize,
#                                         # llama-perplexity:
#                                         # build what is missing in one cmake build, reuse the rest
#   LLAMA_CPP_PYTHON_VERSION=0.3.36 scripts/build-llama-tool.sh llama-bench
#   JOBS=8 scripts/build-llama-tool.sh       # parallel compile jobs (default: logical CPUs)
#
# The binary's path is printed last; the test also honours LFMBENCH_LLAMA_SERVER=<path>.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
tools_dir="${LFMBENCH_TOOLS:-.tools}"
# How the CPU backend is built (LLAMA_BUILD_STYLE):
#   generic  GGML_NATIVE=OFF: AVX2/FMA/F16C on x86 (llama-cpp-sys-2's default without
#            target-cpu=native) — into .tools/<tool>/
#   native   GGML_NATIVE=ON (-march=native), AMX compiled out as in lfmbench's own build
#            (.cargo/config.toml) — into .tools/<tool>-native/
#   release  as llama.cpp's Linux/macOS release builds: GGML_BACKEND_DL with every CPU
#            variant (libggml-cpu-haswell.so … -sapphirerapids.so) picked at run time,
#            shared libraries beside the binary (RPATH $ORIGIN) — into .tools/<tool>-release/
style="${LLAMA_BUILD_STYLE:-generic}"
case "$style" in
  generic) suffix="" ;;
  native | release) suffix="-$style" ;;
  *) echo "error: LLAMA_BUILD_STYLE must be generic, native or release (got '$style')" >&2; exit 2 ;;
esac
want="llama-cpp-python==$version $style"
[ $# -eq 0 ] && set -- llama-server
todo=()
for tool in "$@"; do
  case "$tool" in
    llama-server | llama-bench | llama-quantize | llama-perplexity) ;;
    *) echo "error: unknown tool '$tool' (llama-server, llama-bench, llama-quantize or llama-perplexity)" >&2; exit 2 ;;
  esac
  bin="$tools_dir/$tool$suffix/bin/$tool"
  stamp="$tools_dir/$tool$suffix/BUILT_FROM"
  have=""
  [ -f "$stamp" ] && have="$(cat "$stamp")"
  # Stamps written before build styles existed name only the version: a generic build.
  [ "$have" = "llama-cpp-python==$version" ] && have="$have generic"
  if [ -x "$bin" ] && [ "$have" = "$want" ]; then
    echo "$tool already built from $want: $bin"
  else
    todo+=("$tool")
  fi
done
[ ${#todo[@]} -eq 0 ] && exit 0

command -v cmake >/dev/null || {
  echo "error: cmake is not installed (Debian: apt-get install -y cmake)" >&2
  exit 1
}
command -v c++ >/dev/null || {
  echo "error: no C++ compiler (Debian: apt-get install -y g++)" >&2
  exit 1
}

dest="$tools_dir/.build"
mkdir -p "$dest"
# A work folder of this build's own: two builds into one shared tools folder at once
# (two checkouts, one cache) must not delete each other's sources half-way.
work=$(mktemp -d "$dest/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

echo "fetching the llama-cpp-python==$version sdist (pip download)…"
python3 -m pip download --quiet --no-deps --no-binary :all: --disable-pip-version-check \
  -d "$work" "llama-cpp-python==$version"
sdist=$(ls "$work"/llama_cpp_python-*.tar.gz)
echo "extracting $(basename "$sdist")…"
tar -xzf "$sdist" -C "$work" # whole: macOS's bsdtar has no --wildcards
src=$(echo "$work"/llama_cpp_python-*/vendor/llama.cpp)
[ -f "$src/CMakeLists.txt" ] || {
  echo "error: $sdist has no vendor/llama.cpp/CMakeLists.txt" >&2
  exit 1
}

jobs="${JOBS:-$(cpu_count)}"
style_flags=(-DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF)
case "$style" in
  native)
    style_flags=(-DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON
      "-DCMAKE_C_FLAGS=-U__AMX_INT8__ -U__AMX_TILE__" "-DCMAKE_CXX_FLAGS=-U__AMX_INT8__ -U__AMX_TILE__") ;;
  release)
    # llama.cpp's release workflow (.github/workflows/release.yml): every CPU variant as a
    # loadable backend, libraries found beside the binary.
    style_flags=(-DBUILD_SHARED_LIBS=ON -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON
      -DGGML_CPU_ALL_VARIANTS=ON "-DCMAKE_INSTALL_RPATH=\$ORIGIN" -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON) ;;
esac
echo "building ${todo[*]:-} (Release, CPU only, style $style, $jobs jobs)…"
# LLAMA_CURL is the older name of the download switch, LLAMA_OPENSSL the newer; both
# off (an unknown one only draws a cmake warning). The prebuilt web UI would be fetched
# from the network: off.
cmake -S "$src" -B "$work/build" \
  -DCMAKE_BUILD_TYPE=Release \
  "${style_flags[@]}" \
  -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF \
  >"$work.configure.log" 2>&1 || {
  tail -30 "$work.configure.log" >&2
  echo "error: cmake configure failed; full log in $work.configure.log" >&2
  exit 1
}
targets=(${todo[@]+"${todo[@]}"})
if [ "$style" = release ]; then
  # The CPU variants are modules nothing links against: build each by name.
  for t in $(cmake --build "$work/build" --target help | sed -n 's/^\.\.\. \(ggml-cpu-[A-Za-z0-9._]*\).*/\1/p'); do
    targets+=("$t")
  done
fi
cmake --build "$work/build" --target "${targets[@]}" -j "$jobs" >"$work.build.log" 2>&1 || {
  tail -30 "$work.build.log" >&2
  echo "error: build failed; full log in $work.build.log" >&2
  exit 1
}

for tool in ${todo[@]+"${todo[@]}"}; do
  mkdir -p "$tools_dir/$tool$suffix/bin"
  bin="$tools_dir/$tool$suffix/bin/$tool"
  if [ "$style" = release ]; then
    # the shared libraries and CPU variants go beside the binary, as in a release archive
    cp "$work"/build/bin/*.so* "$work"/build/bin/*.dylib "$tools_dir/$tool$suffix/bin/" 2>/dev/null || true
  fi
  cp "$work/build/bin/$tool" "$bin.tmp~"
  mv "$bin.tmp~" "$bin"
  echo "$want" >"$tools_dir/$tool$suffix/BUILT_FROM"
  echo "built in $(($(date +%s) - start)) s: $bin"
done
rm -f "$work.configure.log" "$work.build.log"
