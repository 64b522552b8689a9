"""Prompt templates: one system prompt plus one user template per domain, overridable from YAML.

A run stores the exact template text (``PromptTemplates.text()``) in ``runs.prompt_template`` and the
system prompt in ``runs.system_prompt``, so a trace can always be traced back to the words that produced
it. Templates are plain text with a ``{problem}`` placeholder, substituted with ``str.replace`` rather
than ``str.format``: LaTeX prompts (``\\boxed{}``) are full of braces that ``format`` would choke on.

Other stages (difficulty judge, eval) pass their own ``PromptTemplates`` to ``generate()``; anything
with a ``build(problem_row) -> list[dict]`` method and a ``text()`` works.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.choices import as_choices, choices_block
from redstar_data.errors import ConfigError

# QwQ-style: ask for slow, step-by-step thinking with self-checks and a final answer in \boxed{}.
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful and harmless assistant. You should think step-by-step. "
    "Reason carefully before answering: restate the problem, work through it one step at a time, "
    "check each step and correct yourself when something does not add up. "
    "Put your final answer within \\boxed{}."
)

DEFAULT_TEMPLATES: dict[str, str] = {
    "math": "{problem}\n\nPlease reason step by step, and put your final answer within \\boxed{}.",
    "geometry": (
        "{problem}{choices}\n\nPlease reason step by step. Describe the figure and the relations you use, "
        "and put your final answer within \\boxed{}."
    ),
    "code": (
        "{problem}\n\nThink through the problem step by step, then write a complete Python 3 solution "
        "that reads from standard input and writes to standard output. Put the final code in a single "
        "```python code block at the end."
    ),
}

# problems.domain values that share a template.
DOMAIN_ALIASES: dict[str, str] = {
    "geo": "geometry",
    "science": "math",
    "physics": "math",
    "chemistry": "math",
}

PLACEHOLDER = "{problem}"
CHOICES = "{choices}"
# What ``{choices}`` becomes for a multiple-choice problem (nothing for a free-form one): the options block
# every prompt and export writes (``redstar_data.choices``) and a request for the letter in a box, the form
# the geometry verifier reads first.
# (no example letter in it: a response that echoes the prompt would carry a box the verifier reads)
CHOICES_NOTE = "\n\nAnswer with the letter of the correct choice in \\boxed{}."


@dataclass(frozen=True)
class PromptTemplates:
    """The system prompt and the user template per domain; ``default_domain`` covers unknown domains."""

    system: str = DEFAULT_SYSTEM_PROMPT
    domains: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    default_domain: str = "math"

    def __post_init__(self) -> None:
        for name, tpl in self.domains.items():
            if PLACEHOLDER not in tpl:
                raise ConfigError(
                    f"template for domain {name!r} has no {PLACEHOLDER} placeholder",
                    key=f"templates.{name}",
                    hint="write {problem} where the problem text goes",
                )
        if self.default_domain not in self.domains:
            raise ConfigError(
                f"default_domain {self.default_domain!r} has no template",
                key="default_domain",
                allowed=sorted(self.domains),
            )

    def template_for(self, domain: str | None) -> str:
        d = (domain or self.default_domain).lower()
        d = d if d in self.domains else DOMAIN_ALIASES.get(d, self.default_domain)
        return self.domains.get(d, self.domains[self.default_domain])

    def build(self, problem_row: Mapping[str, Any]) -> list[dict[str, str]]:
        return build_messages(problem_row, self)

    def text(self) -> str:
        """The canonical text stored in ``runs.prompt_template`` (and hashed into the default run id)."""
        return json.dumps(
            {"default_domain": self.default_domain, "templates": dict(sorted(self.domains.items()))},
            indent=1,
            ensure_ascii=False,
        )


def build_messages(problem_row: Mapping[str, Any], template: PromptTemplates | None = None) -> list[dict]:
    """Chat messages for one problem row (needs ``problem``; uses ``domain`` to pick the template)."""
    tpl = template or PromptTemplates()
    problem = problem_row.get("problem")
    if not isinstance(problem, str) or not problem.strip():
        raise ConfigError(f"problem {problem_row.get('problem_id', '?')} has no problem text", key="problem")
    template = tpl.template_for(problem_row.get("domain"))
    block = choices_text(problem_row.get("choices"))
    if block and CHOICES not in template:  # a template without the placeholder still shows the options
        template = template.replace(PLACEHOLDER, PLACEHOLDER + block)
    user = template.replace(CHOICES, block).replace(PLACEHOLDER, problem)
    messages: list[dict[str, str]] = []
    if tpl.system:
        messages.append({"role": "system", "content": tpl.system})
    messages.append({"role": "user", "content": user})
    return messages


def choices_text(choices: Any) -> str:
    """What ``{choices}`` becomes: the lettered options block (``redstar_data.choices``, the same text the
    exports write) and ``CHOICES_NOTE``; "" for a problem without options. ``choices`` is the problem's
    ``choices`` column (a list or the catalog's JSON text)."""
    opts = as_choices(choices)
    return choices_block(opts) + CHOICES_NOTE if opts else ""


_YAML_KEYS = ("system", "templates", "default_domain")


def load_templates(path: str | Path) -> PromptTemplates:
    """Read a prompts YAML file (``system:``, ``templates: {math: ..., code: ...}``, ``default_domain:``).

    Domains not listed keep the built-in template; ``system: ""`` sends no system message.
    """
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"prompts file {p} does not exist", hint="pass --prompts PATH to a YAML file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"not valid YAML: {e}", file=str(p)) from e
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping at the top level", file=str(p), allowed=_YAML_KEYS)
    unknown = sorted(set(data) - set(_YAML_KEYS))
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}", file=str(p), key=unknown[0], allowed=_YAML_KEYS)
    system = data.get("system", DEFAULT_SYSTEM_PROMPT)
    if not isinstance(system, str):
        raise ConfigError("must be a string", file=str(p), key="system")
    templates = data.get("templates") or {}
    if not isinstance(templates, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in templates.items()
    ):
        raise ConfigError("must map domain names to template strings", file=str(p), key="templates")
    domains = {**DEFAULT_TEMPLATES, **templates}
    try:
        return PromptTemplates(system, domains, str(data.get("default_domain", "math")))
    except ConfigError as e:
        raise ConfigError(e.message, file=str(p), key=e.key, allowed=e.allowed, hint=e.hint) from e


def resolve_templates(spec: PromptTemplates | Mapping[str, Any] | str | Path | None) -> PromptTemplates:
    """Accept templates as an object, a dict (``{"system": ..., "math": ...}``), a YAML path, or None."""
    if spec is None:
        return PromptTemplates()
    if isinstance(spec, PromptTemplates):
        return spec
    if isinstance(spec, str | Path):
        return load_templates(spec)
    d = dict(spec)
    system = d.pop("system", DEFAULT_SYSTEM_PROMPT)
    default_domain = d.pop("default_domain", "math")
    inner = d.pop("templates", {})
    return PromptTemplates(system, {**DEFAULT_TEMPLATES, **inner, **d}, default_domain)
