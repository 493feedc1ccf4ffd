"""The writing-style detector analytics records per conversation (MSA / Gulf / English / Arabizi)."""

from __future__ import annotations

import pytest

from knowledge_base.engine.style import detect_style


@pytest.mark.parametrize(("text", "style"), [
    ("كيف يمكنني تجديد رخصة العمل؟", "msa"),
    ("ما هي الرسوم المطلوبة لإصدار جواز السفر", "msa"),
    ("ابي اجدد رخصة العمل وش اسوي", "gulf"),
    ("الجواز طاح مني وش الحل", "gulf"),
    ("How do I renew my work permit?", "english"),
    ("abgha ajadid el rokhsa", "arabizi"),
    ("kif a3mel tajdeed lel jawaz", "arabizi"),
    ("/feedback_positive", "unknown"),
    ("👍 123", "unknown"),
    ("", "unknown"),
])
def test_style(text: str, style: str) -> None:
    assert detect_style(text) == style
