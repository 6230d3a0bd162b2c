"""Survival analyses of a two-arm trial: thin, well-named wrappers over lifelines.

Each function checks its input, makes the comparison explicit (which arm is the reference),
and returns the lifelines fitter where a student should move on to the real API.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

from .errors import TrialkitInputError
from .parameters import ARMS
from .results import HazardRatio, InteractionEstimate, format_ci, format_p
from .validation import (
    check_bool,
    check_choice,
    check_columns,
    check_names,
    check_numeric_column,
    check_real,
    check_reference,
    check_survival,
)

__all__ = [
    "HazardRatio",
    "LandmarkResult",
    "km_by_arm",
    "logrank_by_arm",
    "cox_by_arm",
    "landmark_analysis",
    "landmark_split",
    "median_followup",
]


@dataclass(frozen=True)
class LandmarkResult:
    """Hazard ratios before and after a landmark, and the test that they differ.

    Attributes
    ----------
    landmark : float
        The landmark time (months).
    before, after : HazardRatio
        The hazard ratio in each window: before, with follow-up censored at the landmark;
        after, among patients still at risk at the landmark, timed from it.
    interaction : InteractionEstimate
        The ratio of the two hazard ratios (after / before) from one Cox model with a
        treatment-by-period interaction: its p-value is the right test of whether the effect
        changes at the landmark.
    at_risk : dict
        Patients per arm still at risk at the landmark.
    """

    landmark: float
    before: HazardRatio
    after: HazardRatio
    interaction: InteractionEstimate
    at_risk: dict

    def __str__(self):
        at_risk = ", ".join(f"{n} {arm}" for arm, n in self.at_risk.items())
        return "\n".join([
            f"Landmark at {self.landmark:g} months (at risk then: {at_risk})",
            f"  before: {self.before}",
            f"  after:  {self.after}",
            f"  interaction ({self.interaction.label}): {self.interaction.estimate:.2f} "
            f"({format_ci(self.interaction.ci_lower, self.interaction.ci_upper, self.interaction.level)}), "
            f"{format_p(self.interaction.p)}",
        ])


def _groups(df, by):
    """The levels of column ``by`` in order: a categorical's own order, else sorted."""
    values = df[by]
    if values.isna().any():
        raise TrialkitInputError("by", f"column {by!r} with {int(values.isna().sum())} missing value(s)",
                                 "drop or fill those rows first, e.g. df.dropna(subset=[by])")
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [level for level in values.cat.categories if (values == level).any()]
    levels = [v.item() if isinstance(v, np.generic) else v for v in pd.unique(values)]
    return sorted(levels, key=lambda v: (str(type(v)), v))


def km_by_arm(df, time="os_months", event="death", arm="arm", *, by=None):
    """Fit a Kaplan-Meier curve per arm, or per level of any column.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event, arm : str, optional
        Columns with the follow-up time, the event indicator (1 event, 0 censored) and the arm.
    by : str, optional
        Group by this column instead of the arm (for example ``"meld_gt15"``): one curve per
        level, in the column's categorical order or else sorted.

    Returns
    -------
    dict
        One fitted ``lifelines.KaplanMeierFitter`` per group, keyed by arm (control, UC-MSC) or by
        the levels of ``by``; each fitter's label is its key as text.

    Examples
    --------
    >>> from trialkit import load_trial, km_by_arm
    >>> curves = km_by_arm(load_trial())
    >>> list(curves)
    ['control', 'UC-MSC']
    >>> round(float(curves["control"].predict(12)), 2) > 0.8
    True
    >>> list(km_by_arm(load_trial(), by="meld_gt15"))
    [0, 1]
    """
    if by is None:
        check_survival(df, time, event, arm)
        groups, column = list(ARMS), arm
    else:
        check_survival(df, time, event, arm=None)
        check_columns(df, [by])
        groups, column = _groups(df, by), by
    return _km(df, time, event, column, groups)


