"""YAML → Recipe, with ``include:`` inheritance and errors that name the file, the YAML path and what is allowed.

``include: base.yaml`` (or a list) merges the included recipes first (deep merge of mappings; lists and
scalars of the including file win), resolved relative to the including file. The *resolved* mapping is
what gets hashed and stored in ``exports.recipe``, so two files that resolve to the same recipe have the
same hash.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from redstar_data.errors import RecipeError
from redstar_data.ids import stable_hash
from redstar_data.recipes.schema import FORMAT_MODELS, KINDS, Recipe

_PKG = Path(__file__).resolve().parents[1]
# the shipped recipes: top-level recipes/ in a checkout, redstar_data/_recipes in a wheel (pyproject force-include)
REPO_RECIPES = next(
    (c for c in (_PKG / "_recipes", _PKG.parent / "recipes") if c.is_dir()), _PKG.parent / "recipes"
)


def resolve_recipe_path(path: str | Path) -> Path:
    """``path`` as given, else relative to the repository's ``recipes/`` (so ``demo.yaml`` works anywhere)."""
    p = Path(path)
    if p.is_file():
        return p
    for cand in (REPO_RECIPES / p, REPO_RECIPES.parent / p, REPO_RECIPES / f"{p}.yaml"):
        if cand.is_file():
            return cand
    raise RecipeError(f"recipe file {p} not found", hint=f"shipped recipes are in {REPO_RECIPES}")


MAX_RECIPE_BYTES = 1_000_000
MAX_RECIPE_NODES = 100_000  # values after aliases are expanded; a real recipe has a few hundred


