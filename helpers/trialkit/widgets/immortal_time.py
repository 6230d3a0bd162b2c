"""The immortal-time widget: the threshold week that defines "prolonged treatment" in a cohort.

The computation is :func:`trialkit.cohort.simulate_cohort` and
:func:`trialkit.cohort.duration_hazard_ratios`; this module draws and lays it out. Its static form
(for the book) holds every week of the slider, 1 to 12.
"""

import dataclasses

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..cohort import CohortParameters, duration_hazard_ratios, simulate_cohort
from ..validation import check_whole
from .base import Explorer, _plain_log_ticks, _seed_of, table_html
from .live_figure import LiveFigure
from .static import Output, StaticExplorer, use_static

__all__ = ["immortal_time_explorer"]


class _ImmortalTimeView:
    """Hazard ratios of 'prolonged' treatment by threshold week, and their figure, built once.

    The slider has a dozen positions and each costs a simulated cohort and three Cox fits (about
    a quarter of a second), so every week is computed when the widget is made; moving the slider
    then only redraws the points and intervals.
    """

    ANALYSES = ("naive", "landmark", "time-varying")

    def __init__(self, seed, scale, weeks):
        self.seed, self.scale = seed, scale
        self.tables = {week: self._ratios(week) for week in weeks}
        self.fig = Figure(figsize=(6, 3.2), dpi=72)
        ax = self.fig.subplots()
        self.y = np.arange(len(self.ANALYSES))[::-1]
        self.intervals = ax.hlines(self.y, 1, 1, color="#0072B2", linewidth=1.5)
        (self.points,) = ax.plot(np.ones(len(self.y)), self.y, "o", color="#0072B2")
        ax.axvline(1, color="0.3", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis, [0.01, 0.03, 0.1, 0.3, 1, 3])
        ax.set_xlim(0.005, 5)
        ax.set_ylim(-0.5, len(self.y) - 0.5)
        ax.set_yticks(self.y, list(self.ANALYSES))
        self.title = ax.set_title(" ", y=1.0)
        ax.set_xlabel("Hazard ratio, prolonged vs not (log scale)")
        self.fig.subplots_adjust(left=0.22, right=0.97, bottom=0.17, top=0.88)
        self.live = LiveFigure(self.fig, [self.intervals, self.points, self.title])

    def _ratios(self, week):
        params = dataclasses.replace(CohortParameters(), decision_week=float(week))
        cohort = simulate_cohort(rng=self.seed, n_liver_failure=64 * self.scale, n_cirrhosis=59 * self.scale,
                                 params=params)
        return duration_hazard_ratios(cohort, landmark=float(week), decision_week=float(week),
                                      analyses=self.ANALYSES)

    def __call__(self, week):
        table = self.tables[week]
        rows = [[name, f"{r.estimate:.2f}", f"{r.ci_lower:.2f} to {r.ci_upper:.2f}"] for name, r in table.iterrows()]
        text = (f"<p>'Prolonged' means treated beyond week {week}. The true effect of prolonging is none "
                f"(HR 1).</p>" + table_html(("analysis", "HR prolonged vs not", "95% CI"), rows))
        self.points.set_xdata(table["estimate"].to_numpy())
        self.intervals.set_segments([[(lo, y), (hi, y)] for lo, hi, y in
                                     zip(table["ci_lower"], table["ci_upper"], self.y, strict=True)])
        self.title.set_text(f"Hazard ratio of prolonged treatment (threshold: week {week})")
        return text, self.live.png()


def immortal_time_explorer(*, rng, scale=5, static=None):
    """Immortal time: the threshold that defines 'prolonged treatment' in a retrospective cohort.

    The synthetic cohort of ``trialkit.cohort`` (``scale`` times the published group sizes) has
    no true effect of treatment duration. The naive comparison from the first infusion credits
    the prolonged group with the weeks its patients had to survive to be called prolonged; the
    landmark and time-varying analyses do not.

    Parameters
    ----------
    rng : int or numpy.random.Generator
        Seed of the cohort (the lesson uses :data:`trialkit.cohort.COHORT_SEED`), or a generator
        that draws one; required.
    scale : int, optional
        Multiple of the published group sizes.
    static : bool, optional
        True: precompute every week (1 to 12) for a page without a kernel
        (:mod:`trialkit.widgets.static`); False: compute on demand; None (default): static if
        the environment variable ``TRIALKIT_WIDGETS`` is ``static`` (as in the book build).

    Examples
    --------
    >>> from trialkit.widgets import immortal_time_explorer
    >>> w = immortal_time_explorer(rng=98, static=False)
    >>> w.controls["week"].value = 8
    >>> "beyond week 8" in w.result.value
    True
    """
    # Beyond week 12 too few patients are alive to be "prolonged" in the published proportions.
    slider = widgets.IntSlider(value=4, min=1, max=12, description="Threshold (weeks)", continuous_update=False,
                               style={"description_width": "130px"})
    scale = check_whole(scale, "scale", minimum=1, example=5)
    weeks = range(slider.min, slider.max + 1)
    view = _ImmortalTimeView(_seed_of(rng), scale, weeks)
    explanation = ("Patients are 'prolonged' if treated beyond the threshold week, as in the retrospective "
                   "cohort (more than 4 weeks). Nothing about treatment changes survival here: a hazard "
                   "ratio far from 1 is bias.")
    if use_static(static):
        frames = {week: view(week) for week in weeks}
        return StaticExplorer("Immortal time", explanation, {"week": (slider, weeks)},
                              result=Output(("week",), lambda week: frames[week][0]),
                              figure=Output(("week",), lambda week: frames[week][1]))
    return Explorer("Immortal time", explanation, {"week": slider}, view)
