"""Re-running the virtual trial: the sampling distribution of its hazard ratio, and its widget."""

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

__all__ = ["rerun_hazard_ratios", "rerun_trial_explorer"]


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


def rerun_trial_explorer(batch=5, *, rng):
    """Re-run the trial: each click draws new virtual trials and adds their HRs to a histogram.

    Parameters
    ----------
    batch : int, optional
        Trials drawn per click, at first.
    rng : int or numpy.random.Generator
        The first trial's seed (the next ones follow it: ``rng``, ``rng + 1``, ...), or a
        generator that draws it; required.

    Examples
    --------
    >>> from trialkit.widgets import rerun_trial_explorer
    >>> w = rerun_trial_explorer(batch=2, rng=1)
    >>> w.button.click()
    >>> "4 virtual trials" in w.result.value
    True
    """
    batch = check_whole(batch, "batch", minimum=1, maximum=50, example=5)
    controls = {"n_new": widgets.IntSlider(value=batch, min=1, max=50, description="Trials per click",
                                           continuous_update=False, style={"description_width": "110px"})}
    button = widgets.Button(description="Re-run the trial", button_style="primary", icon="refresh")
    explanation = ("Each click draws new virtual trials from the same model (same true effect, new "
                   "patients) and adds their hazard ratios to the histogram: the sampling distribution "
                   "of the HR, against the one published value.")
    return Explorer("Re-run the trial", explanation, controls, _RerunView(_seed_of(rng)), button=button)
