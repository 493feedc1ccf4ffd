"""The editor page in real Chromium against a real gateway process: create, validate, edit, history,
publish, try a question; agents see it read-only. No Rasa needed: the page only talks to the gateway."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.web.a11y import axe_violations
from tests.web.conftest import WebGateway, running_gateway, shot
from tests.web.pages import AGENT_PASSWORD, api

pytestmark = pytest.mark.browser

PARAPHRASE = "هل يمكنني إحضار كلبي إلى الفرع؟"


@pytest.fixture(scope="module")
def editor_gateway(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGateway]:
    # Rasa is not contacted by the editor; a closed port keeps this test independent of the Rasa stack.
    with running_gateway("http://127.0.0.1:9", redis_url, tmp_path_factory.mktemp("editor-gw")) as gw:
        yield gw


def run_beside_playwright(coro) -> None:
    """Run a coroutine to the end in its own thread: Playwright owns this thread's event loop."""
    worker = threading.Thread(target=asyncio.run, args=(coro,))
    worker.start()
    worker.join()


def record_picks(gw: WebGateway, rows: list[tuple[str, str, str]]) -> None:
    """Citizens' picks (entry id, question, conversation) in the gateway's learned-evidence stream."""
    import redis.asyncio as aioredis

    from knowledge_base.faqs.keys import KbKeys
    from knowledge_base.faqs.learning import record

    async def go() -> None:
        client = aioredis.from_url(gw.redis_url)
        for entry_id, text, conv in rows:
            await record(client, kind="pick", entry_id=entry_id, text=text, by=conv, conversation_id=conv,
                         keys=KbKeys(gw.prefix))
        await client.aclose()

    run_beside_playwright(go())


def _login(context, gw: WebGateway, username: str):
    page = context.new_page()
    page.goto(f"{gw.url}/editor")
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="دخول").click()
    expect(page.locator("#list-count")).to_contain_text("سؤال")
    return page


def test_create_edit_history_publish_and_try(context, editor_gateway: WebGateway) -> None:
    page = _login(context, editor_gateway, editor_gateway.editor)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.get_by_role("button", name="سؤال جديد").click()
    page.locator("#e-id").fill("browser-pets")
    page.locator("#e-category").fill("الفروع")
    page.locator("#e-question").fill("هل يسمح بإحضار الحيوانات الأليفة إلى الفرع؟")
    page.locator("#e-alternatives").fill("هل أستطيع اصطحاب قطتي أو كلبي معي إلى مكتب الوزارة؟\n"
                                         "ابي اجيب قطوتي معي للفرع")
    page.locator("#e-answer").fill("لا يُسمح بدخول الحيوانات الأليفة إلى الفروع باستثناء كلاب الإرشاد.")
    page.locator("#e-links").fill("javascript:alert(1)")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#err-links")).to_contain_text("https")  # the Arabic message names what is allowed
    page.locator("#e-links").fill("https://example.gov.sa/branches")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#form-title")).to_contain_text("browser-pets")
    expect(page.locator("#err-links")).to_have_text("")

    page.locator("#e-answer").fill("لا يُسمح بدخول الحيوانات الأليفة، وتُستثنى كلاب الإرشاد المرافقة لذوي الإعاقة.")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#form-title")).to_contain_text("(النسخة 2)")
    history = page.locator("#history > li")
    expect(history).to_have_count(2)
    expect(history.first).to_have_attribute("data-action", "update")
    expect(history.first.locator("[data-field='answer'] del", has_text="باستثناء")).to_have_count(1)
    expect(history.first.locator("[data-field='answer'] ins", has_text="وتُستثنى")).to_have_count(1)
    shot(page, "editor-form")

    page.get_by_role("button", name="نشر", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("تم النشر")
    page.get_by_role("button", name="جرّب سؤالًا").click()
    page.locator("#try-q").fill(PARAPHRASE)
    # The gateway's live index picks the publication up on its own (target: within 5 s).
    deadline, top = time.monotonic() + 5, None
    while time.monotonic() < deadline:
        with page.expect_response(lambda r: "/api/faq/search" in r.url):
            page.get_by_role("button", name="جرّب", exact=True).click()
        top = page.locator("#try-results tbody tr").first.get_attribute("data-id")
        if top == "browser-pets":
            break
        time.sleep(0.25)
    assert top == "browser-pets"
    expect(page.locator("#try-decision")).to_have_attribute("data-decision", "answer")
    shot(page, "editor-try")


def test_try_box_shows_decision_and_thresholds_accessibly(context, editor_gateway: WebGateway) -> None:
    page = _login(context, editor_gateway, editor_gateway.supervisor)
    page.get_by_role("button", name="جرّب سؤالًا").click()
    page.locator("#try-q").fill("كم رسوم رخصة العمل")
    page.get_by_role("button", name="جرّب", exact=True).click()
    expect(page.locator("#try-decision")).to_have_attribute("data-decision", "answer")
    # the gate's own reasons, not score thresholds that no longer decide
    expect(page.locator("#try-thresholds")).to_have_text(re.compile(r"اتفقت [0-3]\).*الثقة 0\.\d+\)"))
    assert axe_violations(page) == []


def test_agents_see_the_faq_read_only(context, editor_gateway: WebGateway) -> None:
    page = _login(context, editor_gateway, editor_gateway.agent(1))
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.get_by_role("button", name="سؤال جديد")).to_be_hidden()
    expect(page.get_by_role("button", name="أسئلة بلا إجابة")).to_be_hidden()
    page.locator("#entries tbody tr").first.get_by_role("button", name="عرض").click()
    expect(page.locator("#e-question")).not_to_have_value("")
    expect(page.get_by_role("button", name="حفظ")).to_be_hidden()


