#!/usr/bin/env bash
# Builds bench/matmul/kernel_bench.cpp against the matmul sources in
# SRC (default: this checkout's libs/native/cpp) and runs it on one core.
# usage: bench/matmul/kernel_bench.sh [SRC] [OUT_BINARY]
#   (KB_SHAPES="1536x576,49152x576" KB_TOKENS="1": other shapes / token counts;
#    KB_MB=160: weights cycled through, default 48; KB_CPU: the core to pin to,
#    default the last one; KB_THREADS=2: the runtime's chunks on its thread
#    pool, unpinned)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-$here/../../libs/native/cpp}"
out="${2:-/tmp/kernel_bench}"
objs=()
tmp="$(mktemp -d)"
for f in "$src"/matmul/*.cpp "$src"/cpu_features.cpp "$src"/quants/iq4_table.cpp \
         "$src"/model/thread_pool.cpp "$src"/model/linear.cpp; do
  case "$f" in *bindings_matmul.cpp|*dequantize_row.cpp) continue ;; esac
  flags="-O3 -std=c++17 -fno-fast-math -ffp-contract=off"  # the addon's optimisation level
  case "$f" in
    *_avx512.cpp) flags="$flags -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c" ;;
    *_avx2.cpp) flags="$flags -mavx2 -mfma -mf16c" ;;
  esac
  o="$tmp/$(basename "$f").o"
  g++ $flags -I "$src" -c "$f" -o "$o" &
  objs+=("$o")
done
g++ -O3 -std=c++17 -I "$src" -c "$here/kernel_bench.cpp" -o "$tmp/kernel_bench.o" &
wait
g++ -o "$out" "$tmp/kernel_bench.o" "${objs[@]}" -lpthread
rm -rf "$tmp"
if [ "${NO_RUN:-}" = "" ]; then
  if [ "${KB_THREADS:-1}" -gt 1 ]; then "$out"; else taskset -c "${KB_CPU:-$(($(nproc) - 1))}" "$out"; fi
fi
