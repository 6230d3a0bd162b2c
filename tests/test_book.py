"""The course website: built once with the real build, then read offline in chromium.

The session fixture `site` (tests/conftest.py) runs `python book/build.py` (which writes _toc.yml,
vendors the JavaScript and runs `jupyter-book build . -W -n --keep-going`) into the repository's
_build/html, so the execution cache in _build/.jupyter_cache makes later runs fast. The site is
then served from a thread on 127.0.0.1 (`base_url`); every request to another host is blocked and
counted (`visit`). Screenshots go to _build/screenshots/ for a person to look at. The widgets'
precomputed positions are tested in tests/test_book_widgets.py.
"""

import html
import json
import pathlib
import re
import sys
import urllib.parse
from html.parser import HTMLParser

import pytest
import yaml
from browser import SCREENSHOTS

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book"))
import toc  # noqa: E402  (book/toc.py: the table of contents the build writes)

DOCS = [entry["file"] for part in yaml.safe_load(toc.toc_text())["parts"] for entry in part["chapters"]]
DOCS.insert(0, yaml.safe_load(toc.toc_text())["root"])
LESSONS = [d for d in DOCS if d.startswith("notebooks/")]
EXERCISES = [d for d in DOCS if d.startswith("exercises/")]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Every page, in chromium
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", DOCS)
def test_page_loads_offline_without_errors(visit, doc):
    v = visit(f"{doc}.html")
    assert v.off_machine == [], f"requests to other hosts (blocked): {v.off_machine}"
    assert v.failed == [], v.failed
    assert v.console_errors == [], v.console_errors
    images = v.page.eval_on_selector_all("img", """els => els.map(e => ({
        src: e.getAttribute('src') || e.currentSrc, complete: e.complete, width: e.naturalWidth,
        alt: (e.getAttribute('alt') || '').trim(), output: !!e.closest('.cell_output, .jupyter-widgets')}))""")
    for img in images:
        assert img["complete"] and img["width"] > 0, f"image did not load: {img['src']}"
        assert img["alt"], f"image without alt text: {img['src']}"
        if img["output"]:  # a figure made by a lesson: described, not named after its file
            assert not re.search(r"\.(png|jpe?g|svg)$", img["alt"]) and len(img["alt"]) >= 15, img
    outputs = v.page.locator(".cell_output")
    assert v.page.locator(".cell_output .traceback, .cell_output .stderr").count() == 0
    assert not any("Traceback (most recent call last)" in t for t in outputs.all_inner_texts())


