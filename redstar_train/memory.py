"""Memory plan: bytes per GPU for one training step of a decoder-only model under DDP, ZeRO and FSDP2.

A pure function of the model's shape numbers (hidden size, layers, heads, KV heads, intermediate size,
vocabulary), the sharding strategy, the GPU count, the micro-batch and the sequence length. Nothing is
loaded; it answers "does this rung fit on 8 x 80 GB, and with which engine?" before a job is queued.

Formulas (bytes; Ψ = parameter count, N = GPUs taking part in the sharding, T = tokens per micro-batch):

Model states, mixed precision AdamW (the ZeRO paper's accounting, Rajbhandari et al. 2020,
arXiv:1910.02054 §3.1: 2Ψ bf16 weights + 2Ψ bf16 gradients + KΨ optimizer states, K = 12 for fp32 master
weights + momentum + variance; 16 bytes per parameter in all):

    ddp    weights 2Ψ·w   grads 2Ψ·w   optimizer 4Ψ·w  (w = 1 for a bf16-loaded model: AdamW keeps its
                                                        states in the parameter dtype, no fp32 master;
                                                        w = 2 for float32 weights)
    zero2  weights 2Ψ     grads 2Ψ/N   optimizer 12Ψ/N                      (ZeRO P_os+g)
    zero3  weights 2Ψ/N   grads 2Ψ/N   optimizer 12Ψ/N                      (ZeRO P_os+g+p)
    fsdp2  weights 4Ψ/N   grads 4Ψ/N   optimizer 8Ψ/N   (accelerate upcasts the shards to fp32 for
                                                         mixed_precision bf16; 16Ψ/N as ZeRO-3)
    *_offload  the sharded states above move to CPU RAM: 16Ψ/N per rank, × GPUs per node per machine.

Gathered (unsharded) parameters, ZeRO-3 / FSDP2 only: 4 bytes (bf16 weight + bf16 gradient) × (largest
gathered unit + one prefetched decoder layer). DeepSpeed's own estimator uses 4 × largest layer
(``estimate_zero3_model_states_mem_needs_all_live``). The largest unit is the embedding matrix for ZeRO-3
(gathers per module) and the root unit (embeddings + lm_head + final norm) for FSDP2 (the root is not
resharded after forward).

Activations per decoder layer and token, bf16, SDPA/FlashAttention (no s² scores), no dropout, SwiGLU MLP:
what autograd keeps for a transformers Qwen2/Llama layer (h hidden, q = heads·head_dim, kv = kv_heads·
head_dim, i intermediate), itemised from the saved tensors of a real layer (tests/train/test_train_memory.py
walks the autograd graph and checks this number exactly):

    A = 2 × (4h fp32 RMSNorm input + 2h normalised bf16 + 4 fp32 rsqrt)        two RMSNorms
      + 2h (q/k/v projection input) + 2h (gate/up projection input)
      + 2q + 4kv (q, k, v after RoPE, kept by the attention kernel) + 4·heads (fp32 logsumexp)
      + 2q (attention output = o_proj input)
      + 8i (gate, SiLU(gate), up, their product)
      = 16h + 4q + 4kv + 8i + 4·heads + 8 bytes.

(Korthikanti et al. 2022, arXiv:2205.05198, count 34·h per token for a GPT layer with a 4h GELU MLP and
dropout; the SwiGLU MLP and the fp32 norms make a Qwen2 layer larger.)

    without checkpointing:   T · L · A
    with checkpointing:      T · L · 2h  (each layer's input)  +  T · A  (one layer recomputed in backward)

Logits: T · V · 10 bytes (bf16 logits 2 + fp32 upcast 4 + fp32 log-softmax 4, transformers' ForCausalLM
loss) unless Liger's fused linear cross-entropy is on (``use_liger_kernel``), which never materialises them.
T = micro-batch × max_length (an upper bound without packing; exact with packing). DPO runs chosen and
rejected in one forward: T doubles, and the reference model adds 2Ψ bf16 weights (sharded like the
policy under ZeRO-3/FSDP2). RL with ``beta > 0`` has a reference model too; vLLM colocate reserves
``vllm_gpu_memory_utilization`` of every GPU.

Overhead: a fixed 4 GiB per GPU (CUDA context, NCCL buffers, allocator fragmentation) — a rule of thumb,
not a measurement. The plan says "fits" when the total is at most the GPU memory.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from redstar_data.errors import ConfigError

Strategy = Literal["ddp", "zero2", "zero3", "zero3_offload", "fsdp2", "fsdp2_offload"]
STRATEGIES: tuple[str, ...] = ("ddp", "zero2", "zero3", "zero3_offload", "fsdp2", "fsdp2_offload")
GIB = 1024**3
OVERHEAD_BYTES = 4 * GIB
LOGIT_BYTES = 10  # bf16 logits + fp32 upcast + fp32 log-softmax


@dataclass(frozen=True)
class ModelShape:
    """The numbers of a decoder-only transformer's config.json that memory depends on."""

    name: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool = False
    head_dim: int | None = None
    qkv_bias: bool = True  # Qwen2 has biases on q/k/v; Llama has none

    @property
    def hd(self) -> int:
        return self.head_dim or self.hidden_size // self.num_heads

    @property
    def q_dim(self) -> int:
        return self.num_heads * self.hd

    @property
    def kv_dim(self) -> int:
        return self.num_kv_heads * self.hd

    @property
    def layer_params(self) -> int:
        """One decoder layer: attention projections (+ q/k/v biases), SwiGLU MLP, two RMSNorm weights."""
        h, q, kv, i = self.hidden_size, self.q_dim, self.kv_dim, self.intermediate_size
        attn = h * q + 2 * h * kv + q * h + ((q + 2 * kv) if self.qkv_bias else 0)
        return attn + 3 * h * i + 2 * h

    @property
    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size

    @property
    def root_params(self) -> int:
        """Parameters outside the decoder layers: embeddings, lm_head (unless tied), final norm."""
        head = 0 if self.tie_word_embeddings else self.embedding_params
        return self.embedding_params + head + self.hidden_size

    @property
    def total_params(self) -> int:
        return self.num_layers * self.layer_params + self.root_params

    @property
    def act_bytes_per_token_layer(self) -> int:
        """Bytes autograd keeps per token for one decoder layer (module docstring, ``A``)."""
        h, q, kv, i = self.hidden_size, self.q_dim, self.kv_dim, self.intermediate_size
        return 16 * h + 4 * q + 4 * kv + 8 * i + 4 * self.num_heads + 8

    @classmethod
    def from_hf_config(cls, cfg: dict[str, Any], name: str = "model") -> ModelShape:
        """From a transformers config.json mapping (Qwen2 / Llama / Mistral field names)."""
        try:
            return cls(
                name=name,
                hidden_size=int(cfg["hidden_size"]),
                num_layers=int(cfg["num_hidden_layers"]),
                num_heads=int(cfg["num_attention_heads"]),
                num_kv_heads=int(cfg.get("num_key_value_heads") or cfg["num_attention_heads"]),
                intermediate_size=int(cfg["intermediate_size"]),
                vocab_size=int(cfg["vocab_size"]),
                tie_word_embeddings=bool(cfg.get("tie_word_embeddings", False)),
                head_dim=cfg.get("head_dim"),
                qkv_bias=bool(cfg.get("attention_bias", cfg.get("model_type") == "qwen2")),
            )
        except KeyError as e:
            raise ConfigError(
                f"config.json lacks {e.args[0]!r}, needed for the memory plan",
                hint="the plan understands decoder-only configs (Qwen2, Llama, Mistral)",
            ) from None


