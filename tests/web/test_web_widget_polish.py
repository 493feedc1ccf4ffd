"""#15 items 3–8 in real Chromium, at desktop size and at 360 px: one bubble per answer with its source, the
cancelled wait said, leave-a-message validated as the citizen types, Arabic plurals and wording that needs no
grammatical gender for agents' names, a growing composer and spent options, one digit system. The gateway is
scripted (Playwright's websocket routing) so each test pushes exactly the entries it is about."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.a11y import axe_violations
from tests.web.conftest import STATIC, STATIC_ORIGIN, shot
from tests.web.pages import isolated
from tests.web.test_web_scripted_gateway import FakeAgentGateway, FakeGateway, _serve, open_console
from tests.web.test_web_scripted_gateway import open_widget as open_scripted_widget

pytestmark = pytest.mark.browser

TS = "2026-01-01T09:05:00Z"
AR = json.loads((STATIC / "i18n" / "ar.json").read_text(encoding="utf-8"))
W = AR["widget"]
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
ARABIC_INDIC = re.compile("[\u0660-\u0669]")
LATIN_DIGIT = re.compile("[0-9]")
HELPFUL = [{"title": "نعم", "payload": "/feedback_positive"}, {"title": "لا", "payload": "/feedback_negative"}]


class ScriptedGateway(FakeGateway):
    """FakeGateway that also answers cancel_wait as the real one does (event + status bot/cancel_wait) and
    replays its transcript on resume (a reload)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[dict[str, Any]] = []

    def send(self, ws, **frame: Any) -> None:
        if "seq" in frame and frame["type"] != "ack":
            self.history.append(frame)
        super().send(ws, **frame)

    def push(self, **frame: Any) -> None:
        if "seq" in frame:
            self.history.append(frame)
        for ws in self.sockets:
            try:
                FakeGateway.send(self, ws, **frame)
            except Exception:  # the socket of the page before its reload is closed
                continue

    def on_frame(self, ws, f: dict[str, Any]) -> None:
        if f["type"] == "resume":
            super().on_frame(ws, f)
            for entry in [e for e in self.history if e["seq"] > f.get("last_seq", 0)]:
                FakeGateway.send(self, ws, **entry)
            return None
        if f["type"] != "cancel_wait":
            return super().on_frame(ws, f)
        self.received.append(f)
        self.seq += 1
        self.send(ws, type="ack", msg_id=f["msg_id"], seq=self.seq)
        self.send(ws, type="event", seq=self.seq, ts=TS, event="cancel_wait")
        self.seq += 1
        self.send(ws, type="status", seq=self.seq, ts=TS, state="bot", reason="cancel_wait")
        return None

    def entry(self, **frame: Any) -> int:
        self.seq += 1
        self.push(seq=self.seq, ts=TS, **frame)
        return self.seq


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


@pytest.fixture
def fake() -> ScriptedGateway:
    return ScriptedGateway()


def open_widget(browser, fake: ScriptedGateway, size: str, digits: str | None = None) -> Any:
    ctx = browser.new_context(viewport=SIZES[size], locale="ar-SA", is_mobile=size == "phone")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    attr = f' data-digits="{digits}"' if digits else ""
    html = ('<!doctype html><html lang=ar dir=rtl><head><title>خدمات</title>'
            '<meta name=viewport content="width=device-width, initial-scale=1"></head><body>'
            f'<script src="/static/widget.js" data-gateway="/"{attr} defer></script></body></html>')

    def serve(route) -> None:
        if route.request.url.removeprefix(STATIC_ORIGIN).split("?")[0] == "/":
            route.fulfill(body=html, content_type="text/html")
        else:
            _serve(route)

    return open_scripted_widget(page, fake, serve=serve)


@pytest.fixture
def widget(browser, fake: ScriptedGateway, size: str) -> Iterator[Any]:
    page = open_widget(browser, fake, size)
    yield page
    assert page.js_errors == []
    page.context.close()


def assert_accessible(page) -> None:
    assert axe_violations(page) == []


