"""The widget on the demo page, served by the real gateway: RTL, font, language switch, keyboard-only use,
360 px layout and an axe-core check (no serious or critical violations)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.a11y import axe_violations
from tests.web.conftest import shot
from tests.web.pages import LAUNCHER, citizen_say, open_widget, wait_for_bot_turn

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

DEEP_FOCUS = """() => { let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  const s = getComputedStyle(a);
  return {tag: a.tagName, id: a.id, text: (a.textContent || '').trim(), label: a.getAttribute('aria-label'),
          outline: s.outlineStyle + ' ' + s.outlineWidth}; }"""


def focused(page) -> dict:
    return page.evaluate(DEEP_FOCUS)


def tab_until(page, predicate, limit: int = 40, key: str = "Tab") -> dict:
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        if predicate(info):
            return info
    raise AssertionError(f"never reached the element with {limit} × {key}; last focus: {focused(page)}")


def test_keyboard_only_path(context, web_gateway) -> None:
    page = context.new_page()
    page.goto(web_gateway.url + "/")
    launcher = tab_until(page, lambda f: f["tag"] == "BUTTON" and LAUNCHER in f["text"])
    assert launcher["outline"].startswith("solid"), "keyboard focus must be visible"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "faq-input"
    page.locator(".msg.bot").first.wait_for()

    page.keyboard.type("نسيت كلمة المرور فكيف أعيد تعيينها؟")  # an FAQ: answered, not handed off
    page.keyboard.press("Enter")
    expect(page.locator(".msg.citizen")).to_have_count(1)
    wait_for_bot_turn(page, 2)

    send = tab_until(page, lambda f: f["text"] == "إرسال", limit=3)
    assert send["outline"].startswith("solid")
    agent = tab_until(page, lambda f: f["text"] == "تحدث مع موظف", limit=3)
    assert agent["outline"].startswith("solid")

    # Backwards into the conversation: every button there is reachable too (quick replies, 👍/👎).
    back = tab_until(page, lambda f: f["tag"] == "BUTTON" and f["id"] != "faq-input"
                     and f["text"] not in ("إرسال", "تحدث مع موظف"), limit=8, key="Shift+Tab")
    assert back["outline"].startswith("solid")

    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    assert LAUNCHER in focused(page)["text"]


def test_rtl_arabic_font_and_language_follow_the_citizen(context, web_gateway) -> None:
    fonts: list[str] = []
    context.on("request", lambda r: fonts.append(r.url) if r.url.endswith(".woff2") else None)
    page = open_widget(context, web_gateway.url)
    root = page.locator(".root")
    expect(root).to_have_attribute("dir", "rtl")
    expect(root).to_have_attribute("lang", "ar")
    assert page.evaluate("() => document.fonts.check('16px \"IBM Plex Sans Arabic\"', 'مرحبا')")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    assert any("ibm-plex-sans-arabic-arabic" in url for url in fonts), fonts
    family = page.locator(".msg.bot .text").first.evaluate("(n) => getComputedStyle(n).fontFamily")
    assert family.startswith('"IBM Plex Sans Arabic"')

    page.get_by_role("button", name="Switch to English").click()
    expect(root).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()

    # The citizen writes Arabic: the widget's own strings follow.
    citizen_say(page, "أريد تجديد رخصة العمل")
    expect(root).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("button", name="إرسال", exact=True)).to_be_visible()
    # ... and English the other way round.
    citizen_say(page, "How do I reset my password?")
    expect(root).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Talk to an agent")).to_be_visible()


def test_360px_layout_and_accessibility(browser, web_gateway) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="ar-SA", is_mobile=True,
                              has_touch=True, device_scale_factor=2)
    try:
        page = ctx.new_page()
        page.goto(web_gateway.url + "/")
        assert axe_violations(page) == []
        page.get_by_role("button", name=LAUNCHER).click()
        page.locator(".msg.bot").first.wait_for()
        citizen_say(page, "كيف أنشئ حسابا في منصة الخدمات الإلكترونية؟ https://example.gov.sa/account")
        wait_for_bot_turn(page, 2)
        box = page.locator(".panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360.5 and box["height"] <= 740.5
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        for bubble in page.locator(".msg").all():
            b = bubble.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 360.5, "a message is cut off at 360 px"
        expect(page.get_by_role("button", name="تحدث مع موظف")).to_be_in_viewport()
        expect(page.locator("#faq-input")).to_be_in_viewport()
        shot(page, "widget-360-open")
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_desktop_accessibility_with_conversation(context, web_gateway) -> None:
    page = open_widget(context, web_gateway.url)
    citizen_say(page, "ما هي ساعات عمل مراكز الخدمة؟")
    wait_for_bot_turn(page, 2)
    log = page.locator(".log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_have_attribute("role", "log")
    assert axe_violations(page) == []
    shot(page, "widget-desktop-open")


def test_console_sign_in_page(context, web_gateway) -> None:
    page = context.new_page()
    page.goto(web_gateway.url + "/console")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert axe_violations(page) == []
    page.get_by_label("اسم المستخدم").fill(web_gateway.agent(4))
    page.get_by_label("كلمة المرور").fill("not the password")
    page.get_by_role("button", name="دخول").click()
    expect(page.get_by_role("alert")).to_have_text("اسم المستخدم أو كلمة المرور غير صحيحة")
    expect(page.locator("#app-view")).to_be_hidden()
