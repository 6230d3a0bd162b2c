# The course's commands. The README's two commands are `make course` and `make test`.
# Every target uses the virtual environment in .venv/, created on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: course install selfcheck test lint data clean-venv help

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

course: install selfcheck  ## Set everything up and run the course's main job.
	@echo
	@echo "The course is ready. Where things are:"
	@echo "  notebooks/   the lessons: open them with  $(VENV)/bin/jupyter lab notebooks/"
	@echo "  exercises/   the student versions of the assignments (made by nbgrader from solutions/)"
	@echo "  solutions/   the instructors' versions (nbgrader source)"
	@echo "  helpers/     the helper library, trialkit: import trialkit in any notebook"
	@echo "  book/        the pages of the course website"
	@echo "Run the tests with: make test"

install: $(STAMP)  ## Create .venv/ and install requirements.txt (includes the helper library).

$(STAMP): requirements.txt requirements-lock.txt helpers/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "the course needs Python 3.11: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip check
	touch $(STAMP)

selfcheck: $(STAMP)  ## Check the helper library: regenerate the virtual trial and compare.
	$(PY) -m trialkit selfcheck

test: $(STAMP)  ## Run every test.
	$(PY) -m pytest

lint: $(STAMP)  ## Lint with ruff (also part of make test).
	$(VENV)/bin/ruff check .

data: $(STAMP)  ## Rewrite the shipped virtual trial and its data dictionary from the seed.
	$(PY) -m trialkit write-data

clean-venv:  ## Remove the virtual environment.
	rm -rf $(VENV)
