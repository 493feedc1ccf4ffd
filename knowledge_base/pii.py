"""Masking of personal data before text reaches a log line or an analytics record.

Covers what citizens of a Saudi service centre actually type: national ID / iqama numbers
(10 digits starting with 1 or 2), mobile numbers (05XXXXXXXX, +9665XXXXXXXX, 009665…), IBANs
(SA + 22 characters) and e-mail addresses, in Latin or Arabic-Indic / Persian digits.
"""

from __future__ import annotations

import re

_DIGIT_MAP = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\bSA\s?\d{2}(?:\s?[0-9A-Z]){20}\b", re.IGNORECASE)
_MOBILE = re.compile(r"(?<!\d)(?:\+|00)?(?:966\s?)?0?5\d(?:[\s-]?\d){7}(?!\d)")
_NATIONAL_ID = re.compile(r"(?<!\d)[12]\d{9}(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{11,}(?!\d)")


def to_ascii_digits(text: str) -> str:
    return text.translate(_DIGIT_MAP)


def mask(text: str) -> str:
    """Return ``text`` with personal data replaced by typed placeholders like ``[national_id]``."""
    text = to_ascii_digits(text)
    text = _EMAIL.sub("[email]", text)
    text = _IBAN.sub("[iban]", text)
    text = _MOBILE.sub("[mobile]", text)
    text = _NATIONAL_ID.sub("[national_id]", text)
    return _LONG_NUMBER.sub("[number]", text)
