"""The lessons' widgets in the built website respond offline, without a kernel.

The book build makes the widgets static (book/build.py sets TRIALKIT_WIDGETS=static for the
lessons' kernels; trialkit.widgets.static): each output is a stack of precomputed panels or
figures, and each stack's shown child is chosen by a control through a link that runs in the page.
Here chromium moves each control of each widget page (the keyboard on a slider's handle, a choice
in a dropdown) to at least three positions and back, and checks that the page then shows the
precomputed frame for that position, found in the page's saved widget state by following the
links as the page should. Every request off the machine is blocked; the pages are read from
`make serve-book` and from file://.
"""

import base64
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest
from browser import SCREENSHOTS, Visit, free_port, wait_for_port

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: Every page with widgets, and the titles of its widgets.
WIDGET_PAGES = {
    "notebooks/02_trial_design": ("Sample size and power", "Randomisation and imbalance"),
    "notebooks/03_survival_analysis": ("Re-run the trial",),
    "notebooks/04_landmark_analysis": ("Landmark explorer",),
    "notebooks/06_observational_pitfalls": ("Immortal time",),
}
PAGE_LIMIT_MB = 5
CONTROLS = ("SelectionSliderModel", "DropdownModel")


def _months(at, text):
    return re.search(rf"(0-|after |month ){at['Landmark (months)']}( months|;|,| so)", text)


def _design(at, text):
    accrual, followup = at["Accrual (months)"], at["Follow-up after accrual (months)"]
    return (f"with {accrual} months of accrual and {followup} more of follow-up" in text
            or (at["Control survival at 60 mo"] == at["Treatment survival at 60 mo"] and "equal survival" in text))


#: What each widget's panel says at a position, given its controls' readouts by description: the
#: frame shown is the one for the position the controls show, not merely one the state links to.
SAYS = {
    "Landmark explorer": _months,
    "Immortal time": lambda at, text: f"beyond week {at['Threshold (weeks)']}." in text,
    "Re-run the trial": lambda at, text: text.startswith(f"{at['Trials drawn']} virtual trials drawn"),
    "Randomisation and imbalance": lambda at, text: f"of {at['Trial size']} patients ({at['Scheme']}" in text,
    "Sample size and power": _design,
}


def _id(reference):
    return reference.removeprefix("IPY_MODEL_")


