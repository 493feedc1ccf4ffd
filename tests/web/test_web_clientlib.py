"""The widget's own modules in the real browser: safe rendering, link filtering, language detection and
mobile validation (no gateway needed: files are served straight from handoff/static)."""

from __future__ import annotations

import pytest

from tests.web.xss_corpus import XSS

pytestmark = pytest.mark.browser

RENDER = """async (text) => {
  const { richText } = await import("/static/js/safe.js");
  const box = document.createElement("div");
  box.append(richText(text));
  document.body.append(box);
  await new Promise((r) => setTimeout(r, 50));
  const els = [...box.querySelectorAll("*")].map((e) => ({tag: e.tagName, href: e.getAttribute("href"),
    attrs: e.getAttributeNames()}));
  return {text: box.textContent, els};
}"""


def render(page, text: str) -> dict:
    return page.evaluate(RENDER, text)


def test_hostile_text_renders_as_inert_text(static_page) -> None:
    static_page.reload()
    dialogs: list[str] = []
    static_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for text in XSS:
        out = render(static_page, text)
        for node in out["els"]:
            assert node["tag"] == "A", f"{text!r} produced a <{node['tag']}>"
            assert node["href"].startswith(("https:", "mailto:", "tel:")), node
            assert set(node["attrs"]) <= {"href", "target", "rel"}, node
    static_page.wait_for_timeout(200)
    assert dialogs == []
    assert static_page.evaluate("window.__pwned") is None


def test_only_https_mailto_tel_become_links(static_page) -> None:
    out = render(static_page, "زر https://absher.sa/renew، أو http://insecure.example أو ftp://x.y")
    assert [e["href"] for e in out["els"]] == ["https://absher.sa/renew"]
    assert out["text"] == "زر https://absher.sa/renew، أو http://insecure.example أو ftp://x.y"

    out = render(static_page, "راسلنا mailto:help@gov.sa أو اتصل tel:+966112345678.")
    assert [e["href"] for e in out["els"]] == ["mailto:help@gov.sa", "tel:+966112345678"]

    out = render(static_page, "[بوابة أبشر](https://absher.sa) و[ملف](http://a.example)")
    assert [e["href"] for e in out["els"]] == ["https://absher.sa/"]
    assert out["text"] == "بوابة أبشر و[ملف](http://a.example)"


def test_links_open_safely(static_page) -> None:
    static_page.evaluate(RENDER, "https://absher.sa")
    rel = static_page.get_attribute("a[href='https://absher.sa/']", "rel")
    assert "noopener" in rel and "noreferrer" in rel


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("كيف أجدد جواز السفر؟", "ar"),
        ("How do I renew my passport?", "en"),
        ("abi ajadid jawazi", "ar"),
        ("ta7deeth el 3enwan", "ar"),
        ("شلون renew", "ar"),
        ("1234 ؟", "ar"),
        ("12345", None),
    ],
)
def test_language_of_what_the_citizen_writes(static_page, text: str, lang: str | None) -> None:
    got = static_page.evaluate(
        "async (t) => (await import('/static/js/i18n.js')).detectLang(t)", text)
    assert got == lang


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("٠٥٥١٢٣٤٥٦٧", "0551234567"),
        ("+966 55 123 4567", "0551234567"),
        ("00966-551234567", "0551234567"),
        ("551234567", None),
        ("0451234567", None),
        ("055123456", None),
        ("mobile", None),
    ],
)
def test_mobile_numbers(static_page, raw: str, normalised: str | None) -> None:
    got = static_page.evaluate(
        "async (m) => (await import('/static/widget/cards.js')).normaliseMobile(m)", raw)
    assert got == normalised


def test_citizen_text_cannot_disguise_a_link_behind_a_label(static_page) -> None:
    """The console renders citizens' text with labels off: the agent sees the real address."""
    text = "حدّث بياناتك [https://absher.sa](https://absher-login.example) ثم https://absher.sa/renew"
    out = static_page.evaluate("""async (text) => {
      const { richText } = await import("/static/js/safe.js");
      const box = document.createElement("div");
      box.append(richText(text, { labels: false }));
      return {text: box.textContent, hrefs: [...box.querySelectorAll("a")].map((a) => a.getAttribute("href"))};
    }""", text)
    assert out["hrefs"] == ["https://absher.sa/renew"]
    assert out["text"] == text


def test_urls_with_parentheses_survive_in_text_and_link_lists(static_page) -> None:
    wiki = "https://en.wikipedia.org/wiki/Riyadh_(city)"
    out = render(static_page, f"راجع {wiki}. (أو https://absher.sa/renew)")
    assert [e["href"] for e in out["els"]] == [wiki, "https://absher.sa/renew"]
    assert out["text"] == f"راجع {wiki}. (أو https://absher.sa/renew)"

    # The widget's list of a bot message's links (bot_message.links): titles and URLs taken verbatim.
    items = static_page.evaluate("""async (links) => {
      const { linkList } = await import("/static/widget/entries.js");
      const [, ul] = linkList({ S: { bind: (node) => node } }, links);
      return [...ul.children].map((li) => ({text: li.textContent,
        hrefs: [...li.querySelectorAll("a")].map((a) => a.getAttribute("href"))}));
    }""", [{"title": "الرياض (ويكيبيديا)", "url": wiki},
           {"title": "[دليل] الخدمات", "url": "https://absher.sa/guide_(2026)/ar"},
           {"title": "رابط غير آمن", "url": "javascript:alert(1)"}])
    assert items == [
        {"text": "الرياض (ويكيبيديا)", "hrefs": [wiki]},
        {"text": "[دليل] الخدمات", "hrefs": ["https://absher.sa/guide_(2026)/ar"]},
        {"text": "رابط غير آمن javascript:alert(1)", "hrefs": []},
    ]
