"""Re-running the virtual trial: the sampling distribution of its hazard ratio, and its widget.

The live widget draws new trials on each click of its button. Its static form (for the book) has a
slider over the trials drawn so far instead: the first :data:`STATIC_CLICKS` clicks.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..analysis import cox_by_arm
from ..parameters import PUBLISHED
from ..plots import MARGINS
from ..simulate import simulate_trial
from ..validation import check_choice, check_whole
from .base import Explorer, _nice_ceiling, _plain_log_ticks, _seed_of
from .live_figure import LiveFigure
from .static import Output, StaticExplorer, use_static

__all__ = ["STATIC_CLICKS", "rerun_hazard_ratios", "rerun_trial_explorer"]

#: The clicks the static widget precomputes: its slider stands for the trials drawn by the first
#: clicks (the live widget has drawn one batch before the first click).
STATIC_CLICKS = 19


def rerun_hazard_ratios(seeds, reference="UC-MSC", **simulate_kwargs):
    """The overall Cox hazard ratio of one virtual trial per seed.

    Parameters
    ----------
    seeds : iterable of int
        One trial per seed, ``simulate_trial(rng=seed)`` (the same seeds give the same hazard
        ratios).
    reference : {"control", "UC-MSC"}, optional
        The reference arm (default as in the paper: control relative to UC-MSC).
    **simulate_kwargs
        Passed to :func:`trialkit.simulate_trial` (for example ``n_control``).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from trialkit.widgets.rerun import rerun_hazard_ratios
    >>> hrs = rerun_hazard_ratios([1, 2, 3])
    >>> hrs.shape, bool((hrs > 0).all())
    ((3,), True)
    """
    reference = check_choice(reference, "reference", ("control", "UC-MSC"))
    seeds = [check_whole(seed, "seeds", example=1) for seed in seeds]
    return np.array([cox_by_arm(simulate_trial(rng=seed, **simulate_kwargs), reference=reference).estimate
                     for seed in seeds])


class _RerunView:
    """The re-run widget's state (the hazard ratios so far) and its histogram, built once.

    Each call draws ``n_new`` more virtual trials (the next seeds), adds their hazard ratios, and
    redraws the histogram's bars (one step outline, whose heights change) and the y-axis range.
    """

    BINS = np.geomspace(0.5, 8, 41)

    def __init__(self, first_seed, published=PUBLISHED["os_hr"][0]):
        self.published = published
        self.hrs = []
        self.first_seed = self.next_seed = first_seed
        self.fig = Figure(figsize=(6, 3.4), dpi=72)
        ax = self.ax = self.fig.subplots()
        self.bars = ax.stairs(np.zeros(len(self.BINS) - 1), self.BINS, fill=True, color="#0072B2")
        self.published_line = ax.axvline(published, color="#E69F00", linewidth=2, label=f"published HR {published}")
        ax.set_xscale("log")
        ax.set_xlim(self.BINS[0], self.BINS[-1])
        _plain_log_ticks(ax.xaxis, [0.5, 1, 2, 4, 8])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.set_title("Hazard ratio (control vs UC-MSC) across re-run virtual trials", y=1.0)
        ax.set_xlabel("Hazard ratio (log scale)")
        ax.set_ylabel("Number of trials")
        legend = ax.legend(loc="upper right")
        self.fig.subplots_adjust(**MARGINS)
        # Drawn in this order on every update: the bars, then the line and legend over them.
        self.live = LiveFigure(self.fig, [self.bars, self.published_line, legend])

    def __call__(self, n_new):
        new = rerun_hazard_ratios(range(self.next_seed, self.next_seed + n_new))
        self.next_seed += n_new
        self.hrs.extend(new)
        hrs = np.asarray(self.hrs)
        share = float(np.mean(hrs >= self.published))
        text = (f"<p>{len(hrs)} virtual trials drawn (seeds {self.first_seed}-{self.next_seed - 1}). Median HR "
                f"{np.median(hrs):.2f}; middle 95% {np.quantile(hrs, 0.025):.2f} to {np.quantile(hrs, 0.975):.2f}. "
                f"{share:.0%} of the trials gave an HR of at least the published {self.published}.</p>")
        counts, _ = np.histogram(np.clip(hrs, self.BINS[0], self.BINS[-1]), self.BINS)
        self.bars.set_data(counts)
        top = _nice_ceiling(counts.max() * 1.1)
        self.ax.set_ylim(0, top)
        return text, self.live.png(key=top)


def rerun_trial_explorer(batch=5, *, rng, static=None):
    """Re-run the trial: each click draws new virtual trials and adds their HRs to a histogram.

    Parameters
    ----------
    batch : int, optional
        Trials drawn per click, at first.
    rng : int or numpy.random.Generator
        The first trial's seed (the next ones follow it: ``rng``, ``rng + 1``, ...), or a
        generator that draws it; required.
    static : bool, optional
        True: for a page without a kernel (:mod:`trialkit.widgets.static`), a slider over the
        trials drawn so far replaces the button and the trials-per-click slider: ``batch``
        trials, then :data:`STATIC_CLICKS` clicks of ``batch`` more, each position precomputed.
        False: the live widget. None (default): static if the environment variable
        ``TRIALKIT_WIDGETS`` is ``static`` (as in the book build).

    Examples
    --------
    >>> from trialkit.widgets import rerun_trial_explorer
    >>> w = rerun_trial_explorer(batch=2, rng=1, static=False)
    >>> w.button.click()
    >>> "4 virtual trials" in w.result.value
    True
    """
    batch = check_whole(batch, "batch", minimum=1, maximum=50, example=5)
    explanation = ("Each click draws new virtual trials from the same model (same true effect, new "
                   "patients) and adds their hazard ratios to the histogram: the sampling distribution "
                   "of the HR, against the one published value.")
    view = _RerunView(_seed_of(rng))
    if use_static(static):
        explanation = (f"Each step of the slider is a click of <i>Re-run the trial</i> in the notebook: {batch} "
                       "new virtual trials from the same model (same true effect, new patients), their hazard "
                       "ratios added to the histogram: the sampling distribution of the HR, against the one "
                       "published value.")
        # The trials drawn so far, whatever the clicks: trial k always has seed rng + k - 1.
        totals = [batch * (clicks + 1) for clicks in range(STATIC_CLICKS + 1)]
        frames = {total: view(batch) for total in totals}
        slider = widgets.IntSlider(value=batch, min=batch, max=totals[-1], step=batch, description="Trials drawn",
                                   style={"description_width": "110px"}, layout=widgets.Layout(width="480px"))
        return StaticExplorer("Re-run the trial", explanation, {"trials": (slider, totals)},
                              result=Output(("trials",), lambda trials: frames[trials][0]),
                              figure=Output(("trials",), lambda trials: frames[trials][1]),
                              coarser=f"the first {STATIC_CLICKS} clicks of {batch} trial{'s' if batch != 1 else ''}")
    controls = {"n_new": widgets.IntSlider(value=batch, min=1, max=50, description="Trials per click",
                                           continuous_update=False, style={"description_width": "110px"})}
    button = widgets.Button(description="Re-run the trial", button_style="primary", icon="refresh")
    return Explorer("Re-run the trial", explanation, controls, view, button=button)
