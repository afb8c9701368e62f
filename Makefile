# The two commands of the README: `make demo` and `make test`. Both set up first (fast when
# nothing changed: the stamp below is rebuilt only when pyproject.toml or the script change).
VENV ?= .venv
STAMP := $(VENV)/.setup-done
BIN := $(VENV)/bin

.PHONY: setup demo test fuzz bench lint typecheck unit clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $@

demo: setup
	bash scripts/demo.sh

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest

# The fuzz test of `make test` with many more cases (hours on two cores); figures go to FUZZ_REPORT.
FUZZ_CASES ?= 5000
FUZZ_SEED ?= 8
FUZZ_REPORT ?= $(or $(TMPDIR),/tmp)/audio-tools-fuzz-report.json

fuzz: setup
	FUZZ_CASES=$(FUZZ_CASES) FUZZ_SEED=$(FUZZ_SEED) FUZZ_REPORT=$(FUZZ_REPORT) HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
		$(BIN)/pytest tests/fuzz
	@echo "fuzz figures: $(FUZZ_REPORT)"

# Every benchmark in one run (7 min on two cores; 17-20 min the first time: eval renders and the 100k-chunk store's fill): a table, benchmarks/results/<date>-<commit>.json
# and latest.json, then README.md's table from latest.json (also after a failed section, which the
# JSON records; the exit status is the run's). BENCH_ARGS: e.g. --sections search reuse.
BENCH_ARGS ?=

bench: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python benchmarks/run_all.py $(BENCH_ARGS); status=$$?; \
		$(BIN)/python benchmarks/readme_table.py && exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
