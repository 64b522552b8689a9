"""The vllm backend's image path on a real vLLM engine (CPU build) with a tiny random Idefics3: a catalog
problem's stored images reach the engine as ``multi_modal_data`` behind the template's placeholders, and a
text-only problem of the same run gets exactly the prompt and samples ``LLM.chat`` gives it."""

from __future__ import annotations

import gc
import io
import json

import pyarrow as pa
import pytest

from redstar_data.generate.backends.base import SamplingParams, decode_image
from redstar_data.generate.backends.vllm_offline import VLLMBackend
from redstar_data.generate.prompts import resolve_templates
from redstar_data.generate.run import generate
from redstar_data.ids import problem_id
from redstar_data.images.store import put_images
from tests.generate.conftest import add_problems

from .conftest import ENGINE
from .tiny_idefics3 import IMAGE_SEQ_LEN, IMAGE_TOKEN, build_tiny_idefics3

pytestmark = pytest.mark.vllm

PARAMS = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=8, seed=5)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    pytest.importorskip("vllm")
    be = VLLMBackend(str(build_tiny_idefics3(tmp_path_factory.mktemp("tiny_idefics3"))), **ENGINE)
    be._engine()  # one engine for the module
    yield be
    be.close()
    gc.collect()


def _png(size: tuple[int, int], fill: tuple[int, int, int], line: tuple[int, int, int]) -> bytes:
    """A small diagram-like PNG: a triangle on a plain background."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", size, fill)
    w, h = size
    ImageDraw.Draw(im).polygon([(4, h - 4), (w - 4, h - 4), (w // 2, 4)], outline=line, width=3)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _add_image_problem(catalog, text: str, blobs: list[bytes]) -> str:
    image_ids = [i.image_id for i in put_images(catalog, blobs)]
    pid = problem_id(text, image_ids)
    row = {"problem_id": [pid], "source_id": ["geo-test"], "domain": ["geometry"], "problem": [text]}
    row |= {"answer": ["3"], "images": [json.dumps(image_ids)]}
    catalog.insert_new("problems", pa.table(row), ["problem_id"])
    return pid


def _traces(catalog, run_id):
    rows = catalog.arrow(
        "SELECT problem_id, sample_index, text, finish_reason, n_tokens, prompt_tokens "
        "FROM traces WHERE run_id = ? ORDER BY problem_id, sample_index",
        [run_id],
    ).to_pylist()
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["problem_id"], []).append(r)
    return by


def _by_index(ro) -> list[str]:
    """A RequestOutput's sample texts in child order (child i has seed s+i, like sample i)."""
    return [co.text for co in sorted(ro.outputs, key=lambda co: co.index)]


def _conversation(catalog, pid: str, n_images: int) -> tuple[list[dict], list[str]]:
    """The problem's default-template conversation as the image request's content parts (the images
    before the user's text), and the texts of its messages (each must reach the prompt)."""
    prob = catalog.arrow("SELECT * FROM problems WHERE problem_id = ?", [pid]).to_pylist()[0]
    msgs = resolve_templates(None).build(prob)
    images = [{"type": "image"}] * n_images
    conv = [
        {**m, "content": [*(images if m["role"] == "user" else []), {"type": "text", "text": m["content"]}]}
        for m in msgs
    ]
    return conv, [m["content"] for m in msgs]


def test_image_problems_reach_the_engine_and_text_problems_keep_chat(backend, catalog):
    import vllm
    from transformers import AutoProcessor

    tri, wide, dark = (
        _png((96, 80), (255, 255, 255), (0, 0, 0)),
        _png((160, 64), (250, 240, 200), (200, 0, 0)),
        _png((96, 80), (0, 0, 0), (255, 255, 255)),
    )
    two = _add_image_problem(catalog, "Both triangles are similar. Find x.", [tri, wide])
    one = _add_image_problem(catalog, "The triangle is isosceles. Find the base angle.", [tri])
    other = _add_image_problem(catalog, "The triangle is isosceles. Find the base angle.", [dark])
    (txt,) = add_problems(catalog, 1)
    rep = generate(catalog, backend, n=2, params=PARAMS, run_id="vlm")
    assert (rep.n_generated, rep.n_failed, rep.status) == (8, 0, "finished")
    traces = _traces(catalog, "vlm")
    assert sorted(traces) == sorted([two, one, other, txt]) and all(len(v) == 2 for v in traces.values())
    assert all(
        r["finish_reason"] in ("stop", "length") and 0 < r["n_tokens"] <= 8
        for v in traces.values()
        for r in v
    )

    # the engine's prompt held each image's tokens: the HF processor's expansion of the rendered template
    # (one <fake><global-img>, IMAGE_SEQ_LEN x <image>, <fake> per image), with a single BOS
    proc = AutoProcessor.from_pretrained(backend.model)
    image_id = proc.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    llm = backend._engine()
    for pid, blobs in ((two, [tri, wide]), (one, [tri]), (other, [dark])):
        conv, texts = _conversation(catalog, pid, len(blobs))
        rendered = proc.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
        assert rendered.count(IMAGE_TOKEN) == len(blobs) and all(t in rendered for t in texts)
        ids = proc(text=[rendered], images=[[decode_image(b) for b in blobs]], add_special_tokens=False)[
            "input_ids"
        ][0]
        assert list(ids).count(image_id) == IMAGE_SEQ_LEN * len(blobs)
        assert list(ids).count(proc.tokenizer.bos_token_id) == 1
        assert {r["prompt_tokens"] for r in traces[pid]} == {len(ids)}
        # the same request straight to the engine, seeded alike, gives the traces' texts
        (raw,) = llm.generate(
            [{"prompt": rendered, "multi_modal_data": {"image": [decode_image(b) for b in blobs]}}],
            [vllm.SamplingParams(n=2, seed=5, temperature=1.0, top_p=1.0, max_tokens=8)],
            use_tqdm=False,
            tokenization_kwargs={"add_special_tokens": False},
        )
        assert list(raw.prompt_token_ids) == list(ids)
        assert _by_index(raw) == [r["text"] for r in traces[pid]]

    # the pixels decide: the same text behind another image samples other texts with the same seeds
    assert {r["prompt_tokens"] for r in traces[other]} == {r["prompt_tokens"] for r in traces[one]}
    assert [r["text"] for r in traces[other]] != [r["text"] for r in traces[one]]

    # the text problem went through LLM.chat as in a text-only batch: same prompt, same samples
    prob = catalog.arrow("SELECT * FROM problems WHERE problem_id = ?", [txt]).to_pylist()[0]
    (chat,) = llm.chat(
        [resolve_templates(None).build(prob)],
        [vllm.SamplingParams(n=2, seed=5, temperature=1.0, top_p=1.0, max_tokens=8)],
        use_tqdm=False,
    )
    assert chat.prompt_token_ids.count(proc.tokenizer.bos_token_id) == 1
    assert {r["prompt_tokens"] for r in traces[txt]} == {len(chat.prompt_token_ids)}
    assert _by_index(chat) == [r["text"] for r in traces[txt]]
