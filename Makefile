.PHONY: install test test-slow quality style demo bench

install:
	python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[train,dev,hub]'

test:  # the default run: everything but the heavy suites (slow, vllm, ray), each run by CI on its own
	.venv/bin/python -m pytest -q

test-slow:  # multi-process training, subprocess CLI runs: minutes on 2 cores
	.venv/bin/python -m pytest -q -m "slow and not vllm and not ray"

quality:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

style:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

demo:
	.venv/bin/redstar demo

bench:
	for b in ingest verifier generate dedup export train; do .venv/bin/python benchmarks/$$b.py || exit 1; done
