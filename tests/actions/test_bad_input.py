"""Bad input and a failing knowledge base: the citizen always gets a sensible reply, never an error."""

from __future__ import annotations

import pytest
from actions_harness import Conversation, FakeKB, handoff_of, responses, text_of

from knowledge_base.engine.errors import IndexMismatchError


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙏", "؟؟؟!!!", "...", "🤔?"])
async def test_no_words_asks_to_rephrase_without_searching(conversation: Conversation, kb: FakeKB, text: str) -> None:
    msgs = await conversation.say(text, "nlu_fallback" if text.strip() else "ask_question")
    assert responses(msgs) == ["utter_ask_rephrase"]
    assert kb.calls == []
    assert conversation.slots["miss_streak"] == 0  # not counted as a miss


async def test_long_message_is_searched_and_flagged(conversation: Conversation, kb: FakeKB) -> None:
    text = "كيف اطلع بطاقة ذوي الاعاقة " * 400  # ~10,000 characters
    kb.on(text, "answer", ("card-issue", 0.9), truncated=True)
    msgs = await conversation.say(text, "ask_question")
    assert responses(msgs)[0] == "utter_long_message"
    assert text_of(msgs[1]) == "قدّم الطلب عبر المنصة."
    assert len(conversation.slots["last_question"]) <= 300


async def test_script_injection_is_just_a_question(conversation: Conversation, kb: FakeKB) -> None:
    text = "<script>alert('x')</script> كيف اشتكي"
    msgs = await conversation.say(text, "ask_question")
    assert kb.calls == [text]
    assert responses(msgs) == ["utter_no_answer"]
    assert all("<script>" not in (m.get("text") or "") for m in msgs)


async def test_search_error_hands_off(conversation: Conversation, kb: FakeKB, caplog: pytest.LogCaptureFixture) -> None:
    kb.error = RuntimeError("faiss exploded")
    msgs = await conversation.say("كيف اطلع بطاقة ذوي الاعاقة", "ask_question")
    payload = handoff_of(msgs)
    assert payload is not None and payload["reason"] == "low_confidence"
    assert payload["summary"] == ["كيف اطلع بطاقة ذوي الاعاقة"]
    assert "knowledge base search failed" in caplog.text


async def test_missing_index_hands_off(kb: FakeKB, conversation: Conversation) -> None:
    def broken() -> FakeKB:
        raise IndexMismatchError("no index found in var/index")

    conversation.kb_getter = broken
    msgs = await conversation.say("كيف اطلع بطاقة ذوي الاعاقة", "ask_question")
    assert responses(msgs)[:2] == ["utter_handoff_apology", "utter_handoff"]
    assert handoff_of(msgs) is not None


async def test_stale_choice_is_explained(conversation: Conversation) -> None:
    msgs = await conversation.say('/choose_faq{"faq_id": "deleted-entry"}', "choose_faq", faq_id="deleted-entry")
    assert responses(msgs) == ["utter_choice_expired"]


async def test_yes_out_of_context_invites_a_question(conversation: Conversation) -> None:
    assert responses(await conversation.say("ايه", "affirm")) == ["utter_ask_question"]
    assert responses(await conversation.say("لا شيء مما سبق", "clarify_none")) == ["utter_ask_question"]
