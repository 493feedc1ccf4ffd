"""Questions labelled elsewhere, imported through the real editor API: a dry run records nothing, the import
records each row as evidence (masked, by the editor), and they reach the suggestions and the thresholds'
proposal as citizens' picks and agents' marks do."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest

from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.learning import read_evidence

pytestmark = pytest.mark.asyncio(loop_scope="module")
DATA = Path(__file__).resolve().parents[1] / "data"
HELD_OUT_IN = [json.loads(x) for x in (DATA / "holdout_queries.jsonl").read_text(encoding="utf-8").splitlines()]
HELD_OUT_OOD = [json.loads(x) for name in ("holdout_ood.jsonl", "dev_ood_part1.jsonl")
                for x in (DATA / name).read_text(encoding="utf-8").splitlines()]


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["question", "id"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


async def _send(editor, data: bytes, fmt: str = "csv", dry_run: bool = True, role: str = "editor"):
    return await editor.client.post("/api/learn/import", data=data, headers=editor.auth(role),
                                    params={"format": fmt, "dry_run": "1" if dry_run else "0"})


async def test_a_labelled_file_is_previewed_then_recorded_as_evidence(editor) -> None:
    entry = HELD_OUT_IN[0]["id"]
    rows = [{"question": "هويتي 1012345678 وابي اعرف وش المطلوب مني", "id": entry},
            {"question": "كيف اسحب شكوى قدمتها امس", "id": ""},
            {"question": "سؤال عن مدخل غير موجود", "id": "no-such-entry"}]
    assert (await _send(editor, _csv(rows), role="agent")).status == 403
    preview = await _send(editor, _csv(rows))
    assert preview.status == 200, await preview.text()
    body = await preview.json()
    assert body["applied"] is False and body["counts"] == {"inside": 1, "outside": 1, "reject": 1}
    assert body["rejected"][0]["row"] == 3 and body["rejected"][0]["errors"][0]["code"] == "unknown_entry"
    keys = KbKeys(editor.prefix)
    assert await read_evidence(editor.store.redis, keys) == [], "a dry run records nothing"

    done = await (await _send(editor, _csv(rows), dry_run=False)).json()
    assert done["applied"] is True and done["recorded"] == 2
    evidence = await read_evidence(editor.store.redis, keys)
    assert [(e.kind, e.entry_id, e.source, e.by) for e in evidence] == \
        [("pick", entry, "import", "editor1"), ("outside", "", "import", "editor1")]
    assert all("1012345678" not in e.text for e in evidence)
    listing = (await (await editor.client.get("/api/learn/suggestions", headers=editor.auth("editor"))).json())
    mine = [s for s in listing["suggestions"] if s["entry_id"] == entry]
    assert [(s["citizens"], s["agents"], s["imported"]) for s in mine] == [(0, [], 1)]


async def test_a_file_it_cannot_read_is_refused_in_the_one_error_shape(editor) -> None:
    no_column = await _send(editor, b"q,entry\nx,y\n")
    assert no_column.status == 422
    err = await no_column.json()
    assert err["error"] == "bad_file" and "question, id" in err["message"]
    unknown = await editor.client.post("/api/learn/import", data=b"x", headers=editor.auth("editor"),
                                       params={"format": "pdf"})
    assert unknown.status == 422 and (await unknown.json())["errors"][0]["field"] == "format"


async def test_imported_labels_are_enough_for_a_threshold_proposal(editor) -> None:
    """Before go-live: 220 questions answered by an entry and 220 not covered, from a file, support a
    threshold of this corpus's own, as the same labels from use do (test_learning_flow)."""
    assert await asyncio.to_thread(editor.live.wait_for_version, await editor.store.version(), 60)
    rows = [{"question": r["q"], "id": r["id"]} for r in HELD_OUT_IN[:220]]
    rows += [{"question": r["q"], "id": ""} for r in HELD_OUT_OOD[:220]]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    done = await (await _send(editor, lines, fmt="jsonl", dry_run=False)).json()
    # One-word questions ("الرسوم؟") teach nothing as alternatives: refused, the rest recorded.
    assert {e["code"] for r in done["rejected"] for e in r["errors"]} == {"too_few_words"}
    assert done["recorded"] == 440 - done["counts"]["reject"] > 400
    shown = await (await editor.client.get("/api/learn/threshold", headers=editor.auth("editor"))).json()
    proposal = shown["proposal"]
    assert proposal["n_in"] >= 200 and proposal["n_ood"] >= 199 and proposal["threshold"] is not None
