"""Declarative recipes: YAML → validated Recipe → SQL over the catalog's views."""

from redstar_data.recipes.load import load_recipe, parse_recipe
from redstar_data.recipes.schema import Recipe

__all__ = ["Recipe", "load_recipe", "parse_recipe"]
