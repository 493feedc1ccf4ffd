from __future__ import annotations

import bm25s
import numpy as np

from knowledge_base.engine.corpus import load_corpus, published
from knowledge_base.engine.lexical import LexicalIndex
from knowledge_base.engine.normalize import default_normalizer
from knowledge_base.engine.search import entry_fields


def test_scores_match_bm25s_lucene_on_the_demo_corpus():
    norm = default_normalizer()
    docs = [norm.lex_tokens(t) for e in published(load_corpus("knowledge_base/corpus")) for t in entry_fields(e)]
    ours = LexicalIndex(docs, k1=1.2, b=0.5)
    ref = bm25s.BM25(k1=1.2, b=0.5, method="lucene")
    ref.index([d or [""] for d in docs], show_progress=False)
    for q in ("كم رسوم رخصة العمل", "تجديد الإقامة للعامل المنزلي", "نسيت كلمة المرور", "حماية الأجور"):
        ids = [t for t in norm.lex_tokens(q) if ours.knows(t)]
        assert ids
        expected = ref.get_scores(ids)[: len(docs)]
        got = ours.raw_scores([ours.vocab[t] for t in ids])
        assert np.allclose(got, expected, atol=1e-4)


def test_normalised_scores_reward_covering_the_query_and_repair_typos():
    norm = default_normalizer()
    lex = LexicalIndex([norm.lex_tokens(t) for t in ["رسوم رخصة العمل", "تجديد الإقامة", "كلمة المرور"]])
    full = lex.scores(norm.lex_tokens("رسوم رخصة العمل"))
    assert full.argmax() == 0 and 0.9 <= full[0] <= 1.0
    partial = lex.scores(norm.lex_tokens("رسوم رخصة القيادة للسيارات"))  # unknown words lower the score
    assert partial[0] < full[0]
    assert lex.scores(norm.lex_tokens("كلمة المرورر")).argmax() == 2  # one-letter typo repaired
    assert not lex.scores([]).any()