def test_unanswered_cluster_becomes_a_draft_and_import_preview(context, editor_gateway: WebGateway, tmp_path) -> None:

    import redis.asyncio as aioredis

    from knowledge_base.faqs.keys import KbKeys
    from knowledge_base.faqs.unanswered import record_unanswered
    from tests.knowledge_base.test_clusters import PETS

    async def record() -> None:
        client = aioredis.from_url(editor_gateway.redis_url)
        for text in PETS:
            await record_unanswered(client, text=text, reason="low_confidence", keys=KbKeys(editor_gateway.prefix))
        await client.aclose()

    run_beside_playwright(record())
    page = _login(context, editor_gateway, editor_gateway.editor)
    page.get_by_role("button", name="أسئلة بلا إجابة").click()
    cluster = page.locator("#clusters > li").first
    expect(cluster.locator("h3")).to_contain_text("5 مرة")
    cluster.get_by_role("button", name="أنشئ سؤالًا من هذه المجموعة").click()
    expect(page.locator("#e-question")).not_to_have_value("")  # the form is filled after the click returns
    assert page.locator("#e-question").input_value() in PETS
    assert len(page.locator("#e-alternatives").input_value().splitlines()) == 4
    page.locator("#e-category").fill("الفروع")
    page.locator("#e-answer").fill("لا يُسمح بدخول الحيوانات الأليفة إلى الفروع.")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#form-title")).to_contain_text("النسخة 1")
    page.get_by_role("button", name="أسئلة بلا إجابة").click()
    expect(page.locator("#clusters-empty")).to_be_visible()

    csv_file = tmp_path / "faq.csv"
    csv_file.write_text("id,category,question,answer,status\n"
                        "web-import-1,الفروع,هل توجد مواقف سيارات عند الفرع؟,نعم توجد مواقف مجانية.,draft\n"
                        "web-import-2,,؟,,draft\n", encoding="utf-8")
    page.get_by_role("button", name="استيراد وتصدير").click()
    page.locator("#import-file").set_input_files(str(csv_file))
    page.get_by_role("button", name="معاينة").click()
    expect(page.locator("#import-counts")).to_contain_text("إضافة 1")
    expect(page.locator("#import-rows tbody tr[data-action='reject']")).to_have_count(1)
    page.locator("#import-skip").check()  # apply stays disabled until the rejected row is knowingly skipped
    page.get_by_role("button", name="تطبيق الاستيراد").click()
    expect(page.locator("#import-counts")).to_contain_text("طُبّق")


