"""The widget's language switch reaches the gateway (and so the bot): a `locale` frame when the citizen
switches, and again on resume before any resent message (the switch may have happened while offline)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.test_web_scripted_gateway import FakeGateway, fake, widget  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def test_switching_language_sends_a_locale_frame(widget, fake: FakeGateway) -> None:  # noqa: F811
    widget.get_by_role("button", name="Switch to English").click()
    expect(widget.get_by_role("button", name="التحويل إلى العربية")).to_be_visible()
    box = widget.locator("#faq-input")
    box.fill("passport renewal")  # Latin, none of the bot's common English words: the locale decides
    box.press("Enter")
    expect(widget.locator(".msg.citizen:not(.pending)")).to_have_count(1)
    kinds = [(f["type"], f.get("locale")) for f in fake.received if f["type"] in ("locale", "message")]
    assert kinds == [("locale", "en"), ("message", None)]

    widget.reload()
    resumed = _frames_after_resume(widget, fake)
    assert resumed[:1] == [("locale", "en")]  # before anything else the socket sends


def _frames_after_resume(page, gateway: FakeGateway) -> list[tuple[str, str | None]]:
    """The frames the reloaded widget sent after its `resume` (waits up to 5 s for a locale frame)."""
    for _ in range(50):
        types = [f["type"] for f in gateway.received]
        if "resume" in types and "locale" in types[types.index("resume"):]:
            break
        page.wait_for_timeout(100)
    types = [f["type"] for f in gateway.received]
    assert "resume" in types, types
    return [(f["type"], f.get("locale")) for f in gateway.received[types.index("resume") + 1:] if f["type"] != "ping"]
