"""Does a typed message explicitly ask for a person? A deterministic check next to the NLU model.

The intent classifier learns the requests it was shown; citizens also ask "is any employee available
now?", "I want to speak to someone about my licence", "call me back" or "this bot is useless, get me a
real person", which it reads as questions or small talk. Any of the shapes below, over the word lists
in data/person_request.yaml, is a request. Messages that only mention an employee ("how do I add an
employee?"), ask how to contact someone ("كيف اتواصل مع خدمة العملاء"), decline a person ("لا ما ابي
موظف") or ask whether the bot is a person ("اكلم انسان ولا روبوت؟") are not.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from knowledge_base.engine import yamltext
from knowledge_base.engine.normalize import words

DATA = Path(__file__).resolve().parents[1] / "data" / "person_request.yaml"
TALK_WINDOW = 5      # words after a contact verb in which the person must appear ("اكلم احد من الموظفين")
WANT_WINDOW = 4      # "get me a real person": only filler words between
ASK_WINDOW = 4       # "هل يوجد موظف متاح": asking word … person … available
MAX_ALONE_WORDS = 6  # "موظف لو سمحت الحين": a short message made only of a person word and polite words
MAX_NO_BOT_WORDS = 12


@lru_cache(maxsize=1)
def _lists() -> dict[str, frozenset[str]]:
    raw = yamltext.load(DATA.read_text(encoding="utf-8"))
    return {k: frozenset(str(w).lower() for w in v) for k, v in raw.items()}


def _forms(w: str) -> tuple[str, ...]:
    """The word, without a leading و/ف/ب/ل ("وابي", "بموظف") and without tanween alif ("موظفًا")."""
    out = [w]
    if len(w) > 3 and w[0] in "وفبل":
        out.append(w[1:])
    if len(w) > 3 and w.endswith("ا") and not w.isascii():
        out += [v[:-1] for v in list(out)]
    return tuple(out)


def _is(w: str, *names: str) -> bool:
    return any(v in _lists()[n] for n in names for v in _forms(w))


def _negated(ws: list[str], i: int) -> bool:
    return any(_is(w, "not") for w in ws[max(0, i - 2): i])


def _someone_counts(ws: list[str], j: int) -> bool:
    """A generic "someone" is the person asked for when the message ends there or goes on about contact."""
    nxt = ws[j + 1: j + 2]
    return not nxt or _is(nxt[0], "polite", "contact_me", "filler", "available", "person", "talk")


def _person_after(ws: list[str], i: int, window: int, fillers_only: bool) -> bool:
    for j in range(i + 1, min(i + 1 + window, len(ws))):
        if _is(ws[j], "person") or (_is(ws[j], "someone") and (not fillers_only or _someone_counts(ws, j))):
            return True
        if fillers_only and not _is(ws[j], "filler"):
            return False
    return False


def _talk_to_person(ws: list[str]) -> bool:
    return any(_is(w, "talk") and not _negated(ws, i) and _person_after(ws, i, TALK_WINDOW, False)
               for i, w in enumerate(ws))


def _want_person(ws: list[str]) -> bool:
    return any(_is(w, "want") and not _negated(ws, i) and _person_after(ws, i, WANT_WINDOW, True)
               for i, w in enumerate(ws))


def _connect_me(ws: list[str]) -> bool:
    return any(_is(w, "connect") and ws[i + 1: i + 2] == ["me"] for i, w in enumerate(ws))


def _call_me(ws: list[str]) -> bool:
    return any(_is(w, "call") and not _negated(ws, i) and any(_is(n, "me") for n in ws[i + 1: i + 3])
               for i, w in enumerate(ws))


def _person_contacts_me(ws: list[str]) -> bool:
    return any(_is(w, "person", "someone") and any(_is(n, "contact_me") for n in ws[i + 1: i + 3])
               for i, w in enumerate(ws))


def _someone_available(ws: list[str]) -> bool:
    for i, w in enumerate(ws):
        if not _is(w, "asking"):
            continue
        for j in range(i + 1, min(i + 1 + ASK_WINDOW, len(ws))):
            if _is(ws[j], "person", "someone") and any(_is(a, "available") for a in ws[j + 1: j + 1 + ASK_WINDOW]):
                return True
    return False


def _no_bot(ws: list[str]) -> bool:
    return len(ws) <= MAX_NO_BOT_WORDS and any(_is(w, "not", "not_noun") for w in ws) and \
        any(_is(w, "machine") for w in ws) and not any(_is(w, "thanks") for w in ws)


def _want_call(ws: list[str]) -> bool:
    """"ابغى اتصال من الموظف", "I want a callback": wanting, then (fillers and) a word for a call."""
    for i, w in enumerate(ws):
        if _is(w, "want") and not _negated(ws, i):
            for n in ws[i + 1: i + 1 + WANT_WINDOW]:
                if _is(n, "call_noun"):
                    return True
                if not _is(n, "filler", "me"):
                    break
    return False


def _only_person(ws: list[str]) -> bool:
    return 0 < len(ws) <= MAX_ALONE_WORDS and any(_is(w, "alone") for w in ws) and \
        all(_is(w, "alone", "polite", "person") for w in ws)


def _give_me_a_call(ws: list[str]) -> bool:
    """"give me a call", "drop us a ring", "عطوني اتصال": only "me"/filler words in between."""
    for i, w in enumerate(ws):
        if _is(w, "give"):
            for n in ws[i + 1: i + 6]:
                if _is(n, "call_noun"):
                    return True
                if not (_is(n, "filler", "me", "call") or n == "us"):  # "give me a phone call"
                    break
    return False


def _or_not(ws: list[str], k: int) -> bool:
    """Is a negation among the 2 words before `k`, other than the "or not" of a question ("ولا لا")?"""
    return any(_is(ws[j], "not") and not (j > 0 and _is(ws[j - 1], "either")) for j in range(max(0, k - 2), k))


def _someone_to_talk_to(ws: list[str]) -> bool:
    """A person, then (within TALK_WINDOW + 2 words) the citizen talking to them: "someone from support
    I can chat with", "احد من الدعم موجود؟ ابي اكلمه"."""
    for k, w in enumerate(ws):
        first = _is(w, "talk_first") or (_is(w, "talk") and any(_is(p, "me_subject") for p in ws[max(0, k - 2): k]))
        if first and not _or_not(ws, k) and any(
                _is(p, "person", "someone") for p in ws[max(0, k - TALK_WINDOW - 2): k]):
            return True
    return False


CALL_ME = (_call_me, _person_contacts_me)   # a call verb aimed at the citizen: asks even beside a phone number
SHAPES = (_talk_to_person, _give_me_a_call, _want_call, _someone_to_talk_to, _want_person, _connect_me,
          _someone_available, _no_bot, _only_person, *CALL_ME)


def asks_for_person(text: str) -> bool:
    if not text or text.lstrip().startswith("/"):
        return False  # button payloads say what they mean
    ws = [w.lower() for w in words(text)]
    if any(_is(w, "question") for w in ws):
        return False  # how / where / when: a question about contacting, for the FAQ
    if any(_is(w, "number") for w in ws):
        # "call me back, my number is ..." asks; "the call centre number" does not
        return any(shape(ws) for shape in CALL_ME)
    if any(_is(w, "machine") for w in ws) and any(_is(w, "either") for w in ws):
        return False  # "a person or a bot?" asks what the bot is
    return any(shape(ws) for shape in SHAPES)
