"""The randomisation widget: how often chance alone gives an imbalance like Table 1's.

The computation is :func:`trialkit.randomization.simulate_imbalance` and
:func:`trialkit.randomization.share_as_extreme`; this module draws and lays it out. Its static form
(for the book) has the three schemes and the trial sizes of :data:`STATIC_SIZES`.
"""

from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator

from ..parameters import PUBLISHED
from ..randomization import share_as_extreme, simulate_imbalance
from .base import Explorer, _nice_ceiling, _seed_of
from .live_figure import LiveFigure
from .static import Output, StaticExplorer, use_static

__all__ = ["STATIC_SIZES", "randomization_explorer"]

#: The trial sizes of the static widget (the live slider has every size from 20 to 1,000); the
#: virtual trial's own size, 219, is added to them.
STATIC_SIZES = (20, 40, 60, 100, 150, 300, 500, 1000)

#: Table 1's standardised mean differences (UC-MSC minus control) that the widget marks.
PUBLISHED_SMDS = {name: PUBLISHED["table1_smd"][name] for name in ("tbil", "meld")}


class _RandomizationView:
    """Re-randomise patients drawn from the virtual trial; histograms of the SMDs, built once.

    Each call redraws the heights of the two histograms (step outlines) and their shared y range.
    """

    BINS = np.linspace(-0.8, 0.8, 41)
    VARIABLES = (("tbil", "TBIL"), ("meld", "MELD"))

    def __init__(self, population, seed, n_trials=2000):
        self.population, self.seed, self.n_trials = population, seed, n_trials
        self.fig = Figure(figsize=(7, 3.2), dpi=72)
        self.axes = self.fig.subplots(1, 2, sharey=True)
        self.bars, lines = {}, []
        for ax, (name, label) in zip(self.axes, self.VARIABLES, strict=True):
            self.bars[name] = ax.stairs(np.zeros(len(self.BINS) - 1), self.BINS, fill=True, color="#0072B2")
            lines += [ax.axvline(sign * PUBLISHED_SMDS[name], color="#E69F00", linewidth=2) for sign in (-1, 1)]
            ax.set_xlim(self.BINS[0], self.BINS[-1])
            ax.xaxis.set_major_locator(FixedLocator([-0.6, -0.3, 0, 0.3, 0.6]))
            ax.set_title(f"SMD of {label} (Table 1: {PUBLISHED_SMDS[name]:+.2f})", y=1.0)
            ax.set_xlabel("SMD, UC-MSC minus control")
        self.axes[0].yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        self.axes[0].set_ylabel("Number of re-randomisations")
        self.fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.88, wspace=0.08)
        self.live = LiveFigure(self.fig, [*self.bars.values(), *lines])  # the published SMDs over the bars

    def __call__(self, scheme, n_patients):
        population = self.population
        rng = np.random.default_rng(self.seed)
        rows = rng.choice(len(population), size=n_patients, replace=n_patients > len(population))
        patients = population.iloc[np.sort(rows)].reset_index(drop=True)
        strata = "meld_gt15" if scheme == "stratified" else None
        columns = ["tbil", "meld"] + (["meld_gt15"] if strata else [])
        smds = simulate_imbalance(patients[columns], scheme, self.n_trials, rng=self.seed, strata_column=strata)
        shares = share_as_extreme(smds[["tbil", "meld"]], PUBLISHED_SMDS)
        text = (f"<p>{self.n_trials:,} re-randomisations of {n_patients} patients ({scheme}"
                f"{', strata MELD > 15' if strata else ''}). An imbalance at least as large as Table 1's: "
                f"TBIL (|SMD| &ge; {PUBLISHED_SMDS['tbil']}) in <b>{shares['tbil']:.1%}</b>, "
                f"MELD (|SMD| &ge; {PUBLISHED_SMDS['meld']}) in <b>{shares['meld']:.1%}</b> of them.</p>")
        highest = 0
        for name, _ in self.VARIABLES:
            counts, _ = np.histogram(smds[name].to_numpy(), self.BINS)  # |SMD| > 0.8 falls outside the axis
            self.bars[name].set_data(counts)
            highest = max(highest, counts.max())
        top = _nice_ceiling(highest * 1.1)
        self.axes[0].set_ylim(0, top)
        return text, self.live.png(key=top)


def randomization_explorer(*, rng, static=None):
    """Randomisation and imbalance: how often chance alone gives an imbalance like Table 1's.

    Controls: the scheme (simple, blocked in blocks of 4, stratified by MELD > 15) and the trial
    size. The patients are drawn from the virtual trial (both arms pooled) and re-randomised
    2,000 times (``trialkit.randomization.simulate_imbalance``).

    Parameters
    ----------
    rng : int or numpy.random.Generator
        Seed (or a generator that draws one) of the patients drawn and their re-randomisations;
        required. Every position of the controls is computed from it, so moving a control back
        shows the same picture.
    static : bool, optional
        True: precompute the three schemes at the sizes of :data:`STATIC_SIZES` and the virtual
        trial's for a page without a kernel (:mod:`trialkit.widgets.static`); False: compute on
        demand; None (default): static if the environment variable ``TRIALKIT_WIDGETS`` is
        ``static`` (as in the book build).

    Examples
    --------
    >>> from trialkit.widgets import randomization_explorer
    >>> w = randomization_explorer(rng=2021, static=False)
    >>> w.controls["scheme"].value = "stratified"
    >>> "strata MELD > 15" in w.result.value
    True
    """
    from ..data import load_trial

    population = load_trial()[["tbil", "meld", "meld_gt15"]]
    controls = {
        "scheme": widgets.Dropdown(options=["simple", "blocked", "stratified"], value="simple",
                                   description="Scheme"),
        "n_patients": widgets.IntSlider(value=len(population), min=20, max=1000, step=1,
                                        description="Trial size", continuous_update=False),
    }
    explanation = ("The same patients, dealt into two arms again and again by the chosen scheme: the "
                   "histograms show the baseline imbalance (standardised mean difference) that chance "
                   "alone produces, against the imbalance printed in Table 1 (orange lines).")
    view = _RandomizationView(population, _seed_of(rng))
    if use_static(static):
        render = lru_cache(maxsize=None)(view)
        grid = {"scheme": (controls["scheme"], controls["scheme"].options),
                "n_patients": (controls["n_patients"], sorted({*STATIC_SIZES, len(population)}))}
        return StaticExplorer("Randomisation and imbalance", explanation, grid,
                              result=Output(tuple(grid), lambda **at: render(**at)[0]),
                              figure=Output(tuple(grid), lambda **at: render(**at)[1]),
                              coarser="the trial size in coarser steps than in the notebook")
    return Explorer("Randomisation and imbalance", explanation, controls, view)