def test_screenshots_of_the_landing_page_and_a_lesson(visit):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit("book/index.html").page.screenshot(path=str(SCREENSHOTS / "book_landing.png"), full_page=True)
    lesson = next((d for d in LESSONS if "landmark" in d), LESSONS[0])
    visit(f"{lesson}.html").page.screenshot(path=str(SCREENSHOTS / "book_lesson.png"), full_page=True)
    assert (SCREENSHOTS / "book_landing.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "book_lesson.png").stat().st_size > 10_000


def _pages_with(site, needle):
    return [d for d in DOCS if needle in (site / f"{d}.html").read_text(encoding="utf-8")]


def test_math_is_typeset(site, visit):
    pages = _pages_with(site, 'class="math')
    assert pages, "no page has math to typeset"
    page = visit(f"{pages[0]}.html").page
    assert page.locator("mjx-container").count() > 0, "MathJax did not typeset the math"
    assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"


def test_a_lesson_widget_renders_as_a_slider(site, visit):
    """Saved widget state is drawn by the vendored HTML manager: the landmark explorer's slider."""
    with_widgets = [d for d in DOCS if 'widget-state+json' in (site / f"{d}.html").read_text(encoding="utf-8")
                    and "SliderModel" in (site / f"{d}.html").read_text(encoding="utf-8")]
    lessons = [d for d in with_widgets if d in LESSONS]
    assert lessons, f"no lesson shows a slider widget (pages with one: {with_widgets})"
    v = visit(f"{lessons[0]}.html")
    slider = v.page.locator(".widget-slider").first
    slider.wait_for(state="visible", timeout=30_000)
    assert v.page.locator(".widget-readout").first.inner_text().strip() != ""
    v.page.locator(".course-widget-note").first.wait_for(state="visible")  # "its controls do nothing here"
    image = v.page.locator("img.widget-image")
    if image.count():
        assert image.first.evaluate("e => e.complete && e.naturalWidth > 0")
        assert image.first.get_attribute("alt")
    assert v.console_errors == [] and v.off_machine == [] and v.failed == []


def test_answers_are_collapsed_dropdowns_that_open(site, visit):
    lesson = next(d for d in LESSONS if "<details>" in (site / f"{d}.html").read_text(encoding="utf-8"))
    page = visit(f"{lesson}.html").page
    details = page.locator("article details")
    assert details.count() >= 2
    assert all(not d.evaluate("e => e.open") for d in details.all()), "an answer is open before it is clicked"
    first = details.first
    answer = first.locator("p").first
    assert not answer.is_visible()
    first.locator("summary").click()
    assert first.evaluate("e => e.open")
    answer.wait_for(state="visible")


def test_search_finds_a_term_from_a_lesson(visit):
    v = visit("search.html?q=Schoenfeld")
    v.page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    v.page.wait_for_load_state("networkidle")  # the result summaries are fetched from the pages
    hrefs = v.page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    assert any("/notebooks/" in h for h in hrefs), hrefs
    assert v.off_machine == [] and v.failed == [] and v.console_errors == []


# ---------------------------------------------------------------------------------------------
# The built files
# ---------------------------------------------------------------------------------------------

def test_every_page_of_the_toc_is_built(site):
    missing = [d for d in DOCS if not (site / f"{d}.html").is_file()]
    assert not missing, missing
    assert toc.main(["--check"]) == 0


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.external_assets = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            value = attrs.get(key)
            if not value:
                continue
            parts = urllib.parse.urlsplit(value)
            if parts.scheme in ("http", "https") or value.startswith("//"):
                if tag != "a":  # a link to another site is fine; a script, style or image from one is not
                    self.external_assets.append(f"<{tag} {key}={value}>")
            elif not parts.scheme:  # not mailto:, data:, javascript:
                self.links.append(value)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.links.append((attrs.get("content") or "").split("url=", 1)[-1])


def _parse(path):
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _html_files(site):
    return [p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts]


def test_every_internal_link_resolves(site):
    pages = {p: _parse(p) for p in _html_files(site)}
    broken = []
    for path, parsed in pages.items():
        for link in parsed.links:
            target, _, fragment = link.partition("#")
            target = urllib.parse.unquote(target.split("?", 1)[0])
            file = (path.parent / target).resolve() if target else path
            if file.is_dir():
                file = file / "index.html"
            if not file.exists():
                broken.append(f"{path.relative_to(site)}: {link} (no file)")
            elif fragment and file.suffix == ".html":
                ids = pages[file].ids if file in pages else _parse(file).ids
                if urllib.parse.unquote(fragment) not in ids:
                    broken.append(f"{path.relative_to(site)}: {link} (no anchor)")
    assert not broken, "\n".join(broken[:50])


def test_pages_load_nothing_from_other_hosts(site):
    found = [f"{p.relative_to(site)}: {a}" for p in _html_files(site) for a in _parse(p).external_assets]
    assert not found, "\n".join(found[:50])


def test_lessons_offer_their_ipynb_and_the_jupyterhub(site):
    hub = CONFIG["launch_buttons"]["jupyterhub_url"].rstrip("/")
    for doc in LESSONS:
        text = (site / f"{doc}.html").read_text(encoding="utf-8")
        download = re.search(r'href="([^"]+\.ipynb)"[^>]*\n?\s*class="[^"]*btn-download-source-button', text)
        assert download, f"{doc}: no .ipynb download button"
        file = (site / doc).parent / download.group(1)
        nb = json.loads(file.read_text(encoding="utf-8"))
        assert nb["cells"][0]["source"], f"{doc}: the download is not the lesson"
        assert f'href="{hub}/hub/user-redirect/git-pull?' in text, f"{doc}: no JupyterHub launch button"


def test_each_lesson_executes_in_well_under_the_time_limit(site):
    """The build's limit is 180 s a cell (nbclient's timeout); each whole lesson must stay under it."""
    from jupyter_cache import get_cache

    cache = get_cache(str(ROOT / "_build" / ".jupyter_cache"))
    times = {doc: cache.match_cache_file(str(ROOT / f"{doc}.ipynb")).data["execution_seconds"] for doc in LESSONS}
    slow = {doc: round(t) for doc, t in times.items() if t >= 180}
    assert not slow, f"lessons that take 180 s or more to execute: {slow}"


def test_lesson_figures_are_described_from_their_png(site):
    """The build's kernels write each figure's description into its PNG (book/_ext/describe_figures.py)
    and the site's extension reads it back with Pillow (book/_ext/course_book.py) as the image's alt."""
    for doc in LESSONS:
        page = (site / f"{doc}.html").read_text(encoding="utf-8")
        if 'src="../_images/' in page:
            assert re.search(r'<img alt="Figure: [^"]{15,}" src="\.\./_images/', page), doc


def test_exercises_are_shown_but_not_run(site):
    assert EXERCISES, "no exercises in the book"
    for doc in EXERCISES:
        text = (site / f"{doc}.html").read_text(encoding="utf-8")
        assert "NotImplementedError" in text, f"{doc}: the exercise's code is not shown"
        assert 'class="cell_output' not in text, f"{doc}: the exercise was executed"


# ---------------------------------------------------------------------------------------------
# Instructor-only material never reaches the website
# ---------------------------------------------------------------------------------------------

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME",
           "END MARK SCHEME", "MARK SCHEME")
