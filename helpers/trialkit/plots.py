"""Figures of the course: every one titled, with labelled axes and units."""

import matplotlib.pyplot as plt
from lifelines.plotting import add_at_risk_counts

from .analysis import km_by_arm

__all__ = ["ARM_COLOURS", "MARGINS", "plot_km"]

#: One colour per arm, the same in every figure (colour-blind safe: Okabe-Ito).
ARM_COLOURS = {"control": "#E69F00", "UC-MSC": "#0072B2"}

#: Fixed margins (fractions of the figure) for figures redrawn on every widget update, where a
#: tight layout would cost a second drawing.
MARGINS = {"left": 0.12, "right": 0.97, "bottom": 0.15, "top": 0.9}


def plot_km(df, time="os_months", event="death", arm="arm", *, landmark=None, ax=None,
            title="Overall survival by arm", ylabel="Proportion alive", xlabel="Months since randomisation",
            at_risk=True, ci=True):
    """Kaplan-Meier curves by arm, optionally with a landmark marked and numbers at risk.

    Parameters
    ----------
    df : pandas.DataFrame
    time, event, arm : str, optional
        Column names.
    landmark : float, optional
        Draw a vertical line at this time (months).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure if None.
    title, ylabel, xlabel : str, optional
        Labels (with units).
    at_risk : bool, optional
        Add the table of numbers at risk under the axis (lifelines ``add_at_risk_counts``).
    ci : bool, optional
        Shade the pointwise 95% confidence bands.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from trialkit import load_trial
    >>> from trialkit.plots import plot_km
    >>> ax = plot_km(load_trial(), landmark=13, at_risk=False)
    >>> ax.get_xlabel()
    'Months since randomisation'
    """
    curves = km_by_arm(df, time, event, arm)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    for name, kmf in curves.items():
        kmf.plot_survival_function(ax=ax, ci_show=ci, color=ARM_COLOURS[name])
    if landmark is not None:
        ax.axvline(landmark, color="0.3", linestyle="--", linewidth=1)
        ax.annotate(f"landmark: {landmark:g} months", (landmark, 1.0), xytext=(4, -4),
                    textcoords="offset points", fontsize=9, color="0.3", va="top")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title="Arm", loc="lower left")
    if at_risk:
        add_at_risk_counts(*curves.values(), ax=ax, rows_to_show=["At risk"])
    return ax
