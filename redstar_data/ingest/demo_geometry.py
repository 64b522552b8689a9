"""The demo's few geometry problems: diagrams drawn with Pillow, exact answers, some multiple choice (A-D).

Written in the layout of ``../shared/data/geo`` (``problems.jsonl`` with ``images`` paths relative to the
file, ``choices``, ``answer``, ``answer_letter``), so the demo ingests them the way a user ingests a real
GeoQA-style set. Each problem carries solution ``steps`` (kept in ``problems.meta``) for the scripted
teacher (an OFFLINE STAND-IN, not a model). Diagrams are deterministic: same Pillow, same PNG bytes (no
timestamps, no text chunks). Written by hand for this repository.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

W, H = 320, 240
INK = (20, 20, 20)
MARK = (200, 30, 30)

Point = tuple[float, float]


def _canvas() -> tuple[Any, Any, Any]:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (W, H), "white")
    return img, ImageDraw.Draw(img), ImageFont.load_default()


def _png(img: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=9)
    return buf.getvalue()


def _poly(d: Any, pts: list[Point]) -> None:
    d.line([*pts, pts[0]], fill=INK, width=2)


def _label(d: Any, font: Any, at: Point, text: str, color: tuple[int, int, int] = INK) -> None:
    d.text(at, text, fill=color, font=font)


def _right_triangle() -> bytes:
    img, d, f = _canvas()
    a, b, c = (60, 190), (260, 190), (60, 40)
    _poly(d, [a, b, c])
    d.rectangle([60, 175, 75, 190], outline=INK)
    _label(d, f, (30, 105), "3", MARK)
    _label(d, f, (155, 198), "4", MARK)
    _label(d, f, (168, 100), "x", MARK)
    for p, n in ((a, "C"), (b, "B"), (c, "A")):
        _label(d, f, (p[0] - 14 if p[0] < 100 else p[0] + 6, p[1] - 6), n)
    return _png(img)


def _triangle_angles() -> bytes:
    img, d, f = _canvas()
    a, b, c = (40, 200), (280, 200), (120, 40)
    _poly(d, [a, b, c])
    _label(d, f, (62, 182), "50°", MARK)
    _label(d, f, (230, 182), "60°", MARK)
    _label(d, f, (116, 62), "x°", MARK)
    return _png(img)


def _rectangle() -> bytes:
    img, d, f = _canvas()
    _poly(d, [(50, 60), (270, 60), (270, 190), (50, 190)])
    _label(d, f, (155, 196), "6 cm", MARK)
    _label(d, f, (276, 120), "4 cm", MARK)
    return _png(img)


def _circle() -> bytes:
    img, d, f = _canvas()
    cx, cy, r = 160, 120, 90
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=INK, width=2)
    d.line([(cx, cy), (cx + r, cy)], fill=INK, width=2)
    d.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill=INK)
    _label(d, f, (cx + r / 2 - 4, cy - 16), "3", MARK)
    _label(d, f, (cx - 14, cy + 4), "O")
    return _png(img)


def _isosceles() -> bytes:
    img, d, f = _canvas()
    a, b, c = (60, 200), (260, 200), (160, 40)
    _poly(d, [a, b, c])
    _label(d, f, (152, 62), "40°", MARK)
    _label(d, f, (84, 182), "x°", MARK)
    for p, q in ((a, c), (b, c)):  # equal-side ticks
        mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
        d.line([(mx - 6, my - 3), (mx + 6, my + 3)], fill=INK, width=2)
    return _png(img)


def _parallel() -> bytes:
    img, d, f = _canvas()
    d.line([(20, 80), (300, 80)], fill=INK, width=2)
    d.line([(20, 170), (300, 170)], fill=INK, width=2)
    d.line([(90, 220), (230, 30)], fill=INK, width=2)
    x1 = 90 + (220 - 80) * (230 - 90) / (220 - 30)
    x2 = 90 + (220 - 170) * (230 - 90) / (220 - 30)
    _label(d, f, (x1 + 8, 62), "65°", MARK)
    _label(d, f, (x2 - 30, 176), "x°", MARK)
    _label(d, f, (290, 62), "l", INK)
    _label(d, f, (290, 152), "m", INK)
    return _png(img)


def _square() -> bytes:
    img, d, f = _canvas()
    _poly(d, [(90, 40), (250, 40), (250, 200), (90, 200)])
    d.line([(90, 200), (250, 40)], fill=INK, width=2)
    _label(d, f, (162, 206), "5", MARK)
    _label(d, f, (150, 100), "d", MARK)
    return _png(img)


def _sector() -> bytes:
    img, d, f = _canvas()
    cx, cy, r = 100, 190, 150
    d.pieslice([cx - r, cy - r, cx + r, cy + r], start=-90, end=0, outline=INK, width=2)
    _label(d, f, (cx + r / 2, cy + 4), "6", MARK)
    _label(d, f, (cx + 8, cy - 24), "90°", MARK)
    return _png(img)


# (id, drawer, problem, choices or None, answer value, answer letter or None, level, steps)
_PROBLEMS: list[tuple[str, Callable[[], bytes], str, list[str] | None, str, str | None, str, list[str]]] = [
    ("demo-geo-hypotenuse", _right_triangle, "In right triangle ABC, find x.",
     ["4", "5", "6", "7"], "5", "B", "Level 1",
     ["The legs are 3 and 4 and the right angle is at C.", "By Pythagoras, x^2 = 3^2 + 4^2 = 25.",
      "So x = 5."]),
    ("demo-geo-triangle-angle", _triangle_angles, "Find x.",
     None, "70", None, "Level 1",
     ["The angles of a triangle add up to 180 degrees.", "x = 180 - 50 - 60 = 70."]),
    ("demo-geo-rectangle-area", _rectangle, "Find the area of the rectangle in square centimetres.",
     ["10", "20", "24", "48"], "24", "C", "Level 1",
     ["The rectangle is 6 cm by 4 cm.", "Its area is 6 * 4 = 24."]),
    ("demo-geo-circumference", _circle, "The circle with centre O has radius 3. Find its circumference.",
     ["3 \\pi", "6 \\pi", "9 \\pi", "12 \\pi"], "6 \\pi", "B", "Level 2",
     ["The circumference is 2 pi r.", "With r = 3 it is 6 pi."]),
    ("demo-geo-isosceles", _isosceles, "The triangle is isosceles with a 40° apex angle. Find x.",
     ["40", "50", "70", "140"], "70", "C", "Level 2",
     ["The base angles of an isosceles triangle are equal.", "2x + 40 = 180, so x = 70."]),
    ("demo-geo-parallel", _parallel, "Lines l and m are parallel. Find x.",
     None, "115", None, "Level 2",
     ["The 65 degree angle and x are co-interior angles between parallel lines.",
      "Co-interior angles add up to 180 degrees, so x = 180 - 65 = 115."]),
    ("demo-geo-diagonal", _square, "Find the length of the diagonal d of the square.",
     ["5", "5 \\sqrt { 2 }", "10", "25"], "5 \\sqrt { 2 }", "B", "Level 3",
     ["The diagonal splits the square into two right isosceles triangles with legs 5.",
      "d^2 = 5^2 + 5^2 = 50, so d = 5 sqrt(2)."]),
    ("demo-geo-sector", _sector, "Find the area of the sector.",
     ["3 \\pi", "6 \\pi", "9 \\pi", "36 \\pi"], "9 \\pi", "C", "Level 3",
     ["The sector is a quarter of a circle of radius 6.", "Its area is (1/4) * pi * 6^2 = 9 pi."]),
]  # fmt: skip


def geometry_problems() -> list[dict[str, Any]]:
    """The demo's geometry problems as rows (``image_bytes``: the diagram's PNG bytes)."""
    rows = []
    for pid, draw, text, choices, answer, letter, level, steps in _PROBLEMS:
        rows.append(
            {
                "id": pid,
                "problem": text,
                "choices": choices,
                "answer": answer,
                "answer_letter": letter,
                "level": level,
                "steps": steps,
                "image_bytes": draw(),
            }
        )
    return rows


def write_geometry_problems(path: Path) -> Path:
    """Write ``problems.jsonl`` + ``images/<id>.png`` under ``path``'s folder (the dev set's layout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / "images").mkdir(exist_ok=True)
    lines = []
    for r in geometry_problems():
        rel = f"images/{r['id']}.png"
        (path.parent / rel).write_bytes(r["image_bytes"])
        row = {k: v for k, v in r.items() if k != "image_bytes"}
        row["domain"] = "geometry"
        row["images"] = [rel]
        lines.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
