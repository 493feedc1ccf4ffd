"""Masking of personal data before text reaches a log line or an analytics record.

Covers what citizens of a Saudi service centre actually type, in Latin, Arabic-Indic or Persian
digits (or a mix), with or without separators (spaces, dashes, dots, brackets):

* national ID / iqama: 10 digits starting with 1 or 2 ("1 131 860 916", "2390-996-037");
* mobile: 05XXXXXXXX, 5XXXXXXXX, +966 5X XXX XXXX, 00966…, (059) 482-1993;
* IBAN: SA + 22 digits, joined or grouped with spaces/dashes;
* payment cards (13-19 digits, no Luhn check) and any other run of 11+ digits;
* e-mail addresses, also "name @ gmail.com", full-width "＠", "name(at)x.com", "name at x dot com";
* passports: 1-2 letters + 7-9 digits ("A12345678"), or a 6-9 digit number right after "جواز"/"passport".

Deliberately NOT masked (published or not personal): short codes and service numbers (19911, 937,
920001234, 800 124 4444), landlines (011…, +966 11…), fees, counts, dates, times, percentages,
article and form numbers, and digit runs glued to a Latin code ("REQ-2025-001234").

Only the personal spans are replaced; everything else, Arabic-Indic digits included, is returned
unchanged.
"""

from __future__ import annotations

import re

_DIGIT_MAP = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_AT = r"(?:\s*[@＠]\s*|\s*[(\[]\s*at\s*[)\]]\s*)"
_EMAIL = re.compile(
    rf"[\w.+-]+{_AT}[A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)*[.．][A-Za-z]{{2,}}\b"
    r"|(?<![\w.])[A-Za-z0-9._+-]+\s+at\s+[A-Za-z0-9-]+\s+dot\s+[A-Za-z]{2,}\b",
    re.IGNORECASE,
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])SA(?:[\s-]{0,2}\d){2}(?:[\s-]{0,2}[0-9A-Z]){20}(?![0-9A-Za-z])", re.IGNORECASE)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{7,9}(?![A-Za-z0-9])")
_PASSPORT_AFTER_KEYWORD = re.compile(
    r"(?:جواز|passport)[^\d\n]{0,30}?(?<![A-Za-z0-9])([A-Za-z]{0,2}\d{6,9})(?![A-Za-z0-9])", re.IGNORECASE
)

# A "digit chain": digit groups joined by short runs of separators, e.g. "+966 (0) 55 123-4567".
# Commas, colons and slashes do not join groups (amounts "9,600", times "08:00", dates "1447/05/12"),
# and the hour of a time ("10" in "2025-10-01 10:30") ends a chain.
_CHAIN = re.compile(r"\(?\+?\d+(?:[ \t\u00a0\-–—.()]{1,3}\d+(?!\d|:\d))*")
_LEADING_DATE = re.compile(r"(?:1[34]|19|20)\d\d[-.](?:0?[1-9]|1[0-2])[-.](?:0?[1-9]|[12]\d|3[01])(?!\d)")
_GROUP = re.compile(r"\d+")
_MOBILE_DIGITS = re.compile(r"(?:00|\+)?(?:966)?0?5\d{8}")
_ID_DIGITS = re.compile(r"[12]\d{9}")
_PHONE_PREFIX = re.compile(r"(?:00)?966")  # +966 landlines are not masked as long numbers


def to_ascii_digits(text: str) -> str:
    return text.translate(_DIGIT_MAP)


def _classify(digits: str) -> str | None:
    if _MOBILE_DIGITS.fullmatch(digits):
        return "mobile"
    if _ID_DIGITS.fullmatch(digits):
        return "national_id"
    return None


def _chain_spans(text: str, chain: re.Match[str]) -> list[tuple[int, int, str]]:
    """Personal spans inside one digit chain: the whole chain if it is a mobile/ID, else the mobiles
    and IDs it is made of (e.g. two numbers side by side), else a card or long number."""
    start, end = chain.span()
    if text[start] == "(" and ")" not in chain.group():
        start += 1  # "(0551234567)": keep the opening bracket
    if start > 0 and re.match(r"[A-Za-z]-?$", text[max(0, start - 2):start]):
        return []  # part of a Latin code like REQ-2025-001234
    date = _LEADING_DATE.match(text, start, end)
    if date:  # "2025-10-01 10 صباحًا": the date is not personal, look at what follows it
        start = date.end()
    groups = [g.span() for g in _GROUP.finditer(text, start, end)]
    if not groups:
        return []
    start = groups[0][0] if date else start
    joined = "".join(text[s:e] for s, e in groups)
    kind = _classify(joined)
    if kind:
        return [(start, end, kind)]
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):  # longest run of groups first
            kind = _classify("".join(text[s:e] for s, e in groups[i:j]))
            if kind:
                spans.append((groups[i][0], groups[j - 1][1], kind))
                i = j
                break
        else:
            i += 1
    if spans:
        return spans
    if 13 <= len(joined) <= 19:
        return [(start, end, "card")]
    if len(joined) >= 11 and not _PHONE_PREFIX.match(joined):
        return [(start, end, "number")]
    return []


def find(text: str) -> list[tuple[int, int, str]]:
    """Sorted, non-overlapping ``(start, end, kind)`` spans of personal data in ``text``."""
    ascii_text = to_ascii_digits(text)  # same length as text: spans carry over
    found: list[tuple[int, int, str]] = []

    def add(start: int, end: int, kind: str) -> None:
        if all(end <= s or start >= e for s, e, _ in found):
            found.append((start, end, kind))

    for m in _EMAIL.finditer(ascii_text):
        add(*m.span(), "email")
    for m in _IBAN.finditer(ascii_text):
        add(*m.span(), "iban")
    for m in _PASSPORT.finditer(ascii_text):
        add(*m.span(), "passport")
    for m in _PASSPORT_AFTER_KEYWORD.finditer(ascii_text):
        add(*m.span(1), "passport")
    for m in _CHAIN.finditer(ascii_text):
        if any(s <= m.start() < e for s, e, _ in found):
            continue
        for span in _chain_spans(ascii_text, m):
            add(*span)
    return sorted(found)


def mask(text: str) -> str:
    """Return ``text`` with personal data replaced by typed placeholders like ``[national_id]``."""
    out, pos = [], 0
    for start, end, kind in find(text):
        out.append(text[pos:start])
        out.append(f"[{kind}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