def test_answer_is_one_bubble_with_its_source_titled_then_the_helpful_prompt(widget, fake, size) -> None:
    """Item 3: was three bubbles (answer, "المصدر: https://…", helpful?)."""
    title = "كيف أنقل خدمات عامل وافد إلى منشأة أخرى؟"
    url = "https://example.gov.sa/services/transfer"
    fake.entry(type="bot_message", text="قدّم طلب النقل عبر منصة قوى.", buttons=[],
               links=[{"title": title, "url": url}])
    fake.entry(type="bot_message", text="هل أفادتك الإجابة؟", buttons=HELPFUL, links=[])
    bots = widget.locator(".msg.bot")
    expect(bots).to_have_count(2)
    answer = bots.nth(0)
    expect(answer.locator(".text")).to_have_text("قدّم طلب النقل عبر منصة قوى.")
    source = answer.locator(".source")
    expect(source).to_contain_text(W["source"])
    link = source.get_by_role("link", name=title, exact=True)
    expect(link).to_have_attribute("href", url)
    expect(link).to_be_visible()
    assert "https://" not in answer.inner_text()  # the title is shown, never the raw URL
    expect(bots.nth(1).locator(".feedback button")).to_have_count(2)
    box = answer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"] + 0.5
    shot(widget, f"widget-answer-source-{size}")
    assert_accessible(widget)


def test_cancelling_the_wait_says_the_wait_was_cancelled(widget, fake, size) -> None:
    """Item 4: the last line stayed "أنت في قائمة الانتظار"."""
    fake.entry(type="status", state="queued", reason="user_request", position=1, estimated_wait_s=120)
    expect(widget.locator(".queue")).to_be_visible()
    widget.get_by_role("button", name=W["cancel_queue"]).click()
    expect(widget.locator(".log > :last-child")).to_have_text(W["wait_cancelled"])
    expect(widget.locator(".queue")).to_be_hidden()
    expect(widget.get_by_role("button", name=W["talk_to_agent"])).to_be_visible()
    assert [f["type"] for f in fake.received].count("cancel_wait") == 1
    assert_accessible(widget)


def test_leave_a_message_errors_follow_the_fields_as_they_are_typed(widget, fake, size) -> None:
    """Item 5: an error stayed after the field was fixed, until the next submit."""
    fake.entry(type="handoff_unavailable", reason="no_agents", next_open=None)
    form = widget.locator("form.callback")
    name, mobile = form.get_by_label(W["callback_name"]), form.get_by_label(W["callback_mobile"])
    form.get_by_role("button", name=W["callback_submit"]).click()
    expect(form.locator(".err", has_text=W["callback_invalid_name"])).to_be_visible()
    expect(name).to_have_attribute("aria-invalid", "true")
    name.press_sequentially("سارة")
    expect(form.locator(".err", has_text=W["callback_invalid_name"])).to_have_count(0)  # no submit needed
    expect(name).not_to_have_attribute("aria-invalid", "true")

    mobile.fill("0512")
    mobile.press_sequentially("3")
    expect(form.locator(".err", has_text=W["callback_invalid_mobile"])).to_be_visible()  # typed into, then fixed
    mobile.press_sequentially("45678")
    expect(form.locator(".err", has_text=W["callback_invalid_mobile"])).to_have_count(0)
    mobile.press("Backspace")  # broken again: the error comes back as the citizen types
    expect(form.locator(".err", has_text=W["callback_invalid_mobile"])).to_be_visible()
    mobile.press_sequentially("٩")  # Arabic-Indic digits are a valid mobile too
    expect(mobile).not_to_have_attribute("aria-invalid", "true")
    shot(widget, f"widget-callback-live-{size}")
    assert_accessible(widget)
    assert not any(f["type"] == "leave_message" for f in fake.received)


@pytest.mark.parametrize(("wait_s", "text"), [(60, "دقيقة واحدة"), (120, "دقيقتان"), (300, "5 دقائق"),
                                              (600, "10 دقائق"), (660, "11 دقيقة"), (1500, "25 دقيقة")])