def _km(df, time, event, column, groups):
    curves = {}
    for name in groups:
        part = df[df[column] == name]
        curves[name] = KaplanMeierFitter(label=str(name)).fit(part[time], part[event])
    return curves


def logrank_by_arm(df, time="os_months", event="death", arm="arm", t_0=-1):
    """Log-rank test comparing the two arms (lifelines ``logrank_test``).

    Parameters
    ----------
    df : pandas.DataFrame
    time, event, arm : str, optional
        Column names.
    t_0 : float, optional
        Compare survival only up to this time (lifelines' ``t_0``; -1, the default, uses all).

    Returns
    -------
    lifelines.statistics.StatisticalResult
        With ``test_statistic`` and ``p_value``.

    Examples
    --------
    >>> from trialkit import load_trial, logrank_by_arm
    >>> result = logrank_by_arm(load_trial())
    >>> round(float(result.p_value), 3)
    0.052
    """
    check_survival(df, time, event, arm)
    a, b = (df[df[arm] == name] for name in ARMS)
    return logrank_test(a[time], b[time], a[event], b[event], t_0=t_0)


def _events(df, event, arm):
    return {name: int(df.loc[df[arm] == name, event].sum()) for name in ARMS}


def _arms_without_events(df, event, arm):
    return [name for name in ARMS if int(df.loc[df[arm] == name, event].sum()) == 0]


def _check_events_in(df, event, arm):
    """A hazard ratio needs events in both arms: with none in one arm it is 0 or infinite."""
    empty = _arms_without_events(df, event, arm)
    if empty:
        raise TrialkitInputError(
            "df", f"data with no events in {' or '.join(empty)}",
            "the hazard ratio is not estimable (it would be 0 or infinite); "
            "compare the arms with Kaplan-Meier curves instead",
        )


def cox_by_arm(df, *, reference, time="os_months", event="death", arm="arm", covariates=(), strata=None,
               label="overall"):
    """Cox proportional-hazards model of the arm effect, with an explicit reference arm.

    The paper's hazard ratio (1.89) is the hazard of control relative to UC-MSC: that is
    ``reference="UC-MSC"``. With ``reference="control"`` the same data give its inverse.

    Parameters
    ----------
    df : pandas.DataFrame
    reference : {"control", "UC-MSC"}
        The arm in the denominator of the hazard ratio. Required: there is no safe default.
    time, event, arm : str, optional
        Column names.
    covariates : sequence of str, optional
        Numeric baseline covariates to adjust for (for example ``["meld"]``).
    strata : sequence of str, optional
        Columns to stratify the baseline hazard by (lifelines ``strata``).
    label : str, optional
        What is estimated, shown when the result is printed (for example ``"after month 13"``).

    Returns
    -------
    HazardRatio
        ``.fitter`` is the fitted ``lifelines.CoxPHFitter``.

    Examples
    --------
    >>> from trialkit import load_trial, cox_by_arm
    >>> hr = cox_by_arm(load_trial(), reference="UC-MSC")
    >>> hr.compare, hr.estimate > 1
    ('control', True)
    """
    compare = check_reference(reference)
    check_survival(df, time, event, arm)
    covariates = [] if covariates is None else check_names(covariates, "covariates")
    check_columns(df, covariates)
    for c in covariates:
        check_numeric_column(df, c, "covariates")
    strata = [] if strata is None else check_names(strata, "strata")
    check_columns(df, strata)
    _check_events_in(df, event, arm)
    return _cox(df, compare, reference, time, event, arm, covariates, strata, label)


def _cox(df, compare, reference, time, event, arm, covariates=(), strata=(), label="overall"):
    """The arm's hazard ratio from a Cox model, on checked input."""
    term = f"arm[{compare}]"
    data = pd.DataFrame({time: df[time].astype(float), event: df[event].astype(int),
                         term: (df[arm] == compare).astype(int)})
    for c in [*covariates, *strata]:
        data[c] = df[c].to_numpy()
    fitter = CoxPHFitter().fit(data, duration_col=time, event_col=event, strata=list(strata) or None)
    return HazardRatio.from_fitter(fitter, term, compare=compare, reference=reference,
                                   events=_events(df, event, arm), label=label)


