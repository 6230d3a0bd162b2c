"""The landmark explorer: move the landmark, see the hazard ratios before and after it change.

:class:`LandmarkView` computes each landmark's analysis once (with
:func:`trialkit.landmark_analysis`'s interaction model, as Lesson 4 prints it) and redraws only
the landmark line of a Kaplan-Meier figure drawn once. Its static form (for the book) holds
every landmark of the slider, 1 to 48 months.
"""

import html
from functools import lru_cache

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..analysis import _km, _landmark
from ..errors import TrialkitInputError
from ..parameters import ARMS
from ..plots import ARM_COLOURS, MARGINS
from ..results import format_counts, format_p
from ..validation import check_survival
from .base import Explorer, error_html, table_html
from .live_figure import LiveFigure
from .static import Output, StaticExplorer, use_static

__all__ = ["LandmarkView", "landmark_explorer"]


class LandmarkView:
    """Kaplan-Meier curves fitted once; hazard ratios per landmark computed once and remembered.

    ``render`` returns the figure as PNG bytes. The figure is built once and only its landmark
    line and title are redrawn for a new landmark (:class:`~trialkit.live_figure.LiveFigure`):
    drawing a new figure on every move of the slider would cost more than the analysis.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> view = LandmarkView(load_trial())
    >>> text, png = view.render(13)
    >>> "Interaction" in text
    True
    """

    def __init__(self, df, time="os_months", event="death"):
        check_survival(df, time, event)
        self.df, self.time, self.event = df, time, event
        self.curves = _km(df, time, event, "arm", ARMS)
        self.summary = lru_cache(maxsize=None)(self._summary)
        self.fig = Figure(figsize=(6, 3.6), dpi=72)
        ax = self.fig.subplots()
        for name, kmf in self.curves.items():
            sf = kmf.survival_function_
            ax.step(sf.index, sf.iloc[:, 0], where="post", color=ARM_COLOURS[name], label=name)
        self._line = ax.axvline(0, color="0.3", linestyle="--", linewidth=1)
        ax.set_ylim(0.5, 1.01)
        self._title = ax.set_title(" ", y=1.0)  # y given: matplotlib skips measuring where to put it
        ax.set_xlabel("Months since randomisation")
        ax.set_ylabel("Proportion alive")
        ax.legend(title="Arm", loc="lower left")
        self.fig.subplots_adjust(**MARGINS)
        self.live = LiveFigure(self.fig, [self._line, self._title])

    def _summary(self, landmark):
        top = float(self.df[self.time].max())
        if not 0 < landmark < top:
            raise TrialkitInputError("landmark", landmark, f"choose a landmark inside follow-up, 0 < landmark < "
                                     f"{top:g} months")
        return _landmark(self.df, float(landmark), "control", "UC-MSC", self.time, self.event, "arm",
                         interaction_model=True)

    def render(self, landmark):
        """HTML of the hazard ratios, and a PNG of the curves with the landmark marked.

        A landmark where a window has no events in one arm gives the reason instead of the table.
        """
        try:
            text = self._table(self.summary(landmark))
        except TrialkitInputError as error:
            text = error_html(error)
        return text, self._figure(landmark)

    @staticmethod
    def _table(result):
        rows = [[html.escape(hr.label), f"{hr.estimate:.2f}", f"{hr.ci_lower:.2f} to {hr.ci_upper:.2f}",
                 format_p(hr.p, name=None)] for hr in (result.before, result.after)]
        inter = result.interaction
        return (table_html(("window", "HR control vs UC-MSC", "95% CI", "p"), rows)
                + f"<p>Interaction (do the two HRs differ?): ratio of HRs {inter.estimate:.2f}, "
                f"{format_p(inter.p)}. Still at risk after the landmark: {format_counts(result.at_risk)}.</p>")

    def _figure(self, landmark):
        """The curves (drawn once, in __init__) with the dashed line moved and the title changed."""
        self._line.set_xdata([landmark, landmark])
        self._title.set_text(f"Overall survival with a landmark at {landmark} months")
        return self.live.png()


def landmark_explorer(df=None, time="os_months", event="death", *, static=None):
    """Move the landmark: KM curves with the landmark marked, HRs before and after, interaction p.

    Parameters
    ----------
    df : pandas.DataFrame, optional
        The trial (default: the virtual trial, :func:`trialkit.load_trial`).
    time, event : str, optional
        Column names.
    static : bool, optional
        True: precompute every landmark (1 to 48 months) for a page without a kernel
        (:mod:`trialkit.widgets.static`); False: compute on demand; None (default): static if
        the environment variable ``TRIALKIT_WIDGETS`` is ``static`` (as in the book build).

    Examples
    --------
    >>> from trialkit.widgets import landmark_explorer
    >>> w = landmark_explorer(static=False)
    >>> before = w.result.value
    >>> w.controls["landmark"].value = 24
    >>> w.result.value != before
    True
    """
    from ..data import load_trial

    view = LandmarkView(load_trial() if df is None else df, time=time, event=event)
    slider = widgets.IntSlider(value=13, min=1, max=48, description="Landmark (months)", continuous_update=False,
                               style={"description_width": "140px"}, layout=widgets.Layout(width="480px"))
    explanation = ("The landmark splits follow-up in two windows. The hazard ratio (control vs UC-MSC) "
                   "is estimated in each; the interaction p-value tests whether they differ, the test "
                   "the claim 'the effect starts later' needs.")
    if use_static(static):
        render = lru_cache(maxsize=None)(view.render)
        return StaticExplorer("Landmark explorer", explanation,
                              {"landmark": (slider, range(slider.min, slider.max + 1))},
                              result=Output(("landmark",), lambda landmark: render(landmark)[0]),
                              figure=Output(("landmark",), lambda landmark: render(landmark)[1]))
    return Explorer("Landmark explorer", explanation, {"landmark": slider}, view.render)
