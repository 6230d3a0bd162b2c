"""Interactive widgets of the course (ipywidgets 8): thin layers over tested pure functions.

Each widget is created by one call (``trialkit.widgets.sample_size_explorer()``), shows a short
explanation of what it displays, and puts its results in an HTML panel and a figure (a PNG
``Image`` widget), so that its state can be saved in a notebook and shown without a kernel.
Expensive controls update on release (``continuous_update=False``) or on a button.
"""

import html
import io
import itertools

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from .errors import TrialkitInputError
from .live_figure import LiveFigure
from .plots import MARGINS

__all__ = [
    "Explorer",
    "landmark_explorer",
    "randomization_explorer",
    "sample_size_explorer",
    "immortal_time_explorer",
    "rerun_trial_explorer",
]


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

    Subclasses (or the factory functions) give ``compute``, a function of the controls' values
    returning ``(html, picture)``, the picture a matplotlib Figure or PNG bytes (from a
    :class:`~trialkit.live_figure.LiveFigure`, which redraws only what changed). Bad values show
    the library's message in the result panel instead of a traceback.
    """

    def __init__(self, title, explanation, controls, compute, button=None):
        self.controls = controls
        self.compute = compute
        self.button = button
        self.result = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        header = widgets.HTML(f"<h4 style='margin:0'>{html.escape(title)}</h4><p>{explanation}</p>")
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
            self.result.value = f"<p style='color:#a00'>{html.escape(str(error))}</p>"
            return
        self.result.value = text
        if fig is not None:
            self.figure.value = fig if isinstance(fig, bytes) else figure_png(fig)


# ---------------------------------------------------------------------------------------------
# Sample size and power
# ---------------------------------------------------------------------------------------------

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

    def __call__(self, s_control, s_treatment, alpha, power, accrual, followup):
        from .samplesize import design_table, hazard_ratio_from_survival, schoenfeld_events

        table = design_table(s_control, s_treatment, horizon=self.horizon, alpha=alpha, power=power,
                             accrual=accrual, followup=followup)
        text = (f"<p>Hazard ratio (UC-MSC vs control) under exponential survival: "
                f"<b>{table.iloc[0]['hazard ratio']:.3f}</b>. Power at the trial's 111 + 108 patients "
                f"uses the events expected with {accrual:g} months of accrual and {followup:g} more of "
                "follow-up.</p>"
                + table.T.to_html(float_format=lambda v: f"{v:,.3g}" if v < 1 else f"{v:,.1f}"))
        events = np.array([schoenfeld_events(h, alpha=alpha, power=power) for h in self.HRS])
        self.curve.set_ydata(events)
        ylim = (10.0 ** np.floor(np.log10(events.min())), _nice_ceiling(events.max() * 1.2))
        self.ax.set_ylim(*ylim)
        self.marker.set_xdata([hazard_ratio_from_survival(s_control, s_treatment)] * 2)
        self.title.set_text(f"Events needed (Schoenfeld), alpha {alpha:g}, power {power:.0%}")
        return text, self.live.png(key=ylim)


def sample_size_explorer():
    """Sample size and power for a survival endpoint.

    Controls: control and treatment survival at 60 months, alpha, power, accrual and follow-up.
    Shows the events and patients by Schoenfeld and Freedman (``trialkit.samplesize.design_table``)
    and the power the trial had at its actual 111/108 patients.

    Examples
    --------
    >>> w = sample_size_explorer()
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
    return Explorer("Sample size and power", explanation, controls, _SampleSizeView())


# ---------------------------------------------------------------------------------------------
# Re-run the trial
# ---------------------------------------------------------------------------------------------

class _RerunView:
    """The re-run widget's state (the hazard ratios so far) and its histogram, built once.

    Each call draws ``n_new`` more virtual trials (the next seeds), adds their hazard ratios, and
    redraws the histogram's bars (one step outline, whose heights change) and the y-axis range.
    """

    BINS = np.geomspace(0.5, 8, 41)

    def __init__(self, published=1.89):
        self.published = published
        self.hrs = []
        self.next_seed = 1
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
        from .rerun import rerun_hazard_ratios

        new = rerun_hazard_ratios(range(self.next_seed, self.next_seed + n_new))
        self.next_seed += n_new
        self.hrs.extend(new)
        hrs = np.asarray(self.hrs)
        share = float(np.mean(hrs >= self.published))
        text = (f"<p>{len(hrs)} virtual trials drawn (seeds 1-{self.next_seed - 1}). Median HR "
                f"{np.median(hrs):.2f}; middle 95% {np.quantile(hrs, 0.025):.2f}-{np.quantile(hrs, 0.975):.2f}. "
                f"{share:.0%} of the trials gave an HR of at least the published {self.published}.</p>")
        counts, _ = np.histogram(np.clip(hrs, self.BINS[0], self.BINS[-1]), self.BINS)
        self.bars.set_data(counts)
        top = _nice_ceiling(counts.max() * 1.1)
        self.ax.set_ylim(0, top)
        return text, self.live.png(key=top)


