# actlab: `make figures` runs every notebook, `make test` runs the tests.
# Every target creates the environment in .venv/ first when it is missing or stale.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
export TF_CPP_MIN_LOG_LEVEL ?= 2
# the collection caches datasets (full MNIST, when it can be had) in the checkout's data/
export ACTLAB_DATA_DIR ?= $(CURDIR)/data
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.actlab-installed
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
PROFILE ?= default
BACKEND ?= tensorflow
KERNEL := actlab

# Each profile and backend has its own output folders (actlab.collection.outputs owns the rule): the default
# profile on TensorFlow writes figures/<nb>/ and reports/executed/, others a sub-folder such as
# figures/smoke/<nb>/, figures/jax/<nb>/ or figures/jax/smoke/<nb>/ (same under reports/).
empty :=
space := $(empty) $(empty)
VARIANT := $(subst $(space),/,$(strip $(filter-out tensorflow,$(BACKEND)) $(filter-out default,$(PROFILE))))
REPORTS_BASE := $(or $(ACTLAB_REPORTS_DIR),reports)
EXEC_DIR := $(REPORTS_BASE)/executed$(if $(VARIANT),/$(VARIANT))
RUN_ARGS := --profile $(PROFILE) --backend $(BACKEND)

NOTEBOOK_DIR ?= notebooks
NOTEBOOKS := $(sort $(wildcard $(NOTEBOOK_DIR)/[0-9][0-9]_*.ipynb))
NAMES := $(patsubst $(NOTEBOOK_DIR)/%.ipynb,%,$(NOTEBOOKS))
# Longest first, so that under `make -j2` the slowest notebook does not start last: the order of
# the default profile's times in `make -j2 figures` (its summary prints them; the times this
# order comes from are on the Performance page, docs/performance.md).
# Unlisted notebooks follow in name order; the benchmark (06) runs last, alone.
SLOW_FIRST := 09_is_my_activation_any_good 01_epoch_dynamic_blend 05_truncation_layer 07_check_your_activation 04_antirectifier_vs_relu 08_rational_activations 03_nan_diagnosis 02_soft_exponential
ORDERED := $(filter $(NAMES),$(SLOW_FIRST)) $(filter-out $(SLOW_FIRST),$(NAMES))
STAMPS := $(foreach n,$(ORDERED),$(EXEC_DIR)/.$(n).ok)
LIB_SRC := $(shell find lib -name '*.py' 2>/dev/null)

.PHONY: help venv figures notebooks reports docs bench checkup test lint format lab lock clean distclean readme-table robustness confirm

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

venv: $(VENV_STAMP) $(LAB_OVERRIDES)  ## create/refresh .venv from requirements.lock and register the kernel

