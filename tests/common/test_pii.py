"""Personal data is masked before it reaches a log line or an analytics record."""

from __future__ import annotations

import pytest

from common.pii import mask


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("رقم هويتي 1012345678 ابي اعرف حالتي", "1012345678", "[national_id]"),
        ("اقامتي ٢٤٥٦٧٨٩٠١٢ منتهية", "2456789012", "[national_id]"),
        ("جوالي 0551234567", "0551234567", "[mobile]"),
        ("كلموني على +966551234567", "551234567", "[mobile]"),
        ("رقمي ٠٥٥١٢٣٤٥٦٧ لو سمحت", "551234567", "[mobile]"),
        ("my number is 00966 55 123 4567", "123", "[mobile]"),
        ("الآيبان SA0380000000608010167519", "0380000000608010167519", "[iban]"),
        ("ايميلي citizen.name+x@mail.example.com", "citizen.name", "[email]"),
    ],
)
def test_personal_data_is_replaced_by_a_typed_placeholder(text: str, secret: str, placeholder: str) -> None:
    masked = mask(text)
    assert secret not in masked
    assert placeholder in masked


def test_ordinary_numbers_and_arabic_text_survive() -> None:
    text = "كم رسوم رخصة العمل لسنة 2025؟ المبلغ 9600 ريال"
    assert mask(text) == text


def test_a_ten_digit_number_not_starting_with_1_or_2_is_not_an_id() -> None:
    assert mask("الطلب رقم 3012345678") == "الطلب رقم 3012345678"
