"""Suggestions learned from use: grouping, evidence, withdrawal, masking (knowledge_base.faqs.learning)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from knowledge_base.faqs.learning import Evidence, clean_question, labelled, record, suggestion_key, suggestions


def pick(text: str, entry: str = "e1", source: str = "citizen", by: str = "", conv: str = "c1",
         at: str = "2026-12-01T10:00:00Z") -> Evidence:
    return Evidence("pick", entry, text, source, by or conv, conv, at)


KNOWN = {"e1": {"كيف اجدد رخصه القياده"}, "e2": {"كم رسوم الرخصه"}}


def test_picks_group_by_entry_and_question_with_their_evidence() -> None:
    ev = [pick("رخصتي خلصت وش اسوي", conv="c1"), pick("رخصتي خلصت وش اسوي؟", conv="c2"),
          pick("رخصتي خلصت وش اسوي", source="agent", by="noura", conv="c3"),
          pick("بكم الرخصه الحين", entry="e2", conv="c4")]
    got = suggestions(ev, KNOWN, set())
    assert [(s.entry_id, s.citizens, s.agents) for s in got] == [("e1", 2, ("noura",)), ("e2", 1, ())]
    assert got[0].key == suggestion_key("e1", "رخصتي خلصت وش اسوي")  # punctuation does not split a group


def test_withdrawn_known_done_and_deleted_are_left_out() -> None:
    ev = [pick("رخصتي خلصت وش اسوي", conv="c1"), Evidence("reject", "e1", "", "citizen", "c1", "c1", "x"),
          pick("كيف أجدد رخصة القيادة", conv="c2"),             # the entry already has this text
          pick("ابي اعرف رسوم الرخصه", entry="e2", conv="c3"),
          pick("سؤال عن مدخل محذوف", entry="gone", conv="c4")]
    done = {suggestion_key("e2", "ابي اعرف رسوم الرخصه")}
    assert suggestions(ev, KNOWN, done) == []


def test_an_agents_pick_survives_the_citizens_thumbs_down() -> None:
    ev = [pick("رخصتي خلصت وش اسوي", source="agent", by="noura", conv="c1"),
          Evidence("reject", "e1", "", "citizen", "c1", "c1", "x")]
    assert [s.agents for s in suggestions(ev, KNOWN, set())] == [("noura",)]


@pytest.mark.parametrize("text", ["", "  ", "نعم", "/choose_faq{}", "1"])
def test_nothing_to_learn_from_short_texts_or_payloads(text: str) -> None:
    assert clean_question(text) is None


def test_personal_data_is_masked_before_it_is_kept() -> None:
    masked = clean_question("رقم هويتي 1012345678 وجوالي 0551234567 ابي اجدد")
    assert masked is not None and "1012345678" not in masked and "0551234567" not in masked


def test_labelled_questions_for_the_answer_threshold() -> None:
    """Standing picks are in scope, agents' "outside" marks out of scope, each question once; withdrawn
    picks, unserved entries, questions labelled both ways and "outside" questions an editor has since
    added to the FAQ are left out."""
    outside = Evidence("outside", "", "ابي اسحب الشكوى", "agent", "noura", "c9", "x")
    ev = [pick("رخصتي خلصت وش اسوي", conv="c1"), pick("رخصتي خلصت وش اسوي؟", conv="c2"),
          pick("بكم الرخصه الحين", entry="e2", conv="c3"), Evidence("reject", "e2", "", "citizen", "c3", "c3", "x"),
          pick("كم رسوم التأشيرة", entry="gone", conv="c4"),
          pick("ابي اسحب الشكوى", conv="c5"), outside,
          Evidence("outside", "", "وش عاصمة اليابان", "agent", "noura", "c8", "x"),
          Evidence("outside", "", "كيف الغي حجز الموعد؟", "agent", "noura", "c7", "x")]
    entries = [SimpleNamespace(id="e1", question="كيف أجدد رخصتي", alternatives=[]),
               SimpleNamespace(id="e2", question="كيف ألغي حجز الموعد", alternatives=["إلغاء موعد"])]
    inside, out = labelled(ev, entries)
    assert inside == [("رخصتي خلصت وش اسوي", "e1")] and out == ["وش عاصمة اليابان"]


@pytest.mark.parametrize("kind, entry", [("outside", "e1"), ("pick", ""), ("guess", "e1")])
async def test_evidence_kinds_are_checked(kind: str, entry: str) -> None:
    with pytest.raises(ValueError):
        await record(None, kind=kind, entry_id=entry, text="سؤال من كلمتين")


def test_imported_rows_are_counted_apart_and_weigh_like_a_citizen() -> None:
    ev = [pick("رخصتي خلصت وش اسوي", source="import", by="editor1", conv="import-1"),
          pick("رخصتي خلصت وش اسوي", source="import", by="editor1", conv="import-1"),
          pick("بكم الرخصه الحين", entry="e2", conv="c4"),
          Evidence("reject", "e1", "", "citizen", "import-1", "import-1", "x")]  # a 👎 withdraws citizens only
    got = suggestions(ev, KNOWN, set())
    assert [(s.entry_id, s.citizens, s.agents, s.imported, s.weight) for s in got] == \
        [("e1", 0, (), 2, 2), ("e2", 1, (), 0, 1)]
    assert got[0].to_json()["imported"] == 2