def test_a_stale_save_shows_the_current_version(context, editor_gateway: WebGateway) -> None:
    base = editor_gateway.url
    login = {"username": editor_gateway.supervisor, "password": AGENT_PASSWORD}
    token = api(base, "POST", "/api/login", login)["token"]
    api(base, "POST", "/api/faq", {"id": "web-stale", "category": "الفروع", "question": "هل يوجد مصلى في الفرع؟",
                                   "answer": "نعم يوجد مصلى للرجال وآخر للنساء."}, token)
    page = _login(context, editor_gateway, editor_gateway.editor)
    page.locator("#f-q").fill("web-stale")
    page.locator("#entries tbody tr[data-id='web-stale']").get_by_role("button", name="تعديل").click()
    expect(page.locator("#form-title")).to_contain_text("(النسخة 1)")
    # Someone else saves first.
    api(base, "PUT", "/api/faq/web-stale", {"rev": 1, "answer": "نعم، يوجد مصلى في الدور الأرضي."}, token)
    page.locator("#e-answer").fill("إجابتي التي بنيتها على النسخة القديمة.")
    page.get_by_role("button", name="حفظ").click()
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#form-title")).to_contain_text("(النسخة 2)")
    expect(page.locator("#e-answer")).to_have_value("نعم، يوجد مصلى في الدور الأرضي.")


def test_a_learned_question_becomes_an_alternative_in_one_click(context, editor_gateway: WebGateway) -> None:
    """Two citizens picked the same entry among the options: the editor sees the suggestion with its
    evidence and adds it; the entry's form then shows it among the alternatives."""
    from knowledge_base.faqs.keys import KbKeys

    text = "عامل عندي رخصته قربت تخلص وش اسوي"

    record_picks(editor_gateway, [("permits-renew", text, conv) for conv in ("web-l1", "web-l2")])
    page = _login(context, editor_gateway, editor_gateway.editor)
    page.get_by_role("button", name="اقتراحات من الاستخدام").click()
    item = page.locator("#learned > li[data-entry='permits-renew']")
    expect(item.locator("h3")).to_have_text(text)
    expect(item).to_contain_text("اختاره 2 من المواطنين")
    expect(item).to_contain_text("كيف أجدد رخصة عمل عامل لدي؟")
    shot(page, "editor-learned")
    item.get_by_role("button", name="أضف كسؤال بديل").click()
    expect(page.locator("#flash")).to_contain_text("أُضيف السؤال البديل")
    expect(page.locator("#learned > li[data-entry='permits-renew']")).to_have_count(0)
    stored = editor_gateway.redis().hget(KbKeys(editor_gateway.prefix).entry("permits-renew"), "alternatives")
    assert text in (stored or "")


def test_the_listed_suggestions_are_accepted_with_one_button(context, editor_gateway: WebGateway) -> None:
    """The editor dismisses the suggestion that is not a citizen's question and adds the others at once."""
    from knowledge_base.faqs.keys import KbKeys

    picks = {"permits-renew": "اقامة العامل حقي بتنتهي الشهر الجاي", "permits-issue": "جبت عامل جديد من برا وش اسوي",
             "permits-fee": "شكرا على المساعدة يا بوت"}

    record_picks(editor_gateway, [(entry_id, text, f"web-b{n}") for n, (entry_id, text) in enumerate(picks.items())])
    page = _login(context, editor_gateway, editor_gateway.editor)
    page.get_by_role("button", name="اقتراحات من الاستخدام").click()
    noise = page.locator("#learned > li[data-entry='permits-fee']")
    noise.get_by_role("button", name="تجاهل").click()
    expect(noise).to_have_count(0)
    button = page.get_by_role("button", name=re.compile("أضف كل الاقتراحات المعروضة"))
    expect(button).to_contain_text("(2)")
    assert axe_violations(page) == []
    shot(page, "editor-learned-all")
    button.click()
    expect(page.locator("#flash")).to_contain_text("أُضيف 2")
    expect(page.locator("#learned > li")).to_have_count(0)
    expect(page.locator("#learned-all")).to_be_hidden()
    for entry_id, text in list(picks.items())[:2]:
        stored = editor_gateway.redis().hget(KbKeys(editor_gateway.prefix).entry(entry_id), "alternatives")
        assert text in (stored or "")
    fee = editor_gateway.redis().hget(KbKeys(editor_gateway.prefix).entry("permits-fee"), "alternatives")
    assert picks["permits-fee"] not in (fee or "")


