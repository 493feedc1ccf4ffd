"""Page helpers shared by the browser tests: the citizen widget on the demo page and the agent console.
Playwright's CSS locators pierce the widget's open shadow root, so `.msg.bot` finds the bubbles."""

from __future__ import annotations

import json
import urllib.request
from functools import cache

import yaml

from scripts import procs

AGENT_PASSWORD = "correct horse battery staple 42"
LAUNCHER = "افتح المحادثة مع المساعد الافتراضي"


@cache
def responses() -> dict:
    """The bot's responses from chatbot/domain.yml: tests expect the real texts, not copies."""
    domain = yaml.safe_load((procs.ROOT / "chatbot" / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def response_text(name: str) -> str:
    return responses()[name][0]["text"]


def api(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """Call the gateway's JSON API the way the pages do (Bearer token), for test set-up and checks."""
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def watch_for_scripts(page) -> list[str]:
    """Record any dialog (alert/confirm/prompt): hostile text that ran would open one."""
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def isolated(name: str) -> str:
    """A user-given name as the widget and console put it inside a UI sentence: in a bidi isolate (FSI … PDI)."""
    return f"\u2068{name}\u2069"


def open_widget(context, base_url: str):
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    page.locator(".msg.bot").first.wait_for()
    return page


def citizen_say(page, text: str) -> None:
    box = page.locator("#faq-input")
    box.fill(text)
    box.press("Enter")


def conversation_id(page) -> str:
    return page.evaluate(
        "() => JSON.parse(sessionStorage.getItem('faq-widget:' + location.origin) || '{}').cid || null"
    )


def bubbles(page) -> list[tuple[str, str]]:
    """(role, text of the message) for every bubble in the widget's log, top to bottom."""
    return page.evaluate(
        """() => [...document.querySelector('#faq-widget').shadowRoot.querySelectorAll('.log .msg')]
              .map((m) => [m.dataset.role || 'system', (m.querySelector('.text') || m).textContent])"""
    )


def seqs(page) -> list[int]:
    return page.evaluate(
        """() => [...document.querySelector('#faq-widget').shadowRoot.querySelectorAll('.log [data-seq]')]
              .map((m) => Number(m.dataset.seq))"""
    )


def agent_console(context, base_url: str, username: str):
    page = context.new_page()
    page.goto(base_url + "/console")
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="دخول").click()
    page.locator("#app-view").wait_for(state="visible")
    page.wait_for_function("() => document.getElementById('agents-online').textContent !== ''")
    return page


def claim(console, cid: str) -> None:
    item = console.locator(f"#queue-list li[data-cid='{cid}']")
    item.get_by_role("button", name="استلام").click()
    console.locator(f"#mine-list li[data-cid='{cid}'] button[aria-current='true']").wait_for()


def agent_reply(console, text: str) -> None:
    console.get_by_label("الرد على المواطن").fill(text)
    console.get_by_role("button", name="إرسال", exact=True).click()


def wait_for_bot_turn(page, bot_count: int) -> None:
    """Until the bot has answered (bot_count bubbles) or already handed off (queue panel shown)."""
    page.wait_for_function(
        """(n) => { const r = document.querySelector('#faq-widget').shadowRoot;
                    return r.querySelectorAll('.msg.bot').length >= n || !r.querySelector('.queue').hidden; }""",
        arg=bot_count, timeout=30_000)


def ask_for_agent(page) -> None:
    """Press "تحدث مع موظف" unless the bot already queued the conversation; then wait for the queue."""
    button = page.get_by_role("button", name="تحدث مع موظف")
    if button.is_visible():
        button.click()
    page.locator(".queue").wait_for(state="visible")
