"""OpenAIBackend: any OpenAI-compatible ``/v1/chat/completions`` server (vLLM serve, SGLang, hosted APIs).

Design:
* one asyncio event loop owned by the backend and one ``httpx.AsyncClient`` reused across batches
  (connection keep-alive), with a semaphore bounding in-flight HTTP requests to ``concurrency``;
* ``stream`` (what ``generate()`` of a run uses) keeps ``concurrency`` requests in flight continuously:
  a finished request is replaced at once by the next one, so a slow long-CoT answer never idles the
  other slots the way waiting for a batch's tail would;
* the HTTP client is ``httpx2`` when installed (the maintained fork of httpx that the official openai
  client uses), else ``httpx``: with httpx 0.28 the connection pool capped throughput at ~0.55x of
  the openai client on the same server (benchmarks/generate.py); the API is the same;
* every sampling field is sent explicitly (temperature, top_p, max_tokens, seed, n): vLLM's server fills
  unset fields from the model's generation_config.json, which would make a run silently differ from
  what ``runs.sampling_params`` says (TRAINING-NOTES §7);
* ``n`` per request for contiguous missing samples, with ``seed = base_seed + first_index`` (vLLM gives
  child i the seed s+i). If the server rejects ``n`` (400) or returns fewer choices, the missing samples
  are re-asked one by one with seed+i, and ``n`` is not used again;
* retries with exponential backoff and jitter on 429, 5xx, timeouts and connection errors, honouring
  ``Retry-After``; any other 4xx, or exhausted retries, turns into "error" completions for that problem
  only, so one bad problem never stops a run.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

try:  # httpx2: the maintained successor of httpx (what openai>=3 uses); its pool is ~3.5x faster at c=32
    import httpx2 as httpx
except ImportError:  # pragma: no cover - Python 3.10, or httpx2 not installed
    import httpx  # type: ignore[no-redef]

from redstar_data.errors import BackendError, ConfigError
from redstar_data.generate.backends.base import (
    Completion,
    GenerationRequest,
    SamplingParams,
    contiguous_runs,
    with_image_parts,
)
from redstar_data.redact import redact_text

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def image_parts(images: Sequence[bytes]) -> list[dict[str, Any]]:
    """OpenAI content parts for image bytes: ``{"type": "image_url", "image_url": {"url": "data:...;base64,..."}}``.

    The MIME type comes from the bytes (Pillow reads the header only), never from a file name."""
    if not images:
        return []
    from redstar_data.images import image_data_url

    return [{"type": "image_url", "image_url": {"url": image_data_url(b, image_format(b))}} for b in images]


def image_format(blob: bytes) -> str:
    """Pillow's format name of ``blob``, lowercase (``png``, ``jpeg``...); header only, no decoding."""
    import io

    from PIL import Image

    from redstar_data.images.formats import PILLOW_FORMATS

    try:
        with Image.open(io.BytesIO(blob), formats=PILLOW_FORMATS) as im:
            return str(im.format or "png").lower()
    except Exception as e:  # noqa: BLE001 - any Pillow failure means the same: not an image we can send
        raise BackendError(f"cannot read an image to send ({type(e).__name__}: {e})") from None


def build_body(
    model: str,
    messages: Sequence[dict],
    params: SamplingParams,
    first: int,
    n: int,
    images: Sequence[bytes] = (),
) -> dict:
    """The chat-completions JSON body for samples ``first .. first+n-1``; every sampling field explicit.

    ``images`` go into the first user message as ``image_url`` data-URL parts before its text."""
    body: dict[str, Any] = {
        "model": model,
        "messages": with_image_parts(messages, image_parts(images)),
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
        "n": n,
    }
    if params.seed is not None:
        body["seed"] = params.seed + first
    if params.stop:
        body["stop"] = list(params.stop)
    body.update(params.extra)
    return body


def _choice_text(choice: dict[str, Any]) -> str:
    msg = choice.get("message") or {}
    content = msg.get("content") or ""
    reasoning = msg.get("reasoning_content") or msg.get("reasoning")
    if reasoning:  # servers with a reasoning parser split the thinking out; keep the whole trace
        return f"<think>\n{reasoning}\n</think>\n\n{content}"
    return str(content)


def _retry_after(resp: httpx.Response) -> float | None:
    v = resp.headers.get("retry-after")
    if v is None:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        return None


