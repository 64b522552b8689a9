"""The one error boundary: redstar errors become one red line plus a hint; exit code 1.

A traceback is shown only with REDSTAR_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape

from redstar_data.errors import RedstarError
from redstar_data.redact import redact_text


def run_guarded(fn: Callable[[], Any]) -> Any:
    """Call ``fn``; print redstar errors nicely and exit 1 (2 on Ctrl-C)."""
    err = Console(stderr=True, emoji=False, soft_wrap=True)  # ":train:" stays text; one line, never wrapped
    try:
        return fn()
    except RedstarError as e:
        if os.environ.get("REDSTAR_DEBUG") == "1":
            raise
        err.print(f"[bold red]error:[/] {escape(redact_text(e.message))}")
        if e.hint:
            err.print(f"[yellow]hint:[/] {escape(redact_text(e.hint))}")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]: finished batches are saved; run the same command again to resume")
        sys.exit(130)
