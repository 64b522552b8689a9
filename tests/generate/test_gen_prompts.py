from __future__ import annotations

import pytest

from redstar_data.errors import ConfigError
from redstar_data.generate.prompts import (
    DEFAULT_SYSTEM_PROMPT,
    PromptTemplates,
    build_messages,
    load_templates,
    resolve_templates,
)


def test_default_messages_ask_for_steps_and_boxed_answer():
    msgs = build_messages({"problem": "Compute $\\frac{1}{2} + {x}$.", "domain": "math"})
    assert msgs[0] == {"role": "system", "content": DEFAULT_SYSTEM_PROMPT}
    assert "step" in msgs[0]["content"] and "\\boxed{}" in msgs[0]["content"]
    # braces in the problem survive (no str.format), and the template's own \boxed{} too
    assert msgs[1]["content"].startswith("Compute $\\frac{1}{2} + {x}$.")
    assert "\\boxed{}" in msgs[1]["content"]


@pytest.mark.parametrize(
    ("domain", "needle"),
    [
        ("code", "```python"),
        ("geo", "figure"),
        ("geometry", "figure"),
        ("science", "\\boxed{}"),
        (None, "\\boxed{}"),
        ("weird", "\\boxed{}"),
    ],
)
def test_domain_picks_template(domain, needle):
    user = build_messages({"problem": "P", "domain": domain})[1]["content"]
    assert needle in user


def test_yaml_override(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text('system: ""\ntemplates:\n  math: "Q: {problem}\\nA:"\n')
    t = load_templates(f)
    assert build_messages({"problem": "2+2", "domain": "math"}, t) == [
        {"role": "user", "content": "Q: 2+2\nA:"}
    ]
    assert "```python" in t.template_for("code")  # untouched domains keep the defaults
    assert "Q: {problem}" in t.text() and t.text() != PromptTemplates().text()


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("templates:\n  math: no placeholder\n", "has no {problem} placeholder"),
        ("sytem: x\n", "unknown key 'sytem'"),
        ("- a\n", "expected a mapping"),
        ("templates: [1]\n", "must map domain names"),
    ],
)
def test_yaml_errors_name_file_and_key(tmp_path, text, msg):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as ei:
        load_templates(f)
    assert msg in str(ei.value) and "bad.yaml" in str(ei.value)


def test_missing_problem_text_is_an_error():
    with pytest.raises(ConfigError, match="no problem text"):
        build_messages({"problem_id": "abc", "problem": "  "})


def test_resolve_templates_from_dict():
    t = resolve_templates({"system": "S", "math": "M {problem}"})
    assert build_messages({"problem": "x"}, t) == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "M x"},
    ]