def test_the_answer_threshold_learned_from_use_is_applied_and_reverted(context, editor_gateway: WebGateway) -> None:
    """Labelled questions (citizens' picks, agents' "not covered" marks: held-out questions of the served
    corpus) support a threshold of this corpus's own; the editor sees the evidence, applies, reverts."""
    import json
    from pathlib import Path

    import redis.asyncio as aioredis

    from knowledge_base.faqs.keys import KbKeys
    from knowledge_base.faqs.learning import record

    data = Path(__file__).resolve().parents[1] / "data"
    held_out = [json.loads(x) for x in (data / "holdout_queries.jsonl").read_text(encoding="utf-8").splitlines()]
    inside, later = held_out[:220], held_out[220:360]  # 200 in scope are needed for the scope threshold
    outside = [json.loads(x) for name in ("holdout_ood.jsonl", "dev_ood_part1.jsonl")
               for x in (data / name).read_text(encoding="utf-8").splitlines()][:220]  # 199 needed

    async def labels() -> None:
        client, keys = aioredis.from_url(editor_gateway.redis_url), KbKeys(editor_gateway.prefix)
        for n, row in enumerate(inside):
            await record(client, kind="pick", entry_id=row["id"], text=row["q"], by=f"w{n}", conversation_id=f"w{n}",
                         keys=keys)
        for row in outside:
            await record(client, kind="outside", entry_id="", text=row["q"], source="agent", by="agent1",
                         conversation_id="w-out", keys=keys)
        await client.aclose()

    run_beside_playwright(labels())
    page = _login(context, editor_gateway, editor_gateway.editor)
    page.get_by_role("button", name="اقتراحات من الاستخدام").click()
    status = page.locator("#threshold-status")
    expect(status).to_contain_text("الحد المقترح", timeout=30_000)
    expect(status).to_contain_text("ضمن الأسئلة الشائعة")
    expect(status).to_contain_text("ليس مما نتولاه هنا")  # the scope threshold set from the same labels
    expect(status).to_contain_text("أقرب إلى سؤال مصنف")  # and the labelled-neighbours rule, both ways
    expect(status).to_contain_text("أقرب إلى سؤال علّمه الموظفون")
    assert axe_violations(page) == []
    shot(page, "editor-threshold")
    page.get_by_role("button", name="طبّق الحد المقترح").click()
    expect(page.locator("#flash")).to_contain_text("طُبّق الحد", timeout=30_000)
    expect(page.locator("#threshold-applied")).to_contain_text(editor_gateway.editor)
    expect(page.locator("#threshold-applied")).to_contain_text("ليس مما نتولاه هنا")
    expect(page.locator("#threshold-applied")).to_contain_text(re.compile(r"بالقرب من الأسئلة المصنفة \(\d+ ضمن"))
    expect(page.locator("#threshold-stale")).to_be_hidden()

    async def marks() -> None:  # agents mark questions the bot answers directly as "not covered"
        client, keys = aioredis.from_url(editor_gateway.redis_url), KbKeys(editor_gateway.prefix)
        for row in later:
            await record(client, kind="outside", entry_id="", text=row["q"], source="agent", by="agent2",
                         conversation_id="w-out2", keys=keys)
        await client.aclose()

    run_beside_playwright(marks())
    page.locator("#refresh-learned").click()
    expect(page.locator("#threshold-stale")).to_contain_text("تنبيه", timeout=30_000)
    assert axe_violations(page) == []
    page.get_by_role("button", name="ارجع إلى الحد الأصلي").click()
    expect(page.locator("#flash")).to_contain_text("عاد الحد الأصلي", timeout=30_000)
    expect(page.locator("#threshold-applied")).to_be_hidden()
    assert editor_gateway.redis().get(KbKeys(editor_gateway.prefix).answer_threshold) is None
