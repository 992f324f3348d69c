# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv when needed; `make demo` installs supportflow with its SQLAlchemy
# store (the demo persists to SQLite through it) and rich (the `demo` dependency group),
# `make test` the development tools (`dev`).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
PIP_STAMP := $(VENV)/.pip
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed

.PHONY: demo test test-deep lint typecheck pytest fuzz-deep docs docs-serve schemas bench clean \
	mutation mutation-all mutation-main mutation-calendar mutation-score

# Dependency groups (pyproject.toml) need pip 25.1 or newer.
$(PIP_STAMP):
	@test -x $(BIN)/python || { echo "Creating $(VENV) with $(PYTHON)..."; $(PYTHON) -m venv $(VENV); }
	@echo "Updating pip in $(VENV) (dependency groups need pip 25.1 or newer)..."
	@$(PIP) 'pip>=25.1'
	@touch $@

$(STAMP): pyproject.toml $(PIP_STAMP)
	@echo "Installing supportflow and its development tools (group dev): 1-2 minutes the first time..."
	$(PIP) -e . --group dev
	@touch $@

$(DEMO_STAMP): pyproject.toml $(PIP_STAMP)
	@echo "Installing supportflow with its SQLAlchemy store and rich (extra sqlalchemy, group demo)..."
	$(PIP) -e '.[sqlalchemy]' --group demo
	@touch $@

demo: $(DEMO_STAMP)
	@echo "Running examples/demo.py: a month of a help desk, simulated twice (about a minute)..."
	$(BIN)/python examples/demo.py

test: $(STAMP) lint typecheck pytest docs

# The long runs: the property tests with the deep profile (ten times the ci examples)
# and the deep-marked runs of thousands of tickets through sweep processes and Celery.
test-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest -n 2 -p no:cacheprovider -m "deep or not deep"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/supportflow tests/typing

pytest: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

# The load-guarantee fuzzer and the atomicity properties with many more examples
# (hypothesis profile "deep", shrinking on); minutes, not seconds.
fuzz-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep SUPPORTFLOW_FUZZ_MUTATIONS=12 $(BIN)/python -m pytest -p no:cacheprovider \
		tests/test_load_fuzz.py tests/test_atomicity.py tests/test_replay_oracle.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# The published JSON Schemas (docs/schemas/), regenerated from the codecs.
schemas: $(STAMP)
	$(BIN)/python -m supportflow schemas docs/schemas

bench: $(STAMP)
	$(PIP) -e . --group dev --group bench
	$(BIN)/python benchmarks/run.py

# Mutation testing (docs/quality.md), not part of `make test`: mutmut, one worker, the
# hypothesis profile `mutation`. A profile is a set of modules and the tests that judge
# them: `main` ([tool.mutmut], run here) and those of [tool.supportflow-mutation.*]
# (the calendar), each run in build/mutation-NAME/. `make mutation` tests the mutants of
# the functions changed since MUTATION_BASE (default: the merge base with main;
# working-tree changes count); `make mutation-all` (or MUTATION=all) every mutant that has
# no result yet, profile by profile; `make mutation-PROFILE` one profile's. Results are
# kept in each profile's mutants/, and those of a function that changed are dropped, so a
# second run resumes. `make mutation-score` prints the score per module.
MUTATION_STAMP := $(VENV)/.mutation-installed
MUTATION_BASE ?= $(shell git merge-base HEAD main 2>/dev/null)
MUTMUT := HYPOTHESIS_PROFILE=mutation $(abspath $(BIN))/mutmut run --max-children 1
SCOPE := $(abspath $(BIN))/python tests/mutation_scope.py

$(MUTATION_STAMP): pyproject.toml $(PIP_STAMP)
	$(PIP) -e . --group mutation
	@touch $@

ifeq ($(MUTATION),all)
mutation: mutation-all
else
mutation: $(MUTATION_STAMP)
	@test -n "$(MUTATION_BASE)" || { echo "No merge base with main: set MUTATION_BASE=<commit>"; exit 2; }
	@set -ef; for profile in $$($(SCOPE) profiles); do \
	scope="$$($(SCOPE) changed $(MUTATION_BASE) $$profile)"; \
	if [ -z "$$scope" ]; then echo "$$profile: no mutated function changed since $(MUTATION_BASE)."; \
	else echo "$$profile: mutants of:"; echo "$$scope" | sed 's/^/  /'; \
	(cd "$$($(SCOPE) profile $$profile)" && $(MUTMUT) $$scope); \
	$(SCOPE) score $$scope; fi; done
endif

mutation-all: $(MUTATION_STAMP)
	@set -e; for profile in $$($(SCOPE) profiles); do \
	(cd "$$($(SCOPE) profile $$profile)" && $(MUTMUT)); done
	$(SCOPE) score

mutation-main mutation-calendar: mutation-%: $(MUTATION_STAMP)
	cd "$$($(SCOPE) profile $*)" && $(MUTMUT)
	$(SCOPE) score

mutation-score: $(MUTATION_STAMP)
	$(SCOPE) score

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants build/mutation-*
