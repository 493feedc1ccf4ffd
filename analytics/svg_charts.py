"""Small SVG charts for the printable report: drawn on the server, so the PDF needs no script to run and
prints the same on every machine. Right-to-left: bars of a horizontal chart grow from the right edge, and
a time axis runs right to left as Arabic readers expect (the oldest day on the right)."""

from __future__ import annotations

from html import escape

BRAND, ACCENT, MUTED = "#0a6647", "#1d3f8f", "#4d5652"


def hbars(items: list[tuple[str, float, str]], width: int = 640, bar_h: int = 22) -> str:
    """Horizontal bars, one per (label, value, shown value), growing leftwards from the labels on the right."""
    if not items:
        return ""
    top = max(v for _, v, _ in items) or 1
    label_w, value_w, gap = 190, 70, 6
    room = width - label_w - value_w - 2 * gap
    height = len(items) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" direction="rtl">']
    for i, (name, value, shown) in enumerate(items):
        y = gap + i * (bar_h + gap)
        w = max(room * value / top, 1)
        x = width - label_w - gap - w
        parts.append(f'<text x="{width}" y="{y + bar_h * 0.72}" font-size="13" fill="{MUTED}" '
                     f'text-anchor="start">{escape(name)}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{BRAND}"/>')
        # Right to left: "start" is the right edge, so the figure grows leftwards from the bar's end.
        parts.append(f'<text x="{x - gap:.1f}" y="{y + bar_h * 0.72}" font-size="13" fill="#1b1f1d" '
                     f'text-anchor="start">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend(days: list[dict], bar_key: str, line_key: str | None, width: int = 640, height: int = 200) -> str:
    """Daily bars of ``bar_key`` and a line of the rate ``line_key`` (0..1, right axis), oldest on the right."""
    if not days:
        return ""
    pad_x, pad_top, pad_bottom = 8, 10, 26
    n = len(days)
    step = (width - 2 * pad_x) / n
    top = max((d.get(bar_key) or 0) for d in days) or 1
    plot_h = height - pad_top - pad_bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}">']
    points = []
    for i, day in enumerate(days):
        x = width - pad_x - (i + 1) * step
        h = plot_h * (day.get(bar_key) or 0) / top
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{pad_top + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{BRAND}" opacity="0.85"/>')
        rate = day.get(line_key) if line_key else None
        if rate is not None:
            points.append(f"{x + step / 2:.1f},{pad_top + plot_h * (1 - rate):.1f}")
    label_every = max(n // 8, 1)
    for i in range(0, n, label_every):
        x = width - pad_x - (i + 0.5) * step
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="10" fill="{MUTED}" '
                     f'text-anchor="middle">{escape(days[i]["date"][5:])}</text>')
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    parts.append(f'<line x1="0" x2="{width}" y1="{pad_top + plot_h}" y2="{pad_top + plot_h}" stroke="{MUTED}"/>')
    parts.append("</svg>")
    return "".join(parts)