def _qwen25(
    name: str, h: int, layers: int, heads: int, kv: int, inter: int, vocab: int = 152064, tie: bool = False
) -> ModelShape:
    return ModelShape(name, h, layers, heads, kv, inter, vocab, tie_word_embeddings=tie)


# Typed in from the published config.json files on the Hugging Face Hub (nothing is downloaded here).
# Qwen2.5 model cards give the totals the tests check against: 7.61B, 14.7B, 32.5B parameters.
_QWEN = {
    "qwen2.5-7b": _qwen25("Qwen2.5-7B", 3584, 28, 28, 4, 18944),
    "qwen2.5-14b": _qwen25("Qwen2.5-14B", 5120, 48, 40, 8, 13824),
    "qwen2.5-32b": _qwen25("Qwen2.5-32B", 5120, 64, 40, 8, 27648),
    "qwen2.5-math-7b": _qwen25("Qwen2.5-Math-7B", 3584, 28, 28, 4, 18944),
    "qwen2.5-1.5b": _qwen25("Qwen2.5-1.5B", 1536, 28, 12, 2, 8960, vocab=151936, tie=True),
}
KNOWN_MODELS: dict[str, ModelShape] = {
    **_QWEN,
    **{f"qwen/{k}": v for k, v in _QWEN.items()},
    **{f"qwen/{k}-instruct": v for k, v in _QWEN.items()},
}


