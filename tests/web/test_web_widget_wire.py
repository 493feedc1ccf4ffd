"""The widget against a scripted gateway (Playwright's websocket routing, no server, no Rasa): what it does
with the gateway's limits and refusals, which a real gateway only produces in rare conditions (a limit
lowered by a newer gateway, Redis down)."""

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
LIMIT = 1000


@dataclass
class FakeGateway:
    """Answers the citizen protocol like the gateway (start, ack + user_message entry); `refuse(frame)` may
    return an error code to send instead of the ack."""

    refuse: Callable[[dict[str, Any]], str | None] = lambda frame: None
    received: list[dict[str, Any]] = field(default_factory=list)
    sockets: list[Any] = field(default_factory=list)
    seq: int = 0

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
            return
        self.seq += 1
        self.send(ws, type="ack", msg_id=f["msg_id"], seq=self.seq)
        self.send(ws, type="user_message", seq=self.seq, ts="2026-01-01T00:00:00Z", msg_id=f["msg_id"],
                  text=f.get("text", ""), payload=None)

    def messages(self) -> list[dict[str, Any]]:
        return [f for f in self.received if f["type"] == "message"]


def _serve(route) -> None:
    path = route.request.url.removeprefix(STATIC_ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(body=PAGE, content_type="text/html")
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


@pytest.fixture
def widget(context, fake: FakeGateway) -> Iterator[Any]:
    page = context.new_page()
    page.route(f"{STATIC_ORIGIN}/**", _serve)
    page.route_web_socket("ws://widget.test/ws/chat", fake.attach)
    page.goto(f"{STATIC_ORIGIN}/")
    page.get_by_role("button", name=LAUNCHER).click()
    page.wait_for_function("() => sessionStorage.length > 0 && JSON.parse(sessionStorage.getItem("
                           "'faq-widget:' + location.origin)).cid")
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
