from __future__ import annotations

import pytest

from knowledge_base.engine.arabizi import Transliterator
from knowledge_base.engine.normalize import default_normalizer, fold

VOCAB = {"اغير", "كلمات", "السر", "المرور", "اقامه", "تجديد", "رسوم", "مساند", "قوي"}


def known(w: str) -> int:
    return 2 * (w in VOCAB or (w.startswith("ال") and w[2:] in VOCAB))


@pytest.fixture(scope="module")
def tr() -> Transliterator:
    return Transliterator(default_normalizer())


def test_arabizi_sentence_becomes_arabic_with_corpus_spellings(tr):
    text, changed = tr.sentence(fold("abi a8ayer kalemat el sir"), known)
    assert changed
    assert text == "ابي اغير كلمات السر"


def test_article_and_digit_letters(tr):
    text, _ = tr.sentence("wesh rsoom tajdeed el eqama", known)
    assert text.split() == ["وش", "رسوم", "تجديد", "الاقامه"]
    assert tr.candidates("7a8")[0] == "حق"


def test_english_is_left_alone(tr):
    assert tr.sentence("how do i renew my iqama", known) == ("how do i renew my iqama", False)


def test_platform_names_in_english_queries_are_matched_to_the_corpus(tr):
    assert tr.confirmed_words(["musaned", "login"], known) == ["مساند"]


def test_a_spelling_the_corpus_writes_beats_one_only_its_stem_knows(tr):
    def graded(w: str) -> int:
        return {"السر": 2, "السير": 1}.get(w, 0)

    assert tr.word("alsir", graded) == ("السر", True)
