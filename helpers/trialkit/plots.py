"""Figures of the course: every one titled, with labelled axes and units."""

import matplotlib.pyplot as plt
from lifelines.plotting import add_at_risk_counts

from .analysis import km_by_arm
from .errors import TrialkitInputError

__all__ = ["ARM_COLOURS", "GROUP_COLOURS", "MARGINS", "plot_km"]

#: One colour per arm, the same in every figure (colour-blind safe: Okabe-Ito).
ARM_COLOURS = {"control": "#E69F00", "UC-MSC": "#0072B2"}

#: Colours for groups other than the arms, in order (Okabe-Ito, colour-blind safe).
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

#: Fixed margins (fractions of the figure) for figures redrawn on every widget update, where a
#: tight layout would cost a second drawing.
MARGINS = {"left": 0.12, "right": 0.97, "bottom": 0.15, "top": 0.9}


def plot_km(df, time="os_months", event="death", arm="arm", *, by=None, labels=None, colours=None, landmark=None,
            ax=None, title="Overall survival by arm", ylabel="Proportion alive", xlabel="Months since randomisation",
            legend_title=None, at_risk=True, ci=True):
    """Kaplan-Meier curves by arm (or by any column), optionally with a landmark and numbers at risk.

    Parameters
    ----------
    df : pandas.DataFrame
    time, event, arm : str, optional
        Column names.
    by : str, optional
        Draw one curve per level of this column instead of per arm (see :func:`trialkit.km_by_arm`).
    labels : dict, optional
        Legend text per group (arm or level of ``by``); default: the group itself.
    colours : dict, optional
        Colour per group; default :data:`ARM_COLOURS` for the arms, else :data:`GROUP_COLOURS` in
        order.
    landmark : float, optional
        Draw a vertical line at this time (months), labelled above the top of the axes.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure if None.
    title, ylabel, xlabel : str, optional
        Labels (with units).
    legend_title : str, optional
        Default "Arm", or the name of ``by``; "" for none.
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
    >>> ax = plot_km(load_trial(), by="meld_gt15", labels={0: "MELD <= 15", 1: "MELD > 15"}, at_risk=False)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['MELD <= 15', 'MELD > 15']
    """
    curves = km_by_arm(df, time, event, arm, by=by)
    labels = {} if labels is None else dict(labels)
    if colours is None:
        colours = ARM_COLOURS if by is None else dict(zip(curves, GROUP_COLOURS * len(curves), strict=False))
    missing = [group for group in curves if group not in colours]
    if missing:
        raise TrialkitInputError("colours", colours, f"give a colour for every group, also {missing}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    for name, kmf in curves.items():
        kmf.plot_survival_function(ax=ax, ci_show=ci, color=colours[name], label=labels.get(name, str(name)))
    if landmark is not None:
        ax.axvline(landmark, color="0.3", linestyle="--", linewidth=1)
        # Above the frame, clear of it and of the title, over the dashed line (turned inwards near
        # either end of the axis): never on the curves, which start at the top of the frame.
        low, high = ax.get_xlim()
        where = (landmark - low) / (high - low)
        ha = "left" if where < 0.15 else "right" if where > 0.85 else "center"
        ax.annotate(f"landmark: {landmark:g} months", (landmark, 1.0), xycoords=ax.get_xaxis_transform(),
                    xytext=(0, 4), textcoords="offset points", fontsize=9, color="0.3", va="bottom", ha=ha)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, pad=22 if landmark is not None else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend_title is None:
        legend_title = "Arm" if by is None else by
    ax.legend(title=legend_title or None, loc="lower left")
    if at_risk:
        add_at_risk_counts(*curves.values(), ax=ax, rows_to_show=["At risk"])
    return ax
