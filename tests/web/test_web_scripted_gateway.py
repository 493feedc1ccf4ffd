"""The widget and the console against a scripted gateway (Playwright's websocket routing, no server, no Rasa):
what they do with the gateway's limits and refusals, which a real gateway only produces in rare conditions (a
limit lowered by a newer gateway, Redis down), and with hostile text stored before the gateway cleaned it."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import STATIC, STATIC_ORIGIN
from tests.web.pages import LAUNCHER

pytestmark = pytest.mark.browser

PAGE = ('<!doctype html><html lang=ar dir=rtl><body>'
        '<script src="/static/widget.js" data-gateway="/" defer></script></body></html>')
BRANCH_PAGE = ('<!doctype html><html lang=ar dir=rtl><body><script src="/static/widget.js" data-gateway="/" '
               'data-branch="فرع جدة" data-service="passports" defer></script></body></html>')
LIMIT = 1000


@dataclass
class FakeGateway:
    """Answers the citizen protocol like the gateway (start, ack + user_message entry); `refuse(frame)` may
    return an error code to send instead of the ack."""

    refuse: Callable[[dict[str, Any]], str | None] = lambda frame: None
    received: list[dict[str, Any]] = field(default_factory=list)
    sockets: list[Any] = field(default_factory=list)
    seq: int = 0
    drop_after_error: bool = False  # close the socket right after the next error (the gateway lost Redis)

    def attach(self, ws) -> None:
        self.sockets.append(ws)
        ws.on_message(lambda raw: self.on_frame(ws, json.loads(raw)))

    def send(self, ws, **frame: Any) -> None:
        ws.send(json.dumps(frame, ensure_ascii=False))

    def on_frame(self, ws, f: dict[str, Any]) -> None:
        self.received.append(f)
        if f["type"] in ("start", "resume"):
            kind = "started" if f["type"] == "start" else "resumed"
            self.send(ws, type=kind, conversation_id="c_" + "a" * 22, token="t" * 32, last_seq=self.seq,
                      state="bot", max_text_chars=LIMIT, max_frame_bytes=4096)
            return
        if "msg_id" not in f:
            return
        code = self.refuse(f)
        if code:
            self.send(ws, type="error", code=code, message="refused by the test", msg_id=f["msg_id"])
            if self.drop_after_error:
                self.drop_after_error = False
                ws.close(code=1011)
            return
        self.seq += 1
        self.send(ws, type="ack", msg_id=f["msg_id"], seq=self.seq)
        self.send(ws, type="user_message", seq=self.seq, ts="2026-01-01T00:00:00Z", msg_id=f["msg_id"],
                  text=f.get("text", ""), payload=None)

    def push(self, **frame: Any) -> None:
        """A server frame to every open socket (a live entry)."""
        for ws in self.sockets:
            self.send(ws, **frame)

    def messages(self) -> list[dict[str, Any]]:
        return [f for f in self.received if f["type"] == "message"]


def _serve(route) -> None:
    path = route.request.url.removeprefix(STATIC_ORIGIN).split("?")[0]
    if path in ("/", "/branch/page"):
        route.fulfill(body=PAGE if path == "/" else BRANCH_PAGE, content_type="text/html; charset=utf-8")
        return
    local = (STATIC / path.removeprefix("/static/")).resolve()
    if not local.is_file() or STATIC not in local.parents:
        route.fulfill(status=404, body="not found")
        return
    ctype = "text/javascript" if local.suffix == ".js" else mimetypes.guess_type(local.name)[0] or "text/plain"
    route.fulfill(body=local.read_bytes(), content_type=ctype)


@pytest.fixture
def fake() -> FakeGateway:
    return FakeGateway()


def open_widget(page: Any, fake: Any, path: str = "/", serve: Any = None) -> Any:
    """Serve the static pages (``serve``, default the files), script the chat socket with ``fake``, open
    ``path`` and the widget, and wait until the widget holds its conversation."""
    page.route(f"{STATIC_ORIGIN}/**", serve or _serve)
    page.route_web_socket("ws://widget.test/ws/chat", fake.attach)
    page.goto(f"{STATIC_ORIGIN}{path}")
    page.get_by_role("button", name=LAUNCHER).click()
    page.wait_for_function("() => sessionStorage.length > 0 && JSON.parse(sessionStorage.getItem("
                           "'faq-widget:' + location.origin)).cid")
    return page


@pytest.fixture
def widget(context, fake: FakeGateway) -> Iterator[Any]:
    page = context.new_page()
    open_widget(page, fake)
    yield page
    page.close()


def test_text_over_the_gateway_limit_is_held_back_with_a_counter(widget, fake: FakeGateway) -> None:
    """Probe item 5: 1,001–2,000 characters used to be sent, refused and the bubble and text lost."""
    box = widget.locator("#faq-input")
    send = widget.get_by_role("button", name="إرسال", exact=True)
    text = "س" * 1500
    box.fill(text)
    counter = widget.locator(".composer .count")
    expect(counter).to_be_visible()
    expect(counter).to_have_class("count over")
    expect(counter).to_contain_text("1500")
    expect(counter).to_contain_text(str(LIMIT))
    expect(send).to_be_disabled()
    box.press("Enter")
    expect(widget.locator(".composer-note")).to_contain_text(str(LIMIT))
    expect(box).to_have_value(text)
    assert fake.messages() == []
    expect(widget.locator(".msg.citizen")).to_have_count(0)

    box.fill("س" * LIMIT)  # exactly at the limit: allowed
    expect(send).to_be_enabled()
    expect(counter).not_to_have_class("count over")
    expect(widget.locator(".composer-note")).to_be_hidden()
    box.press("Enter")
    expect(widget.locator(".msg.citizen:not(.pending)")).to_have_count(1)
    assert [len(m["text"]) for m in fake.messages()] == [LIMIT]


def test_a_message_the_gateway_refuses_goes_back_to_the_input_with_a_reason(widget, fake: FakeGateway) -> None:
    fake.refuse = lambda f: "invalid_frame" if f["type"] == "message" else None
    box = widget.locator("#faq-input")
    box.fill("رسالة يرفضها الخادم")
    box.press("Enter")
    expect(widget.locator(".composer-note")).to_be_visible()
    expect(widget.locator(".composer-note")).not_to_have_text("")
    expect(box).to_have_value("رسالة يرفضها الخادم")
    expect(widget.locator(".msg.citizen")).to_have_count(0)
    assert len(fake.messages()) == 1



def test_internal_error_keeps_the_bubble_and_resends_the_same_msg_id(widget, fake: FakeGateway) -> None:
    """Probe item 2: with Redis down the gateway answers `internal`; the widget used to drop the frame and
    the bubble. Now the bubble stays pending and the same msg_id is resent, on a timer and after reconnects."""
    answered: list[str] = []

    def once(f: dict[str, Any]) -> str | None:
        if f["type"] != "message" or answered:
            return None
        answered.append("internal")
        return "internal"

    fake.refuse = once
    box = widget.locator("#faq-input")
    box.fill("هل وصلت رسالتي؟")
    box.press("Enter")
    bubble = widget.locator(".msg.citizen").element_handle()
    expect(widget.locator(".msg.citizen.pending")).to_have_count(1)
    widget.wait_for_function("(n) => !n.classList.contains('pending')", arg=bubble, timeout=10_000)
    assert bubble.evaluate("(n) => n.isConnected")  # the same node all along: never removed
    expect(widget.locator(".msg.citizen")).to_have_count(1)
    sent = fake.messages()
    assert len(sent) >= 2 and len({m["msg_id"] for m in sent}) == 1
    assert widget.evaluate("() => JSON.parse(sessionStorage.getItem('faq-widget:' + location.origin)).outbox")\
        == []


def test_internal_error_then_a_dropped_socket_resends_after_resume(widget, fake: FakeGateway) -> None:
    fake.refuse = lambda f: "internal" if f["type"] == "message" and len(fake.messages()) == 1 else None
    fake.drop_after_error = True
    box = widget.locator("#faq-input")
    box.fill("رسالة بعد انقطاع")
    box.press("Enter")
    expect(widget.locator(".msg.citizen:not(.pending)")).to_have_count(1, timeout=15_000)
    resume = [i for i, f in enumerate(fake.received) if f["type"] == "resume"]
    resent = [i for i, f in enumerate(fake.received) if f["type"] == "message"][1:]
    assert resume and resent and resent[0] > resume[0], "resent after the resume of the new socket"
    assert len({m["msg_id"] for m in fake.messages()}) == 1

RLO, PDF = "\u202e", "\u202c"
ISOLATED = """(sel) => [...document.querySelectorAll('#faq-widget, body')].flatMap((h) =>
  [...(h.shadowRoot || document).querySelectorAll(sel)]).map((n) => ({
    bidi: getComputedStyle(n).unicodeBidi, text: n.textContent}))"""


def isolated(page, selector: str) -> list[dict[str, str]]:
    found = page.evaluate(ISOLATED, selector)
    assert found, f"nothing matches {selector}"
    return found


def test_widget_isolates_user_text_and_names(widget, fake: FakeGateway) -> None:
    """Probe item 15: an override in a name or a message (stored before the gateway stripped them) must
    neither reverse the text nor reorder what is around it."""
    fake.seq += 1
    fake.push(type="agent_message", seq=fake.seq, ts="2026-01-01T00:00:00Z", text=f"رقمك {RLO}0551234567{PDF}",
              agent_name=f"{RLO}نورة{PDF}")
    expect(widget.locator(".msg.agent")).to_have_count(1)
    for sel in (".msg.agent .who", ".msg.agent .text"):
        for node in isolated(widget, sel):
            assert node["bidi"] == "isolate", (sel, node)
            assert RLO not in node["text"] and PDF not in node["text"], (sel, node)


CID = "c_" + "b" * 22


class FakeAgentGateway:
    """Enough of the agent protocol for the console to show one assigned conversation, the queue and a
    callback, all holding bidi overrides."""

    def __init__(self) -> None:
        self.hostile = f"{RLO}0551234567{PDF}"
        self.messages: list[dict[str, Any]] = []

    def attach(self, ws) -> None:
        ws.on_message(lambda raw: self.on_frame(ws, json.loads(raw)))

    def on_frame(self, ws, f: dict[str, Any]) -> None:
        ts = "2026-01-01T00:00:00Z"
        packet = {"reason": "user_request", "topic": None, "summary": [self.hostile], "candidates": [],
                  "requested_at": ts}
        answers = {
            "auth": {"type": "auth_ok", "agent": {"username": "noura", "display_name": f"{RLO}نورة{PDF}",
                                                  "role": "agent"}, "assigned": [CID], "heartbeat_s": 10,
                     "timeout_s": 30},
            "get_queue": {"type": "queue", "agents_online": 1, "items": [{
                "conversation_id": "c_" + "q" * 22, "reason": "user_request", "topic": None,
                "summary": [self.hostile], "candidates": [], "enqueued_at": ts, "waiting_s": 3, "priority": 0,
                "position": 1, "locale": "ar"}]},
            "open": {"type": "conversation", "conversation_id": CID, "state": "with_agent", "agent": "noura",
                     "locale": "ar", "created_at": ts, "handoff": packet, "entries": [
                         {"type": "user_message", "seq": 1, "ts": ts, "msg_id": "m-1", "text": self.hostile,
                          "payload": None},
                         {"type": "agent_message", "seq": 2, "ts": ts, "text": "مرحباً",
                          "agent_name": f"{RLO}نورة{PDF}"}]},
            "list_callbacks": {"type": "callbacks", "items": [{
                "callback_id": "cb_1", "conversation_id": CID, "name": f"{RLO}سارة{PDF}",
                "mobile": "0551234567", "message": self.hostile, "callback": True, "created_at": ts,
                "status": "open"}]},
        }
        if f["type"] == "message":
            answers["message"] = self.on_message(ws, f, ts)
        answer = answers.get(f["type"])
        if answer is not None:
            ws.send(json.dumps({**answer, **({"ref": f["ref"]} if "ref" in f else {})}, ensure_ascii=False))


    def on_message(self, ws, f: dict[str, Any], ts: str) -> dict[str, Any]:
        """The first reply meets Redis down (`internal`); a resend is stored."""
        self.messages.append(f)
        if len(self.messages) == 1:
            return {"type": "error", "code": "internal", "message": "storage unavailable: resend later",
                    "msg_id": f["msg_id"], "conversation_id": f["conversation_id"]}
        entry = {"type": "agent_message", "seq": 3, "ts": ts, "text": f["text"], "agent_name": "نورة"}
        ws.send(json.dumps({"type": "entry", "conversation_id": CID, "entry": entry}, ensure_ascii=False))
        return {"type": "ack", "conversation_id": CID, "msg_id": f["msg_id"], "seq": 3}


def _serve_console(route) -> None:
    path = route.request.url.removeprefix(STATIC_ORIGIN).split("?")[0]
    if path == "/api/login":
        route.fulfill(json={"token": "t", "expires_at": "2099-01-01T00:00:00Z", "role": "agent",
                            "display_name": f"{RLO}نورة{PDF}", "username": "noura"})
    elif path == "/console":
        route.fulfill(body=(STATIC / "console.html").read_bytes(), content_type="text/html")
    else:
        _serve(route)


def open_console(context, agent_gw: FakeAgentGateway) -> Any:
    page = context.new_page()
    page.route(f"{STATIC_ORIGIN}/**", _serve_console)
    page.route_web_socket("ws://widget.test/ws/agent", agent_gw.attach)
    page.goto(f"{STATIC_ORIGIN}/console")
    page.get_by_label("اسم المستخدم").fill("noura")
    page.get_by_label("كلمة المرور").fill("x" * 12)
    page.get_by_role("button", name="دخول").click()
    return page


def test_console_keeps_and_resends_a_reply_after_internal(context) -> None:
    agent_gw = FakeAgentGateway()
    page = open_console(context, agent_gw)
    expect(page.locator("#transcript .entry.citizen")).to_have_count(1)
    page.get_by_label("الرد على المواطن").fill("لحظة من فضلك")
    page.get_by_role("button", name="إرسال", exact=True).click()
    expect(page.locator("#transcript .entry.agent", has_text="لحظة من فضلك")).to_have_count(1)
    expect(page.locator("#transcript .entry.agent.pending")).to_have_count(0, timeout=10_000)
    expect(page.locator("#transcript .entry.agent", has_text="لحظة من فضلك")).to_have_count(1)
    assert len(agent_gw.messages) == 2 and len({m["msg_id"] for m in agent_gw.messages}) == 1


def test_console_isolates_user_text_and_names(context) -> None:
    page = open_console(context, FakeAgentGateway())
    expect(page.locator("#transcript .entry.citizen")).to_have_count(1)
    expect(page.locator("#cb-list li")).to_have_count(1)
    expect(page.locator("#queue-list li")).to_have_count(1)
    for sel in ("#transcript .entry .who", "#transcript .entry .text", "#queue-list .preview",
                "#mine-list .chat-btn span", "#cb-list strong", "#cb-list .preview", "#packet-body li", "#me-name"):
        for node in isolated(page, sel):
            assert node["bidi"] == "isolate", (sel, node)
            assert RLO not in node["text"] and PDF not in node["text"], (sel, node)


def test_start_names_the_branch_and_service_of_the_embedding_page(context, fake: FakeGateway) -> None:
    """data-branch / data-service on the script tag travel once, in `start` (analytics, #14)."""
    page = context.new_page()
    open_widget(page, fake, "/branch/page")
    start = next(f for f in fake.received if f["type"] == "start")
    assert (start["branch"], start["service"], start["page"]) == ("فرع جدة", "passports", "/branch/page")
    page.close()
