"""AGENTS.md names every module of the two packages, so the map never goes stale."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_is_in_the_map() -> None:
    text = (ROOT / "AGENTS.md").read_text()
    mods = [
        p.relative_to(ROOT).as_posix()
        for pkg in ("redstar_data", "redstar_train")
        for p in (ROOT / pkg).rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    ]
    missing = [m for m in mods if f"`{m}`" not in text]
    assert not missing, f"add these modules to AGENTS.md: {missing}"
