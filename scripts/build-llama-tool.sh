#!/usr/bin/env bash
# Build one of llama.cpp's own tools once, into .tools/<tool>/ (ignored by git; never
# committed; $LFMBENCH_TOOLS moves it, e.g. to a cache that outlives a checkout): `llama-server` for the http backend's integration test
# (tests/http_server.rs), `llama-bench` as the speed reference
# (scripts/compare-llama-bench.sh).
#
# Source: the PyPI sdist of llama-cpp-python, which vendors a complete llama.cpp tree
# (vendor/llama.cpp). It is fetched with the ordinary client (`pip download`); no registry
# address is written here. The build is CPU-only, Release, without curl/OpenSSL (the
# server never downloads anything) and without the web UI.
#
# Cached: when .tools/llama-server/bin/llama-server exists and was built from the same
# llama-cpp-python version, the script prints its path and does nothing else.
#
#   scripts/build-llama-tool.sh [llama-server|llama-bench]   # build (or reuse); default llama-server
#   LLAMA_CPP_PYTHON_VERSION=0.3.36 scripts/build-llama-tool.sh llama-bench
#   JOBS=8 scripts/build-llama-tool.sh       # parallel compile jobs (default: nproc)
#
# The binary's path is printed last; the test also honours LFMBENCH_LLAMA_SERVER=<path>.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
tool="${1:-llama-server}"
case "$tool" in
  llama-server | llama-bench) ;;
  *) echo "error: unknown tool '$tool' (llama-server or llama-bench)" >&2; exit 2 ;;
esac
dest="${LFMBENCH_TOOLS:-.tools}/$tool"
bin="$dest/bin/$tool"
stamp="$dest/BUILT_FROM"
want="llama-cpp-python==$version"

if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$tool already built from $want: $bin"
  exit 0
fi

command -v cmake >/dev/null || {
  echo "error: cmake is not installed (Debian: apt-get install -y cmake)" >&2
  exit 1
}
command -v c++ >/dev/null || {
  echo "error: no C++ compiler (Debian: apt-get install -y g++)" >&2
  exit 1
}

mkdir -p "$dest"
work="$dest/work"
rm -rf "$work"
mkdir -p "$work"
start=$(date +%s)

echo "fetching the $want sdist (pip download)…"
python3 -m pip download --quiet --no-deps --no-binary :all: --disable-pip-version-check \
  -d "$work" "$want"
sdist=$(ls "$work"/llama_cpp_python-*.tar.gz)
echo "extracting vendor/llama.cpp from $(basename "$sdist")…"
tar -xzf "$sdist" -C "$work" --wildcards '*/vendor/llama.cpp/*'
src=$(echo "$work"/llama_cpp_python-*/vendor/llama.cpp)
[ -f "$src/CMakeLists.txt" ] || {
  echo "error: $sdist has no vendor/llama.cpp/CMakeLists.txt" >&2
  exit 1
}

jobs="${JOBS:-$(nproc)}"
# GGML_NATIVE=OFF by default: llama-cpp-sys-2 builds lfmbench's llama.cpp the same way
# (AVX2/FMA/F16C, no AVX-512) unless RUSTFLAGS has target-cpu=native, so a speed
# comparison then runs the same kernels on both sides. GGML_NATIVE=ON to override.
echo "building $tool (Release, CPU only, $jobs jobs)…"
# LLAMA_CURL is the older name of the download switch, LLAMA_OPENSSL the newer; both
# off (an unknown one only draws a cmake warning). The prebuilt web UI would be fetched
# from the network: off.
cmake -S "$src" -B "$work/build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_CURL=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF \
  -DGGML_NATIVE="${GGML_NATIVE:-OFF}" \
  >"$dest/cmake-configure.log" 2>&1 || {
  tail -30 "$dest/cmake-configure.log" >&2
  echo "error: cmake configure failed; full log in $dest/cmake-configure.log" >&2
  exit 1
}
cmake --build "$work/build" --target "$tool" -j "$jobs" >"$dest/cmake-build.log" 2>&1 || {
  tail -30 "$dest/cmake-build.log" >&2
  echo "error: build failed; full log in $dest/cmake-build.log" >&2
  exit 1
}

mkdir -p "$dest/bin"
cp "$work/build/bin/$tool" "$bin.tmp~"
mv "$bin.tmp~" "$bin"
echo "$want" >"$stamp"
rm -rf "$work"
echo "built in $(($(date +%s) - start)) s: $bin"
