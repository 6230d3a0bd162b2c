"""What every widget of the course shares: the :class:`Explorer` layout and figure helpers."""

import html
import io
import itertools
import numbers

import ipywidgets as widgets
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ..errors import TrialkitInputError

__all__ = ["Explorer", "error_html", "figure_png", "header_html", "table_html"]


def _seed_of(rng):
    """A widget recomputes each position from the same seed: a whole number, or one drawn once from a
    Generator (so that moving a control back shows the same picture)."""
    from ..validation import check_rng

    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    return int(check_rng(rng).integers(0, 2**63))


#: How the widgets' tables look: room between the columns, numbers right-aligned. The rule is in
#: each widget's header (:func:`header_html`), once, rather than on every cell of every panel.
TABLE_STYLE = ("<style>.trialkit-table {margin: 0.25em 0} .trialkit-table th, .trialkit-table td {padding: 0 0.8em; "
               "text-align: right} .trialkit-table :is(th, td):first-child {text-align: left; padding-left: 0}</style>")


def header_html(title, explanation):
    """A widget's header: its title, its explanation (HTML) and the style of its tables."""
    return f"{TABLE_STYLE}<h4 style='margin:0'>{html.escape(title)}</h4><p>{explanation}</p>"


def table_html(header, rows):
    """A table of a result panel (styled by :data:`TABLE_STYLE`): a header row, then rows of cells.

    Examples
    --------
    >>> print(table_html(["window", "HR"], [["0-13 months", "1.00"]]))
    <table class='trialkit-table'><tr><th>window</th><th>HR</th></tr><tr><td>0-13 months</td><td>1.00</td></tr></table>
    """
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table class='trialkit-table'><tr>{head}</tr>{body}</table>"


def error_html(error):
    """The result panel in place of a result: the library's message, in red."""
    return f"<p style='color:#a00'>{html.escape(str(error))}</p>"


def figure_png(fig, dpi=72):
    """Render a matplotlib Figure to PNG bytes (no pyplot, so nothing is displayed twice)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _nice_ceiling(value):
    """The smallest of 5, 10, 20, 50, 100, 200, ... at least ``value``: a y range that changes rarely,
    so that a widget's still picture (axes, ticks) is redrawn only when the data outgrow it."""
    nice = 5.0
    for factor in itertools.cycle((2, 2, 2.5)):  # 5 -> 10 -> 20 -> 50 -> 100 -> ...
        if nice >= value:
            return nice
        nice *= factor


def _plain_log_ticks(axis, ticks):
    """Plain-number ticks on a log axis: matplotlib's default 10^k labels are typeset with mathtext,
    which costs most of a redraw."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


class Explorer(widgets.VBox):
    """A widget: an explanation, controls, a result panel and a figure.

    The factory functions give ``compute``, a callable (a view object) of the controls' values
    returning ``(html, picture)``, the picture a matplotlib Figure or PNG bytes (from a
    :class:`~trialkit.widgets.live_figure.LiveFigure`, which redraws only what changed); the numbers
    come from the library's tested functions. Bad values show
    the library's message in the result panel instead of a traceback.
    """

    def __init__(self, title, explanation, controls, compute, button=None):
        self.controls = controls
        self.compute = compute
        self.button = button
        self.result = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        header = widgets.HTML(header_html(title, explanation))
        parts = [header, *controls.values()] + ([button] if button is not None else []) + [self.result, self.figure]
        super().__init__(parts)
        if button is not None:
            button.on_click(lambda _: self.refresh())
        else:
            for control in controls.values():
                control.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self):
        """Recompute from the controls and update the result panel and the figure."""
        try:
            text, fig = self.compute(**self.values())
        except TrialkitInputError as error:
            self.result.value = error_html(error)
            return
        self.result.value = text
        if fig is not None:
            self.figure.value = fig if isinstance(fig, bytes) else figure_png(fig)