REGIONS = [("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
           ("BEGIN MARK SCHEME", "END MARK SCHEME")]


def _normalise(text):
    return " ".join(text.split())


def _readable(path):
    """A built file's text as a reader sees it: tags stripped and entities decoded; notebooks' sources."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text)["cells"]
            text = text + "\n" + "\n".join("".join(c.get("source", "")) for c in cells)
        except (ValueError, KeyError, TypeError):
            pass
    elif path.suffix in (".html", ".htm"):
        text = text + "\n" + html.unescape(re.sub(r"<[^>]+>", "", text))
    return _normalise(text)


def instructor_only_strings():
    """Distinctive lines of the solutions, hidden tests and mark schemes in solutions/."""
    public_notebooks = [*ROOT.glob("exercises/*/*.ipynb"), *ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("book/*.ipynb")]
    public = " ".join(_normalise("".join(c.get("source", ""))) for p in public_notebooks
                      for c in json.loads(p.read_text(encoding="utf-8"))["cells"])
    needles = set()
    for path in ROOT.glob("solutions/*/*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            inside = None
            for line in "".join(cell.get("source", "")).splitlines():
                stripped = line.strip().lstrip("#").strip().strip("=").strip()
                begin = next((b for b, e in REGIONS if stripped.startswith(b)), None)
                if begin:
                    inside = begin
                    continue
                if any(stripped.startswith(e) for _, e in REGIONS):
                    inside = None
                    continue
                line = _normalise(line)
                if inside and len(line) >= 30 and line not in public:
                    needles.add(line)
    return sorted(needles)


def test_the_leak_check_knows_the_instructor_material():
    needles = instructor_only_strings()
    assert len(needles) >= 10, needles
    solution = next(ROOT.glob("solutions/*/*.ipynb"))
    assert any(n in _readable(solution) for n in needles), "the needles are not found where they come from"


def test_no_solution_hidden_test_or_mark_scheme_in_the_site(site):
    needles = instructor_only_strings()
    leaks = []
    for path in site.rglob("*"):
        if not path.is_file() or path.suffix not in (".html", ".js", ".ipynb", ".txt", ".json", ".md", ".py"):
            continue
        if "_static" in path.relative_to(site).parts and path.suffix == ".js":
            continue  # vendored libraries and theme scripts
        text = _readable(path)
        leaks += [f"{path.relative_to(site)}: marker {m!r}" for m in MARKERS if m in text]
        leaks += [f"{path.relative_to(site)}: {n[:80]!r}" for n in needles if n in text]
    assert not leaks, "instructor-only material in the website:\n" + "\n".join(leaks[:40])
