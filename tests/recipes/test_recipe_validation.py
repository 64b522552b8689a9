"""Recipe validation: errors name the file, the YAML path and the allowed values; includes merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from redstar_data.errors import RecipeError
from redstar_data.recipes.load import REPO_RECIPES, load_recipe


def _w(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_unknown_key_names_file_path_and_allowed(tmp_path):
    p = _w(tmp_path, "name: x\nselect:\n  domain: [math]\n")
    with pytest.raises(RecipeError) as e:
        load_recipe(p)
    msg = str(e.value)
    assert str(p) in msg and "select.domain" in msg and "unknown key 'domain'" in msg
    assert "domains" in e.value.allowed and "where" in e.value.allowed


def test_unknown_top_level_key(tmp_path):
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\nsizez: 10\n"))
    assert e.value.key == "sizez" and "sizes" in e.value.allowed


def test_wrong_type_names_key(tmp_path):
    p = _w(tmp_path, "name: x\ntraces:\n  max_per_problem: lots\n")
    with pytest.raises(RecipeError) as e:
        load_recipe(p)
    assert e.value.key == "traces.max_per_problem"
    assert "'lots'" in str(e.value) and str(p) in str(e.value)


def test_bad_literal_lists_allowed_values(tmp_path):
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\ntraces: {pick: fastest}\n"))
    assert e.value.key == "traces.pick"
    assert e.value.allowed == ["all_correct", "longest_correct", "random_correct", "shortest_correct"]


def test_format_keys_checked_against_kind(tmp_path):
    # a DPO option in an SFT recipe is an unknown key under `format`
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\nkind: sft\nformat: {chosen: shortest_correct}\n"))
    assert e.value.key == "format.chosen" and "system_prompt" in e.value.allowed
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\nkind: rl\nformat: {pass_rate: [0.9, 0.1]}\n"))
    assert e.value.key == "format.pass_rate"


def test_unknown_kind(tmp_path):
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\nkind: ppo\n"))
    assert e.value.allowed == ["sft", "dpo", "rl"]


def test_ladder_must_increase(tmp_path):
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\nsizes: [100, 10]\n"))
    assert e.value.key == "sizes"


def test_mix_needs_exactly_one_of_weights_quotas(tmp_path):
    with pytest.raises(RecipeError) as e:
        load_recipe(_w(tmp_path, "name: x\nmix: {weights: {a: 1}, quotas: {a: 2}}\n"))
    assert "exactly one" in str(e.value)


def test_include_merges_and_overrides(tmp_path):
    _w(tmp_path, "name: base\nseed: 3\nselect: {domains: [math], canonical_only: false}\n", "base.yaml")
    r, resolved, _ = load_recipe(_w(tmp_path, "include: base.yaml\nname: child\nselect: {domains: [code]}\n"))
    assert r.name == "child" and r.seed == 3
    assert r.select.domains == ["code"] and r.select.canonical_only is False
    assert "include" not in resolved


def test_include_cycle_is_an_error(tmp_path):
    _w(tmp_path, "include: b.yaml\nname: a\n", "a.yaml")
    _w(tmp_path, "include: a.yaml\nname: b\n", "b.yaml")
    with pytest.raises(RecipeError, match="include cycle"):
        load_recipe(tmp_path / "a.yaml")


def test_invalid_yaml(tmp_path):
    with pytest.raises(RecipeError, match="invalid YAML"):
        load_recipe(_w(tmp_path, "name: [x\n"))


@pytest.mark.parametrize("name", sorted(p.name for p in REPO_RECIPES.glob("*.yaml")))
def test_shipped_recipes_validate(name):
    r, _, _ = load_recipe(REPO_RECIPES / name)
    assert r.kind in ("sft", "dpo", "rl")


def test_shipped_ladder_is_redstars():
    r, _, _ = load_recipe("redstar-math-sft.yaml")  # resolved relative to the repository's recipes/
    assert r.sizes == [4000, 21000, 100000, 1000000]