def model_shape(path_or_id: str) -> ModelShape:
    """A local model directory's config.json, or a known Hub id (Qwen2.5 7B/14B/32B, Math-7B, 1.5B)."""
    p = Path(path_or_id)
    if (p / "config.json").is_file():
        return ModelShape.from_hf_config(json.loads((p / "config.json").read_text()), name=p.name)
    if p.suffix == ".json" and p.is_file():
        return ModelShape.from_hf_config(json.loads(p.read_text()), name=p.stem)
    key = path_or_id.lower()
    if key in KNOWN_MODELS:
        return KNOWN_MODELS[key]
    raise ConfigError(
        f"no shape known for model {path_or_id!r}",
        key="model.path",
        allowed=sorted(k for k in KNOWN_MODELS if "/" in k),
        hint="point model.path at a local directory with config.json, or pass --model-config CONFIG.json",
    )


@dataclass(frozen=True)
class PlanInput:
    """Everything the plan depends on besides the model shape."""

    strategy: str
    num_gpus: int
    gpu_mem_gib: float
    seq_len: int
    micro_batch: int = 1
    gradient_checkpointing: bool = True
    liger: bool = False
    kind: str = "sft"  # sft | dpo | rl
    reference_model: bool = False  # DPO, or RL with beta > 0
    weights_bytes: int = 2  # model dtype for DDP (2 = bf16, 4 = float32)
    vllm_colocate_fraction: float = 0.0
    gpus_per_node: int = 8


@dataclass
class MemoryPlan:
    """Bytes per GPU by component, the total, and whether it fits."""

    model: str
    strategy: str
    params: int
    num_gpus: int
    gpu_mem_gib: float
    seq_len: int
    micro_batch: int
    tokens_per_micro_batch: int
    weights: int = 0
    grads: int = 0
    optimizer: int = 0
    gathered: int = 0
    reference: int = 0
    activations: int = 0
    logits: int = 0
    vllm: int = 0
    overhead: int = OVERHEAD_BYTES
    cpu_per_node: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def model_states(self) -> int:
        return self.weights + self.grads + self.optimizer

    @property
    def total(self) -> int:
        return (
            self.model_states
            + self.gathered
            + self.reference
            + self.activations
            + self.logits
            + self.vllm
            + self.overhead
        )

    @property
    def fits(self) -> bool:
        return self.total <= self.gpu_mem_gib * GIB

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "model_states": self.model_states, "total": self.total, "fits": self.fits}


