# One-command entry points. Python 3.11; every version pinned in requirements.txt.
#
# torch: the pinned torch from PyPI is, on Linux x86_64, a CUDA build that
# pulls several GB of nvidia-* packages (the study never uses a GPU). For the
# CPU-only build (a few hundred MB) from PyTorch's own index:
#     make setup TORCH_INDEX=cpu        (on a fresh clone, or after make clean-venv)
# TORCH_INDEX may also be any index URL (a mirror). Check what setup will run
# with `make -n setup TORCH_INDEX=cpu`.
PYTHON ?= python3.11
CORES ?= all
TORCH_INDEX ?=
VENV := .venv
BIN := $(VENV)/bin
# The pin has one home, requirements.txt.
TORCH_PIN := $(shell grep -E '^torch==' requirements.txt)
TORCH_INDEX_URL := $(if $(filter cpu,$(TORCH_INDEX)),https://download.pytorch.org/whl/cpu,$(TORCH_INDEX))
SMOKE := --configfile=tests/smoke.yaml

.PHONY: help setup run smoke figure test test-fast lint benchmark benchmark-study clean-venv
.DEFAULT_GOAL := help

help:                     ## this list: each target and what it does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):[^#]*## /  make \1\t/' | expand -t 24

$(BIN)/snakemake: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	"$(BIN)/python" -m pip install --quiet --upgrade pip
ifneq ($(TORCH_INDEX_URL),)
	"$(BIN)/python" -m pip install --index-url $(TORCH_INDEX_URL) --no-deps '$(TORCH_PIN)'
endif
	"$(BIN)/python" -m pip install -r requirements.txt
	"$(BIN)/python" -m pip install --no-deps --no-build-isolation --editable .
	touch $@

setup: $(BIN)/snakemake   ## create .venv with everything pinned (TORCH_INDEX=cpu: CPU-only torch)

# Snakemake reads its config files and --config before the workflow's code runs, and ends a bad one in
# a traceback or a message without the file's name: check-config names it in one line first (exit 2).
# PYTHONPATH: this checkout's rnnadd, whichever checkout the .venv was made in.
CHECK_CONFIG := PYTHONPATH=workflow "$(BIN)/python" -m rnnadd check-config

run: setup                ## the whole study: every figure, averaged over seeds
	$(CHECK_CONFIG)
	"$(BIN)/python" -m snakemake --cores $(CORES)
	"$(BIN)/python" -m snakemake --report results/report.zip
	@echo "Figures: results/figures/ (PNG and PDF). Report with captions: results/report.zip (unzip it, open report/report.html)."

smoke: setup              ## every figure on tiny settings, and its report (times: docs/performance.md)
	$(CHECK_CONFIG) tests/smoke.yaml
	"$(BIN)/python" -m snakemake --cores $(CORES) $(SMOKE)
	"$(BIN)/python" -m snakemake $(SMOKE) --report results/report.zip
	@echo "Smoke figures (tiny settings, not meant to learn): results/figures/ (PNG and PDF)."
	@echo "Report with captions: results/report.zip (unzip it, open report/report.html). make run replaces both."

FIGURE ?=
PRESET ?=
# The recipe reads FIGURE from its environment ("$$FIGURE", split into words without globbing), so its
# text is never shell code. PRESET is checked when the Makefile is read: a typo (PRESET=smok) would
# otherwise quietly run the full study.
export FIGURE
ifneq ($(filter figure,$(MAKECMDGOALS)),)
ifneq ($(filter-out smoke,$(PRESET)),)
$(error PRESET=$(PRESET): make figure takes PRESET=smoke (tiny settings) or no PRESET (the full study))
endif
endif
figure: setup             ## one figure and what it needs: make figure FIGURE=fig05_maxlen [PRESET=smoke]
	@test -n "$$FIGURE" || { echo "make figure needs FIGURE=<name>, e.g. make figure FIGURE=fig05_maxlen" >&2; exit 2; }
	$(CHECK_CONFIG) $(if $(filter smoke,$(PRESET)),tests/smoke.yaml)
	set -f; "$(BIN)/python" -m snakemake $$FIGURE --cores $(CORES) $(if $(filter smoke,$(PRESET)),$(SMOKE))

# Two workers suit 2 cores; a module's tests stay on one worker (its fixtures are built once),
# handed out in the order tests/conftest.py gives (FIRST_MODULES), not by size.
TEST_WORKERS ?= 2
test: setup               ## the test suite on TEST_WORKERS=2 workers, then its 25 slowest tests (Slurm: root, slurm-wlm, munge)
	"$(BIN)/python" -m pytest -v -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

lint: setup               ## ruff (Python), snakefmt --check and snakemake --lint (rules), as CI runs them
	"$(BIN)/python" -m ruff check .
	PATH="$(BIN):$$PATH" "$(BIN)/python" -m snakefmt --check Snakefile workflow/rules tests/slurm/retry_workflow/Snakefile
	"$(BIN)/python" -m snakemake --lint

test-fast: setup          ## every test that launches no Snakemake (no build, no dry run)
	"$(BIN)/python" -m pytest -v -m "not snakemake"

WHAT ?= step
benchmark: setup          ## speed numbers (docs/performance.md); WHAT=step, noop or study
	"$(BIN)/python" workflow/scripts/benchmark.py $(WHAT)

BENCH_CORES ?= 2
benchmark-study: setup    ## 4 figures (85 training jobs) in a fresh copy: wall time against its floor
	"$(BIN)/python" workflow/scripts/benchmark.py study --cores $(BENCH_CORES)

clean-venv:
	rm -rf $(VENV)
