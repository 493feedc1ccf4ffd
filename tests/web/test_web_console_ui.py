"""The agent console as an agent meets it (issue 15, items 9, 11 and 12), against a real gateway and the real
widget (no Rasa needed: the citizens use the widget's "تحدث مع موظف" link).

Alerts (9): a chime and a desktop notification when a citizen starts waiting, and for a new message in a
held chat while the tab is hidden; permission asked once; a mute switch that survives a reload. The
browser's Notification and Web Audio are observed through spies installed before the page loads (a
headless browser has no speaker and no notification centre), the page's own code is untouched.
Label and presence (11), bidi, digits, confirmation and a clean FAQ panel (12)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.web.a11y import axe_violations
from tests.web.conftest import WebGateway, running_gateway, shot
from tests.web.pages import LAUNCHER, agent_console, claim, conversation_id

pytestmark = [pytest.mark.browser]

# Spies: every desktop notification shown, permission requests, tones started; `__setHidden(true)` makes
# the tab hidden as a switch to another tab does.
SPIES = """
(() => {
  window.__notes = []; window.__asked = 0; window.__tones = 0; window.__hidden = false;
  class SpyNotification {
    static permission = localStorage.getItem("spy-permission") || "default";
    static requestPermission() {
      window.__asked += 1;
      SpyNotification.permission = "granted";
      localStorage.setItem("spy-permission", "granted");
      return Promise.resolve("granted");
    }
    constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
    close() {}
  }
  window.Notification = SpyNotification;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) { window.__tones += 1; return start.apply(this, args); };
  Object.defineProperty(Document.prototype, "hidden", { get: () => window.__hidden, configurable: true });
  Object.defineProperty(Document.prototype, "visibilityState",
    { get: () => (window.__hidden ? "hidden" : "visible"), configurable: true });
  Document.prototype.hasFocus = () => !window.__hidden;
  window.__setHidden = (h) => { window.__hidden = h; document.dispatchEvent(new Event("visibilitychange")); };
})();
"""
CHIME = 2  # tones per alert


@pytest.fixture(scope="module")
def console_gateway(redis_url, tmp_path_factory) -> Iterator[WebGateway]:
    # No Rasa: nothing here asks the bot (RASA_URL points at a closed port, no greeting turn).
    with running_gateway("http://127.0.0.1:9", redis_url, tmp_path_factory.mktemp("console-gw"),
                         GREETING_PAYLOAD="", AGENT_TIMEOUT_S="5") as gw:
        yield gw


def waiting_citizen(context, base: str):
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    button = page.get_by_role("button", name="تحدث مع موظف")
    button.click()
    page.locator(".queue").wait_for(state="visible")
    return page, conversation_id(page)


def tones(page) -> int:
    return page.evaluate("() => window.__tones")


def test_alerts_label_presence_and_confirmation(browser, console_gateway) -> None:
    base = console_gateway.url
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    citizen_ctx = browser.new_context(locale="ar-SA")
    agent_ctx.add_init_script(SPIES)
    errors: list[str] = []
    try:
        # Before any agent is online: a citizen leaves a call-back request (its time is checked below).
        early = citizen_ctx.new_page()
        early.goto(base + "/")
        early.get_by_role("button", name=LAUNCHER).click()
        early.get_by_role("button", name="تحدث مع موظف").click()
        form = early.locator("form.callback")
        form.get_by_label("الاسم").fill("Sara العتيبي")
        form.get_by_label("رقم الجوال").fill("0551234567")
        form.get_by_label("رسالتك").fill("أحتاج موعداً")
        form.get_by_role("button", name="إرسال الطلب").click()
        expect(form).to_have_text(re.compile("تم استلام طلبك"))
        early.close()

        console = agent_console(agent_ctx, base, console_gateway.agent(1))
        # Errors of the page's own scripts (axe-core, evaluated by the test, has no URL and is left out).
        console.on("console", lambda m: errors.append(m.text) if m.type == "error" and m.location.get("url") else None)
        console.on("pageerror", lambda e: errors.append(str(e)))
        assert console.evaluate("() => window.__asked") == 1  # asked on the sign-in click

        # Call-back times: Latin digits like the rest of the console, on one line.
        stamp = console.locator("#cb-list li", has_text="العتيبي").locator("time")
        expect(stamp).to_have_text(re.compile(r"^[^\u0660-\u0669\u06f0-\u06f9]*\d{2}:\d{2}$"))
        assert stamp.evaluate("(n) => n.getClientRects().length") == 1

        # A citizen starts waiting: chime (the tab is in front: no desktop notification needed).
        citizen, cid = waiting_citizen(citizen_ctx, base)
        expect(console.locator(f"#queue-list li[data-cid='{cid}']")).to_be_visible()
        console.wait_for_function(f"() => window.__tones >= {CHIME}")
        item = console.locator(f"#queue-list li[data-cid='{cid}']")
        expect(item.locator(".day-no")).to_have_text(re.compile(r"^المواطن رقم \d+ اليوم$"))

        # Another one while the agent is on another tab: chime and a desktop notification.
        console.evaluate("() => window.__setHidden(true)")
        citizen2, cid2 = waiting_citizen(citizen_ctx, base)
        console.wait_for_function(f"() => window.__tones >= {2 * CHIME}")
        notes = console.evaluate("() => window.__notes")
        assert notes[-1]["title"] == "مواطن جديد في قائمة الانتظار" and notes[-1]["body"].startswith("الموضوع:")
        console.evaluate("() => window.__setHidden(false)")

        # Claim: a human label (number of the day, start time in Latin digits), never the raw id; connected.
        claim(console, cid)
        title = console.locator("#chat-title")
        expect(title).to_contain_text("المواطن رقم")
        assert cid not in title.inner_text() and cid[-6:] not in console.locator("#mine-list").inner_text()
        assert re.search(r"بدأت \d{2}:\d{2}", title.inner_text())
        expect(console.locator("#citizen-presence")).to_have_text("متصل الآن")

        # A message in the held chat while hidden: a notification naming the chat, not the citizen's words.
        console.evaluate("() => window.__setHidden(true)")
        before = tones(console)
        box = citizen.locator("#faq-input")
        box.fill("renew my iqama تجديد الإقامة 2")
        box.press("Enter")
        console.wait_for_function(f"() => window.__tones >= {before + CHIME}")
        note = console.evaluate("() => window.__notes.at(-1)")
        assert note["title"] == "رسالة جديدة من مواطن" and "المواطن رقم" in note["body"]
        assert "iqama" not in note["body"]
        console.evaluate("() => window.__setHidden(false)")

        # Mixed Arabic/Latin in "محادثاتي": each part is its own direction-isolated run.
        preview = console.locator(f"#mine-list li[data-cid='{cid}'] .chat-preview")
        expect(preview).to_have_text("renew my iqama تجديد الإقامة 2")
        assert preview.get_attribute("dir") == "auto"
        assert preview.evaluate("(n) => getComputedStyle(n).unicodeBidi") == "isolate"
        assert preview.evaluate("(n) => n.matches(':dir(ltr)')")  # Latin first: read left to right
        assert console.locator(f"#mine-list li[data-cid='{cid}'] .chat-label").evaluate(
            "(n) => n.matches(':dir(rtl)')")
        # Transcript times: Latin digits like every other number of the console.
        times = console.locator("#transcript time").all_inner_texts()
        assert times and all(re.fullmatch(r"\d{2}:\d{2}", t) for t in times)

        # The citizen closes the page: the agent sees it at once.
        citizen.close()
        expect(console.locator("#citizen-presence")).to_have_text("غادر الصفحة")
        expect(console.locator(f"#mine-list li[data-cid='{cid}'] .absent")).to_be_visible()
        shot(console, "console-chat-label-presence")

        # Mute: no more chimes, and it survives a reload.
        console.get_by_role("button", name="كتم التنبيهات").click()
        expect(console.get_by_role("button", name="كتم التنبيهات")).to_have_attribute("aria-pressed", "true")
        console.reload()
        console.locator("#app-view").wait_for(state="visible")
        expect(console.get_by_role("button", name="كتم التنبيهات")).to_have_attribute("aria-pressed", "true")
        console.locator("body").click(position={"x": 5, "y": 400})  # a gesture: not asked again
        citizen3, cid3 = waiting_citizen(citizen_ctx, base)
        expect(console.locator(f"#queue-list li[data-cid='{cid3}']")).to_be_visible()
        assert tones(console) == 0 and console.evaluate("() => window.__asked") == 0

        # FAQ search, then end the chat: asked first; cancel keeps it, confirm ends it and clears the search.
        console.locator(f"#mine-list li[data-cid='{cid}'] button").click()
        console.get_by_label("كلمات البحث").fill("تجديد الإقامة")
        console.get_by_role("button", name="بحث", exact=True).click()
        expect(console.locator("#faq-results li").first).to_be_visible()
        console.get_by_role("button", name="إنهاء المحادثة").click()
        dialog = console.get_by_role("dialog", name="إنهاء المحادثة؟")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("«تم الحل»")
        assert axe_violations(console) == []
        shot(console, "console-resolve-confirm")
        dialog.get_by_role("button", name="إلغاء").click()
        expect(dialog).to_be_hidden()
        expect(console.locator(f"#mine-list li[data-cid='{cid}']")).to_have_count(1)
        console.get_by_role("button", name="إنهاء المحادثة").click()
        dialog.get_by_role("button", name="نعم، أنهِ المحادثة").click()
        expect(console.locator(f"#mine-list li[data-cid='{cid}']")).to_have_count(0)
        expect(console.locator("#faq-results li")).to_have_count(0)
        expect(console.get_by_label("كلمات البحث")).to_have_value("")
        assert axe_violations(console) == []
        assert errors == [], errors
        del citizen2, cid2, citizen3
    finally:
        citizen_ctx.close()
        agent_ctx.close()


def test_saved_replies_and_transfer(browser, console_gateway) -> None:
    base = console_gateway.url
    ctxs = [browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA") for _ in range(4)]
    sup_ctx, khalid_ctx, reem_ctx, citizen_ctx = ctxs
    errors: list[str] = []
    try:
        # The supervisor writes a team reply; an agent sees it, cannot change it, and adds one of her own.
        sup = agent_console(sup_ctx, base, console_gateway.supervisor)
        sup.get_by_role("button", name="إضافة رد جاهز").click()
        sup.get_by_label("العنوان").fill("مواعيد العمل")
        sup.get_by_label("نص الرد").fill("نعمل من الأحد إلى الخميس، من 8 صباحاً حتى 3 مساءً.")
        sup.get_by_label("لمن هذا الرد").select_option("team")
        sup.get_by_role("button", name="حفظ").click()
        expect(sup.locator("#canned-list li", has_text="مواعيد العمل")).to_contain_text("الفريق")
        sup.close()

        khalid = agent_console(khalid_ctx, base, console_gateway.agent(2))  # خالد
        for page in (khalid,):
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" and m.location.get("url") else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
        team = khalid.locator("#canned-list li", has_text="مواعيد العمل")
        expect(team).to_be_visible()
        expect(team.get_by_role("button", name="تعديل")).to_have_count(0)
        expect(khalid.get_by_label("لمن هذا الرد")).to_be_hidden()
        khalid.get_by_role("button", name="إضافة رد جاهز").click()
        khalid.get_by_label("العنوان").fill("ترحيب")
        khalid.get_by_label("نص الرد").fill("مرحباً، معك خالد. كيف أخدمك؟")
        khalid.get_by_role("button", name="حفظ").click()
        mine = khalid.locator("#canned-list li", has_text="ترحيب")
        expect(mine).to_contain_text("ردودي")
        expect(mine.get_by_role("button", name="تعديل الرد «ترحيب»")).to_be_visible()

        # A citizen waits; Khalid claims and answers with his saved reply.
        citizen, cid = waiting_citizen(citizen_ctx, base)
        claim(khalid, cid)
        mine.get_by_role("button", name="إدراج في الرد").click()
        expect(khalid.get_by_label("الرد على المواطن")).to_have_value("مرحباً، معك خالد. كيف أخدمك؟")
        khalid.get_by_role("button", name="إرسال", exact=True).click()
        expect(citizen.locator(".msg.agent", has_text="معك خالد")).to_be_visible()

        # Reem comes online; Khalid transfers the chat to her.
        reem = agent_console(reem_ctx, base, console_gateway.agent(3))  # ريم
        khalid.get_by_role("button", name="تحويل إلى موظف").click()
        dialog = khalid.get_by_role("dialog", name="تحويل المحادثة إلى موظف آخر")
        expect(dialog.get_by_label("الموظف").locator("option", has_text="ريم")).to_have_count(1)
        assert axe_violations(khalid) == []
        shot(khalid, "console-transfer-dialog")
        dialog.get_by_label("الموظف").select_option(label="ريم")
        dialog.get_by_role("button", name="تحويل", exact=True).click()
        expect(khalid.locator(f"#mine-list li[data-cid='{cid}']")).to_have_count(0)

        expect(reem.locator(f"#mine-list li[data-cid='{cid}']")).to_be_visible()
        expect(reem.locator("#transcript .entry.system", has_text="حُوّلت المحادثة إلى")).to_contain_text("ريم")
        expect(reem.locator("#transcript .entry.agent", has_text="معك خالد")).to_be_visible()
        reem.get_by_label("الرد على المواطن").fill("معك ريم، أكمل معك الطلب.")
        reem.get_by_role("button", name="إرسال", exact=True).click()
        reply = citizen.locator(".msg.agent", has_text="معك ريم")
        expect(reply).to_be_visible()
        expect(reply.locator(".who")).to_have_text("ريم")
        shot(khalid, "console-saved-replies")
        shot(reem, "console-transferred-chat")
        assert axe_violations(khalid) == [] and axe_violations(reem) == []

        # Khalid deletes his reply.
        mine.get_by_role("button", name="حذف الرد «ترحيب»").click()
        expect(khalid.locator("#canned-list li", has_text="ترحيب")).to_have_count(0)
        assert errors == [], errors
    finally:
        for ctx in ctxs:
            ctx.close()
