"""The editor page as an editor reads it (issue 15 items 1, 14–18), in real Chromium against a real gateway:
English versions and translation state, a readable history, the import preview, long words, stale messages,
the agents' read-only wording, the favicon, filters after publishing. No JavaScript errors; axe clean."""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from scripts import procs
from tests.web.a11y import axe_violations
from tests.web.conftest import WebGateway, running_gateway, shot
from tests.web.pages import AGENT_PASSWORD, api
from tests.web.test_editor_page import run_beside_playwright

pytestmark = pytest.mark.browser

SCREENSHOTS = procs.ROOT / "docs" / "screenshots"
NEW = {"category": "الفروع", "question": "هل يوجد مصلى في مبنى الفرع الرئيسي؟",
       "answer": "نعم، يوجد مصلى للرجال وآخر للنساء في الدور الأرضي."}


@pytest.fixture(scope="module")
def gw(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGateway]:
    with running_gateway("http://127.0.0.1:9", redis_url, tmp_path_factory.mktemp("polish-gw")) as gateway:
        yield gateway


@pytest.fixture
def errors() -> list[str]:
    return []


def _login(context, gw: WebGateway, username: str, errors: list[str]):
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{gw.url}/editor")
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="دخول").click()
    expect(page.locator("#list-count")).to_contain_text("سؤال")
    return page


def _token(gw: WebGateway) -> str:
    return api(gw.url, "POST", "/api/login", {"username": gw.supervisor, "password": AGENT_PASSWORD})["token"]


def _axe_clean(page, errors: list[str]) -> None:
    """No JavaScript errors so far, then axe. axe-core's own probes set inline styles that the gateway's CSP
    blocks (console errors of the test tool, not of the page): they are dropped after it ran."""
    assert errors == []
    assert axe_violations(page) == []
    errors[:] = [e for e in errors if "Content Security Policy" not in e]


def _keep(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot(page, name), SCREENSHOTS / f"{name}.png")


def test_english_version_translation_state_and_history(context, gw: WebGateway, errors: list[str]) -> None:
    page = _login(context, gw, gw.editor, errors)
    page.get_by_role("button", name="سؤال جديد").click()
    page.locator("#e-id").fill("web-prayer")
    for field, value in NEW.items():
        page.locator(f"#e-{field}").fill(value)
    page.get_by_label("السؤال بالإنجليزية").fill("Is there a prayer room in the main branch?")
    page.get_by_label("الإجابة بالإنجليزية").fill("Yes, there are prayer rooms for men and women on the ground floor.")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#trans-state")).to_have_attribute("data-translation", "current")
    row = page.locator("#entries tbody tr[data-id='web-prayer']")
    expect(row.locator("[data-translation]")).to_have_text("مترجم")

    page.locator("#e-answer").fill("نعم، يوجد مصلى للرجال في الدور الأرضي ومصلى للنساء في الدور الأول.")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#trans-state")).to_have_attribute("data-translation", "stale")
    expect(row.locator("[data-translation]")).to_have_text("ترجمة أقدم من العربي")
    page.locator("#f-trans").select_option("stale")
    expect(page.locator("#entries tbody tr")).to_have_count(1)
    expect(page.locator("#f-trans option[value='stale']")).to_contain_text("(1)")

    latest = page.locator("#history > li").first
    expect(latest).to_have_attribute("data-action", "update")
    answer = latest.locator("[data-field='answer'] p")
    expect(answer.locator("del", has_text="وآخر")).to_have_count(1)  # only the changed words are marked
    expect(answer.locator("ins", has_text="الأول.")).to_have_count(1)
    assert "نعم، يوجد مصلى للرجال" not in " ".join(answer.locator("del, ins").all_inner_texts())
    stamp = latest.locator("time").inner_text()
    assert re.search(r"(يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر)", stamp), stamp
    assert "T" not in stamp and "Z" not in stamp
    assert latest.locator("time").get_attribute("datetime").endswith("Z")
    created = page.locator("#history > li[data-action='create']")
    expect(created.locator("[data-field='question_en'] p")).to_have_attribute("dir", "auto")  # English isolated
    expect(created.locator("[data-field='status'] p")).to_have_text("مسودة")
    _keep(page, "editor-history")
    _axe_clean(page, errors)
    assert errors == []