def _expanded_size(root: yaml.Node, file: str) -> int:
    """How many values the document holds once every alias is expanded (aliases share nodes, so a few
    lines of ``&a [*b, *b, ...]`` can stand for billions); refuses a recursive alias."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:
            raise RecipeError("a YAML alias refers to itself (a recursive structure)", file=file)
        active.add(key)
        n = 1
        if isinstance(node, yaml.SequenceNode):
            n += sum(size(c) for c in node.value)
        elif isinstance(node, yaml.MappingNode):
            n += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        memo[key] = n = min(n, MAX_RECIPE_NODES + 1)
        return n

    return size(root)


def _read_yaml(path: Path) -> dict[str, Any]:
    """A recipe file's mapping. Bounded: a file over 1 MB, or one whose aliases expand to more than
    100,000 values (a "billion laughs" mapping bomb), is refused before it is built."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RecipeError(f"cannot read the recipe: {e.strerror}", file=str(path)) from e
    if len(raw) > MAX_RECIPE_BYTES:
        raise RecipeError(f"the recipe is {len(raw):,} bytes; at most {MAX_RECIPE_BYTES:,}", file=str(path))
    try:
        text = raw.decode("utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None and _expanded_size(node, str(path)) > MAX_RECIPE_NODES:
            raise RecipeError(
                f"the YAML expands to more than {MAX_RECIPE_NODES:,} values through its aliases (&/*)",
                file=str(path),
                hint="a recipe needs a few hundred; write the values out, or use include:",
            )
        data = yaml.safe_load(text)
    except UnicodeDecodeError as e:
        raise RecipeError(
            f"the recipe is not UTF-8 text: {e.reason} at byte {e.start}", file=str(path)
        ) from e
    except yaml.YAMLError as e:
        raise RecipeError(f"invalid YAML: {' '.join(str(e).split())}", file=str(path)) from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(f"a recipe must be a mapping, got {type(data).__name__}", file=str(path))
    return data


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def resolve_includes(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The recipe mapping of ``path`` with its ``include:`` chain merged in (cycles are errors)."""
    path = path.resolve()
    if path in _seen:
        raise RecipeError("include cycle: " + " -> ".join(str(p) for p in (*_seen, path)), file=str(path))
    data = _read_yaml(path)
    inc = data.pop("include", None)
    if inc is None:
        return data
    incs = [inc] if isinstance(inc, str) else inc
    if not isinstance(incs, list) or not all(isinstance(x, str) for x in incs):
        raise RecipeError(
            "include must be a file name or a list of file names", file=str(path), key="include"
        )
    merged: dict[str, Any] = {}
    for name in incs:
        ipath = (path.parent / name).resolve()
        if not ipath.is_file():
            raise RecipeError(
                f"included file {name} not found (looked at {ipath})", file=str(path), key="include"
            )
        merged = _merge(merged, resolve_includes(ipath, (*_seen, path)))
    return _merge(merged, data)


def _allowed_for(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys (or literal values) allowed at ``loc`` in ``model``, for "unknown key" / "bad value" errors."""
    cur: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or not (isinstance(cur, type) and issubclass(cur, BaseModel)):
            continue
        field = cur.model_fields.get(str(part))
        if field is None:
            return None
        cur = _model_in(field.annotation)
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        last = loc[-1] if loc else None
        if last in cur.model_fields:
            lits = _literals(cur.model_fields[str(last)].annotation)
            return lits or None
        return sorted(cur.model_fields)
    return None


def _model_in(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in typing.get_args(ann):
        m = _model_in(a)
        if m is not None:
            return m
    return None


def _literals(ann: Any) -> list[str]:
    if typing.get_origin(ann) is typing.Literal:
        return [str(a) for a in typing.get_args(ann)]
    out: list[str] = []
    for a in typing.get_args(ann):
        out += _literals(a)
    return out


def _raise_first(
    err: ValidationError, model: type[BaseModel], file: str, prefix: tuple[Any, ...] = ()
) -> None:
    e = err.errors()[0]
    loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x[0].isupper()))  # drop union tags
    key = ".".join(str(x) for x in (*prefix, *loc)) or None
    if e["type"] == "extra_forbidden":
        allowed = _allowed_for(model, loc)
        raise RecipeError(f"unknown key {str(loc[-1])!r}", file=file, key=key, allowed=allowed)
    allowed = _allowed_for(model, loc) if e["type"] in ("literal_error", "enum") else None
    got = e.get("input")
    got_s = f" (got {got!r})" if not isinstance(got, dict | list) and got is not None else ""
    msg = str(e["ctx"]["error"]) if e["type"] == "value_error" else e["msg"]  # our own validators' words
    raise RecipeError(f"{msg}{got_s}", file=file, key=key, allowed=allowed if allowed else None)


def parse_recipe(data: dict[str, Any], *, file: str = "<recipe>") -> Recipe:
    """Validate a resolved mapping; the first problem becomes a RecipeError naming ``file`` and the key."""
    data = dict(data)
    kind = data.get("kind", "sft")
    if kind not in KINDS:
        raise RecipeError(f"unknown kind {kind!r}", file=file, key="kind", allowed=KINDS)
    fmt = data.pop("format", None)
    fmodel = FORMAT_MODELS[kind]
    if fmt is not None and not isinstance(fmt, dict):
        raise RecipeError("format must be a mapping", file=file, key="format")
    try:
        fobj = fmodel.model_validate(fmt or {})
    except ValidationError as e:
        _raise_first(e, fmodel, file, ("format",))
    try:
        return Recipe.model_validate({**data, "format": fobj})
    except ValidationError as e:
        _raise_first(e, Recipe, file)
    raise AssertionError("unreachable")


def load_recipe(path: str | Path) -> tuple[Recipe, dict[str, Any], Path]:
    """(recipe, resolved mapping, file path) for a recipe file."""
    p = resolve_recipe_path(path)
    data = resolve_includes(p)
    return parse_recipe(data, file=str(p)), data, p


def recipe_hash(resolved: dict[str, Any]) -> str:
    """Hash of the resolved recipe with defaults filled in: same meaning, same hash."""
    return stable_hash(resolved)


def canonical_text(recipe: Recipe) -> str:
    """The recipe with every default spelled out, as stable YAML (stored in `exports`, shown in the card)."""
    return yaml.safe_dump(recipe.model_dump(mode="json"), sort_keys=True, allow_unicode=True)