def _check_landmark(df, landmark, time):
    top = float(df[time].max())
    value = check_real(landmark, "landmark", example=13, unit="months")
    if not 0 < value < top:
        raise TrialkitInputError("landmark", landmark, f"choose a time inside follow-up, 0 < landmark < {top:g} "
                                 "months (the longest follow-up), e.g. 13")
    return value


def landmark_split(df, landmark, time="os_months", event="death"):
    """Split each patient's follow-up at the landmark into episodes (counting-process form).

    A death exactly at the landmark belongs to the window before it (the window is
    ``(0, landmark]``); only patients followed beyond the landmark start a second episode.

    Parameters
    ----------
    df : pandas.DataFrame
    landmark : float
        The landmark time (months).
    time, event : str, optional
        Column names.

    Returns
    -------
    pandas.DataFrame
        All of ``df``'s columns plus ``id``, ``start``, ``stop``, ``period`` (0 before the
        landmark, 1 after) and ``event_in_period``. Patients followed beyond the landmark have
        two rows. This is the data layout of lifelines' ``CoxTimeVaryingFitter``.

    Examples
    --------
    >>> import pandas as pd
    >>> from trialkit import landmark_split
    >>> d = pd.DataFrame({"os_months": [5.0, 20.0], "death": [1, 1]})
    >>> landmark_split(d, 13)[["id", "start", "stop", "period", "event_in_period"]]
       id  start  stop  period  event_in_period
    0   0    0.0   5.0       0                1
    1   1    0.0  13.0       0                0
    2   1   13.0  20.0       1                1
    """
    check_survival(df, time, event, arm=None)
    return _split(df, _check_landmark(df, landmark, time), time, event)


def _split(df, landmark, time, event):
    base = df.reset_index(drop=True).assign(id=lambda d: np.arange(len(d)))
    t = base[time].astype(float)
    first = base.assign(start=0.0, stop=np.minimum(t, landmark), period=0,
                        event_in_period=((t <= landmark) & (base[event] == 1)).astype(int))
    later = base[t > landmark].assign(start=landmark, period=1, event_in_period=lambda d: d[event].astype(int))
    later["stop"] = later[time].astype(float)
    return pd.concat([first, later], ignore_index=True).sort_values(["id", "period"], ignore_index=True)


def landmark_analysis(df, landmark, *, reference, time="os_months", event="death", arm="arm",
                      interaction_model=True):
    """Hazard ratios before and after a landmark, and their interaction test.

    The window before the landmark censors follow-up at the landmark (a death exactly at the
    landmark counts before it); the window after keeps the patients still at risk after the
    landmark and times them from it. The interaction model fits both at once (a Cox model with a
    treatment-by-period term on the split data) and gives the same two hazard ratios, plus the
    test of whether they differ: the right test of "the effect starts later", which a
    significant HR in the later window alone is not.

    Parameters
    ----------
    df : pandas.DataFrame
    landmark : float
        Landmark time in months (the paper used 13 for overall survival and 8 for HCC).
    reference : {"control", "UC-MSC"}
        The reference arm (the paper's HRs are control relative to UC-MSC: ``"UC-MSC"``).
    time, event, arm : str, optional
        Column names.
    interaction_model : bool, optional
        True (default): fit the interaction model (lifelines ``CoxTimeVaryingFitter``; its
        fitter is in ``result.interaction.fitter``). False: compute the same Wald test from the
        two windows, which is faster: the windows share no event time, so their log HRs are
        independent and the interaction's log HR is their difference, with variance the sum of
        their variances (equal to the model's to the optimiser's tolerance).

    Returns
    -------
    LandmarkResult

    Examples
    --------
    >>> from trialkit import load_trial, landmark_analysis
    >>> result = landmark_analysis(load_trial(), 13, reference="UC-MSC")
    >>> result.after.estimate > result.before.estimate
    True
    """
    compare = check_reference(reference)
    check_survival(df, time, event, arm)
    landmark = _check_landmark(df, landmark, time)
    interaction_model = check_bool(interaction_model, "interaction_model")
    return _landmark(df, landmark, compare, reference, time, event, arm, interaction_model)


