"""Import arrows between the project's packages and modules: no cycle may appear (issue #17).

Every import counts, including deferred ones inside functions and ``if TYPE_CHECKING:`` blocks: a cycle
hidden that way is still two modules that cannot be understood (or moved) one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("common", "contracts", "actions", "handoff", "knowledge_base", "analytics")
# Which package may import which: the arrows point down, the services never import each other.
ALLOWED = {
    "common": set(),
    "contracts": set(),
    "knowledge_base": {"common"},
    "analytics": {"common", "knowledge_base"},
    "actions": {"common", "contracts", "knowledge_base", "analytics"},
    "handoff": {"common", "contracts", "knowledge_base", "analytics"},
}
# Inside knowledge_base the layers point down as well: tuning -> faqs -> engine (-> common). The modules at
# the package's top (cli, live, __main__) sit above every layer; the services never load the offline tools.
KB_LAYERS = {"engine": set(), "faqs": {"engine"}, "tuning": {"engine", "faqs"}}
# Cycles that exist today through deferred or TYPE_CHECKING imports (#17 item 2). The list may only
# shrink: a fixed cycle must be removed from here, a new one fails.
KNOWN_CYCLES = [
    {"analytics.pdf_report", "analytics.render", "analytics.xlsx_report"},
    {"handoff.agent_ws", "handoff.citizen_ws", "handoff.conn", "handoff.flow", "handoff.gateway"},
    {"knowledge_base.engine.indexio", "knowledge_base.engine.search", "knowledge_base.engine.selfcal"},
]


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from handoff import dashboard` imports the module handoff.dashboard
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in mods else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m in mods and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_packages_import_only_downwards() -> None:
    wrong = sorted(f"{m} imports {d}" for m, deps in _graph().items() for d in deps
                   if d.split(".")[0] != m.split(".")[0] and d.split(".")[0] not in ALLOWED[m.split(".")[0]])
    assert wrong == []


def _kb_layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "knowledge_base" and len(parts) > 2 else None


def _layer_allows(module: str, dep: str) -> bool:
    here, there = _kb_layer(module), _kb_layer(dep)
    if module.split(".")[0] != "knowledge_base":
        return there != "tuning"
    if here is None or here == there:
        return True
    return there in KB_LAYERS[here]


def test_knowledge_base_layers_import_only_downwards() -> None:
    wrong = sorted(f"{m} imports {d}" for m, deps in _graph().items() for d in deps
                   if d.startswith("knowledge_base") and not _layer_allows(m, d))
    assert wrong == []


def test_the_layer_check_refuses_an_upward_import() -> None:
    assert not _layer_allows("knowledge_base.engine.search", "knowledge_base.faqs.store")
    assert not _layer_allows("knowledge_base.faqs.store", "knowledge_base.live")
    assert not _layer_allows("handoff.gateway", "knowledge_base.tuning.calibrate")
    assert _layer_allows("knowledge_base.tuning.calibrate", "knowledge_base.engine.gate")


def test_no_new_import_cycle() -> None:
    cycles = sorted(_cycles(_graph()), key=sorted)
    assert [c for c in cycles if c not in KNOWN_CYCLES] == [], "a new import cycle"
    assert [c for c in KNOWN_CYCLES if c not in cycles] == [], "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
