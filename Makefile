.PHONY: install test test-fast quality style demo bench

install:
	python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[train,dev,hub]'

test:
	.venv/bin/python -m pytest -q

test-fast:  # the inner loop: without the tests marked slow (CI runs everything: make test)
	.venv/bin/python -m pytest -q -m "not slow"

quality:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

style:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

demo:
	.venv/bin/redstar demo

bench:
	for b in ingest verifier generate dedup export train; do .venv/bin/python benchmarks/$$b.py || exit 1; done
