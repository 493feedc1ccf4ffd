"""The learning loop's stream study (knowledge_base.tuning.learn_eval --streams) with the real engine on a
slice of a blind corpus's use stream: what it replays, what it accepts, and that too few labels keep the
shipped threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge_base.engine.encoders import encoder_from_env
from knowledge_base.engine.search import KnowledgeBase
from knowledge_base.tuning.learn_eval import run_stream
from knowledge_base.tuning.transfer import EvalSet

pytestmark = pytest.mark.slow

BLIND = Path(__file__).resolve().parents[1] / "data" / "blind" / "health"


def _head(src: Path, dst: Path, n: int) -> Path:
    dst.write_text("".join(src.read_text(encoding="utf-8").splitlines(keepends=True)[:n]), encoding="utf-8")
    return dst


def test_stream_replay_scores_the_frozen_set_before_and_after(tmp_path: Path) -> None:
    encoder = encoder_from_env()  # the shipped engine: the committed thresholds belong to it
    es = EvalSet("health", "fit", BLIND / "corpus.jsonl", [_head(BLIND / "queries.jsonl", tmp_path / "q.jsonl", 40)],
                 [_head(BLIND / "ood.jsonl", tmp_path / "o.jsonl", 20)])
    stream = EvalSet("health-stream", "stream", es.corpus, [_head(BLIND / "stream.jsonl", tmp_path / "s.jsonl", 30)],
                     [_head(BLIND / "stream_ood.jsonl", tmp_path / "so.jsonl", 10)])
    out = run_stream(es, stream, lambda entries: KnowledgeBase.build(entries, encoder=encoder))
    assert out["stream"] == 30 and 0 < out["suggestions_accepted"] <= 30
    # 30 labelled questions are far below what the threshold rule needs: the shipped one serves.
    assert out["local"]["threshold"]["threshold"] is None and out["threshold"] == out["before"]
    assert out["local"]["both"]["near_threshold"] is None and out["with_neighbours"] == out["both"]  # nor the rule
    for name in ("before", "alternatives", "threshold", "both", "with_neighbours"):
        assert out[name]["in_scope"] == 40 and 0 <= out[name]["answered_right"] <= 1
    # Accepting the stream's questions as alternatives never makes the bot hand off more of the frozen set.
    assert out["alternatives"]["handed_off"] <= out["before"]["handed_off"] + 1 / 40
    json.dumps(out)


def test_one_stream_with_labelled_neighbours_holds_the_reported_figures() -> None:
    """The health corpus's whole use stream and frozen set (docs/knowledge-base.md, "Labelled neighbours,
    served", as of stop 32: 33.6 % right — 36.0 % before the rule needed a labelled question close in its
    own right —, 0 wrong, 0 out of scope answered, 48.5 % of them shown options — short questions keep
    their menu —, 1.2 % handed off).
    Floors sit two questions from the measured values; the rule must also beat the thresholds alone."""
    from knowledge_base.tuning.transfer import load_sets, load_streams

    sets = Path(__file__).resolve().parents[1] / "data" / "sets.yaml"
    es = next(s for s in load_sets(sets) if s.name == "health")
    encoder = encoder_from_env()
    out = run_stream(es, load_streams(sets)["health"], lambda entries: KnowledgeBase.build(entries, encoder=encoder))
    near, both = out["with_neighbours"], out["both"]
    assert near["in_scope"] == 247 and near["answered_right"] >= 0.328
    assert near["answered_right"] >= both["answered_right"] + 0.1
    assert near["wrong"] <= 0.01 and near["ood_answered"] <= 0.02
    assert near["ood_options"] <= 0.505 < both["ood_options"] and near["handed_off"] <= 0.02


def test_pooled_folds_score_every_question_once_by_an_index_that_never_lived_it() -> None:
    from knowledge_base.tuning.learn_eval import pooled_folds

    stream, frozen = [{"q": f"s{i}"} for i in range(13)], [{"q": f"f{i}"} for i in range(8)]
    folds = pooled_folds(stream, frozen, 5, seed=3)
    assert len(folds) == 5
    scored = [r["q"] for _, s in folds for r in s]
    assert sorted(scored) == sorted(r["q"] for r in [*stream, *frozen])  # each scored exactly once
    for lived, s in folds:
        assert not {r["q"] for r in lived} & {r["q"] for r in s} and len(lived) + len(s) == 21
    assert pooled_folds(stream, frozen, 5, seed=3) == folds  # the seed fixes the draw


def test_options_the_pooled_study_would_ignore_are_refused() -> None:
    from knowledge_base.tuning.learn_eval import main

    for argv in (["--streams", "--pooled", "5", "--swap"], ["--streams", "--pooled", "5", "--share", "0.5"],
                 ["--pooled", "5"], ["--swap"], ["--imported"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv


def test_pooled_means_are_of_the_shares_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge_base.tuning import learn_eval

    fold = iter(range(5))

    def lived(*_: object) -> dict[str, object]:  # a stand-in for the real replay: one decided row per fold
        i = next(fold)
        row = {key: i / 10 for key in learn_eval.SHARES}
        return {"stream": 4, "with_neighbours": {**row, "self_service": 1, "in_scope": 100 + i,
                                                 "worst_style": (0.5, "gulf")}}

    monkeypatch.setattr(learn_eval, "run_lived", lived)
    monkeypatch.setattr(learn_eval, "load_corpus", lambda _: [])
    monkeypatch.setattr(learn_eval, "read_jsonl", lambda _: [{"q": str(i)} for i in range(10)])
    es = EvalSet(name="x", role="fit", corpus=Path("c"), queries=[], ood=[])
    mean = learn_eval.run_pooled(es, es, build=None, k=5)["mean"]["with_neighbours"]
    assert set(mean) == set(learn_eval.SHARES)  # no mean of counts or of a style's name
    assert mean["answered_right"] == 0.2 and mean["self_service"] == 1  # an int share is averaged too


def test_an_imported_file_labels_every_question_it_holds() -> None:
    """Unlike the replay, which learns nothing from a question the bot already answered right."""
    from knowledge_base.tuning.learn_eval import imported

    rows = [{"q": "رخصتي خلصت وش اسوي", "id": "e1"}, {"q": "بكم تجديد الرخصة", "id": "e2"}]
    got = imported(rows)
    assert [(e.kind, e.entry_id, e.text, e.source) for e in got] == \
        [("pick", "e1", rows[0]["q"], "import"), ("pick", "e2", rows[1]["q"], "import")]