# pip's own output (and this machine's pip configuration warnings) go to this log, not the terminal.
VENV_LOG = $(VENV)/pip-install.log
$(VENV_STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the pinned environment from requirements.lock into $(VENV) (a few minutes on a fresh machine; pip's log: $(VENV_LOG))"
	@: > $(VENV_LOG); install() { echo "+ pip install $$*" >> $(VENV_LOG); $(PY) -m pip install "$$@" >> $(VENV_LOG) 2>&1 || { \
	    echo "pip install $$* failed; the end of $(VENV_LOG):"; tail -n 25 $(VENV_LOG); exit 1; }; }; \
	  install --quiet --upgrade pip && \
	  install --quiet --progress-bar off -r requirements.lock && \
	  install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "actlab (.venv)" >/dev/null
	@touch $@

# JupyterLab's settings for this project, in .venv (not the user's home): no "Jupyter news"
# pop-up, no update check (jupyter/overrides.json, JupyterLab's overrides mechanism).
$(LAB_OVERRIDES): jupyter/overrides.json | $(VENV_STAMP)
	@mkdir -p $(dir $@) && cp $< $@

# `check` first forgets the stamps whose executed copy or results.json another run replaced, so
# "up to date" is never claimed for outputs that are not this profile's; the summary follows.
figures: $(VENV_STAMP)  ## execute every notebook (PROFILE=default|smoke|full, BACKEND=tensorflow|jax)
	@mkdir -p $(EXEC_DIR); rm -f $(EXEC_DIR)/*.failed
	@$(PY) -m actlab.collection.runner check $(RUN_ARGS) $(NAMES)
	@since=$$(date +%s); status=0; \
	  $(MAKE) --no-print-directory -k notebooks PROFILE=$(PROFILE) BACKEND=$(BACKEND) || status=1; \
	  echo; $(PY) -m actlab.collection.runner summary $(RUN_ARGS) --since $$since $(NAMES); exit $$status

notebooks: $(STAMPS)

# A notebook re-runs when it, its profile file, lib/ or the environment changed (or `check`
# found its outputs replaced).
.SECONDEXPANSION:
$(EXEC_DIR)/.%.ok: $(NOTEBOOK_DIR)/%.ipynb $$(wildcard $(NOTEBOOK_DIR)/profiles/$$*.yml) $(LIB_SRC) $(VENV_STAMP)
	@$(PY) -m actlab.collection.runner $< $(RUN_ARGS) --output $(EXEC_DIR)/$*.ipynb --stamp $@ || { \
	  test -f $(EXEC_DIR)/$*.ipynb.failed || \
	    echo "FAILED $<: the runner itself crashed (traceback above)" > $(EXEC_DIR)/$*.ipynb.failed; \
	  exit 1; }

# The benchmark notebook times code: under `make -j2 figures` it waits for every other notebook,
# so it runs alone on the machine.
BENCH := 06_activation_cost
BENCH_STAMP := $(EXEC_DIR)/.$(BENCH).ok
$(BENCH_STAMP): | $(filter-out $(BENCH_STAMP),$(STAMPS))

bench: $(VENV_STAMP)  ## only the activation-cost benchmark (notebook 06, always re-run; also part of figures)
	@$(PY) -m actlab.collection.runner $(NOTEBOOK_DIR)/$(BENCH).ipynb $(RUN_ARGS) --output $(EXEC_DIR)/$(BENCH).ipynb --stamp $(BENCH_STAMP)

# `make robustness NB=NN_name`: the notebook's run of PROFILE (`make figures`' run, first if it
# is not up to date) again with TensorFlow's oneDNN off (another float rounding: other kernels,
# another order of additions) into its own folders (figures/robustness/<nb>/, reports/executed/
# robustness/; actlab.collection.outputs owns the rule), then each headline verdict of both runs
# side by side, written to figures/robustness/<nb>/robustness.json for the README's table.
# Without NB: `make figures`, then every notebook whose results.json declares questions.
# Exit status: 0 the same verdicts, 1 a verdict flips, 2 a notebook could not be compared.
ROBUST_DIR := $(REPORTS_BASE)/executed/robustness$(if $(filter-out default,$(PROFILE)),/$(PROFILE))
$(ROBUST_DIR)/.%.ok: $(EXEC_DIR)/.%.ok
	@$(PY) -m actlab.collection.runner $(NOTEBOOK_DIR)/$*.ipynb $(RUN_ARGS) --perturbation onednn-off --output $(ROBUST_DIR)/$*.ipynb --stamp $@

robustness: $(VENV_STAMP)  ## NB=NN_name (default: every notebook with declared questions) again with oneDNN off; its headline verdicts side by side
	@test "$(BACKEND)" = tensorflow || { echo "make robustness: its perturbation (oneDNN off) is TensorFlow's; BACKEND=$(BACKEND) has none"; exit 2; }
	@names="$(NB)"; \
	  if [ -z "$$names" ]; then \
	    $(MAKE) --no-print-directory figures PROFILE=$(PROFILE) || exit 1; \
	    names=$$($(PY) -m actlab.collection.robustness declared --profile $(PROFILE) $(NAMES)); \
	    echo "make robustness: notebooks with declared questions: $${names:-none}"; \
	  fi; \
	  status=0; \
	  if [ -n "$$names" ]; then \
	    $(MAKE) --no-print-directory -k $$(for n in $$names; do printf '%s ' "$(ROBUST_DIR)/.$$n.ok"; done) PROFILE=$(PROFILE) || status=2; \
	  fi; \
	  $(PY) -m actlab.collection.robustness compare --profile $(PROFILE) $$names || status=$$?; \
	  exit $$status

reports: figures  ## HTML reports + index.html of one profile/backend (HIDE_CODE=1: paper variant)
	$(PY) -m actlab.collection.reports $(NAMES) $(RUN_ARGS) $(if $(filter 1 yes true,$(HIDE_CODE)),--hide-code)

# The confirmatory trials (notebooks/confirm/): re-decide every registered trial from its
# committed runs (seconds, no training); TRAIN=1 re-trains each one first (cached in
# build/confirm-cache: hours the first time) and overwrites its runs.csv and readings.json, so
# `git diff notebooks/confirm` shows whether the code still produces the committed runs.
confirm: $(VENV_STAMP)  ## re-decide every confirmatory trial from its committed runs (TRAIN=1: re-train them first)
	@$(if $(filter 1 yes true,$(TRAIN)),KERAS_BACKEND=tensorflow $(PY) -m actlab.collection.confirm run $(NB) &&) \
	  KERAS_BACKEND=tensorflow $(PY) -m actlab.collection.confirm decide $(NB)

readme-table: $(VENV_STAMP)  ## README findings table from figures/*/results.json (after `make figures`, default profile)
	$(PY) tools/readme_table.py --collect --figures figures

# The documentation site (mkdocs.yml): guides, the API reference from the docstrings
# (mkdocstrings), the notebooks as pages (never executed). --strict: a broken link or reference
# fails. Offline: no web fonts, no CDN.
DOCS_DIR := reports/docs
docs: $(VENV_STAMP)  ## the documentation site (guides, API reference, notebooks unexecuted) in reports/docs/
	@NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet --site-dir $(DOCS_DIR)
	@echo "docs: $(DOCS_DIR)/index.html"

# The checkup's exit status, said in words: 0 nothing failed, 1 a check failed (the activation
# has a defect), 2 not a usable target (a typo, an import error, not an activation). make's own
# exit status is 2 whenever the command fails, so the line printed here says which it was (as
# does make's "Error 1" / "Error 2"). A typo in an import path is refused before Keras loads.
checkup: $(VENV_STAMP)  ## check one activation: make checkup ACT=package.module:attribute (or a Keras name), or a whole module: MODULE=package.module
	@test -n "$(ACT)$(MODULE)" || { echo "usage: make checkup ACT=package.module:attribute (or a Keras name such as gelu), or make checkup MODULE=package.module"; exit 2; }
	@mkdir -p reports/logs
	@status=0; $(PY) -m actlab.checkup $(if $(MODULE),--module "$(MODULE)","$(ACT)") --log reports/logs/checkup.log $(CHECKUP_ARGS) || status=$$?; \
	  case $$status in \
	    0) echo "make checkup: exit 0, no check failed";; \
	    1) echo "make checkup: exit 1, at least one check failed (see the FAIL rows above)";; \
	    2) echo "make checkup: exit 2, not a usable target (nothing was checked; see the error above)";; \
	    *) echo "make checkup: exit $$status, the checkup itself crashed (log: reports/logs/checkup.log)";; \
	  esac; exit $$status