def test_queue_wait_in_arabic_plural_forms(browser, wait_s: int, text: str) -> None:
    """Item 6: "حوالي 2 دقيقة / 5 دقيقة"."""
    fake = ScriptedGateway()
    page = open_widget(browser, fake, "desktop")
    fake.entry(type="status", state="queued", reason="user_request", position=1, estimated_wait_s=None)
    fake.push(type="queue_position", position=1, estimated_wait_s=wait_s)
    expect(page.locator(".queue")).to_contain_text(W["queue_wait"].replace("{minutes}", text))
    assert page.js_errors == []
    page.context.close()


def test_agent_name_sentences_need_no_grammatical_gender(widget, fake, size) -> None:
    """Item 6: "انضم نورة" / "نورة يكتب" gave a woman's name a masculine verb."""
    fake.entry(type="status", state="queued", reason="user_request", position=1, estimated_wait_s=60)
    fake.entry(type="status", state="with_agent", agent_name="نورة")
    joined = W["agent_joined"].replace("{name}", isolated("نورة"))
    expect(widget.locator(".msg.system", has_text=joined)).to_have_count(1)
    fake.push(type="typing", active=True, **{"from": "agent"})
    expect(widget.locator(".typing")).to_have_text(W["typing"].replace("{name}", isolated("نورة")))
    for text in (joined, widget.locator(".typing").inner_text()):
        assert not re.search(r"انضم|يكتب|أنهى|استلم", text), text
    fake.entry(type="status", state="closed", reason="resolved")
    expect(widget.locator(".msg.system", has_text=W["resolved"])).to_have_count(1)
    for message in (W["agent_joined"], W["typing"], W["resolved"], AR["console"]["state_with_agent"]):
        assert not re.search(r"انضم|يكتب|أنهى|استلم", message), message


def test_composer_grows_and_old_options_are_spent(widget, fake, size) -> None:
    """Item 7: a one-row composer; old quick replies and "هل تقصد" options stayed clickable; no dir=auto."""
    box = widget.locator("#faq-input")
    one_row = box.bounding_box()["height"]
    box.fill("سطر أول\nسطر ثان\nسطر ثالث\nسطر رابع")
    widget.wait_for_function("(h) => document.querySelector('#faq-widget').shadowRoot"
                             ".querySelector('#faq-input').getBoundingClientRect().height > h * 1.8", arg=one_row)
    box.fill("\n".join(f"سطر {i}" for i in range(30)))
    grown = widget.evaluate("() => { const t = document.querySelector('#faq-widget').shadowRoot"
                            ".querySelector('#faq-input'); return [t.clientHeight, t.scrollHeight]; }")
    assert grown[0] <= 9 * 16 + 2 and grown[1] > grown[0]  # a few lines at most, then it scrolls
    box.fill("")

    options = [{"title": "كيف أنقل خدمات عامل؟", "payload": '/choose_faq{"faq_id": "a"}'},
               {"title": "Absher أبشر: تحديث البيانات", "payload": '/choose_faq{"faq_id": "b"}'}]
    fake.entry(type="bot_message", text="هل تقصد:", buttons=options, links=[])
    chips = widget.locator(".msg.bot .choices button.chip")
    expect(chips).to_have_count(2)
    for i in range(2):
        expect(chips.nth(i)).to_have_attribute("dir", "auto")
        expect(chips.nth(i)).to_be_enabled()
    shot(widget, f"widget-options-{size}")
    box.fill("سؤال آخر عن التأشيرات")
    box.press("Enter")
    for i in range(2):
        expect(chips.nth(i)).to_be_disabled()
        expect(chips.nth(i)).not_to_have_attribute("aria-pressed", "true")
    chips.first.click(force=True)
    widget.wait_for_timeout(300)
    assert [f for f in fake.received if f["type"] == "button"] == []

    # After a reload the replayed transcript spends them the same way (typed message after the options).
    widget.reload()
    expect(widget.locator(".msg.bot .choices button.chip")).to_have_count(2)
    for i in range(2):
        expect(widget.locator(".msg.bot .choices button.chip").nth(i)).to_be_disabled()


