"""The final program of a long response: the last fenced code block of the answer part.

The answer part is what follows the last reasoning marker (``</think>``, ``<|end_of_thought|>``, ...);
a response with an opened but never closed reasoning block has no answer part (it was cut off while
thinking). Within the answer part the last closed fenced *program* wins, preferring Python over other languages.
Not programs: blocks tagged as data or shell (```text, ```output, ```bash ...: a sample run), and untagged
blocks that are data (sample input ``3\n1 2 3``, an output ``YES``: they do not parse as Python, or parse to
bare values only). Untagged C/C++/Java is recognised as such (an unsupported language, never run as
Python). When the verifier knows the problem's mode, a trailing usage snippet does not win over the program:
call-based, the last block that defines ``fn_name``; stdin, the last block that reads stdin by its syntax
(``input``/``stdin`` used, aliases too; never a comment) and does not replace or patch ``sys.stdin`` with a
test string. A fenced block indented under a list item is dedented; CRLF
responses read as LF. A response without any program is ``no_answer``, not ``incorrect``.
"""

from __future__ import annotations

import ast
import bisect
import re
import textwrap
from dataclasses import dataclass

END_MARKERS = ("</think>", "<|end_of_thought|>", "</thought>", "</reasoning>", "◁/think▷")
START_MARKERS = ("<think>", "<|begin_of_thought|>", "<thought>", "<reasoning>", "◁think▷")
PYTHON_TAGS = {"", "python", "python3", "py", "py3", "python2"}
# tags of blocks that are not the submitted program: sample data, outputs, shell sessions, REPL transcripts
DATA_TAGS = {
    "text", "txt", "plaintext", "plain", "output", "out", "input", "in", "stdin", "stdout", "console",
    "terminal", "shell", "sh", "bash", "zsh", "cmd", "bat", "powershell", "ps", "json", "yaml", "yml",
    "csv", "log", "md", "markdown", "diff", "math", "latex", "tex", "pycon", "example", "sample", "none",
}  # fmt: skip
_CPP = re.compile(
    r"^\s*#\s*include\s*[<\"]|\busing\s+namespace\s+std\b|^\s*(?:int|void|signed)\s+main\s*\(", re.M
)
_JAVA = re.compile(r"\bpublic\s+(?:static\s+)?(?:final\s+)?class\s+\w+|\bpublic\s+static\s+void\s+main\b")
_PY_LINE = re.compile(
    r"^(?:def |class |import |from [\w.]+ import |print\(|for .+ in .+:|while .+:|if .+:|return\b)", re.M
)
_READS_STDIN = re.compile(r"\binput\s*\(|stdin|\bopen\s*\(\s*0\b|\bfileinput\b|\bos\.read\s*\(\s*0\b")
# a test driver that feeds stdin a string: assigns sys.stdin, or patches it (mock.patch, patch.object,
# monkeypatch.setattr, setattr): not the submission, which reads the judge's stdin
_FAKES_STDIN = re.compile(
    r"\bsys\.stdin\s*=(?!=)|\b(?:patch|setattr)\s*\(\s*['\"]sys\.stdin['\"]"
    r"|\b(?:patch\.object|setattr)\s*\(\s*sys\s*,\s*['\"]stdin['\"]"
)

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Program:
    code: str
    language: str  # normalised tag: "python" for Python and untagged blocks


def answer_part(response: str) -> str | None:
    """The text after the last reasoning marker; None when reasoning was opened and never closed."""
    end = max(((response.rfind(m), m) for m in END_MARKERS), key=lambda t: t[0])
    if end[0] >= 0:
        return response[end[0] + len(end[1]) :]
    if any(m in response for m in START_MARKERS):
        return None
    return response


