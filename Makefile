# One-command entry points. Python 3.11 and a CPU-only torch (pinned).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run smoke test benchmark clean-venv

$(BIN)/snakemake: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(BIN)/snakemake   ## create .venv with everything pinned

run: setup                ## the whole study: every figure, averaged over seeds
	$(BIN)/snakemake --cores 8

smoke: setup              ## every figure on tiny settings, about two minutes
	$(BIN)/snakemake --cores 2 --configfile tests/smoke.yaml

test: setup               ## the test suite (Slurm tests need slurm-wlm and munge)
	$(BIN)/python -m pytest -v

benchmark: setup          ## speed numbers (README "How long things take")
	$(BIN)/python workflow/scripts/benchmark.py step

clean-venv:
	rm -rf $(VENV)
