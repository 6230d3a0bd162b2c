"""Benchmark: how long the course website takes to build, and what its static widgets cost.

`cold_build_s`: the full build (`python book/build.py`, i.e. `jupyter-book build -W -n
--keep-going`) into an empty temporary output folder, so with an empty execution cache: every
lesson is executed, its widgets made static (every position precomputed). `rebuild_s`: the same
command again, nothing changed: no lesson runs, no page is re-read. `live_cold_build_s`: the cold
build with `--widgets live` (the widgets frozen in their first state, as before they were static);
`static_widget_build_s` is the difference, the build time the precomputed positions add.

`static_widget_frames`: the precomputed outputs (result panels and figures) in the built pages'
widget state, all widgets together. `page_mb_<page>`: each widget page's own weight, its HTML
(with the widget state) and its images; `largest_widget_page_mb` the largest. The site's shared
scripts (MathJax, require.js, the widget manager, the theme) are the same on every page and
cached by the browser after the first: `shared_scripts_mb` is what a widget page loads of them.

The repository's own _build/ is not touched (the table of contents and the vendored JavaScript
are, as by `make book`, and are left as they were if nothing changed).

Run: .venv/bin/python benchmarks/book.py
"""

import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDGET_PAGES = ("02_trial_design", "03_survival_analysis", "04_landmark_analysis", "06_observational_pitfalls")


def build(output, *options):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "book" / "build.py"), "--output", str(output), *options],
                            cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit("the book build failed:\n" + (result.stdout + result.stderr)[-4000:])
    return elapsed


def widget_state(page):
    """The page's saved widget state {id: model} and the ids of the widgets it displays."""
    text = page.read_text(encoding="utf-8")
    state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S)
    views = re.findall(r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>', text, re.S)
    if not state:
        return {}, []
    return json.loads(state.group(1))["state"], [json.loads(view)["model_id"] for view in views]


def frames(state, views):
    """The distinct outputs the widgets switch between: the leaves under their last two children
    (the result panel and the figure), through any stacks."""
    found = set()

    def leaves(model):
        if state[model]["model_name"] == "StackModel":
            for child in state[model]["state"]["children"]:
                leaves(child.removeprefix("IPY_MODEL_"))
        else:
            found.add(model)

    for view in views:
        for child in state[view]["state"]["children"][-2:]:
            leaves(child.removeprefix("IPY_MODEL_"))
    return len(found)


def page_weight(page):
    """A page's HTML and the images it shows, in bytes."""
    images = set(re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8")))
    return page.stat().st_size + sum((page.parent / src).stat().st_size for src in images
                                     if not src.startswith(("data:", "http")))


def shared_scripts(page):
    """The site's scripts and stylesheets a page loads from _static/, in bytes."""
    text = page.read_text(encoding="utf-8")
    files = {ref.split("?")[0] for ref in re.findall(r'(?:src|href)="(\.\./_static/[^"]+)"', text)}
    return sum((page.parent / ref).stat().st_size for ref in files if (page.parent / ref).is_file())


def main():
    with tempfile.TemporaryDirectory(prefix="course-book-bench-") as tmp, \
            tempfile.TemporaryDirectory(prefix="course-book-bench-live-") as live:
        cold = build(tmp)
        again = build(tmp)
        site = pathlib.Path(tmp) / "_build" / "html" / "notebooks"
        weights = {name: page_weight(site / f"{name}.html") for name in WIDGET_PAGES}
        total = sum(frames(*widget_state(page)) for page in site.glob("*.html"))
        scripts = shared_scripts(site / f"{WIDGET_PAGES[0]}.html")
        live_cold = build(live, "--widgets", "live")
    print(f"cold_build_s: {cold:.1f}")
    print(f"rebuild_s: {again:.1f}")
    print(f"live_cold_build_s: {live_cold:.1f}")
    print(f"static_widget_build_s: {cold - live_cold:.1f}")
    print(f"static_widget_frames: {total}")
    for name, weight in weights.items():
        print(f"page_mb_{name}: {weight / 1e6:.2f}")
    print(f"largest_widget_page_mb: {max(weights.values()) / 1e6:.2f}")
    print(f"shared_scripts_mb: {scripts / 1e6:.2f}")


if __name__ == "__main__":
    main()
