"""Token counts with a named tokenizer (a local ``tokenizer.json``, batched by ``tokenizers``' Rust encoder),
so lengths that recipes filter on and cards report are real counts, never silent whitespace estimates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redstar_data.deps import require
from redstar_data.errors import ConfigError

WHITESPACE = "whitespace-estimate"  # the name stored when no tokenizer counted


@dataclass(frozen=True)
class TokenCounter:
    """A loaded tokenizer and the name stored with every count it made (the folder or file it came from)."""

    name: str
    tok: Any

    def count(self, texts: list[str]) -> list[int]:
        """Tokens per text, encoded in one parallel batch, without special tokens."""
        return [len(e.ids) for e in self.tok.encode_batch(texts, add_special_tokens=False)]


def load_counter(spec: str | Path) -> TokenCounter:
    """A tokenizer from ``spec``: a ``tokenizer.json`` file or a folder holding one (no downloads)."""
    (tokenizers,) = require("token counts", "tokens", "tokenizers")
    p = Path(spec).expanduser()
    f = p / "tokenizer.json" if p.is_dir() else p
    if not f.is_file():
        raise ConfigError(
            f"no tokenizer.json at {spec}",
            key="--tokenizer",
            hint="give a tokenizer.json or a model folder that has one (e.g. a saved Hugging Face model)",
        )
    return TokenCounter(name=p.name if p.is_dir() else p.stem if p.stem != "tokenizer" else p.parent.name,
                        tok=tokenizers.Tokenizer.from_file(str(f)))  # fmt: skip
