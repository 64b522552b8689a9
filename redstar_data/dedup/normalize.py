"""The dedup normaliser: turns a problem into sentences of tokens that ignore formatting but keep the maths.

Why this matters more than LSH parameters: two copies of a problem usually differ in LaTeX markup
(``$3$`` vs ``3``, ``\\frac{1}{2}`` vs ``\\dfrac12``), whitespace, case, and the spelling of numbers
(``three`` / ``3`` / ``3.0``). If those survive into the shingles the copies look distinct. What must
survive is every number's *value*: mapping all numbers to one token would merge "a box of 3 apples" with
"a box of 7 apples", which are different problems.

Rules, in order (``VERSION`` changes whenever one does; stored indexes are rebuilt):

1. Unicode NFKC, lowercase.
2. LaTeX: math delimiters (``$``, ``\\(``, ``\\[`` ...), sizing and spacing commands (``\\left``,
   ``\\displaystyle``, ``\\,``) are dropped; ``\\text{..}``/``\\mathrm{..}`` keep their content;
   ``\\dfrac``/``\\tfrac`` become ``\\frac`` (same for ``\\binom``); other commands stay as tokens (``\\frac``, ``\\sqrt``, ``\\pi``)
   because they carry meaning. Braces are dropped, so ``\\frac12`` and ``\\frac{1}{2}`` agree.
3. Numbers: thousands separators removed (``1,000`` -> ``1000``), trailing zeros dropped (``3.50`` ->
   ``3.5``, ``3.0`` -> ``3``), and number words zero..twenty and the tens become digits.
4. Tokens: words, numbers, LaTeX commands, and the operators ``+ - * / = < > ^ _ ! |``; other
   punctuation goes.
5. Sentences end at ``.``/``?``/``!``/``;`` followed by a space (not a decimal point). Shingles are taken
   inside sentences, so reordering sentences does not change a problem's shingle set.

``numbers_key`` lists the numbers of each sentence (sentences sorted); near-duplicate candidates must have
equal keys: "both problems mention the same numbers", the rule that keeps template problems with other
numbers apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

VERSION = "dedup-norm-2"  # 2: "\dfrac32" (a digit right after the command) becomes \frac too

_DELIMS = re.compile(r"\$+|\\(?:[()\[\],;:! ]|(?:left|right|big|bigg|displaystyle|textstyle)\b)")
_TEXTCMD = re.compile(r"\\(?:text|mathrm|textbf|mathbf|textit|operatorname|mbox)\s*\{([^{}\x00]*)\}")
_FRACVAR = re.compile(r"\\[dt]?(frac|binom)(?![A-Za-z])")  # not \b: "\dfrac32" has no word boundary
_FRAC_SHORT = re.compile(r"\\frac\s*(\d)\s*(\d)")
_THOUSANDS = re.compile(r"(\d),(?=\d{3}(?!\d))")
_SENT_END = re.compile(r"[.?!;]+(?:\s|$)")
_NUMTOK = re.compile(r"(?<!\S)\d\S*")  # a normalised token that starts with a digit is a number
_TOKEN = re.compile(r"\\[a-z]+|\d+(?:\.\d+)?|[a-z]+|[+\-*/=<>^_!|]")
# the same tokens for many texts joined by DOC_SEP, with sentence ends and separators as tokens of their own
DOC_SEP = "\x00"
_BATCH_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[.?!;]+(?=\s|$)|\x00|\\[a-z]+|[+\-*/=<>^_!|]")

_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_WORDS.update(
    {w: str(10 * i) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)}
)


def _canon_number(tok: str) -> str:
    if "." in tok:
        tok = tok.rstrip("0").rstrip(".")
    tok = tok.lstrip("0") or "0"
    return "0" + tok if tok.startswith(".") else tok


_CANON: dict[str, str] = {}


def _canon_token(tok: str) -> str:
    out = _CANON.get(tok)
    if out is None:
        out = _canon_uncached(tok)
        if len(_CANON) < 1_000_000:  # bounded memo: token vocabularies are small, numbers are not
            _CANON[tok] = out
    return out


def _canon_uncached(tok: str) -> str:
    c = tok[0]
    if c.isdigit():
        return _canon_number(tok)
    if c.isalpha():
        return _WORDS.get(tok, tok)
    return tok


def _prepare(t: str) -> str:
    """Rules 1-3 on raw text (one text, or many joined by ``DOC_SEP``)."""
    t = unicodedata.normalize("NFKC", t).lower()
    if "\\" in t:
        t = _TEXTCMD.sub(r" \1 ", t)
        t = _FRACVAR.sub(r"\\\1", t)
        t = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", t)
    if "\\" in t or "$" in t:
        t = _DELIMS.sub(" ", t)
    if "," in t:
        t = _THOUSANDS.sub(r"\1", t)
    return t


def sentences(text: str) -> list[list[str]]:
    """The normalised token lists of ``text``'s sentences (empty sentences dropped)."""
    out: list[list[str]] = []
    canon = _CANON.get
    for part in _SENT_END.split(_prepare(text.replace(DOC_SEP, " "))):
        toks = [canon(x) or _canon_token(x) for x in _TOKEN.findall(part)]
        if toks:
            out.append(toks)
    return out


def raw_batch_tokens(texts: list[str]) -> list[str]:
    """Raw (not yet canonical) tokens of all ``texts``: one regex pass over the joined batch, with
    ``DOC_SEP`` between texts and sentence-end marks kept as tokens. ``canonical`` maps the others; the
    result equals ``sentences`` text by text (tested)."""
    return _BATCH_TOKEN.findall(_prepare(DOC_SEP.join(t.replace(DOC_SEP, " ") for t in texts)))


def canonical(tok: str) -> str:
    return _canon_token(tok)


def is_sentence_end(tok: str) -> bool:
    return tok[0] in ".?!;"


def tokens(text: str) -> list[str]:
    """All normalised tokens of ``text`` in order (sentence boundaries dropped)."""
    return [tok for s in sentences(text) for tok in s]


def normalized(text: str) -> str:
    """The normalised text: tokens joined by single spaces (``dedup.exact_hash`` hashes this sequence)."""
    return " ".join(tokens(text))


def numbers_key(sents: Iterable[Sequence[str]]) -> str:
    """The numbers each sentence mentions, in order, sentences sorted: ``"3 7|12"``.

    Sorting sentences keeps the key stable under sentence reordering, while keeping each sentence's order
    tells "a ratio of 3 to 5" from "a ratio of 5 to 3" (a plain set of numbers cannot).
    """
    per = {" ".join(_NUMTOK.findall(" ".join(s))) for s in sents}
    per.discard("")
    return "|".join(sorted(per))
