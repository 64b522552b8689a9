"""One exception tree for redstar, so the CLI can map every failure to one clear line.

Errors carry structured fields (file, row, field, value, allowed values, hint) and build their message
in ``__init__``; they are picklable so they cross process pools. ``transient`` tells generation
whether a retry may help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class RedstarError(Exception):
    """Root of all redstar errors. ``hint`` says what to do about it."""

    transient: bool = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n  hint: {hint}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[RedstarError], state: dict[str, Any]) -> RedstarError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class CatalogError(RedstarError):
    """The catalog file cannot be opened, migrated or queried."""


class SqlError(CatalogError):
    """A user-supplied SQL statement failed; carries DuckDB's message and the query."""

    def __init__(self, duckdb_message: str, query: str, *, where: str | None = None) -> None:
        self.duckdb_message = duckdb_message
        self.query = query
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}SQL error: {duckdb_message}\n  query: {query.strip()}")


class IngestError(RedstarError):
    """A whole source cannot be read (missing file, unknown format, Hub unreachable)."""


class IngestRowError(RedstarError):
    """One row of a source is bad; it goes to `rejects` with this reason."""

    def __init__(
        self, reason: str, *, file: str | None = None, row: int | None = None, field: str | None = None
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.field = field
        where = ":".join(str(x) for x in (file, row) if x is not None)
        field_s = f" field {field!r}" if field else ""
        super().__init__(f"{where}{field_s}: {reason}" if where or field else reason)


class ConfigError(RedstarError):
    """A recipe or config is invalid: names the file, the key path and what is allowed."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        allowed: Sequence[str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.key = key
        self.allowed = list(allowed) if allowed is not None else None
        parts = [p for p in (file, key) if p]
        text = (": ".join(parts) + ": " if parts else "") + message
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        super().__init__(text, hint=hint)


RecipeError = ConfigError


class VerifierError(RedstarError):
    """A verifier failed in a way that is not a property of the answer (bad config, broken pool)."""


class BackendError(RedstarError):
    """A generation backend failed. ``transient=True`` means a retry may succeed (429, 5xx, timeout)."""

    def __init__(
        self, message: str, *, transient: bool = False, status: int | None = None, hint: str | None = None
    ) -> None:
        self.transient = transient
        self.status = status
        super().__init__(message, hint=hint)


class HubError(RedstarError):
    """Talking to the Hugging Face Hub failed (offline, auth, missing repo)."""


class MissingDependencyError(RedstarError):
    """An optional dependency is not installed; the message gives the exact pip line."""

    def __init__(self, feature: str, extra: str, modules: Sequence[str]) -> None:
        self.feature = feature
        self.extra = extra
        self.modules = list(modules)
        super().__init__(
            f"{feature} needs {', '.join(modules)}, which is not installed",
            hint=f"pip install 'redstar[{extra}]'",
        )
