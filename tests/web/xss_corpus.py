"""Hostile strings pushed through every path that renders text (citizen, agent, FAQ answer).
Each one, if it were ever parsed as HTML or followed as a link, sets window.__pwned and/or opens a dialog."""

import re

XSS = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<script>window.__pwned=1;alert(1)</script>",
    '<svg onload="window.__pwned=1;alert(1)"><circle r=5 /></svg>',
    "<svg><script>window.__pwned=1;alert(1)</script></svg>",
    "[اضغط هنا](javascript:window.__pwned=1;alert(1))",
    "javascript:window.__pwned=1;alert(document.domain)",
    "[ملف](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:window.__pwned=1;alert(1)">رابط</a>',
    '<iframe src="javascript:window.__pwned=1;alert(1)"></iframe>',
    '![صورة](x" onerror="window.__pwned=1;alert(1))',
    '[موقع](https://example.gov.sa/"onmouseover="window.__pwned=1;alert(1))',
    "<details open ontoggle=window.__pwned=1;alert(1)>",
    "[x](JaVaScRiPt:alert(1)) [y](vbscript:alert(1))",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(((?:https:|mailto:|tel:)[^)\s]{1,2000})\)", re.IGNORECASE)


def shown_text(text: str) -> str:
    """What a reader sees: the text itself, except that [label](https:…) links show their label."""
    return _MD_LINK.sub(lambda m: m.group(1), text)
