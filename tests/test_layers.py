"""Import layering: every import between redstar's units is on an allowed list, and there are no cycles.

Units are redstar_data's subpackages and top-level modules, plus redstar_train as one unit. Imports are
read with ``ast`` (module level and inside functions alike: a lazy import is still a dependency). A new
edge that is not listed fails here; adding it to ALLOWED is a design decision, and ALLOWED itself must
stay acyclic. Layers, bottom to top:

  base      errors, ids, progress, deps, registry, tokens, redact, choices (names parts as strings; imports
            none of them)
  catalog   the DuckDB boundary
  images    image bytes in the catalog (checked with Pillow, content-addressed)
  stages    ingest, dedup, difficulty, generate, verify, recipes, export (only the few stage-to-stage
            edges listed below)
  views     report, browse (read the catalog and its views; no stage imports)
  entry     demo, cli, __main__
  train     redstar_train (may use all of redstar_data; redstar_data never imports it)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASE = {"errors", "ids", "progress", "deps", "registry", "tokens", "redact", "choices", "redstar_data"}
STAGES = {"ingest", "dedup", "difficulty", "generate", "verify", "recipes", "export"}

ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "redstar_data": set(),
    "ids": {"errors"},
    "progress": set(),
    "deps": {"errors"},
    "registry": {"errors"},
    "tokens": {"errors", "deps"},  # token counts with a named tokenizer
    "redact": set(),  # masks secrets in text; used wherever text is stored or printed
    "choices": set(),  # the one way multiple-choice options are written into a prompt (Python and SQL)
    "catalog": {"errors", "ids", "progress"},
    "images": {"errors", "catalog"},  # image bytes in the catalog (issue 16): checked, stored, read back
    **{s: BASE | {"catalog", "images"} for s in STAGES},
    "entry": set(),
}
ALLOWED["difficulty"] |= {"generate"}  # the judge method asks a generation backend
ALLOWED["generate"] |= {"images"}  # vision teachers: a problem's image bytes (get_images) and data URLs
ALLOWED["export"] |= {"recipes"}  # export runs a compiled recipe
ALLOWED["report"] = BASE | {"catalog"}  # `redstar report`: aggregates over the catalog's views
ALLOWED["browse"] = BASE | {"catalog"}  # `redstar browse`: read-only pages over the catalog
ALLOWED["demo"] = BASE | {"catalog", "images"} | STAGES
ALLOWED["cli"] = BASE | {"catalog", "images", "demo", "report", "browse"} | STAGES
ALLOWED["__main__"] = {"cli"}
ALLOWED["redstar_train"] = BASE | {"catalog", "images", "cli"} | STAGES
del ALLOWED["entry"]


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "redstar_train":
        return "redstar_train"
    if parts[0] != "redstar_data":
        return None
    return parts[1] if len(parts) > 1 else "redstar_data"


def import_edges(root: Path = ROOT) -> dict[tuple[str, str], set[str]]:
    """{(from unit, to unit): files} for every import between two different units under ``root``."""
    edges: dict[tuple[str, str], set[str]] = {}
    for pkg in ("redstar_data", "redstar_train"):
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root)
            src = _unit(".".join(rel.with_suffix("").parts))
            for node in ast.walk(ast.parse(path.read_text(), str(rel))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = (
                        [node.module]
                        if node.module.count(".")
                        else [f"{node.module}.{a.name}" for a in node.names]
                    )
                else:
                    continue
                for name in names:
                    dst = _unit(name)
                    if src and dst and dst != src:
                        edges.setdefault((src, dst), set()).add(rel.as_posix())
    return edges


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_allowed_edges_form_no_cycle():
    assert _cycle(ALLOWED) is None


def test_every_import_between_units_is_allowed():
    bad = {
        f"{a} -> {b}": sorted(files)
        for (a, b), files in import_edges().items()
        if b not in ALLOWED.get(a, set())
    }
    assert not bad, f"imports that go against the layers (tests/test_layers.py ALLOWED): {bad}"


def test_redstar_data_never_imports_redstar_train():
    edges = import_edges()
    assert not [k for k in edges if k[1] == "redstar_train"], "redstar_train registers itself (entry point)"


def test_no_import_cycle_between_modules():
    """Module-level cycles too (a <-> b inside one subpackage), whatever the import's position."""
    mods = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
        for pkg in ("redstar_data", "redstar_train")
        for p in (ROOT / pkg).rglob("*.py")
    }
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for n in names:
                while n and n not in mods:
                    n = n.rpartition(".")[0]
                # a package's own __init__ is not an edge from its submodules (Python imports it first)
                if n and n != m and not m.startswith(n + "."):
                    graph[m].add(n)
    assert _cycle(graph) is None


def test_backends_share_only_base():
    """A backend takes shared helpers from backends/base, never from another backend (vllm once used
    openai_http's): each backend can then be installed, imported and replaced on its own."""
    folder = ROOT / "redstar_data" / "generate" / "backends"
    names = {p.stem for p in folder.glob("*.py")} - {"__init__", "base"}
    bad = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                target = node.module.rpartition(".")[2]
                if node.module.startswith("redstar_data.generate.backends.") and target in names - {
                    path.stem
                }:
                    bad.append(f"{path.name} -> {target}")
    assert not bad
