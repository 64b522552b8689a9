"""Child process of test_gen_resume: `redstar generate` (the real CLI app) that stops at a chosen point
and tells the parent, which then SIGKILLs it. Deterministic kill points instead of polling the WAL.

``REDSTAR_TEST_HOLD=generate:K`` holds inside the K-th backend call (K-1 batches committed, one being
generated); ``insert:K`` holds inside the K-th traces commit, after its insert and before the transaction
commits. ``REDSTAR_TEST_HOLD_FD`` is the pipe on which the child writes ``held`` before blocking.

The backend is registered as ``held-scripted``: the scripted STAND-IN teacher (same name, model and
describe(), so the run is the same run), plus the hold. Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from redstar_data.catalog import Catalog
from redstar_data.cli.app import main
from redstar_data.generate.backends.scripted import ScriptedTeacher
from redstar_data.registry import BACKENDS

WHERE, _, AT = os.environ.get("REDSTAR_TEST_HOLD", "none:0").partition(":")
CALLS = {"generate": 0, "insert": 0}


def _count(where: str) -> None:
    """Count one ``where`` call; at the chosen one, tell the parent and block until killed."""
    CALLS[where] += 1
    if where == WHERE and CALLS[where] == int(AT):
        os.write(int(os.environ["REDSTAR_TEST_HOLD_FD"]), b"held\n")
        threading.Event().wait()


class HeldTeacher(ScriptedTeacher):
    def generate(self, requests: Any) -> Any:
        _count("generate")
        return super().generate(requests)


_insert_new = Catalog.insert_new


def _held_insert_new(self: Catalog, table: str, *args: Any, **kwargs: Any) -> Any:
    out = _insert_new(self, table, *args, **kwargs)
    if table == "traces":
        _count("insert")
    return out


Catalog.insert_new = _held_insert_new  # type: ignore[method-assign]
BACKENDS.add("held-scripted", "__main__:HeldTeacher", "test stand-in: scripted teacher that holds")

if __name__ == "__main__":
    sys.argv = ["redstar", *sys.argv[1:]]
    main()
