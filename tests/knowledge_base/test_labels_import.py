"""Labelled questions from a file (knowledge_base.faqs.labels_import): the plan of each row, before any of it
is recorded as evidence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from knowledge_base.faqs.importexport import ImportFormatError, ImportTooLarge, parse
from knowledge_base.faqs.labels_import import COLUMNS, MAX_LABEL_ROWS, LabelReport, plan_labels
from knowledge_base.faqs.stored import StoredEntry

ENTRIES = {"licence-renew": StoredEntry(id="licence-renew", category="رخص", question="كيف أجدد رخصة القيادة؟",
                                        answer="..."),
           "old": StoredEntry(id="old", category="رخص", question="سؤال قديم", answer="...", deleted=True)}


def plan(rows: list[dict[str, Any]]) -> LabelReport:
    return plan_labels(rows, ENTRIES)


def test_each_row_is_in_scope_not_covered_or_refused_with_its_reason() -> None:
    report = plan([{"question": "رخصتي خلصت من شهر وش اسوي", "id": "licence-renew"},
                   {"question": "كيف أسحب شكوى قدمتها؟"},                        # no entry: not covered
                   {"question": "ابي اجدد الرخصه", "id": "no-such-entry"},
                   {"question": "ابي اجدد الرخصه", "id": "old"},                  # deleted
                   {"question": "رخصة", "id": "licence-renew"},                   # one word teaches nothing
                   {"id": "licence-renew"}])
    assert [r.action for r in report.rows] == ["inside", "outside", "reject", "reject", "reject", "reject"]
    assert report.counts() == {"inside": 1, "outside": 1, "reject": 4}
    codes = [[(e["field"], e["code"]) for e in r.errors] for r in report.rows]
    assert codes[2:] == [[("id", "unknown_entry")], [("id", "unknown_entry")], [("question", "too_few_words")],
                         [("question", "required")]]
    shown = report.to_json()
    assert [r["row"] for r in shown["rejected"]] == [3, 4, 5, 6]
    assert "no-such-entry" in shown["rejected"][0]["errors"][0]["message_ar"]


def test_personal_data_is_masked_in_the_plan_already() -> None:
    row = plan([{"question": "رقم هويتي 1012345678 وجوالي 0501234567 ابي اجدد رخصتي", "id": "licence-renew"}]).rows[0]
    assert row.action == "inside"
    assert "1012345678" not in row.question and "0501234567" not in row.question and "رخصتي" in row.question


def test_files_read_like_faq_imports_and_a_missing_column_names_the_labels_columns() -> None:
    text = "question,id\nرخصتي خلصت وش اسوي,licence-renew\nوين اسحب الشكوى,\n"
    rows = parse(text.encode(), "csv", COLUMNS)
    assert [r.action for r in plan(rows).rows] == ["inside", "outside"]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in [{"question": "رخصتي خلصت وش اسوي", "id": ""}, [1]])
    assert [r.action for r in plan(parse(lines.encode(), "jsonl", COLUMNS)).rows] == ["outside", "reject"]
    with pytest.raises(ImportFormatError, match=r"question, id$"):
        parse(b"q,entry\nx,y\n", "csv", COLUMNS)


def test_a_file_over_the_row_limit_is_refused_whole() -> None:
    with pytest.raises(ImportTooLarge):
        plan([{"question": "رخصتي خلصت وش اسوي", "id": "licence-renew"}] * (MAX_LABEL_ROWS + 1))


def test_an_entry_may_be_named_by_its_question_as_a_call_centre_log_names_it() -> None:
    rows = [{"question": "رخصتي خلصت من شهر وش اسوي", "id": "كيف اجدد رخصة القيادة"},  # folded as suggestions are
            {"question": "ابي اجدد الرخصه", "id": "سؤال قديم"}]                      # a deleted entry's question
    report = plan(rows)
    assert [(r.action, r.entry_id) for r in report.rows] == [("inside", "licence-renew"), ("reject", "سؤال قديم")]
