"""The rule check for explicit requests for a person (knowledge_base/engine/person_request.py), on sentences
written for these tests; the blind sets go through the real Rasa stack in tests/chatbot."""

from __future__ import annotations

import pytest

from knowledge_base.engine.person_request import asks_for_person

REQUESTS = [
    "أريد التحدث مع إنسان",
    "هل يوجد موظف متاح الآن؟",
    "في احد من خدمة العملاء موجود؟",
    "ابي اكلم موظف بخصوص تجديد الاقامة حقت زوجتي",
    "I want to speak to someone about my pension",
    "ليش محد يرد؟ ابي موظف الحين",
    "this bot is useless, get me a real person",
    "ما ابي اكلم روبوت",
    "اتصلوا علي لو سمحتوا",
    "can someone call me back",
    "موظف",
    "agent please",
    "abi akalem mowathaf",
    "ممكن موظف يكلمني",
    "transfer me to customer service",
    "أريد موظفًا فورًا",
    "could somebody give me a call tomorrow morning",
    "عطوني اتصال لو سمحتوا",
    "is there an agent around I could talk to",
    "فيه موظف موجود ولا لا؟ ابي اكلمه",
    "insan",
    "no bot, a human please",
    "no, I want to talk to a person",
    # stop 22: call-backs that give a number or say "phone call", Arabizi spellings of موظف, "اونلاين"
    "please call me back on my number, it is in my account",
    "could an employee give me a quick phone call",
    "ودي اتصال من موظف بخصوص طلبي",
    "mwaddaf law sama7t",
    "fi mwadaf mawjood?",
    "3ndkom 7ad yetesel feeni?",
    "هل فيه موظفين اونلاين",
]
NOT_REQUESTS = [
    "كيف أضيف موظف جديد في منشأتي؟",
    "what is the minimum salary for an employee",
    "الموظف اللي خدمني امس كان ممتاز شكرا",
    "كيف اتواصل مع خدمة العملاء بالواتساب",
    "رقم التواصل مع خدمة العملاء",
    "لا ما ابي موظف شكرا",
    "ما ابي اكلم احد بكمل معك",
    "هل اكلم انسان ولا روبوت؟",
    "ما الخطوات الأولى للانضمام إلى المنصة",
    "give an employee access to the company account",
    "عندي كنب قديم ابي احد يشيله",
    "/request_human",
    "give me the call centre number",
    "the employee wants to talk about his salary",
    "employees I talk to every day are kind",
    "",
    "شكرا جزيلا ما قصرت يا روبوت",
    "اتصلت على الرقم ولم يرد احد، هل الرقم صحيح؟",
    "what is the number I should call",
]


@pytest.mark.parametrize("text", REQUESTS)
def test_requests_for_a_person(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_mentions_questions_and_refusals_are_not_requests(text: str) -> None:
    assert not asks_for_person(text)