def test_seeded_entry_history_shows_arabic_status(context, gw: WebGateway, errors: list[str]) -> None:
    page = _login(context, gw, gw.editor, errors)
    page.locator("#f-q").fill("permits-renew")
    page.locator("#entries tbody tr[data-id='permits-renew']").get_by_role("button", name="تعديل").click()
    seed = page.locator("#history > li[data-action='seed']")
    expect(seed.locator(".history-head")).to_contain_text("النظام (تهيئة من الملفات)")
    expect(seed.locator("[data-field='status'] p")).to_have_text("منشور")
    assert errors == []


def test_a_long_unbroken_word_wraps_in_the_unanswered_tab(context, gw: WebGateway, errors: list[str]) -> None:
    import redis.asyncio as aioredis

    from knowledge_base.faqs.keys import KbKeys
    from knowledge_base.faqs.unanswered import record_unanswered

    long_word = "تجديد" * 120 + "a" * 200

    async def record() -> None:
        client = aioredis.from_url(gw.redis_url)
        await record_unanswered(client, text=f"ما معنى {long_word}؟", reason="low_confidence",
                                keys=KbKeys(gw.prefix))
        await client.aclose()

    run_beside_playwright(record())
    page = _login(context, gw, gw.editor, errors)
    page.get_by_role("button", name="أسئلة بلا إجابة").click()
    cluster = page.locator("#clusters > li", has_text="ما معنى")
    expect(cluster).to_be_visible()
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    box = cluster.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width[1]
    assert errors == []


