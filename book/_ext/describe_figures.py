"""IPython startup file of the book build: write a description of each matplotlib figure into its PNG.

Not imported by anything else: book/build.py copies it into the IPython profile that the kernels of
the book build use (IPYTHONDIR=_build/.ipython), so it runs in every lesson's kernel before the
first cell. It wraps IPython's ``print_figure`` (what the inline backend calls to turn a figure into
a PNG output) so that the PNG carries a "Description" text chunk, a standard PNG keyword: the
figure's titles, axis labels and legend entries. The book's Sphinx extension (course_book.py) makes
it the image's alt text. The pixels are unchanged, and nothing is defined in the user's namespace.
"""


def _install_figure_descriptions():
    import IPython.core.pylabtools as pylabtools

    def clean(text):
        return " ".join(str(text).split())

    def describe(fig):
        parts = []
        suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
        if suptitle:
            parts.append(clean(suptitle))
        for ax in fig.axes:
            bits = []
            title = " ".join(clean(ax.get_title(loc)) for loc in ("left", "center", "right") if ax.get_title(loc))
            if title:
                bits.append(title)
            if ax.get_xlabel():
                bits.append(f"x axis: {clean(ax.get_xlabel())}")
            if ax.get_ylabel():
                bits.append(f"y axis: {clean(ax.get_ylabel())}")
            legend = ax.get_legend()
            if legend is not None:
                entries = [clean(t.get_text()) for t in legend.get_texts() if t.get_text()]
                if entries:
                    bits.append("legend: " + ", ".join(entries))
            if bits:
                parts.append("; ".join(bits))
        return ". ".join(parts)

    original = pylabtools.print_figure

    def print_figure(fig, fmt="png", bbox_inches="tight", base64=False, **kwargs):
        if fmt in ("png", "retina"):
            try:
                description = describe(fig)
            except Exception:  # a description is a nicety: never break a lesson's figure for it
                description = ""
            if description:
                kwargs["metadata"] = {**(kwargs.get("metadata") or {}), "Description": "Figure: " + description}
        return original(fig, fmt, bbox_inches, base64, **kwargs)

    print_figure.__wrapped__ = original
    pylabtools.print_figure = print_figure


_install_figure_descriptions()
del _install_figure_descriptions
