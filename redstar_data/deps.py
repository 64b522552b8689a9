"""Optional dependencies are declared where they are used, with the exact install line on a miss."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from redstar_data.errors import MissingDependencyError


def require(feature: str, extra: str, *modules: str) -> list[ModuleType]:
    """Import ``modules`` or raise MissingDependencyError naming ``pip install 'redstar[extra]'``."""
    missing = [m for m in modules if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        raise MissingDependencyError(feature, extra, missing)
    return [importlib.import_module(m) for m in modules]


def available(module: str) -> bool:
    """True when ``module`` can be imported (without importing it)."""
    return importlib.util.find_spec(module) is not None
