"""A tiny random Qwen2 model and a byte-level BPE tokenizer, built locally (no downloads): what the tiny
training configs (recipes/train/*tiny*, ``runs/tiny_qwen2``) and the tests train, built by
``redstar train tiny-model runs/tiny_qwen2``.

The recipe follows TRAINING-NOTES §10: a BPE tokenizer trained with ``tokenizers`` on synthetic
arithmetic text, special tokens ``<|endoftext|>`` (pad) ``<|im_start|>`` ``<|im_end|>`` (eos), TRL's
``qwen2_5.jinja`` chat template (the exact template of a real Qwen2.5-Instruct model), and a Qwen2
config with 2 layers and hidden size 64 (~100k parameters). Other stages may reuse ``build_tiny_qwen2``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def _corpus(n: int = 1200, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    words = [
        "What",
        "is",
        "the",
        "sum",
        "of",
        "answer",
        "step",
        "Let",
        "me",
        "check",
        "so",
        "Wait",
        "boxed",
        "think",
        "reason",
        "final",
        "problem",
        "solve",
        "system",
        "user",
        "assistant",
        "You",
        "are",
    ]
    out = []
    for _ in range(n):
        a, b = rng.randint(0, 999), rng.randint(0, 999)
        out.append(f"{' '.join(rng.choices(words, k=6))} {a} + {b} = {a + b}. \\boxed{{{a + b}}}")
    return out


def train_bpe(specials: list[str], *, vocab_size: int = 512, seed: int = 0) -> Any:
    """A byte-level BPE ``tokenizers.Tokenizer`` trained on the synthetic corpus, ``specials`` first (ids 0..)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_corpus(seed=seed), trainer=trainer)
    return bpe


def build_tiny_qwen2(
    out_dir: str | Path,
    *,
    vocab_size: int = 512,
    seed: int = 0,
    hidden_size: int = 64,
    num_attention_heads: int = 4,
    num_key_value_heads: int = 2,
) -> Path:
    """Write a tiny random Qwen2 model + tokenizer (with chat template) to ``out_dir``; returns the path.

    vLLM's CPU attention kernels reject head_dim 16 (the default 64 / 4): the real-vLLM tests build it
    with ``hidden_size=128, num_attention_heads=2`` (head_dim 64)."""
    import torch
    import trl
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bpe = train_bpe(SPECIALS, vocab_size=vocab_size, seed=seed)
    template = (Path(trl.__file__).parent / "chat_templates" / "qwen2_5.jinja").read_text()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
        chat_template=template,
    )
    tok.save_pretrained(out)

    torch.manual_seed(seed)
    cfg = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=2,
        num_attention_heads=num_attention_heads,
        num_key_value_heads=num_key_value_heads,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=None,
    )
    Qwen2ForCausalLM(cfg).save_pretrained(out)
    return out
