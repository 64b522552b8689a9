"""The tiny local Qwen2 + BPE tokenizer for tests: redstar_train.tiny, the one definition."""

from redstar_train.tiny import SPECIALS, build_tiny_qwen2

__all__ = ["SPECIALS", "build_tiny_qwen2"]
