"""The action lexicon (knowledge_base/engine/actions.py): what a text asks to have done, on sentences written for
these tests, and the two ranking features it gives each candidate entry."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.engine.actions import default_lexicon, entry_masks, features
from knowledge_base.engine.normalize import default_normalizer

LEX, NORM = default_lexicon(), default_normalizer()


def names(text: str) -> set[str]:
    m = LEX.mask(NORM, text)
    return {n for i, n in enumerate(LEX.names) if m >> i & 1}


@pytest.mark.parametrize(("text", "action"), [
    ("كيف أجدد جواز السفر؟", "renew"),
    ("بغيت اجدد الاستماره حقت السياره", "renew"),
    ("how can I renew my work permit", "renew"),
    ("ابي الغي الحجز حقي", "undo"),
    ("I want to cancel my request", "undo"),
    ("ضاعت بطاقتي امس", "lost"),
    ("my passport got lost on the trip", "lost"),
    ("البطاقه انكسرت نصين", "damaged"),
    ("ابي اعترض على القرار", "appeal"),
    ("how do I appeal the decision", "appeal"),
    ("وين وصل طلبي؟", "status"),
    ("where is my application", "status"),
    ("ابي انقل الكفاله", "transfer"),
    ("كيف اسدد الفاتوره", "pay"),
    ("ابي احجز موعد للاسنان", "book"),
    ("أريد تعديل رقم الجوال", "modify"),
    ("كيف أطبع الشهادة", "print"),
    ("هل الوثيقة مزورة؟ كيف أتحقق", "verify"),
])
def test_actions_are_read_in_every_style(text: str, action: str) -> None:
    assert action in names(text)


@pytest.mark.parametrize("text", ["ما هي ساعات العمل؟", "my national address", "what documents are required",
                                  "كم رسوم الخدمة"])
def test_questions_without_an_action_state_none(text: str) -> None:
    assert names(text) == set()


def test_the_matching_twin_gains_and_the_other_loses() -> None:
    twins = entry_masks(LEX, NORM, ["كيف أجدد رخصة القيادة؟", "كيف ألغي رخصة القيادة؟", "ما شروط الرخصة؟",
                                    "كيف أمدد الرخصة؟"])
    match, miss = features(LEX, LEX.mask(NORM, "ابي اجدد رخصتي"), twins)
    assert match.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert miss.tolist() == [0.0, 1.0, 0.0, 0.0]  # no action stated: no opinion; "extend" is near "renew"


def test_a_query_without_an_action_gives_no_feature() -> None:
    match, miss = features(LEX, 0, np.array([1, 2, 0], dtype=np.int64))
    assert not match.any() and not miss.any()
