"""The CSAT card (#15 item 2) against a scripted gateway: picking a score must not scroll the panel away.

The radios of the 1–5 card were visually hidden with `position: absolute` inside labels that were not
positioned, so their containing block was the `overflow: hidden` panel and their static position lay below
the log's scrolled content: focusing one scrolled the whole panel, the header and close button went out of
view and, after a long chat, the panel showed nothing. Closing and reopening kept the scrolled panel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.a11y import axe_violations
from tests.web.conftest import ARTIFACTS
from tests.web.pages import LAUNCHER
from tests.web.test_web_scripted_gateway import FakeGateway, open_widget

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


@dataclass
class CsatGateway(FakeGateway):
    """Also answers `csat` and `followup_contact` as the gateway does: ack, then the stored event entry."""

    log: list[dict[str, Any]] = field(default_factory=list)

    def push(self, **frame: Any) -> None:
        self.log = [*self.log, frame]  # entries (they carry a seq), replayed on resume like the gateway's
        super().push(**frame)

    def on_frame(self, ws, f: dict[str, Any]) -> None:
        if f.get("type") == "resume":
            super().on_frame(ws, f)
            for entry in self.log:
                if entry["seq"] > f["last_seq"]:
                    self.send(ws, **entry)
            return None
        if f.get("type") not in ("csat", "followup_contact"):
            return super().on_frame(ws, f)
        self.received.append(f)
        self.seq += 1
        self.send(ws, type="ack", msg_id=f["msg_id"], seq=self.seq)
        if f["type"] == "csat":
            extra = {"followup": True} if f["score"] <= 2 else {}
            self.push(type="event", event="csat", value=f["score"], seq=self.seq, ts="2026-01-01T10:00:00Z",
                      **extra)
        else:
            self.push(type="event", event="followup_contact", given=bool(f.get("mobile")), seq=self.seq,
                      ts="2026-01-01T10:00:00Z")
        return None


@pytest.fixture(params=list(SIZES))
def widget(request, browser) -> Iterator[tuple[Any, FakeGateway]]:
    ctx = browser.new_context(viewport=SIZES[request.param], locale="ar-SA")
    ctx.set_default_timeout(15_000)
    fake = CsatGateway()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_widget(page, fake)
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
    card = page.locator("form.csat").last
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
        page.screenshot(path=str(ARTIFACTS / "widget-csat-phone.png"))


def sent(fake: FakeGateway, kind: str) -> list[dict[str, Any]]:
    return [f for f in fake.received if f["type"] == kind]


def test_a_low_score_asks_for_a_number_with_consent_and_validates_it(widget) -> None:
    """#14 item 4: after 1–2 the card offers a call back; the number is optional, checked, and needs consent."""
    page, fake = widget
    card = long_chat_then_csat(page, fake, turns=3)
    card.get_by_role("radio", name="2 من 5", exact=False).click()
    card.get_by_role("button", name="إرسال التقييم").click()
    step = card.locator(".followup")
    expect(step).to_contain_text("خلال 24 ساعة")
    expect(step).to_contain_text("نستخدمه لهذا الاتصال فقط")
    assert [f["score"] for f in sent(fake, "csat")] == [2]
    box = step.get_by_label("رقم الجوال (اختياري)")
    box.fill("0112345678")
    step.get_by_role("button", name="اتصلوا بي").click()
    error = step.locator(".field .err")
    expect(error).to_have_text("اكتب رقم جوال سعودياً (05XXXXXXXX) أو خليجياً بمفتاح الدولة")
    expect(box).to_have_attribute("aria-invalid", "true")
    box.fill("٠٥٥ ١٢٣ ٤٥٦٧")  # fixed: the error goes as the citizen types, consent is still missing
    expect(error).to_have_text("")
    expect(step.locator("p.err")).to_contain_text("ضع علامة الموافقة")
    assert sent(fake, "followup_contact") == []
    step.get_by_label("أوافق على أن يتصل بي موظف على هذا الرقم بخصوص هذه المحادثة").check()
    expect(step.locator("p.err")).to_have_text("")
    assert axe_violations(page, "#faq-widget") == []
    if page.csat_size == "phone":  # type: ignore[attr-defined]
        page.screenshot(path=str(ARTIFACTS / "widget-followup-phone.png"))
    step.get_by_role("button", name="اتصلوا بي").click()
    expect(card).to_contain_text("سيتصل بك أحد موظفينا خلال 24 ساعة")
    assert [(f.get("mobile"), f.get("consent")) for f in sent(fake, "followup_contact")] == [("+966551234567", True)]
    assert_panel_in_place(page)


def test_the_number_can_be_declined_and_a_good_score_asks_nothing(widget) -> None:
    page, fake = widget
    card = long_chat_then_csat(page, fake, turns=1)
    card.get_by_role("radio", name="1 من 5", exact=False).click()
    card.get_by_role("button", name="إرسال التقييم").click()
    card.get_by_role("button", name="لا، شكراً").click()
    expect(card).to_contain_text("سنراجع ملاحظتك")
    assert [f.get("mobile") for f in sent(fake, "followup_contact")] == [None]
    second = long_chat_then_csat(page, fake, turns=1)
    second.get_by_role("radio", name="5 من 5", exact=False).click()
    second.get_by_role("button", name="إرسال التقييم").click()
    expect(second).to_contain_text("شكراً، تم حفظ تقييمك.")
    expect(second.locator(".followup")).to_have_count(0)


def test_the_number_step_comes_back_after_a_reload_until_answered(widget) -> None:
    """Nobody stranded: a reload between the score and the number step shows the step again, once."""
    page, fake = widget
    card = long_chat_then_csat(page, fake, turns=2)
    card.get_by_role("radio", name="1 من 5", exact=False).click()
    card.get_by_role("button", name="إرسال التقييم").click()
    expect(card.locator(".followup")).to_be_visible()
    page.reload()
    page.locator("form.csat .followup").wait_for()
    expect(page.locator("form.csat")).to_have_count(1)
    page.locator("form.csat").get_by_role("button", name="لا، شكراً").click()
    expect(page.locator("form.csat")).to_contain_text("سنراجع ملاحظتك")
    page.reload()
    expect(page.locator("form.csat")).to_contain_text("سنراجع ملاحظتك")
    expect(page.locator("form.csat .followup")).to_have_count(0)
    assert len(sent(fake, "followup_contact")) == 1