def rerun_trial_explorer(batch=5):
    """Re-run the trial: each click draws new virtual trials and adds their HRs to a histogram.

    Examples
    --------
    >>> w = rerun_trial_explorer(batch=2)
    >>> w.button.click()
    >>> "4 virtual trials" in w.result.value
    True
    """
    controls = {"n_new": widgets.IntSlider(value=batch, min=1, max=50, description="Trials per click",
                                           continuous_update=False, style={"description_width": "110px"})}
    button = widgets.Button(description="Re-run the trial", button_style="primary", icon="refresh")
    explanation = ("Each click draws new virtual trials from the same model (same true effect, new "
                   "patients) and adds their hazard ratios to the histogram: the sampling distribution "
                   "of the HR, against the one published value.")
    return Explorer("Re-run the trial", explanation, controls, _RerunView(), button=button)


# ---------------------------------------------------------------------------------------------
# Landmark explorer
# ---------------------------------------------------------------------------------------------

def landmark_explorer(df=None, time="os_months", event="death"):
    """Move the landmark: KM curves with the landmark marked, HRs before and after, interaction p.

    Examples
    --------
    >>> w = landmark_explorer()
    >>> before = w.result.value
    >>> w.controls["landmark"].value = 24
    >>> w.result.value != before
    True
    """
    from .data import load_trial
    from .landmark_view import LandmarkView

    view = LandmarkView(load_trial() if df is None else df, time=time, event=event)
    controls = {"landmark": widgets.IntSlider(value=13, min=1, max=48, description="Landmark (months)",
                                              continuous_update=False, style={"description_width": "140px"},
                                              layout=widgets.Layout(width="480px"))}
    explanation = ("The landmark splits follow-up in two windows. The hazard ratio (control vs UC-MSC) "
                   "is estimated in each; the interaction p-value tests whether they differ, the test "
                   "the claim 'the effect starts later' needs.")
    return Explorer("Landmark explorer", explanation, controls, view.render)


# ---------------------------------------------------------------------------------------------
# Randomisation and imbalance
# ---------------------------------------------------------------------------------------------

#: Published standardised mean differences (UC-MSC minus control) from Table 1 (figures sheet).
PUBLISHED_SMD = {"tbil": 0.46, "meld": 0.27}


class _RandomizationView:
    """Re-randomise patients drawn from the virtual trial; histograms of the SMDs, built once.

    Each call redraws the heights of the two histograms (step outlines) and their shared y range.
    """

    BINS = np.linspace(-0.8, 0.8, 41)
    VARIABLES = (("tbil", "TBIL"), ("meld", "MELD"))

    def __init__(self, population, seed=2021, n_trials=2000):
        self.population, self.seed, self.n_trials = population, seed, n_trials
        self.fig = Figure(figsize=(7, 3.2), dpi=72)
        self.axes = self.fig.subplots(1, 2, sharey=True)
        self.bars, lines = {}, []
        for ax, (name, label) in zip(self.axes, self.VARIABLES, strict=True):
            self.bars[name] = ax.stairs(np.zeros(len(self.BINS) - 1), self.BINS, fill=True, color="#0072B2")
            lines += [ax.axvline(sign * PUBLISHED_SMD[name], color="#E69F00", linewidth=2) for sign in (-1, 1)]
            ax.set_xlim(self.BINS[0], self.BINS[-1])
            ax.xaxis.set_major_locator(FixedLocator([-0.6, -0.3, 0, 0.3, 0.6]))
            ax.set_title(f"SMD of {label} (Table 1: {PUBLISHED_SMD[name]:+.2f})", y=1.0)
            ax.set_xlabel("SMD, UC-MSC minus control")
        self.axes[0].yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        self.axes[0].set_ylabel("Number of re-randomisations")
        self.fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.88, wspace=0.08)
        self.live = LiveFigure(self.fig, [*self.bars.values(), *lines])  # the published SMDs over the bars

    def __call__(self, scheme, n_patients):
        from .randomization import share_as_extreme, simulate_imbalance

        population = self.population
        rng = np.random.default_rng(self.seed)
        rows = rng.choice(len(population), size=n_patients, replace=n_patients > len(population))
        patients = population.iloc[np.sort(rows)].reset_index(drop=True)
        strata = "meld_gt15" if scheme == "stratified" else None
        columns = ["tbil", "meld"] + (["meld_gt15"] if strata else [])
        smds = simulate_imbalance(patients[columns], scheme, self.n_trials, self.seed, strata_column=strata)
        shares = share_as_extreme(smds[["tbil", "meld"]], PUBLISHED_SMD)
        text = (f"<p>{self.n_trials:,} re-randomisations of {n_patients} patients ({scheme}"
                f"{', strata MELD > 15' if strata else ''}). An imbalance at least as large as Table 1's: "
                f"TBIL (|SMD| &ge; {PUBLISHED_SMD['tbil']}) in <b>{shares['tbil']:.1%}</b>, "
                f"MELD (|SMD| &ge; {PUBLISHED_SMD['meld']}) in <b>{shares['meld']:.1%}</b> of them.</p>")
        highest = 0
        for name, _ in self.VARIABLES:
            counts, _ = np.histogram(smds[name].to_numpy(), self.BINS)  # |SMD| > 0.8 falls outside the axis
            self.bars[name].set_data(counts)
            highest = max(highest, counts.max())
        top = _nice_ceiling(highest * 1.1)
        self.axes[0].set_ylim(0, top)
        return text, self.live.png(key=top)


