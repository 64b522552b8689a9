"""Docs are tested: every CLI command explains itself with an example and is documented somewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from redstar_data.cli.app import app

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, ...]] = []

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        if getattr(cmd, "commands", None):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))
        else:
            out.append(path)

    walk(root, ())
    return sorted(out)


COMMANDS = _commands()


def test_every_stage_has_a_command() -> None:
    names = {c[0] for c in COMMANDS}
    for stage in (
        "ingest",
        "sql",
        "stats",
        "dedup",
        "decontam",
        "difficulty",
        "generate",
        "verify",
        "export",
        "exports",
        "demo",
        "train",
        "eval",
        "ls",
    ):
        assert stage in names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_explains_with_an_example(path: tuple[str, ...]) -> None:
    res = CliRunner().invoke(app, [*path, "--help"], prog_name="redstar", terminal_width=120)
    assert res.exit_code == 0, res.output
    assert "Example" in res.output, f"`redstar {' '.join(path)} --help` shows no example"
    assert "Usage: redstar" in res.output


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_is_documented(path: tuple[str, ...]) -> None:
    text = (ROOT / "README.md").read_text() + "".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    assert f"redstar {' '.join(path)}" in text, (
        f"`redstar {' '.join(path)}` is in neither README.md nor docs/"
    )


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:25])
    assert "redstar demo" in first_screen
    assert "pytest" in first_screen
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/python -m pytest -q" in ci and ".venv/bin/python -m pytest -q" in first_screen
