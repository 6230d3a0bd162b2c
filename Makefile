# The course's commands. The README's two commands are `make course` and `make test`.
# Every target uses the virtual environment in .venv/, created on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: course install selfcheck test lint data clean-venv help exercises check-exercises browser \
	release collect autograde feedback grades item-analysis

# nbgrader runs alembic and jupyter from the environment: put it first on PATH.
NBGRADER := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/nbgrader
A ?=

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

browser:  ## Install Debian's chromium for the browser tests (needs root or sudo), if missing.
	@command -v chromium >/dev/null || { \
	  echo "installing chromium (Debian package) for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser  ## Run every test.
	$(PY) -m pytest

lint: $(STAMP)  ## Lint with ruff (also part of make test).
	$(VENV)/bin/ruff check .

data: $(STAMP)  ## Rewrite the shipped virtual trial and its data dictionary from the seed.
	$(PY) -m trialkit write-data

# ---- Instructors: the nbgrader workflow (A=assignment, e.g. make autograde A=03_survival) ----

exercises: $(STAMP)  ## Regenerate the student versions in exercises/ from solutions/.
	@for a in $$(ls solutions); do [ -d solutions/$$a ] && $(NBGRADER) generate_assignment $$a --force; done

check-exercises: $(STAMP)  ## Fail if exercises/ is not what nbgrader generates from solutions/.
	$(PY) scripts/course.py check-exercises

release: $(STAMP)  ## Generate and release assignment A to the students (nbgrader exchange).
	$(NBGRADER) generate_assignment $(A) --force
	$(NBGRADER) release_assignment $(A) --force

collect: $(STAMP)  ## Collect the students' submissions of A from the exchange into submitted/.
	$(NBGRADER) collect $(A)

autograde: $(STAMP)  ## Autograde A; unreadable submissions are reported by name, never graded.
	$(PY) scripts/course.py autograde $(A)

feedback: $(STAMP)  ## Generate feedback HTML for A and return it to the students.
	$(NBGRADER) generate_feedback $(A) --force
	-$(NBGRADER) release_feedback $(A)

grades: $(STAMP)  ## Export every grade to grades.csv.
	$(NBGRADER) export --to grades.csv

item-analysis: $(STAMP)  ## Which graded parts of A the class missed: table and plot in reports/.
	$(PY) scripts/course.py item-analysis $(A)

clean-venv:  ## Remove the virtual environment.
	rm -rf $(VENV)