def randomization_explorer():
    """Randomisation and imbalance: how often chance alone gives an imbalance like Table 1's.

    Controls: the scheme (simple, blocked in blocks of 4, stratified by MELD > 15) and the trial
    size. The patients are drawn from the virtual trial (both arms pooled) and re-randomised
    2,000 times (``trialkit.randomization.simulate_imbalance``).

    Examples
    --------
    >>> w = randomization_explorer()
    >>> w.controls["scheme"].value = "stratified"
    >>> "strata MELD > 15" in w.result.value
    True
    """
    from .data import load_trial

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
    return Explorer("Randomisation and imbalance", explanation, controls, _RandomizationView(population))


# ---------------------------------------------------------------------------------------------
# Immortal time
# ---------------------------------------------------------------------------------------------

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
        import dataclasses

        from .cohort import CohortParameters, duration_hazard_ratios, simulate_cohort

        params = dataclasses.replace(CohortParameters(), decision_week=float(week))
        cohort = simulate_cohort(self.seed, 64 * self.scale, 59 * self.scale, params=params)
        return duration_hazard_ratios(cohort, landmark=float(week), decision_week=float(week),
                                      analyses=self.ANALYSES)

    def __call__(self, week):
        table = self.tables[week]
        rows = "".join(f"<tr><td>{name}</td><td>{r.hr:.2f}</td><td>{r.ci_lower:.2f}-{r.ci_upper:.2f}</td></tr>"
                       for name, r in table.iterrows())
        text = (f"<p>'Prolonged' means treated beyond week {week}. The true effect of prolonging is none "
                f"(HR 1).</p><table><tr><th>analysis</th><th>HR prolonged vs not</th><th>95% CI</th></tr>"
                f"{rows}</table>")
        self.points.set_xdata(table["hr"].to_numpy())
        self.intervals.set_segments([[(lo, y), (hi, y)] for lo, hi, y in
                                     zip(table["ci_lower"], table["ci_upper"], self.y, strict=True)])
        self.title.set_text(f"Hazard ratio of prolonged treatment (threshold: week {week})")
        return text, self.live.png()


def immortal_time_explorer(seed=98, scale=5):
    """Immortal time: the threshold that defines 'prolonged treatment' in a retrospective cohort.

    The synthetic cohort of ``trialkit.cohort`` (``scale`` times the published group sizes) has
    no true effect of treatment duration. The naive comparison from the first infusion credits
    the prolonged group with the weeks its patients had to survive to be called prolonged; the
    landmark and time-varying analyses do not.

    Examples
    --------
    >>> w = immortal_time_explorer()
    >>> w.controls["week"].value = 8
    >>> "beyond week 8" in w.result.value
    True
    """
    # Beyond week 12 too few patients are alive to be "prolonged" in the published proportions.
    controls = {"week": widgets.IntSlider(value=4, min=1, max=12, description="Threshold (weeks)",
                                          continuous_update=False, style={"description_width": "130px"})}
    view = _ImmortalTimeView(seed, scale, range(controls["week"].min, controls["week"].max + 1))
    explanation = ("Patients are 'prolonged' if treated beyond the threshold week, as in the retrospective "
                   "cohort (more than 4 weeks). Nothing about treatment changes survival here: a hazard "
                   "ratio far from 1 is bias.")
    return Explorer("Immortal time", explanation, controls, view)
