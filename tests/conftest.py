"""Fixtures shared by the test modules: the lessons executed (test_lessons.py and the numbers
tests) and the course website, built and read in chromium (test_book.py, test_book_widgets.py)."""

import functools
import http.server
import pathlib
import re
import subprocess
import sys
import threading

import pytest
from browser import Visit, free_port, launch
from lessons import LESSONS, execute_all

ROOT = pathlib.Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def executed_lessons(tmp_path_factory):
    """Every lesson executed twice from a clean kernel (two at a time): {(path, run): result}."""
    return execute_all(LESSONS, tmp_path_factory.mktemp("executed"), runs=2)


@pytest.fixture(scope="session")
def lesson_outputs(executed_lessons):
    """The first execution of each lesson, by file name: {name: notebook}."""
    return {path.name: result["nb"] for (path, run), result in executed_lessons.items() if run == 0}


# ---------------------------------------------------------------------------------------------
# The course website
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site():
    """Build the website (the real build: warnings and execution errors fail it); return _build/html."""
    result = subprocess.run([sys.executable, str(ROOT / "book" / "build.py")], cwd=ROOT, capture_output=True,
                            text=True, timeout=1800)
    log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    warnings = [line for line in log.splitlines() if "WARNING:" in line or "ERROR:" in line]
    assert result.returncode == 0, ("the book build failed (python book/build.py shows it all):\n"
                                    + "\n".join(warnings) + "\n...\n" + "\n".join(log.splitlines()[-40:]))
    return SITE


@pytest.fixture(scope="module")
def base_url(site):
    """The built site served on 127.0.0.1 from a thread."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                             functools.partial(Quiet, directory=str(site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser, base_url):
    """Open a page of the served site offline, settled (math typeset, widgets drawn)."""
    opened = []

    def open_page(path):
        v = Visit(browser, base_url, path)
        opened.append(v)
        return v.settle()

    yield open_page
    for v in opened:
        v.close()
