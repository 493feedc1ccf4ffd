"""The Redis FAQ store: CRUD, versions, audit, soft delete, optimistic concurrency, seeding."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from knowledge_base.engine.corpus import load_corpus
from knowledge_base.engine.errors import DuplicateIdError
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.store import FaqStore, NotFound, StaleVersion
from knowledge_base.faqs.validation import ValidationFailed

NEW = {
    "category": "جواز السفر",
    "question": "كيف أجدد جواز السفر المنتهي؟",
    "alternatives": ["تجديد الجواز", "ابي اجدد جوازي"],
    "answer": "جدّد جوازك من منصة أبشر خلال دقائق بعد سداد الرسوم.",
    "links": ["https://example.gov.sa/passport"],
    "tags": ["جواز"],
}


@pytest.fixture
async def store(redis_url: str, redis_prefix: str):
    client = aioredis.from_url(redis_url, decode_responses=True)
    yield FaqStore(client, KbKeys(redis_prefix))
    await client.aclose()


async def test_create_get_and_version_bump(store: FaqStore) -> None:
    assert await store.version() == 0
    entry = await store.create({"id": "passport-renew", **NEW}, actor="huda")
    assert entry.rev == 1 and entry.status == "draft" and not entry.served
    got = await store.get("passport-renew")
    assert got == entry
    assert got.alternatives == ("تجديد الجواز", "ابي اجدد جوازي")
    assert await store.version() == 1
    with pytest.raises(DuplicateIdError) as err:
        await store.create({"id": "passport-renew", **NEW}, actor="huda")
    assert err.value.ids == ["passport-renew"]


async def test_publish_unpublish_controls_served_set(store: FaqStore) -> None:
    entry = await store.create(NEW, actor="huda")
    assert entry.id.startswith("faq-")
    await store.set_status(entry.id, "published", actor="huda")
    assert await store.redis.smembers(store.keys.published) == {entry.id}
    await store.set_status(entry.id, "draft", actor="huda")
    assert await store.redis.smembers(store.keys.published) == set()
    assert await store.version() == 3


async def test_stale_update_is_refused_with_current_entry(store: FaqStore) -> None:
    entry = await store.create({"id": "e1", **NEW}, actor="a")
    updated = await store.update("e1", {"answer": "إجابة جديدة ومحدثة للسؤال."}, expected_rev=1, actor="a")
    assert updated.rev == 2
    with pytest.raises(StaleVersion) as exc:
        await store.update("e1", {"answer": "إجابة أخرى قديمة الأساس."}, expected_rev=entry.rev, actor="b")
    assert exc.value.current.answer == "إجابة جديدة ومحدثة للسؤال."
    assert (await store.get("e1")).answer == "إجابة جديدة ومحدثة للسؤال."


async def test_two_editors_racing_on_one_revision_exactly_one_wins(store: FaqStore) -> None:
    await store.create({"id": "race", **NEW}, actor="a")
    other = FaqStore(aioredis.from_url(_url(store), decode_responses=True), store.keys)

    async def edit(s: FaqStore, who: str) -> str:
        try:
            await s.update("race", {"answer": f"إجابة كتبها المحرر {who}."}, expected_rev=1, actor=who)
            return "won"
        except StaleVersion:
            return "stale"

    results = await asyncio.gather(*(edit(s, w) for s, w in [(store, "a"), (other, "b")] * 3))
    await other.redis.aclose()
    assert results.count("won") == 1
    final = await store.get("race")
    assert final.rev == 2
    assert len(await store.history("race")) == 2


async def test_two_editors_accepting_suggestions_at_once_both_land(store: FaqStore) -> None:
    """Bulk accepts (learned suggestions) racing on the same entries: each is one transaction, neither
    overwrites the other's alternatives, and each is one version."""
    for entry_id in ("s1", "s2"):
        await store.create({"id": entry_id, **NEW}, actor="a")
    other = FaqStore(aioredis.from_url(_url(store), decode_responses=True), store.keys)
    start = await store.version()
    texts = {who: [f"سؤال بديل كتبه المواطن رقم {who}{n}" for n in range(3)] for who in ("a", "b")}
    await asyncio.gather(*(s.add_alternatives({"s1": texts[w], "s2": texts[w][:1]}, actor=w)
                           for s, w in [(store, "a"), (other, "b")]))
    await other.redis.aclose()
    s1, s2 = await store.get("s1"), await store.get("s2")
    assert set(s1.alternatives) == {*NEW["alternatives"], *texts["a"], *texts["b"]} and s1.rev == 3
    assert set(s2.alternatives) == {*NEW["alternatives"], texts["a"][0], texts["b"][0]}
    assert await store.version() == start + 2
    # Known texts are not added twice; an entry pushed past the limit fails the batch, naming the entry.
    assert await store.add_alternatives({"s1": texts["a"]}, actor="a") == []
    with pytest.raises(ValidationFailed) as err:
        await store.add_alternatives({"s2": [f"بديل رقم {n} لهذا السؤال" for n in range(60)]}, actor="a")
    assert err.value.errors[0].field == "s2.alternatives"
    assert await store.version() == start + 2


