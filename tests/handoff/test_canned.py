"""``/api/canned``: saved replies, personal and team (issue 15, item 13). Real gateway app, real Redis."""

from __future__ import annotations

from typing import Any

from tests.handoff.helpers import Gw


async def call(gw: Gw, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with gw.http.request(method, gw.url(path), json=body, headers=headers) as resp:
        return resp.status, (await resp.json() if resp.status != 204 else None)


async def test_personal_replies_are_each_agents_own(gw: Gw) -> None:
    noura = await gw.account("noura", "agent", "نورة")
    khalid = await gw.account("khalid", "agent", "خالد")
    status, body = await call(gw, "POST", "/api/canned", noura,
                              {"title": "ترحيب", "text": "مرحباً، معك نورة. كيف أخدمك؟\u202e"})
    assert status == 201
    reply = body["reply"]
    assert reply["scope"] == "personal" and reply["id"].startswith("p_") and reply["updated_by"] == "noura"
    assert reply["text"] == "مرحباً، معك نورة. كيف أخدمك؟"  # cleaned like a chat message
    assert (await call(gw, "GET", "/api/canned", noura))[1] == {"personal": [reply], "team": []}
    assert (await call(gw, "GET", "/api/canned", khalid))[1] == {"personal": [], "team": []}
    # Another agent cannot reach it, even knowing its id.
    for method in ("PUT", "DELETE"):
        status, err = await call(gw, method, f"/api/canned/{reply['id']}", khalid, {"title": "x", "text": "y"})
        assert (status, err["error"]) == (404, "unknown_reply")
    status, body = await call(gw, "PUT", f"/api/canned/{reply['id']}", noura, {"title": "ترحيب", "text": "أهلاً"})
    assert status == 200 and body["reply"]["text"] == "أهلاً"
    assert (await call(gw, "DELETE", f"/api/canned/{reply['id']}", noura))[0] == 204
    assert (await call(gw, "GET", "/api/canned", noura))[1]["personal"] == []


async def test_team_replies_are_written_by_supervisors_and_read_by_all(gw: Gw) -> None:
    sup = await gw.account("boss", "supervisor", "المشرف")
    noura = await gw.account("noura", "agent", "نورة")
    status, err = await call(gw, "POST", "/api/canned", noura, {"scope": "team", "title": "t", "text": "x"})
    assert (status, err["error"]) == (403, "forbidden")
    status, body = await call(gw, "POST", "/api/canned", sup,
                              {"scope": "team", "title": "مواعيد العمل", "text": "نعمل من الأحد إلى الخميس."})
    assert status == 201
    team = body["reply"]
    assert (await call(gw, "GET", "/api/canned", noura))[1]["team"] == [team]
    status, err = await call(gw, "PUT", f"/api/canned/{team['id']}", noura, {"title": "x", "text": "y"})
    assert (status, err["error"]) == (403, "forbidden")
    assert (await call(gw, "DELETE", f"/api/canned/{team['id']}", noura))[0] == 403
    status, body = await call(gw, "PUT", f"/api/canned/{team['id']}", sup,
                              {"title": "مواعيد العمل", "text": "نعمل من الأحد إلى الخميس، 8–15."})
    assert status == 200 and body["reply"]["updated_by"] == "boss"


async def test_bad_requests_get_the_one_error_shape(gw: Gw) -> None:
    noura = await gw.account("noura", "agent", "نورة")
    editor = await gw.account("ed", "editor", "محرر")
    cases = [
        ("POST", "/api/canned", noura, {"title": "", "text": "x"}, 400, "invalid_body"),
        ("POST", "/api/canned", noura, {"title": "t", "text": "x" * 1001}, 400, "invalid_body"),
        ("POST", "/api/canned", noura, {"title": "t", "text": 5}, 400, "invalid_body"),
        ("POST", "/api/canned", noura, {"scope": "all", "title": "t", "text": "x"}, 400, "invalid_body"),
        ("POST", "/api/canned", noura, [1, 2], 400, "bad_json"),
        ("PUT", "/api/canned/zz_nothing", noura, {"title": "t", "text": "x"}, 404, "unknown_reply"),
        ("GET", "/api/canned", None, None, 401, "missing_token"),
        ("GET", "/api/canned", editor, None, 403, "forbidden"),
    ]
    for method, path, token, body, want_status, want_code in cases:
        status, err = await call(gw, method, path, token, body)
        assert (status, err["error"]) == (want_status, want_code), (method, body)
        assert set(err) == {"error", "message"}