_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)")
_CLOSE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(tag, body) of every closed fenced block, in order: what ``_FENCE.finditer`` finds, in linear time.

    The regex alone is quadratic on unclosed fences (a 59 KB response of 2,000 fence lines of different
    lengths took 108 s, in the verifier and in the quality flags). Same rules, line by line: an opening
    line is a run of 3+ backticks or tildes (its tag the word after it); it is closed by the first later
    line that is exactly a run of that length (or, failing that, of each shorter length down to 3, as the
    regex's backtracking does, with no tag then); a fence never closed opens nothing."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)
    closers: dict[tuple[str, int], list[int]] = {}  # (char, run length) -> lines that are exactly that run
    for i, ln in enumerate(lines):
        m = _CLOSE.fullmatch(ln)
        if m:
            closers.setdefault((m.group(1)[0], len(m.group(1))), []).append(i)
    lengths: dict[str, list[int]] = {}
    for c, k in sorted(closers):
        lengths.setdefault(c, []).append(k)
    out = []
    i, last = 0, len(lines) - 1
    while i < last:  # an opening line needs a newline after it
        m = _OPEN.match(lines[i])
        if m is None:
            i += 1
            continue
        fence = m.group(1)
        close = None
        ks = lengths.get(fence[0], [])
        # the closing runs this fence can take, longest first: fewer than len(fence) of them, so linear
        for x in range(bisect.bisect_right(ks, len(fence)) - 1, -1, -1):
            cands = closers[(fence[0], ks[x])]
            j = bisect.bisect_right(cands, i)
            if j < len(cands):
                close = (ks[x], cands[j])
                break
        if close is None:
            i += 1
            continue
        k, j = close
        tag = m.group(2) if k == len(fence) else ""
        out.append((tag, text[starts[i + 1] : starts[j]]))
        i = j + 1
    return out


_CODE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign,
               ast.AugAssign, ast.AnnAssign, ast.For, ast.While, ast.If, ast.With, ast.Try, ast.Call, ast.Return)  # fmt: skip


def _untagged_language(code: str) -> str | None:
    """An untagged block's language: "cpp"/"java" by their unmistakable lines, "python" for code, None for
    data (sample input/output: not Python, or Python made of bare values only, such as ``5`` or ``YES``)."""
    if _CPP.search(code):
        return "cpp"
    if _JAVA.search(code):
        return "java"
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        # broken Python is still the submitted program (→ a compile error), sample data is not
        return "python" if _PY_LINE.search(code) else None
    return "python" if any(isinstance(n, _CODE_NODES) for n in ast.walk(tree)) else None


def _language(tag: str, code: str) -> str | None:
    """The block's language ("python", another language's tag) or None when it is not a program."""
    if tag in DATA_TAGS:
        return None
    if tag == "":
        return _untagged_language(code)
    return "python" if tag in PYTHON_TAGS else tag


def _submits(code: str, mode: str | None, fn_name: str | None) -> bool:
    """Whether a Python block is a whole submission for the problem's mode, not a usage or test snippet."""
    if mode == "call" and fn_name:
        return (
            re.search(
                rf"^\s*(?:async\s+)?def\s+{re.escape(fn_name)}\s*\(|^\s*{re.escape(fn_name)}\s*=", code, re.M
            )
            is not None
        )
    if mode == "stdin":
        return _reads_stdin(code) and _FAKES_STDIN.search(code) is None
    return True


_STDIN_NAMES = {"input", "stdin", "fileinput"}  # input() (aliased too: I = input), from sys import stdin


def _reads_stdin(code: str) -> bool:
    """Whether a block reads stdin, by its syntax tree: a use of ``input``/``stdin`` (aliases included), a
    ``.stdin`` attribute, ``open(0)``, ``os.read(0, ...)``; never a comment or a keyword argument that says
    "stdin"/"input" (a usage snippet's ``# feed the sample to stdin``). Code that does not parse: the regex."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return _READS_STDIN.search(code) is not None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _STDIN_NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in ("stdin", "__stdin__"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "sys":
            if any(a.name in ("stdin", "__stdin__") for a in node.names):
                return True
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            f, first = node.func, node.args[0].value
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if (name == "open" and first in (0, "/dev/stdin")) or (name == "read" and first == 0):
                return True
    return False


def _dedent_block(code: str) -> str:
    """A fence indented under a list item indents its body too: dedent it (common indentation only)."""
    return textwrap.dedent(code) if code[:1] in (" ", "\t") else code


def extract_program(response: str, *, mode: str | None = None, fn_name: str | None = None) -> Program | None:
    """The program a response submits, or None (→ ``no_answer``). ``mode``/``fn_name`` (the problem's, when
    known) let the submission win over a usage snippet printed after it; without them the last program wins."""
    part = answer_part(response.replace("\r\n", "\n"))
    if part is None:
        return None
    blocks = []
    for tag, body in fenced_blocks(part):
        code = _dedent_block(body)
        lang = _language(tag.lower(), code) if code.strip() else None
        if lang is not None:
            blocks.append((lang, code))
    if not blocks:
        return None
    py = [code for lang, code in blocks if lang == "python"]
    if not py:
        lang, code = blocks[-1]
        return Program(code=code, language=lang)
    whole = [code for code in py if _submits(code, mode, fn_name)]
    return Program(code=(whole or py)[-1], language="python")