def _url(store: FaqStore) -> str:
    kw = store.redis.connection_pool.connection_kwargs
    return f"redis://{kw['host']}:{kw['port']}/{kw['db']}"


async def test_update_validation_lists_each_bad_field(store: FaqStore) -> None:
    await store.create({"id": "v1", **NEW}, actor="a")
    with pytest.raises(ValidationFailed) as exc:
        await store.update("v1", {"question": "", "links": ["javascript:alert(1)"]}, expected_rev=1, actor="a")
    fields = {e.field: e.to_json() for e in exc.value.errors}
    assert set(fields) == {"question", "links"}
    assert fields["links"]["message_ar"] and fields["links"]["message_en"].startswith("Only https")
    assert (await store.get("v1")).rev == 1


async def test_control_characters_are_removed_like_chat_text(store: FaqStore) -> None:
    entry = await store.create({"id": "c1", **NEW, "question": "كيف\x00 أجدد\x1b[31m جواز السفر؟\x7f",
                                "answer": "الخطوة الأولى\r\nالخطوة\tالثانية\x00\x85", "tags": ["\x07جواز"],
                                "links": ["https://example.gov.sa/\x00passport"]}, actor="a")
    assert entry.question == "كيف أجدد[31m جواز السفر؟"
    assert entry.answer == "الخطوة الأولى\nالخطوة\tالثانية"  # line breaks and tabs of an answer stay
    assert entry.tags == ("جواز",) and entry.links == ("https://example.gov.sa/passport",)
    updated = await store.update("c1", {"alternatives": ["\u200fتجديد\x00 الجواز"]}, expected_rev=1, actor="a")
    assert updated.alternatives == ("\u200fتجديد الجواز",)  # a bidi mark is not a control character


async def test_soft_delete_and_restore_keep_history(store: FaqStore) -> None:
    await store.create({"id": "d1", **NEW, "status": "published"}, actor="a")
    deleted = await store.delete("d1", actor="b")
    assert deleted.deleted and not deleted.served
    assert await store.redis.smembers(store.keys.published) == set()
    restored = await store.restore("d1", actor="c")
    assert restored.served and restored.question == NEW["question"]
    history = await store.history("d1")
    assert [h["action"] for h in history] == ["restore", "delete", "create"]
    assert history[1]["actor"] == "b" and history[1]["fields"] == ["deleted"]
    assert history[1]["before"] == {"deleted": False} and history[1]["after"] == {"deleted": True}
    with pytest.raises(NotFound):
        await store.delete("missing", actor="a")


async def test_audit_records_before_and_after_of_changed_fields_only(store: FaqStore) -> None:
    await store.create({"id": "h1", **NEW}, actor="a")
    await store.update("h1", {"answer": "جواب معدّل للسؤال هنا.", "tags": ["جواز"]}, expected_rev=1, actor="z")
    last = (await store.history("h1"))[0]
    assert last["fields"] == ["answer"]
    assert last["before"] == {"answer": NEW["answer"]}
    assert last["after"] == {"answer": "جواب معدّل للسؤال هنا."}
    assert last["actor"] == "z" and last["version"] == 2


async def test_seed_if_empty_loads_the_corpus_once(store: FaqStore) -> None:
    corpus = load_corpus("knowledge_base/corpus")
    assert await store.seed_if_empty(corpus) == len(corpus)
    assert await store.seed_if_empty(corpus) == 0
    assert await store.count() == len(corpus)
    assert await store.version() == 1
    published = {e.id for e in corpus if e.status == "published"}
    assert await store.redis.smembers(store.keys.published) == published
    sample = corpus[0]
    assert (await store.get(sample.id)).to_faq_entry().question == sample.question


def test_cli_import_export_round_trip(redis_url: str, redis_prefix: str, tmp_path) -> None:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "knowledge_base", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    seeded = cli("import")
    assert seeded.returncode == 0, seeded.stderr
    count = json.loads(seeded.stdout)["entries"]
    again = cli("import", "--if-empty")
    assert json.loads(again.stdout)["skipped"] == "store not empty"
    out = tmp_path / "faq.jsonl"
    assert cli("export", "--out", str(out)).returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == count
    dry = cli("import", "--file", str(out), "--dry-run")
    report = json.loads(dry.stdout)
    assert report["counts"] == {"add": 0, "change": 0, "unchanged": count, "reject": 0}
    bad = tmp_path / "bad.csv"
    bad.write_text("id,question\nx,\n", encoding="utf-8")
    rejected = cli("import", "--file", str(bad))
    assert rejected.returncode == 1 and json.loads(rejected.stdout)["counts"]["reject"] == 1