# Two pytest passes at once, one per core: everything on TensorFlow (incl. the notebook smoke
# runs and the cross-backend comparison, which starts one process per backend) in the terminal,
# and the same suite on JAX, where the TensorFlow-specific and backend-independent tests and the
# smoke runs are skipped with their reason (tests/conftest.py); its log is
# reports/logs/pytest-jax.log, and its summary is printed when both have finished.
JAX_TEST_LOG := reports/logs/pytest-jax.log
test: $(VENV_STAMP)  ## lint (ruff, import contracts), unit tests + notebook smoke runs on TensorFlow, unit tests on JAX
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check --quiet $(LINTED)
	$(VENV)/bin/lint-imports --no-logo
	@mkdir -p $(dir $(JAX_TEST_LOG))
	@echo "pytest on JAX runs alongside (log: $(JAX_TEST_LOG)); pytest on TensorFlow:"
	@KERAS_BACKEND=jax $(PY) -m pytest -p no:cacheprovider > $(JAX_TEST_LOG) 2>&1 & jax=$$!; \
	  KERAS_BACKEND=tensorflow $(PY) -m pytest; tf=$$?; \
	  wait $$jax; jx=$$?; \
	  echo; echo "pytest on JAX ($(JAX_TEST_LOG)):"; \
	  grep -E '^(FAILED|ERROR) ' $(JAX_TEST_LOG); tail -n 1 $(JAX_TEST_LOG); \
	  echo "make test: TensorFlow pass exit $$tf, JAX pass exit $$jx"; \
	  test $$tf -eq 0 && test $$jx -eq 0

# What `make lint` and `make test` lint, and `make format` formats.
LINTED := lib tests notebooks tools

lint: $(VENV_STAMP)  ## ruff check, ruff format --check, lint-imports (the layering contracts): what `make test` lints
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/lint-imports --no-logo

format: $(VENV_STAMP)  ## ruff format, then ruff's import sorting and other fixes
	$(VENV)/bin/ruff format $(LINTED)
	$(VENV)/bin/ruff check --fix $(LINTED)

lab: $(VENV_STAMP) $(LAB_OVERRIDES)  ## JupyterLab on the project kernel
	$(VENV)/bin/jupyter lab notebooks/

lock:  ## re-resolve requirements.in into requirements.lock (needs the package index)
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Exact pins of the whole environment (Python 3.11, Linux x86_64)."; \
	  echo "# Generated by \`make lock\` from requirements.in; do not edit by hand."; \
	  build/lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock
	rm -rf build/lock-venv

clean:  ## remove executed notebooks, reports and figures
	rm -rf reports figures/*/ .pytest_cache .ruff_cache

distclean: clean  ## also remove .venv
	rm -rf $(VENV)