def saved_state(site, doc):
    """The page's saved widget state {model id: model}, and its displayed widgets' ids in order."""
    text = (site / f"{doc}.html").read_text(encoding="utf-8")
    state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S)
    views = re.findall(r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>', text, re.S)
    assert state and views, f"{doc}: no saved widgets"
    return json.loads(state.group(1))["state"], [json.loads(view)["model_id"] for view in views]


class SavedWidget:
    """One static widget as its page saved it, read as the page's links read it."""

    def __init__(self, state, model_id):
        self.state = state
        self.children = [_id(ref) for ref in state[model_id]["state"]["children"]]
        header = state[self.children[0]]["state"]["value"]
        self.title = re.search(r"<h4[^>]*>(.*?)</h4>", header).group(1)
        self.controls = [c for c in self.children if state[c]["model_name"] in CONTROLS]
        self.result, self.figure = len(self.children) - 2, len(self.children) - 1  # positions in the box
        self.links = {}  # stack -> the control whose index selects its child
        for model in state.values():
            if model["model_name"] == "LinkModel":
                (source, trait), (target, selected) = model["state"]["source"], model["state"]["target"]
                assert (trait, selected) == ("index", "selected_index")
                self.links[_id(target)] = _id(source)

    def labels(self, control):
        return self.state[control]["state"]["_options_labels"]

    def start(self):
        return {control: self.state[control]["state"]["index"] for control in self.controls}

    def frame(self, position, indices):
        """The model the output at ``position`` in the box shows when the controls are at ``indices``."""
        model = self.children[position]
        while self.state[model]["model_name"] == "StackModel":
            control = self.links[model]  # a stack no control selects would never change
            model = _id(self.state[model]["state"]["children"][indices[control]])
        return self.state[model]

    def expected(self, indices):
        """(HTML of the result panel, PNG bytes of the figure or None) at ``indices``."""
        figure = self.frame(self.figure, indices)
        png = None
        if figure["model_name"] == "ImageModel":
            png = base64.b64decode(next(b["data"] for b in figure["buffers"] if b["path"] == ["value"]))
        return self.frame(self.result, indices)["state"]["value"], png


SHOWN = """async ([title, resultAt, figureAt, expectedHtml]) => {
  const area = [...document.querySelectorAll(".widget-subarea")]
    .find((a) => (a.querySelector("h4") || {}).textContent === title);
  const box = area.querySelector(".widget-vbox");
  const result = box.children[resultAt], figure = box.children[figureAt];
  const panels = result.querySelectorAll(".widget-html-content");
  const parsed = document.createElement("div");
  parsed.innerHTML = expectedHtml;  // the expected HTML as the page serialises it
  const images = figure.querySelectorAll("img");
  let png = null;
  if (images.length === 1 && images[0].complete) {
    const bytes = new Uint8Array(await (await fetch(images[0].src)).arrayBuffer());
    png = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  }
  return {panels: panels.length, same: panels.length === 1 && panels[0].innerHTML === parsed.innerHTML,
          text: panels.length ? panels[0].textContent : "", images: images.length, png,
          figureText: figure.textContent.trim()};
}"""

READ_INDICES = """([title, positions]) => {
  const area = [...document.querySelectorAll(".widget-subarea")]
    .find((a) => (a.querySelector("h4") || {}).textContent === title);
  const box = area.querySelector(".widget-vbox");
  return positions.map((at) => {
    const select = box.children[at].querySelector("select");
    if (select) return select.selectedIndex;
    return box.children[at].querySelector(".widget-readout").textContent.trim();
  });
}"""


class WidgetOnPage:
    """A static widget in chromium: move its controls, read what it shows."""

    def __init__(self, page, saved):
        self.page, self.saved = page, saved
        self.positions = [saved.children.index(control) for control in saved.controls]
        self.area = page.locator(".widget-subarea", has=page.locator("h4", has_text=saved.title))
        self.box = self.area.locator(".widget-vbox").first

    def indices(self):
        values = self.page.evaluate(READ_INDICES, [self.saved.title, self.positions])
        indices = {}
        for control, value in zip(self.saved.controls, values, strict=True):
            indices[control] = value if isinstance(value, int) else self.saved.labels(control).index(value)
        return indices

    def move(self, control, target):
        """Move a control to the position ``target``: a dropdown by choice, a slider by the keyboard."""
        element = self.box.locator(f":scope > :nth-child({self.saved.children.index(control) + 1})")
        if self.saved.state[control]["model_name"] == "DropdownModel":
            element.locator("select").select_option(index=target)
        else:
            handle = element.locator(".noUi-handle")
            handle.focus()
            for _ in range(abs(target - self.indices()[control])):
                self.page.keyboard.press("ArrowRight" if target > self.indices()[control] else "ArrowLeft")
        assert self.indices()[control] == target, f"{self.saved.title}: the control did not reach {target}"

    def shown(self, expected_html):
        return self.page.evaluate(SHOWN, [self.saved.title, self.saved.result, self.saved.figure, expected_html])

    def check(self, where):
        """Wait until the page shows the frame for the controls' positions; return what it shows."""
        indices = self.indices()
        html, png = self.saved.expected(indices)
        deadline = time.monotonic() + 15
        while True:
            shown = self.shown(html)
            figure_ok = (shown["images"] == 0 and shown["figureText"] == "") if png is None else (
                shown["png"] is not None and base64.b64decode(shown["png"]) == png)
            if (shown["same"] and figure_ok) or time.monotonic() > deadline:
                break
            self.page.wait_for_timeout(100)
        labels = {self.saved.state[c]["state"]["description"]: self.saved.labels(c)[i] for c, i in indices.items()}
        assert shown["same"], f"{self.saved.title} at {labels} ({where}): the panel shows {shown['text'][:300]!r}"
        assert figure_ok, f"{self.saved.title} at {labels} ({where}): the figure is not the precomputed one"
        assert SAYS[self.saved.title](labels, shown["text"]), f"{self.saved.title} at {labels}: {shown['text']!r}"
        return shown["text"], png


def _targets(start, count):
    """Three positions other than ``start`` (or all the others if fewer), near and far."""
    others = [i for i in range(count) if i != start]
    near = sorted(others, key=lambda i: (abs(i - start), i))[:2]
    far = max(others, key=lambda i: abs(i - start))
    return list(dict.fromkeys(near + [far] + sorted(others)))[:3]


def exercise(visit, saved, where):
    """Move every control of a widget to three positions and back, checking each frame shown."""
    widget = WidgetOnPage(visit.page, saved)
    widget.area.scroll_into_view_if_needed()
    assert widget.indices() == saved.start()
    first = widget.check(where)
    visited = {}
    for control in saved.controls:
        start = saved.start()[control]
        previous, visited[control] = first, {start}
        for target in _targets(start, len(saved.labels(control))):
            widget.move(control, target)
            now = widget.check(where)
            assert now != previous, f"{saved.title}: moving {control} to {target} changed nothing"
            previous = now
            visited[control].add(target)
        widget.move(control, start)
        assert widget.check(where) == first, f"{saved.title}: moved back, the widget shows another frame"
    return visited


# ---------------------------------------------------------------------------------------------
# Where the site is read from: `make serve-book`, and the files themselves
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served_by_make(site):
    """`make serve-book` on a free port (with this interpreter), stopped at the end."""
    port = free_port()
    process = subprocess.Popen(["make", "-s", "serve-book", f"PY={sys.executable}", f"BOOK_PORT={port}"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture
def read(browser, site, request):
    """Open a page, from `make serve-book` or from file://, offline and settled."""
    opened = []

    def open_page(doc, where):
        base = request.getfixturevalue("served_by_make") if where == "make serve-book" else site.as_uri()
        visit = Visit(browser, base, f"{doc}.html")
        opened.append(visit)
        return visit.settle()

    yield open_page
    for visit in opened:
        visit.close()


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------

def test_the_widget_pages_are_the_pages_with_static_widgets(site):
    pages = {}
    for path in sorted((site / "notebooks").glob("*.html")):
        doc = f"notebooks/{path.stem}"
        if "widget-view+json" in path.read_text(encoding="utf-8"):
            state, views = saved_state(site, doc)
            pages[doc] = tuple(SavedWidget(state, view).title for view in views)
    assert pages == WIDGET_PAGES


@pytest.mark.parametrize("where", ["make serve-book", "file://"])
@pytest.mark.parametrize("doc", list(WIDGET_PAGES))
def test_every_control_shows_its_precomputed_frames(site, read, doc, where):
    state, views = saved_state(site, doc)
    visit = read(doc, where)
    for view in views:
        saved = SavedWidget(state, view)
        assert saved.controls, f"{saved.title}: no control"
        visited = exercise(visit, saved, where)
        assert all(len(positions) >= 3 for positions in visited.values()), visited
        note = visit.page.locator(".widget-subarea", has=visit.page.locator("h4", has_text=saved.title))
        assert "Precomputed for this page" in note.locator(".course-widget-note").inner_text()
    assert visit.console_errors == [], visit.console_errors
    assert visit.off_machine == [], visit.off_machine
    assert visit.failed == [], visit.failed
    assert visit.page.locator(".course-widget-note").count() == len(views)  # one note each, none added
    if where == "file://":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        last = visit.page.locator(".widget-subarea").last
        last.screenshot(path=str(SCREENSHOTS / f"book_widget_{doc.split('/')[-1]}.png"))


def test_widget_pages_weigh_under_the_limit(site):
    """A widget page's own weight: its HTML (with the widgets' saved state) and its images. The
    site's shared scripts (MathJax, the widget manager: _static/) are the same on every page."""
    for doc in WIDGET_PAGES:
        page = site / f"{doc}.html"
        images = set(re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8")))
        weight = page.stat().st_size + sum((page.parent / src).stat().st_size for src in images
                                           if not src.startswith(("data:", "http")))
        assert weight < PAGE_LIMIT_MB * 1e6, f"{doc}: {weight / 1e6:.1f} MB"
