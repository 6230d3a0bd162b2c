"""Shared helpers of the browser tests: Debian's chromium driven by playwright, offline."""

import pathlib
import shutil
import socket

SCREENSHOTS = pathlib.Path(__file__).resolve().parent.parent / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags that keep chromium from calling home (this machine reaches no other host).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=60):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def block_off_machine(page, base):
    """Abort every request of ``page`` that leaves ``base`` (data: URLs excepted); return the list
    of the blocked URLs, filled as the page runs."""
    blocked = []

    def handle(route):
        url = route.request.url
        if url.startswith(base) or url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


class Visit:
    """A page opened offline: off-machine requests blocked and counted; errors and failures recorded.

    ``base_url`` is where the site is, served (``http://127.0.0.1:PORT``) or on disk
    (``file:///.../_build/html``); every request elsewhere is blocked.
    """

    def __init__(self, browser, base_url, path):
        self.base = base_url
        self.off_machine, self.console_errors, self.failed = [], [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: r.url.startswith(base_url)
                     and self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url}: HTTP {r.status}"))
        self.page.goto(f"{base_url}/{path}", wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.off_machine.append(url)
            route.abort()

    def settle(self):
        """Wait for MathJax to typeset and for saved widgets to be drawn."""
        page = self.page
        page.wait_for_function("() => document.readyState === 'complete'")
        if page.locator('script[src*="mathjax"]').count():
            page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise",
                                   timeout=30_000)
            page.evaluate("() => window.MathJax.startup.promise.then(() => true)")
        views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        if views:
            drawn = "document.querySelectorAll('.widget-subarea > .jupyter-widgets').length"
            page.wait_for_function(f"() => {drawn} >= {views}", timeout=60_000)
        page.wait_for_load_state("networkidle")
        return self

    def close(self):
        self.page.close()
