"""Feedback pages that read offline: MathJax inside the page, as the course website serves it.

nbgrader's feedback template loads MathJax 2 from a CDN, so offline its formulas show as raw
LaTeX. After ``nbgrader generate_feedback``, :func:`make_offline` replaces that script with
MathJax 3's self-contained SVG build (``tex-svg-full.js``, vendored from npm with the website's
other JavaScript by ``book/vendor.py``), inside each page: nbgrader releases feedback as single HTML
files, so the script cannot sit beside the page. ``python -m coursegrader feedback`` (``make
feedback``) does both steps, then returns the pages through the exchange.
"""

from __future__ import annotations

import pathlib

__all__ = ["CDN_SCRIPT", "mathjax_script", "make_offline", "default_mathjax"]

#: The script element nbgrader's feedback template (through nbconvert's mathjax macro) writes.
CDN_SCRIPT = ('<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js'
              '?config=TeX-AMS_CHTML-full,Safe"> </script>')

# Same delimiters as nbgrader's MathJax 2 configuration: $...$ and \(...\) inline.
MATHJAX_CONFIG = ('window.MathJax = {tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], '
                  'displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]], processEscapes: true}, '
                  'svg: {fontCache: "global"}};')


def default_mathjax(root="."):
    """Where the course vendors MathJax's self-contained build."""
    return pathlib.Path(root) / "book" / "_vendor" / "mathjax" / "tex-svg-full.js"


def mathjax_script(path):
    """The ``<script>`` elements that configure and load MathJax from ``path``, inline."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: fetch the course's vendored JavaScript with "
                                "`make book-vendor` (from the npm registry), then run the feedback again")
    code = path.read_text(encoding="utf-8").replace("</script", "<\\/script")
    return f"<script>{MATHJAX_CONFIG}</script>\n<script>{code}</script>"


def make_offline(page, script):
    """Put ``script`` (from :func:`mathjax_script`) in place of the CDN MathJax in one page.

    Returns True if the page was changed (False: it had no CDN script, e.g. already offline).
    """
    page = pathlib.Path(page)
    text = page.read_text(encoding="utf-8")
    if CDN_SCRIPT not in text:
        return False
    page.write_text(text.replace(CDN_SCRIPT, script), encoding="utf-8")
    return True