def _plain(number):
    """A whole number as an int, for a message: a landmark of 48 months reads 48, not 48.0."""
    number = float(number)
    return int(number) if number.is_integer() else number


def _landmark(df, landmark, compare, reference, time, event, arm, interaction_model):
    """:func:`landmark_analysis` on checked input."""
    t = df[time].astype(float)
    before_df = df.assign(**{time: np.minimum(t, landmark), event: ((t <= landmark) & (df[event] == 1)).astype(int)})
    after_df = df[t > landmark].assign(**{time: t[t > landmark] - landmark})
    for part, what in ((before_df, f"before month {landmark:g}"), (after_df, f"after month {landmark:g}")):
        if part[arm].nunique() < 2:
            raise TrialkitInputError(
                "landmark", _plain(landmark), f"one arm has no patients {what}; choose an earlier landmark"
            )
        empty = _arms_without_events(part, event, arm)
        if empty:
            raise TrialkitInputError(
                "landmark", _plain(landmark),
                f"there are no events in {' or '.join(empty)} {what}, so the hazard ratio there is not "
                "estimable; choose another landmark",
            )
    before = _cox(before_df, compare, reference, time, event, arm, label=f"0-{landmark:g} months")
    after = _cox(after_df, compare, reference, time, event, arm, label=f"after {landmark:g} months")
    at_risk = {name: int(((df[arm] == name) & (t > landmark)).sum()) for name in ARMS}
    label = f"ratio of HRs, after / before {landmark:g} months"
    if not interaction_model:
        log_ratio = np.log(after.estimate) - np.log(before.estimate)
        se = float(np.hypot(before.se, after.se))
        interaction = InteractionEstimate.from_log(log_ratio, se, label=label)
        return LandmarkResult(landmark, before, after, interaction, at_risk)
    split = _split(df[[time, event, arm]], landmark, time, event)
    term, inter = f"arm[{compare}]", f"arm[{compare}] x after"
    episodes = pd.DataFrame({
        "id": split["id"], "start": split["start"], "stop": split["stop"],
        "event": split["event_in_period"], term: (split[arm] == compare).astype(int),
    })
    episodes[inter] = episodes[term] * split["period"]
    ctv = CoxTimeVaryingFitter().fit(episodes, id_col="id", start_col="start", stop_col="stop", event_col="event")
    row = ctv.summary.loc[inter]
    interaction = InteractionEstimate(float(row["exp(coef)"]), float(row["exp(coef) lower 95%"]),
                                      float(row["exp(coef) upper 95%"]), float(row["p"]), float(row["se(coef)"]),
                                      label=label, fitter=ctv)
    return LandmarkResult(landmark, before, after, interaction, at_risk)


def median_followup(df, time="os_months", event="death", arm="arm", method="observed"):
    """Median follow-up per arm.

    Parameters
    ----------
    df : pandas.DataFrame
    time, event, arm : str, optional
        Column names.
    method : {"observed", "reverse_km"}
        ``"observed"``: the median of everyone's observed time, deaths included (as many papers,
        this one among them, report it: the range 1-85 months includes early deaths).
        ``"reverse_km"``: the Kaplan-Meier median with censoring as the event (Schemper &
        Smith 1996), the potential follow-up had nobody died.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> from trialkit import load_trial, median_followup
    >>> fu = median_followup(load_trial())
    >>> 50 < fu["control"] < 65
    True
    """
    check_survival(df, time, event, arm)
    method = check_choice(method, "method", ("observed", "reverse_km"))
    out = {}
    for name in ARMS:
        part = df[df[arm] == name]
        if method == "observed":
            out[name] = float(part[time].median())
        else:
            kmf = KaplanMeierFitter().fit(part[time], 1 - part[event])
            out[name] = float(kmf.median_survival_time_)
    return out
