"""axe-core (vendored from the npm registry: vendor/axe.min.js, MPL-2.0) run inside the page under test."""

from __future__ import annotations

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, include: str | None = None, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Violations of WCAG 2 A/AA rules with the given impacts. Evaluated through the DevTools protocol,
    so the gateway's strict CSP (no inline script) does not need loosening for the test."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => { " + AXE + "\n}")
        page.evaluate("() => { if (!window.axe && typeof axe !== 'undefined') window.axe = axe; }")
    result = page.evaluate(
        """async (include) => {
            const ctx = include ? {include: [[include]]} : document;
            const r = await window.axe.run(ctx, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"]}});
            return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + n.failureSummary)}));
        }""",
        include,
    )
    return [v for v in result if v["impact"] in impacts]