def test_one_digit_system_latin_by_default(widget, fake, size) -> None:
    """Item 8: times were Arabic-Indic while the page, answers and queue were Latin."""
    fake.entry(type="bot_message", text="اتصل على 920020405 من 8 إلى 3", buttons=[], links=[])
    fake.entry(type="status", state="queued", reason="user_request", position=3, estimated_wait_s=300)
    expect(widget.locator(".queue")).to_contain_text("5 دقائق")
    shown = widget.locator(".msg.bot").first.inner_text() + widget.locator(".queue").inner_text()
    assert "920020405" in shown and "3" in widget.locator(".queue").inner_text()
    assert not ARABIC_INDIC.search(shown), shown
    times = widget.locator(".msg time").all_inner_texts()
    assert times and all(LATIN_DIGIT.search(t) and not ARABIC_INDIC.search(t) for t in times), times


def test_one_digit_system_arabic_indic_when_configured(browser, size) -> None:
    fake = ScriptedGateway()
    page = open_widget(browser, fake, size, digits="arab")
    url = "https://example.gov.sa/page-2026"
    fake.entry(type="bot_message", text=f"اتصل على 920020405 أو راجع {url}", buttons=[],
               links=[{"title": "نموذج 12", "url": url}])
    fake.entry(type="status", state="queued", reason="user_request", position=3, estimated_wait_s=300)
    expect(page.locator(".queue")).to_contain_text("٥ دقائق")
    expect(page.locator(".queue")).to_contain_text("٣")
    answer = page.locator(".msg.bot").first
    expect(answer.locator(".text")).to_contain_text("٩٢٠٠٢٠٤٠٥")
    expect(answer.get_by_role("link", name=url)).to_have_attribute("href", url)  # addresses keep their digits
    expect(answer.locator(".source a")).to_have_text("نموذج ١٢")
    times = page.locator(".msg time").all_inner_texts()
    assert times and all(ARABIC_INDIC.search(t) and not LATIN_DIGIT.search(t) for t in times), times
    assert not LATIN_DIGIT.search(page.locator(".queue").inner_text())
    shot(page, f"widget-digits-arab-{size}")
    assert page.js_errors == []
    page.context.close()


class SourceAgentGateway(FakeAgentGateway):
    """The console's conversation holds an answer with its source and the assignment status line."""

    def on_frame(self, ws, f: dict[str, Any]) -> None:
        if f["type"] != "open":
            return super().on_frame(ws, f)
        entries = [
            {"type": "bot_message", "seq": 1, "ts": TS, "text": "قدّم الطلب عبر المنصة.", "buttons": [],
             "links": [{"title": "كيف أصدر بطاقة ذوي الإعاقة؟", "url": "https://example.gov.sa/card"}]},
            {"type": "status", "seq": 2, "ts": TS, "state": "with_agent", "agent_name": "نورة"},
        ]
        ws.send(json.dumps({"type": "conversation", "conversation_id": f["conversation_id"], "state": "with_agent",
                            "agent": "noura", "locale": "ar", "created_at": TS, "entries": entries,
                            "handoff": {"reason": "user_request", "topic": None, "summary": [], "candidates": [],
                                        "requested_at": TS}, **({"ref": f["ref"]} if "ref" in f else {})},
                           ensure_ascii=False))
        return None


def test_console_shows_the_source_and_gender_free_assignment(context) -> None:
    page = open_console(context, SourceAgentGateway())
    source = page.locator("#transcript .entry.bot .source")
    expect(source).to_contain_text(AR["console"]["source"])
    expect(source.get_by_role("link", name="كيف أصدر بطاقة ذوي الإعاقة؟")).to_have_attribute(
        "href", "https://example.gov.sa/card")
    line = AR["console"]["state_with_agent"].replace("{name}", isolated("نورة"))
    expect(page.locator("#transcript .entry.system", has_text=line)).to_have_count(1)
