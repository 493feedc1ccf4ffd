"""The optional English version of an FAQ entry: corpus format, validation, store dates, import/export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from knowledge_base.engine.corpus import FaqEntry, corpus_hash, load_corpus
from knowledge_base.engine.errors import CorpusError
from knowledge_base.faqs.importexport import export_bytes, parse, plan
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.store import FaqStore
from knowledge_base.faqs.validation import ValidationFailed

AR = {
    "category": "جواز السفر",
    "question": "كيف أجدد جواز السفر المنتهي؟",
    "alternatives": ["تجديد الجواز"],
    "answer": "جدّد جوازك من منصة أبشر خلال دقائق بعد سداد الرسوم.",
}
EN = {
    "question_en": "How do I renew an expired passport?",
    "alternatives_en": ["passport renewal"],
    "answer_en": "Renew it on the Absher platform in minutes after paying the fee.",
}


@pytest.fixture
async def store(redis_url: str, redis_prefix: str):
    client = aioredis.from_url(redis_url, decode_responses=True)
    yield FaqStore(client, KbKeys(redis_prefix))
    await client.aclose()


def test_corpus_reads_the_english_version(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "p1", **AR, **EN, "updated_at_en": "2026-12-01"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    entry = load_corpus(path)[0]
    assert entry.question_en == EN["question_en"] and entry.alternatives_en == ("passport renewal",)
    assert entry.has_english and entry.updated_at_en == "2026-12-01"


def test_corpus_english_needs_question_and_answer(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "p1", **AR, "question_en": "Only a question?"}) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="answer_en"):
        load_corpus(path)


def test_an_untranslated_entry_hashes_as_before() -> None:
    # The hash decides whether the search index is rebuilt: adding the (empty) English fields must not.
    entry = FaqEntry("p1", "c", "سؤال طويل بما يكفي", (), "إجابة طويلة بما يكفي")
    assert set(entry.to_dict()) == {"id", "category", "question", "alternatives", "answer", "links", "tags",
                                    "status", "updated_at"}
    assert corpus_hash([entry]) != corpus_hash([FaqEntry("p1", "c", "سؤال طويل بما يكفي", (),
                                                         "إجابة طويلة بما يكفي", question_en="Q long",
                                                         answer_en="A long")])


async def test_translation_state_follows_which_language_changed(store: FaqStore) -> None:
    entry = await store.create({"id": "p1", **AR}, actor="huda")
    assert entry.translation == "missing" and entry.to_json()["translation"] == "missing"
    entry = await store.update("p1", EN, entry.rev, actor="huda")
    assert entry.translation == "current" and entry.updated_at_en
    entry = await store.set_status("p1", "published", actor="huda")
    assert entry.translation == "current"  # a status change is not a change of the Arabic text
    entry = await store.update("p1", {"answer": AR["answer"] + " ويصلك الجواز بالبريد."}, entry.rev, actor="huda")
    assert entry.translation == "stale"
    entry = await store.update("p1", {"answer_en": EN["answer_en"] + " It is delivered by mail."}, entry.rev,
                               actor="huda")
    assert entry.translation == "current"
    assert (await store.get("p1")).answer_en.endswith("by mail.")


async def test_half_an_english_version_is_refused(store: FaqStore) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await store.create({"id": "p1", **AR, "question_en": EN["question_en"]}, actor="huda")
    assert [e.code for e in exc.value.errors] == ["needs_both_en"]
    entry = await store.create({"id": "p2", **AR, **EN}, actor="huda")
    with pytest.raises(ValidationFailed):
        await store.update("p2", {"answer_en": ""}, entry.rev, actor="huda")  # would leave the question alone
    cleared = await store.update("p2", {"question_en": "", "answer_en": "", "alternatives_en": []}, entry.rev,
                                 actor="huda")
    assert cleared.translation == "missing" and cleared.updated_at_en == ""


async def test_seed_keeps_the_corpus_dates_of_both_languages(store: FaqStore, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [{"id": "old", **AR, **EN, "updated_at": "2026-11-20", "updated_at_en": "2026-11-01"},
            {"id": "new", **AR, **EN, "updated_at": "2026-11-01", "updated_at_en": "2026-11-20"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    await store.seed_if_empty(load_corpus(path))
    assert (await store.get("old")).translation == "stale"
    assert (await store.get("new")).translation == "current"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
async def test_export_and_import_carry_the_english_version(store: FaqStore, fmt: str) -> None:
    await store.create({"id": "p1", **AR, **EN}, actor="huda")
    data = export_bytes(await store.all(), fmt)
    rows = parse(data, fmt)
    assert rows[0]["question_en"] == EN["question_en"] and rows[0]["alternatives_en"] == ["passport renewal"]
    rows[0]["answer_en"] = "Renew it online."
    report = plan(rows, {e.id: e for e in await store.all()})
    assert report.rows[0].action == "change" and report.rows[0].fields == ["answer_en"]


async def test_an_old_file_without_english_columns_keeps_the_translation(store: FaqStore) -> None:
    await store.create({"id": "p1", **AR, **EN}, actor="huda")
    report = plan([{"id": "p1", **AR, "status": "draft"}], {e.id: e for e in await store.all()})
    assert report.rows[0].action == "unchanged"
