"""The CSAT card (#15 item 2) against a scripted gateway: picking a score must not scroll the panel away.

The radios of the 1–5 card were visually hidden with `position: absolute` inside labels that were not
positioned, so their containing block was the `overflow: hidden` panel and their static position lay below
the log's scrolled content: focusing one scrolled the whole panel, the header and close button went out of
view and, after a long chat, the panel showed nothing. Closing and reopening kept the scrolled panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from scripts import procs
from tests.web.a11y import axe_violations
from tests.web.conftest import STATIC_ORIGIN
from tests.web.pages import LAUNCHER
from tests.web.test_web_scripted_gateway import FakeGateway, _serve

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}

# The panel's layout as a person sees it: is the header (with its close button) inside the visible panel,
# was the panel itself scrolled, and what is at the centre of the log (nothing: a blank panel).
LAYOUT = """() => {
  const r = document.querySelector('#faq-widget').shadowRoot;
  const panel = r.querySelector('.panel'), head = r.querySelector('.head'), log = r.querySelector('.log');
  const close = r.querySelector('.head button:last-of-type');
  const p = panel.getBoundingClientRect(), h = head.getBoundingClientRect(), c = close.getBoundingClientRect();
  const l = log.getBoundingClientRect();
  const hit = r.elementFromPoint(c.left + c.width / 2, c.top + c.height / 2);
  const mid = r.elementFromPoint(l.left + l.width / 2, Math.max(l.top, p.top) + 40);
  return {panelScroll: panel.scrollTop, headTop: h.top - p.top, closeHit: close === hit || close.contains(hit),
          logVisible: l.bottom > p.top + h.height && l.top < p.bottom,
          midInLog: !!mid && log.contains(mid)};
}"""


@pytest.fixture(params=list(SIZES))
def widget(request, browser) -> Iterator[tuple[Any, FakeGateway]]:
    ctx = browser.new_context(viewport=SIZES[request.param], locale="ar-SA")
    ctx.set_default_timeout(15_000)
    fake = FakeGateway()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(f"{STATIC_ORIGIN}/**", _serve)
    page.route_web_socket("ws://widget.test/ws/chat", fake.attach)
    page.goto(f"{STATIC_ORIGIN}/")
    page.get_by_role("button", name=LAUNCHER).click()
    page.wait_for_function("() => sessionStorage.length > 0 && JSON.parse(sessionStorage.getItem("
                           "'faq-widget:' + location.origin)).cid")
    page.csat_size = request.param  # type: ignore[attr-defined]
    yield page, fake
    assert errors == [], errors
    ctx.close()


def long_chat_then_csat(page, fake: FakeGateway, turns: int = 30) -> Any:
    for i in range(turns):
        fake.seq += 1
        fake.push(type="agent_message", seq=fake.seq, ts="2026-01-01T10:00:00Z", agent_name="نورة",
                  text=f"رد الموظف رقم {i}: يمكنك تجديد الهوية الوطنية عبر منصة أبشر.\nسطر ثانٍ للتأكد من الطول.")
    fake.seq += 1
    fake.push(type="status", seq=fake.seq, state="closed", reason="resolved")
    fake.seq += 1
    fake.push(type="csat_request", seq=fake.seq)
    card = page.locator("form.csat")
    expect(card).to_be_visible()
    return card


def assert_panel_in_place(page) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout["panelScroll"] == 0, layout
    assert abs(layout["headTop"]) < 2, layout
    assert layout["closeHit"], layout
    assert layout["logVisible"] and layout["midInLog"], layout


def test_clicking_each_score_keeps_the_header_and_the_log_in_view(widget) -> None:
    page, fake = widget
    card = long_chat_then_csat(page, fake)
    for score in range(1, 6):
        card.get_by_role("radio", name=f"{score} من 5", exact=False).click()
        assert_panel_in_place(page)
        expect(card.get_by_role("radio", name=f"{score} من 5", exact=False)).to_be_checked()
    # Keyboard too: arrows move the choice (and the focus) between the radios.
    card.get_by_role("radio", name="5 من 5", exact=False).press("ArrowUp")
    expect(card.get_by_role("radio", name="4 من 5", exact=False)).to_be_checked()
    assert_panel_in_place(page)
    # Closing and reopening shows the panel from its header.
    page.get_by_role("button", name="إغلاق المحادثة").click()
    page.get_by_role("button", name=LAUNCHER).click()
    assert_panel_in_place(page)


def test_the_scale_has_anchors_and_labelled_choices(widget) -> None:
    page, fake = widget
    card = long_chat_then_csat(page, fake, turns=2)
    # Which end is good is written on the card, not left to guess.
    expect(card.locator(".scale-anchors")).to_contain_text("غير راضٍ إطلاقاً")
    expect(card.locator(".scale-anchors")).to_contain_text("راضٍ جداً")
    names = [card.get_by_role("radio").nth(i).evaluate(
        "(n) => n.labels[0].textContent.replace(/\\s+/g, ' ').trim()") for i in range(5)]
    assert "غير راضٍ إطلاقاً" in names[0] and "راضٍ جداً" in names[4], names
    expect(card.get_by_role("group", name="ما مدى رضاك عن خدمة الموظف؟")).to_be_visible()
    card.get_by_role("radio", name="4 من 5", exact=False).click()
    assert axe_violations(page, "#faq-widget") == []
    if page.csat_size == "phone":  # type: ignore[attr-defined]
        page.screenshot(path=str(procs.ROOT / "docs" / "screenshots" / "widget-csat-phone.png"))
