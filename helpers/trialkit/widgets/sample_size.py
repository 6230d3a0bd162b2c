"""The sample-size widget: events and patients for a survival endpoint, and the power the trial had.

The computation is :func:`trialkit.samplesize.design_table` and
:func:`trialkit.samplesize.schoenfeld_events`; this module draws and lays it out. Its static form
(for the book) moves its six sliders over :data:`STATIC_GRID`, coarser steps than the live ones.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..plots import MARGINS
from ..samplesize import design_table, hazard_ratio_from_survival, schoenfeld_events
from .base import Explorer, _nice_ceiling, _plain_log_ticks, table_html
from .live_figure import LiveFigure
from .static import Output, StaticExplorer, use_static

__all__ = ["STATIC_GRID", "sample_size_explorer"]

#: The positions of the static widget's sliders (the live ones move in steps of 0.01, 0.001 and
#: 1 month). Each includes the live slider's starting value: the paper's design, 60% vs 85%,
#: alpha 0.05, power 80%, 40 months of accrual and 45 of follow-up.
STATIC_GRID = {
    "s_control": (0.5, 0.6, 0.7),
    "s_treatment": (0.7, 0.75, 0.8, 0.85, 0.9),
    "alpha": (0.01, 0.05, 0.1),
    "power": (0.7, 0.8, 0.9),
    "accrual": (20, 40, 60),
    "followup": (25, 45, 65),
}

#: How the table prints each quantity: counts of patients as whole numbers.
_FORMATS = {"hazard ratio": ".3f", "events needed": ",.1f", "patients per arm (followed to horizon)": ",.0f",
            "patients per arm (with accrual and follow-up)": ",.0f", "expected events at trial size": ",.1f",
            "power at trial size": ".3f"}


class _SampleSizeView:
    """The sample-size widget's result: a table, and the events needed against the hazard ratio.

    The figure is built once; an update moves its curve, its marker line and its title.
    """

    HRS = np.linspace(0.25, 0.85, 61)

    def __init__(self, horizon=60.0):
        self.horizon = horizon
        self.fig = Figure(figsize=(6, 3.4), dpi=72)
        ax = self.ax = self.fig.subplots()
        (self.curve,) = ax.plot(self.HRS, np.ones_like(self.HRS), color="#0072B2")
        self.marker = ax.axvline(0.5, color="0.3", linestyle="--", linewidth=1)
        ax.set_xlim(self.HRS[0], self.HRS[-1])
        ax.set_yscale("log")
        _plain_log_ticks(ax.yaxis, [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000])
        self.title = ax.set_title(" ", y=1.0)  # y given: matplotlib then skips placing it by measuring
        ax.set_xlabel("Hazard ratio (treatment vs control)")
        ax.set_ylabel("Events needed (log scale)")
        self.fig.subplots_adjust(**MARGINS)
        self.live = LiveFigure(self.fig, [self.curve, self.marker, self.title])

    def text(self, s_control, s_treatment, alpha, power, accrual, followup):
        """The result panel: the hazard ratio, and the table of events, patients and power."""
        table = design_table(s_control, s_treatment, horizon=self.horizon, alpha=alpha, power=power,
                             accrual=accrual, followup=followup)
        rows = [[name, *(f"{value:{_FORMATS[name]}}" for value in table[name])] for name in table.columns]
        return (f"<p>Hazard ratio (UC-MSC vs control) under exponential survival: "
                f"<b>{table.iloc[0]['hazard ratio']:.3f}</b>. Power at the trial's 111 + 108 patients "
                f"uses the events expected with {accrual:g} months of accrual and {followup:g} more of "
                "follow-up.</p>" + table_html(("", *table.index), rows))

    def picture(self, s_control, s_treatment, alpha, power):
        """The figure: events needed against the hazard ratio, the chosen design's marked (PNG)."""
        events = np.array([schoenfeld_events(h, alpha=alpha, power=power) for h in self.HRS])
        self.curve.set_ydata(events)
        ylim = (10.0 ** np.floor(np.log10(events.min())), _nice_ceiling(events.max() * 1.2))
        self.ax.set_ylim(*ylim)
        self.marker.set_xdata([hazard_ratio_from_survival(s_control, s_treatment)] * 2)
        self.title.set_text(f"Events needed (Schoenfeld), alpha {alpha:g}, power {power:.0%}")
        return self.live.png(key=ylim)

    def __call__(self, s_control, s_treatment, alpha, power, accrual, followup):
        text = self.text(s_control, s_treatment, alpha, power, accrual, followup)  # checks the values
        return text, self.picture(s_control, s_treatment, alpha, power)


def sample_size_explorer(*, static=None):
    """Sample size and power for a survival endpoint.

    Controls: control and treatment survival at 60 months, alpha, power, accrual and follow-up.
    Shows the events and patients by Schoenfeld and Freedman (``trialkit.samplesize.design_table``)
    and the power the trial had at its actual 111/108 patients.

    Parameters
    ----------
    static : bool, optional
        True: precompute the positions of :data:`STATIC_GRID` for a page without a kernel
        (:mod:`trialkit.widgets.static`); False: compute on demand; None (default): static if
        the environment variable ``TRIALKIT_WIDGETS`` is ``static`` (as in the book build).

    Examples
    --------
    >>> from trialkit.widgets import sample_size_explorer
    >>> w = sample_size_explorer(static=False)
    >>> w.controls["s_treatment"].value = 0.75
    >>> "Freedman" in w.result.value
    True
    """
    style = {"description_width": "190px"}
    layout = widgets.Layout(width="480px")

    def slider(description, value, lo, hi, step, fmt=".2f"):
        return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                                   readout_format=fmt, continuous_update=False, style=style, layout=layout)

    controls = {
        "s_control": slider("Control survival at 60 mo", 0.60, 0.05, 0.95, 0.01),
        "s_treatment": slider("Treatment survival at 60 mo", 0.85, 0.05, 0.95, 0.01),
        "alpha": slider("Two-sided alpha", 0.05, 0.001, 0.20, 0.001, ".3f"),
        "power": slider("Power", 0.80, 0.50, 0.99, 0.01),
        "accrual": slider("Accrual (months)", 40, 1, 84, 1, ".0f"),
        "followup": slider("Follow-up after accrual (months)", 45, 0, 84, 1, ".0f"),
    }
    explanation = ("How many deaths, and so how many patients, a trial needs to detect the difference "
                   "between two 60-month survival probabilities, by Schoenfeld's and Freedman's formulas; "
                   "and the power a trial of the published size had. The paper assumed 60% vs 85%.")
    view = _SampleSizeView()
    if use_static(static):
        figure_controls = ("s_control", "s_treatment", "alpha", "power")
        return StaticExplorer("Sample size and power", explanation,
                              {name: (control, STATIC_GRID[name]) for name, control in controls.items()},
                              result=Output(tuple(controls), view.text),
                              figure=Output(figure_controls, view.picture),
                              coarser="the sliders in coarser steps than in the notebook")
    return Explorer("Sample size and power", explanation, controls, view)
