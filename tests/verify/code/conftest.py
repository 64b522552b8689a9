"""The code-sandbox tests need bubblewrap with user namespaces; without them they skip with the reason."""

from __future__ import annotations

import pytest

from redstar_data.verify.code import SandboxUnavailableError, check_available


@pytest.fixture(scope="session")
def sandbox() -> str:
    try:
        return check_available()
    except SandboxUnavailableError as exc:
        pytest.skip(f"no sandbox here: {exc}")
