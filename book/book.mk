# The course website's targets. The Makefile includes this file after its variables
# (PY, VENV, STAMP), for example on its last line:  include book/book.mk
# Standalone: make -f Makefile -f book/book.mk book

.PHONY: book serve-book book-vendor

# Targets here never become make's default goal, wherever this file is included.
BOOK_SAVED_GOAL := $(.DEFAULT_GOAL)

BOOK_VENDORED := book/_vendor/VERSIONS.json
BOOK_PORT ?= 8000

book: $(STAMP) $(BOOK_VENDORED)  ## Build the course website into _build/html (runs the lessons; cached).
	$(PY) book/build.py

serve-book:  ## Serve the built website at http://127.0.0.1:8000 (make book first).
	@test -f _build/html/index.html || { echo "no website in _build/html yet: run make book"; exit 1; }
	@echo "The course website: http://127.0.0.1:$(BOOK_PORT)/  (Ctrl-C stops it)"
	$(PY) -m http.server $(BOOK_PORT) --bind 127.0.0.1 --directory _build/html

book-vendor: $(BOOK_VENDORED)  ## Fetch MathJax, require.js and the widget manager from npm (pinned).

# MathJax, require.js and the ipywidgets HTML manager, so that the pages load nothing from a CDN.
# Fetched again whenever book/vendor.py (the pinned versions and hashes) changes.
$(BOOK_VENDORED): book/vendor.py | $(STAMP)
	$(PY) book/vendor.py --force

.DEFAULT_GOAL := $(BOOK_SAVED_GOAL)
