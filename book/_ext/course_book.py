"""Sphinx extension of the course website (loaded from _config.yml: sphinx.local_extensions).

Alt text for figures. myst-nb writes a notebook's image outputs as <img> elements whose only
"alt" is the file name. During the book build each lesson's kernel writes a description of every
matplotlib figure (titles, axis labels, legend) into the PNG itself (describe_figures.py, a PNG
"Description" text chunk); this extension makes it the image's alt text. An image output without
one (a figure that has no title or labels, or a build whose kernels did not load the startup file)
gets a generic description naming the section it is in, so no image is left without alt text.
Also: a workaround for duplicated inline scripts (Sphinx 7.4), see drop_duplicate_inline_scripts.

The figure inside a saved ipywidget (an ipywidgets Image, which has no alt attribute) is given one
in the page by a short script, from the widget's title; the same script notes under a widget with
controls that they do nothing in the website, unless the widget is one of the course's static
widgets, which carry their own note (they respond: every position is precomputed).
"""

import os

from docutils import nodes
from PIL import Image


def png_text(path):
    """The text chunks (tEXt, zTXt, iTXt) of a PNG file, as {keyword: text}; {} if not a readable PNG."""
    try:
        with Image.open(path, formats=["PNG"]) as image:
            # .text reads the whole file: text chunks may also come after the image data.
            return {key: str(value) for key, value in image.text.items()}
    except (OSError, ValueError, SyntaxError):  # not a PNG, truncated, or a malformed chunk
        return {}


def _section_title(node):
    while node is not None:
        if isinstance(node, nodes.section) and node.children and isinstance(node[0], nodes.title):
            return node[0].astext()
        node = node.parent
    return None


def _is_cell_output(node):
    while node is not None:
        if "cell_output" in node.get("classes", []):
            return True
        node = node.parent
    return False


def add_figure_alt(app, doctree):
    env = app.env
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        source = image.get("candidates", {}).get("*") or image.get("uri", "")
        if "://" in source or not source:
            continue
        path = os.path.join(app.srcdir, source) if "candidates" in image else env.relfn2path(source, env.docname)[1]
        description = png_text(path).get("Description", "").strip()
        if description:
            image["alt"] = description
        elif _is_cell_output(image):
            section = _section_title(image)
            image["alt"] = "Figure made by the code cell above" + (f", in the section “{section}”" if section else "")


# Saved widgets are drawn from their state after the page loads. Two things the page adds when they
# appear: alt text for a widget's figure (ipywidgets' Image view is an <img class="widget-image">
# without one), and, under a widget with controls, a note that the controls recompute nothing here
# (there is no kernel behind a web page). The course's own widgets are built static for the book
# (trialkit.widgets.static: every position precomputed, switched in the page) and carry a note of
# their own (.course-widget-note), which says so; they get no second note.
WIDGET_PAGE_JS = """
document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]')) return;
  const describe = (img) => {
    if (img.getAttribute("alt")) return;
    const area = img.closest(".widget-subarea");
    const title = area && area.querySelector("h1, h2, h3, h4, h5, h6");
    const name = title ? `the widget \u201c${title.textContent.trim()}\u201d` : "an interactive widget";
    img.setAttribute("alt", area && area.querySelector(".course-widget-note")
      ? `Figure of ${name} at the position its controls show, precomputed when the page was built`
      : `Figure of ${name}, as computed when the page was built`);
  };
  const CONTROLS = ".widget-slider, .widget-button, .widget-dropdown, .widget-toggle-button, .widget-text";
  const annotate = (area) => {
    if (area.dataset.courseNote || !area.querySelector(CONTROLS)) return;
    area.dataset.courseNote = "shown";
    if (area.querySelector(".course-widget-note")) return;  // a static widget: it says what it shows
    const note = document.createElement("p");
    note.className = "course-widget-note";
    note.textContent = "This widget is shown as it was computed when the page was built: here its " +
      "controls recompute nothing. Run the notebook (the launch or download button at the top of " +
      "the page) to use it.";
    area.after(note);
  };
  new MutationObserver(() => {
    document.querySelectorAll("img.widget-image").forEach(describe);
    document.querySelectorAll(".widget-subarea").forEach(annotate);
  }).observe(document.body, {childList: true, subtree: true});
});
"""


def drop_duplicate_inline_scripts(app, pagename, templatename, context, doctree):
    """Work around a Sphinx 7.4 bug that writes some inline scripts twice on every page.

    An inline script registered after the builder started (sphinx-togglebutton's and sphinx-thebe's
    are) is stored once with filename None and again, in ``prepare_writing``, with filename "": both
    are written. A duplicated ``const`` (sphinx-thebe's THEBE_JS_URL) is a JavaScript error on every
    page. Keep the first of scripts that are the same apart from that.
    """
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body") if not getattr(script, "filename", None) else None
        key = (body, getattr(script, "priority", None), tuple(sorted(getattr(script, "attributes", {}).items())))
        if body is not None and key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("doctree-read", add_figure_alt)
    app.connect("html-page-context", drop_duplicate_inline_scripts, priority=990)
    app.add_js_file(None, body=WIDGET_PAGE_JS)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