class OpenAIBackend:
    """Async HTTP client for OpenAI-compatible servers; see the module docstring for the rules."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 16,
        max_retries: int = 6,
        timeout: float = 600.0,
        use_n: bool = True,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        **_: Any,
    ) -> None:
        url = base_url or os.environ.get("OPENAI_BASE_URL")
        if not url:
            raise ConfigError(
                "the openai backend needs a server URL",
                key="base_url",
                hint="pass --base-url http://HOST:PORT/v1 or set OPENAI_BASE_URL",
            )
        if not model:
            raise ConfigError("the openai backend needs --model (the served model name)", key="model")
        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {concurrency}", key="concurrency")
        self.model = model
        self.base_url = url.rstrip("/")
        self.api_key_env = api_key_env
        self.concurrency = int(concurrency)
        self.max_retries = int(max_retries)
        self.timeout = float(timeout)
        self.use_n = bool(use_n)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.n_supported = True
        self.stats = {"requests": 0, "retries": 0, "n_fallbacks": 0}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._sem: asyncio.Semaphore | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "concurrency": self.concurrency,
            "max_retries": self.max_retries,
            "timeout": self.timeout,
            "use_n": self.use_n,
            "http_client": f"{httpx.__name__} {httpx.__version__}",
        }

    # -- lifecycle ---------------------------------------------------------------------------------
    def _ensure(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    async def _open(self) -> None:
        if self._client is None:
            headers = {"Content-Type": "application/json"}
            key = os.environ.get(self.api_key_env)
            if key:
                headers["Authorization"] = f"Bearer {key}"
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                headers=headers,
                timeout=httpx.Timeout(self.timeout, connect=min(30.0, self.timeout)),
                limits=httpx.Limits(
                    max_connections=self.concurrency, max_keepalive_connections=self.concurrency
                ),
            )
            self._sem = asyncio.Semaphore(self.concurrency)

    def close(self) -> None:
        """Close the connections and the loop; safe after a Ctrl-C left requests pending."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                if self._client is not None:
                    loop.run_until_complete(self._client.aclose())
            finally:
                loop.close()
        self._loop = self._client = self._sem = None

    # -- generation --------------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Blocking call on the backend's own event loop (inside a running loop, await ``agenerate``)."""
        return self._ensure().run_until_complete(self.agenerate(requests))

    async def agenerate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        await self._open()
        groups = await asyncio.gather(*(self._one_request(r) for r in requests))
        return [c for g in groups for c in g]

    def stream(
        self, requests: Iterable[GenerationRequest], max_wait_s: float | None = None
    ) -> Iterator[list[Completion]]:
        """Blocking iterator over ``astream`` on the backend's own loop.

        The loop runs only while the caller waits for the next item; the server keeps working on the
        requests in flight meanwhile, and the caller's work between items (a commit) takes milliseconds.
        """
        loop = self._ensure()
        agen = self.astream(requests, max_wait_s)
        try:
            while True:
                try:
                    yield loop.run_until_complete(agen.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            if not loop.is_closed():
                try:
                    loop.run_until_complete(agen.aclose())
                except RuntimeError:  # an __anext__ cut by Ctrl-C is still pending: close() cancels it
                    pass

    async def astream(
        self, requests: Iterable[GenerationRequest], max_wait_s: float | None = None
    ) -> AsyncIterator[list[Completion]]:
        """Keep ``concurrency`` requests in flight, pulling the next one as each finishes; yield each
        finished request's completions (``[]`` after ``max_wait_s`` without any).

        Requests are pulled lazily, so a run over a million problems holds only the ones in flight.
        """
        await self._open()
        it = iter(requests)
        running: set[asyncio.Future[list[Completion]]] = set()
        try:
            while True:
                while len(running) < self.concurrency and (req := next(it, None)) is not None:
                    running.add(asyncio.ensure_future(self._one_request(req)))
                if not running:
                    return
                done, running = await asyncio.wait(
                    running, timeout=max_wait_s, return_when=asyncio.FIRST_COMPLETED
                )
                yield [c for t in done for c in t.result()]
        finally:
            for t in running:
                t.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _one_request(self, req: GenerationRequest) -> list[Completion]:
        out: list[Completion] = []
        for run in contiguous_runs(req.sample_indices):
            if self.use_n and self.n_supported and len(run) > 1:
                got = await self._ask_n(req, run)
            else:
                got = list(await asyncio.gather(*(self._ask_single(req, i) for i in run)))
            out.extend(got)
        return out

    async def _ask_n(self, req: GenerationRequest, run: list[int]) -> list[Completion]:
        try:
            data = await self._post(
                build_body(self.model, req.messages, req.params, run[0], len(run), req.images)
            )
        except BackendError as e:
            if e.status == 400:  # maybe "n not supported": ask one by one
                self.stats["n_fallbacks"] += 1
                singles = list(await asyncio.gather(*(self._ask_single(req, i) for i in run)))
                if any(c.finish_reason != "error" for c in singles):
                    self.n_supported = False  # n was the problem, not this prompt: stop sending n
                return singles
            return [Completion(req.key, i, "", "error", error=e.message) for i in run]
        choices = sorted(data.get("choices") or [], key=lambda c: c.get("index", 0))
        usage = data.get("usage") or {}
        got = self._completions(req.key, run[: len(choices)], choices, usage)
        if len(choices) < len(run):  # the server ignored n: ask the rest singly, with their own seeds
            self.stats["n_fallbacks"] += 1
            rest = await asyncio.gather(*(self._ask_single(req, i) for i in run[len(choices) :]))
            got.extend(rest)
        return got

    async def _ask_single(self, req: GenerationRequest, idx: int) -> Completion:
        try:
            data = await self._post(build_body(self.model, req.messages, req.params, idx, 1, req.images))
        except BackendError as e:
            return Completion(req.key, idx, "", "error", error=e.message)
        choices = data.get("choices") or []
        if not choices:
            return Completion(req.key, idx, "", "error", error="server returned no choices")
        return self._completions(req.key, [idx], choices[:1], data.get("usage") or {})[0]

    @staticmethod
    def _completions(
        key: str, indices: list[int], choices: list[dict[str, Any]], usage: dict[str, Any]
    ) -> list[Completion]:
        texts = [_choice_text(c) for c in choices]
        total = usage.get("completion_tokens")
        prompt_tokens = usage.get("prompt_tokens")
        if total is not None and len(choices) > 1:  # usage is per response: split it by text length
            lengths = [max(1, len(t)) for t in texts]
            per = [round(total * n / sum(lengths)) for n in lengths]
        else:
            per = [total] * len(choices)
        out = []
        for i, c, t, n in zip(indices, choices, texts, per, strict=False):
            reason = c.get("finish_reason") or "stop"
            reason = reason if reason in ("stop", "length") else ("stop" if reason == "eos" else str(reason))
            out.append(Completion(key, i, t, reason, n, prompt_tokens))
        return out

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries; returns the JSON, or raises BackendError (status set for HTTP errors)."""
        assert self._client is not None and self._sem is not None
        attempt = 0
        while True:
            wait: float | None = None
            try:
                async with self._sem:
                    self.stats["requests"] += 1
                    resp = await self._client.post("/chat/completions", json=body)
                if resp.status_code == 200:
                    try:
                        return resp.json()  # type: ignore[no-any-return]
                    except ValueError as e:
                        err = BackendError(f"invalid JSON from server: {e}", transient=True, status=200)
                else:
                    # servers echo request headers here: redacted whole, then cut (a cut secret is not found)
                    msg = redact_text(resp.text[:65536])[:300].strip()
                    err = BackendError(
                        redact_text(f"HTTP {resp.status_code} from {self.base_url}: {msg}"),
                        transient=resp.status_code in RETRY_STATUS,
                        status=resp.status_code,
                    )
                    wait = _retry_after(resp)
            except httpx.TimeoutException as e:
                err = BackendError(f"timeout after {self.timeout:g}s: {type(e).__name__}", transient=True)
            except httpx.TransportError as e:
                err = BackendError(redact_text(f"connection error to {self.base_url}: {e!r}"), transient=True)
            if not err.transient:
                raise err
            if attempt >= self.max_retries:
                raise BackendError(f"{err.message} (gave up after {attempt + 1} attempts)", status=err.status)
            delay = min(self.backoff_max, self.backoff_base * 2**attempt) * random.uniform(0.5, 1.5)
            if wait is not None:  # the server knows best; cap absurd values at 10 minutes
                delay = max(delay, min(wait, 600.0))
            attempt += 1
            self.stats["retries"] += 1
            await asyncio.sleep(delay)
