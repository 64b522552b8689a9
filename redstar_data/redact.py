"""Secrets out of everything redstar stores or prints: URL passwords, key/token query values, credential
headers and bearer tokens echoed back in server error bodies, and ``-x`` values under secret-like keys.

One module, used at every point where text leaves the process's memory for the catalog (``runs.meta``,
``runs.sampling_params``, ``runs.stats``) or a terminal (the CLI's error boundary and failure lists), so a
server that echoes request headers in its 401 body cannot put the API key into a shared catalog. Redaction
replaces the secret with ``***`` and keeps everything else, so messages stay useful.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MASK = "***"
# names whose values are secrets: api_key, x-api-key, access_token, client_secret, password, Authorization, ...
_SECRET_NAME = re.compile(
    r"(?i)(api[-_]?key|apikey|token|secret|passw(or)?d|authorization|auth(?!or)|credential|private[-_]?key|"
    r"session|cookie|signature)"
)
# ... but not counts and limits: max_tokens, n_tokens, prompt_tokens, tokenizer, token_ids
_NOT_SECRET = re.compile(
    r"(?i)tokens|tokeniz|token[-_]?(count|limit|ids?|type|len)|(max|min)[-_]?token|_sock$|session_manager"
)
# environment variables whose values are masked wherever they appear in text
_ENV_SECRET = re.compile(r"(?i)(key|token|secret|passw(or)?d)")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")
# "Authorization": "Bearer x", 'x-api-key': 'y', api_key=z, password: w (quoted or bare names and values)
_PAIR = re.compile(
    r"""(?P<name>["']?[A-Za-z0-9_.-]*(?:api[-_]?key|apikey|token|secret|passw(?:or)?d|authorization|auth|
        credential|cookie|signature)[A-Za-z0-9_.-]*["']?)(?P<sep>\s*[:=]\s*)(?P<q>["']?)(?P<val>(?:bearer\s+|basic\s+|token\s+)?
        [^\s"',;&}\]]+)""",
    re.IGNORECASE | re.VERBOSE,
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
# well-known token shapes, wherever they appear
_TOKENS = re.compile(
    r"\b(sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abp]-[A-Za-z0-9-]{10,})"
)


def is_secret_name(name: str) -> bool:
    """Whether a key, header or option named ``name`` holds a secret."""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET.search(name)


def _env_secrets() -> list[str]:
    """Values of environment variables named like secrets (OPENAI_API_KEY, HF_TOKEN, ...), 8+ characters."""
    vals = {v for k, v in os.environ.items() if _ENV_SECRET.search(k) and is_secret_name(k) and len(v) >= 8}
    return sorted(vals, key=len, reverse=True)


def redact_url(url: str) -> str:
    """``url`` without its password (user kept) and with secret-named query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text_plain(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo or user else f"{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            query = urlencode(
                [(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*", quote_via=quote
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text_plain(text: str) -> str:
    """Text with secret-looking pairs, bearer tokens and known token shapes masked (URLs not parsed)."""
    text = _PAIR.sub(
        lambda m: f"{m['name']}{m['sep']}{m['q']}{MASK}" if is_secret_name(m["name"]) else m.group(0), text
    )
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _TOKENS.sub(MASK, text)
    return text


def redact_text(text: str) -> str:
    """Any text (an error message, a server's response body) with every secret in it masked."""
    if not text:
        return text
    for v in _env_secrets():
        if v in text:
            text = text.replace(v, MASK)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return redact_text_plain(text)


def redact(obj: Any) -> Any:
    """A JSON-like value with secrets masked: values under secret-named keys, and secrets inside strings."""
    if isinstance(obj, str):
        return redact_text(obj)
    if isinstance(obj, Mapping):
        return {
            k: (MASK if isinstance(k, str) and is_secret_name(k) and v not in (None, "") else redact(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return type(obj)(redact(v) for v in obj)
    return obj