def test_saved_message_agent_wording_favicon_and_filters(context, gw: WebGateway, errors: list[str]) -> None:
    token = _token(gw)
    api(gw.url, "POST", "/api/faq", {"id": "web-filter", **NEW, "question": "هل يوجد مصلى في فرع الشمال؟"}, token)
    page = _login(context, gw, gw.editor, errors)
    page.locator("#f-status").select_option("draft")
    page.locator("#entries tbody tr[data-id='web-filter']").get_by_role("button", name="تعديل").click()
    page.get_by_role("button", name="نشر", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("تم النشر")
    # The published entry would be hidden by "draft": the filter is cleared and says so.
    expect(page.locator("#entries tbody tr[data-id='web-filter']")).to_be_visible()
    expect(page.locator("#f-status")).to_have_value("")
    expect(page.locator("#flash")).to_contain_text("أُلغيت عوامل التصفية")
    page.get_by_role("button", name="جرّب سؤالًا").click()
    expect(page.locator("#flash")).to_have_text("")  # no stale message about the other tab

    with urllib.request.urlopen(f"{gw.url}/favicon.ico", timeout=10) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("image/")

    agent = _login(context, gw, gw.agent(1), errors)
    first = agent.locator("#entries tbody tr").first
    expect(first.get_by_role("button", name="عرض")).to_be_visible()
    expect(agent.locator("#entries").get_by_role("button", name="تعديل")).to_have_count(0)
    first.get_by_role("button", name="عرض").click()
    expect(agent.locator("#form-title")).not_to_contain_text("تعديل")
    assert errors == []


def test_import_preview_names_fields_shows_changes_and_guards_apply(context, gw: WebGateway, tmp_path,
                                                                    errors: list[str]) -> None:
    token = _token(gw)
    api(gw.url, "POST", "/api/faq", {"id": "web-imp-pub", **NEW, "status": "published"}, token)
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text(
        "id,category,question,answer,status\n"
        f"web-imp-pub,الفروع,{NEW['question']},نعم، يوجد مصلى في الدور الأرضي فقط.,published\n"
        "web-imp-new,الفروع,هل توجد مواقف سيارات عند الفرع؟,نعم توجد مواقف مجانية.,draft\n"
        ",,,,\n", encoding="utf-8")
    page = _login(context, gw, gw.editor, errors)
    page.get_by_role("button", name="استيراد وتصدير").click()
    page.locator("#import-file").set_input_files(str(csv_file))
    page.get_by_role("button", name="معاينة").click()
    expect(page.locator("#import-counts")).to_contain_text("مرفوض 1")
    expect(page.locator("#import-counts")).to_contain_text("يعدّل 1 سؤالًا منشورًا")
    rejected = page.locator("#import-rows tbody tr[data-action='reject']")
    expect(rejected.locator("td").nth(1)).to_have_text("—")  # no made-up id for a blank row
    expect(rejected).to_contain_text("السؤال:")  # Arabic field names, not "question:"
    assert "question:" not in rejected.inner_text()
    change = page.locator("#import-rows tbody tr[data-action='change'] [data-field='answer']")
    expect(change.locator("del")).to_have_text(NEW["answer"])
    expect(change.locator("ins")).to_have_text("نعم، يوجد مصلى في الدور الأرضي فقط.")
    apply = page.get_by_role("button", name="تطبيق الاستيراد")
    expect(apply).to_be_disabled()
    page.get_by_label("تخطَّ الأسطر المرفوضة (1) وطبّق الباقي").check()
    expect(apply).to_be_enabled()
    _keep(page, "editor-import-preview")
    _axe_clean(page, errors)

    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    apply.click()
    expect(page.locator("#import-counts")).not_to_contain_text("طُبّق")
    assert asked and "منشور" in asked[0]
    page.once("dialog", lambda d: d.accept())
    apply.click()
    expect(page.locator("#import-counts")).to_contain_text("طُبّق")
    stored = api(gw.url, "GET", "/api/faq/web-imp-pub", None, token)["entry"]
    assert stored["answer"] == "نعم، يوجد مصلى في الدور الأرضي فقط."
    assert errors == []


def test_a_file_of_labelled_questions_is_previewed_then_listed_as_suggestions(context, gw: WebGateway, tmp_path,
                                                                              errors: list[str]) -> None:
    """Before go-live: a call centre's labelled questions become suggestions with their evidence."""
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text("question,id\n"
                        "العامل عندي اقامته بتخلص بعد اسبوع وش اسوي,permits-renew\n"
                        "ابي اسحب شكوى قدمتها امس,\n"
                        "سؤال عن خدمة غير موجودة,no-such-entry\n", encoding="utf-8")
    page = _login(context, gw, gw.editor, errors)
    page.get_by_role("button", name="اقتراحات من الاستخدام").click()
    page.locator("#labels-file").set_input_files(str(csv_file))
    page.locator("#labels-form").get_by_role("button", name="معاينة").click()
    expect(page.locator("#labels-counts")).to_contain_text("يجيب عنها سؤال شائع: 1")
    expect(page.locator("#labels-counts")).to_contain_text("مرفوضة: 1")
    refused = page.locator("#labels-rejected li[data-row='3']")
    expect(refused).to_contain_text("المعرّف: لا يوجد سؤال شائع معرّفه أو نصّه «no-such-entry»")
    expect(page.locator("#learned > li[data-entry='permits-renew']")).to_have_count(0)  # a preview records nothing
    _axe_clean(page, errors)
    page.get_by_role("button", name="استيراد الأسئلة").click()
    expect(page.locator("#labels-counts")).to_contain_text("استُورد 2 سؤالًا")
    item = page.locator("#learned > li[data-entry='permits-renew']")
    expect(item).to_contain_text("من ملفات مستوردة: 1")
    expect(page.locator("#threshold-status")).to_contain_text("لدينا 1 سؤالًا مصنفًا ضمن الأسئلة الشائعة و1 خارجها")
    expect(page.get_by_role("button", name="استيراد الأسئلة")).to_be_disabled()
    _keep(page, "editor-labels-import")
    assert errors == []