def model_state_bytes(params: int, strategy: str, n: int, weights_bytes: int = 2) -> tuple[int, int, int]:
    """(weights, gradients, optimizer) bytes per GPU for ``params`` parameters sharded over ``n`` GPUs."""
    if strategy == "ddp":
        w = weights_bytes
        return w * params, w * params, 2 * w * params
    if strategy == "zero2":
        return 2 * params, 2 * params // n, 12 * params // n
    if strategy == "zero3":
        return 2 * params // n, 2 * params // n, 12 * params // n
    if strategy == "fsdp2":
        return 4 * params // n, 4 * params // n, 8 * params // n
    if strategy in ("zero3_offload", "fsdp2_offload"):
        return 0, 0, 0
    raise ConfigError(f"unknown sharding strategy {strategy!r}", key="--strategy", allowed=STRATEGIES)


def activation_bytes(shape: ModelShape, tokens: int, gradient_checkpointing: bool) -> int:
    """Activations autograd keeps for one micro-batch of ``tokens`` tokens (module docstring)."""
    a = shape.act_bytes_per_token_layer
    if gradient_checkpointing:
        return tokens * shape.num_layers * 2 * shape.hidden_size + tokens * a
    return tokens * shape.num_layers * a


def plan(shape: ModelShape, inp: PlanInput) -> MemoryPlan:
    """The per-GPU memory plan for one training step (formulas in the module docstring)."""
    if inp.strategy not in STRATEGIES:
        raise ConfigError(f"unknown sharding strategy {inp.strategy!r}", key="--strategy", allowed=STRATEGIES)
    if inp.num_gpus < 1 or inp.seq_len < 1 or inp.micro_batch < 1:
        raise ConfigError("--gpus, the sequence length and the micro-batch must be at least 1")
    n, psi = inp.num_gpus, shape.total_params
    seqs = inp.micro_batch * (2 if inp.kind == "dpo" else 1)
    tokens = seqs * inp.seq_len
    w, g, o = model_state_bytes(psi, inp.strategy, n, inp.weights_bytes)
    out = MemoryPlan(
        model=shape.name,
        strategy=inp.strategy,
        params=psi,
        num_gpus=n,
        gpu_mem_gib=inp.gpu_mem_gib,
        seq_len=inp.seq_len,
        micro_batch=inp.micro_batch,
        tokens_per_micro_batch=tokens,
        weights=w,
        grads=g,
        optimizer=o,
    )
    sharded = inp.strategy in ("zero3", "zero3_offload", "fsdp2", "fsdp2_offload")
    if sharded:
        unit = shape.root_params if inp.strategy.startswith("fsdp2") else shape.embedding_params
        out.gathered = 4 * (unit + shape.layer_params)
    if inp.strategy.endswith("_offload"):
        per_rank = 16 * psi // n
        out.cpu_per_node = per_rank * min(inp.gpus_per_node, n)
        out.notes.append("model states in CPU RAM (pinned): see cpu_per_node")
    if inp.reference_model:
        if inp.strategy.endswith("_offload"):
            out.cpu_per_node += 2 * psi // n * min(inp.gpus_per_node, n)
        else:
            out.reference = 2 * psi // n if sharded else 2 * psi
    out.activations = activation_bytes(shape, tokens, inp.gradient_checkpointing)
    if inp.liger:
        out.notes.append("Liger fused linear cross-entropy: logits never materialised")
    else:
        out.logits = LOGIT_BYTES * tokens * shape.vocab_size
    if inp.vllm_colocate_fraction > 0:
        out.vllm = int(inp.vllm_colocate_fraction * inp.gpu_mem_gib * GIB)
    if inp.strategy == "zero2" and inp.weights_bytes != 2:
        out.notes.append("ZeRO-2 keeps bf16 weights on every GPU")
    return out


def plan_all(shape: ModelShape, inp: PlanInput) -> list[MemoryPlan]:
    """The same step under every strategy, for a side-by-side table."""
    from dataclasses import replace

    return [plan(shape, replace(inp, strategy=s)) for s in STRATEGIES]


__all__ = [
    "KNOWN_MODELS",
    "STRATEGIES",
    "MemoryPlan",
    "ModelShape",
    "PlanInput",
    "activation_bytes",
    "model_shape",
    "model_state_bytes",
    "plan",
    "plan_all",
]
