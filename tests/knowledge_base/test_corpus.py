from __future__ import annotations

import json

import pytest

from knowledge_base.engine.corpus import corpus_hash, load_corpus, write_jsonl
from knowledge_base.engine.errors import CorpusError, DuplicateIdError

GOOD = {"id": "a1", "category": "الحسابات", "question": "كيف أغير كلمة المرور؟",
        "alternatives": ["نسيت كلمة السر"], "answer": "من الإعدادات.", "links": ["https://example.gov.sa/a"],
        "tags": ["حساب"], "status": "published", "updated_at": "2026-11-01"}


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_roundtrip(tmp_path):
    entries = load_corpus(_jsonl(tmp_path / "c.jsonl", [GOOD, {**GOOD, "id": "a2"}]))
    assert [e.id for e in entries] == ["a1", "a2"]
    assert entries[0].alternatives == ("نسيت كلمة السر",) and entries[0].links == ("https://example.gov.sa/a",)
    write_jsonl(entries, tmp_path / "out.jsonl")
    assert load_corpus(tmp_path / "out.jsonl") == entries


def test_yaml_and_csv_load_the_same_entry(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "- id: a1\n  category: الحسابات\n  question: كيف أغير كلمة المرور؟\n  alternatives: [نسيت كلمة السر]\n"
        "  answer: من الإعدادات.\n  links: [https://example.gov.sa/a]\n  tags: [حساب]\n  status: published\n"
        "  updated_at: 2026-11-01\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text(
        "id,category,question,alternatives,answer,links,tags,status,updated_at\n"
        "a1,الحسابات,كيف أغير كلمة المرور؟,نسيت كلمة السر,من الإعدادات.,https://example.gov.sa/a,حساب,"
        "published,2026-11-01\n", encoding="utf-8")
    y, c = load_corpus(tmp_path / "c.yaml"), load_corpus(tmp_path / "c.csv")
    assert y == c
    assert y[0].updated_at == "2026-11-01"


def test_directory_of_files_loads_all_and_rejects_duplicate_ids(tmp_path):
    _jsonl(tmp_path / "a.jsonl", [GOOD])
    _jsonl(tmp_path / "b.jsonl", [{**GOOD, "id": "b1"}])
    assert {e.id for e in load_corpus(tmp_path)} == {"a1", "b1"}
    _jsonl(tmp_path / "c.jsonl", [GOOD, {**GOOD, "id": "b1"}])
    with pytest.raises(DuplicateIdError) as exc:
        load_corpus(tmp_path)
    assert exc.value.ids == ["a1", "b1"]


def test_malformed_line_names_file_line_and_field(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "x", "answer": "  "}) + "\n")
    with pytest.raises(CorpusError, match=r"c\.jsonl:2 field 'answer'"):
        load_corpus(p)
    p.write_text(json.dumps(GOOD) + "\n{not json\n")
    with pytest.raises(CorpusError, match=r"c\.jsonl:2: invalid JSON"):
        load_corpus(p)
    p.write_text(json.dumps({**GOOD, "status": "live"}) + "\n")
    with pytest.raises(CorpusError, match="field 'status'"):
        load_corpus(p)


def test_yaml_error_names_the_entry_line(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("- id: a1\n  category: x\n  question: q\n  answer: a\n- id: a2\n  category: x\n  question: ''\n"
                 "  answer: a\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c\.yaml:5 field 'question'"):
        load_corpus(p)


def test_hash_changes_with_content_not_order(tmp_path):
    entries = load_corpus(_jsonl(tmp_path / "c.jsonl", [GOOD, {**GOOD, "id": "a2"}]))
    assert corpus_hash(entries) == corpus_hash(list(reversed(entries)))
    changed = load_corpus(_jsonl(tmp_path / "d.jsonl", [GOOD, {**GOOD, "id": "a2", "answer": "غير ذلك"}]))
    assert corpus_hash(changed) != corpus_hash(entries)


def test_repository_corpus_is_valid_and_large_enough():
    entries = load_corpus("knowledge_base/corpus")
    assert len([e for e in entries if e.status == "published"]) >= 120
    assert all("example.gov.sa" in link for e in entries for link in e.links)
