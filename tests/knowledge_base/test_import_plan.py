"""The import preview's facts: no made-up id for a rejected row, old → new values, published overwrites."""

from __future__ import annotations

from knowledge_base.faqs.importexport import plan
from knowledge_base.faqs.stored import StoredEntry

PUBLISHED = StoredEntry(id="p1", category="الفروع", question="هل يوجد مصلى في الفرع؟",
                        answer="نعم يوجد مصلى للرجال والنساء.", status="published", rev=3)


def test_a_blank_row_is_rejected_without_an_invented_id() -> None:
    report = plan([{"alternatives": [], "links": [], "tags": []}], {})
    [row] = report.rows
    assert row.action == "reject" and row.id is None
    assert {e["field"] for e in row.errors} == {"category", "question", "answer"}


def test_a_row_without_id_that_will_be_added_gets_one() -> None:
    [row] = plan([{"category": "الفروع", "question": "هل توجد مواقف؟", "answer": "نعم توجد مواقف."}], {}).rows
    assert row.action == "add" and row.id and row.id.startswith("faq-")


def test_changes_carry_old_and_new_values_and_flag_published_entries() -> None:
    rows = [{"id": "p1", "category": "الفروع", "question": PUBLISHED.question, "answer": "نعم في الدور الأرضي.",
             "status": "published"}]
    report = plan(rows, {"p1": PUBLISHED})
    [row] = report.rows
    assert row.action == "change" and row.fields == ["answer"] and row.published
    assert row.changes == {"answer": {"before": PUBLISHED.answer, "after": "نعم في الدور الأرضي."}}
    assert report.to_json()["overwrites_published"] == 1
