"""Competing risks: cumulative incidence by arm over lifelines' ``AalenJohansenFitter``.

A patient with cirrhosis who dies of liver failure can no longer develop hepatocellular
carcinoma (HCC): death *competes* with HCC. The probability of HCC by time *t* in the real world,
where patients also die, is the **cumulative incidence function**, estimated by the
Aalen-Johansen estimator (Aalen & Johansen 1978). One minus a Kaplan-Meier curve that treats
deaths as censored estimates something else: the probability of HCC in a world where nobody
dies, which is always at least as large.

This module wraps lifelines (``AalenJohansenFitter``, ``KaplanMeierFitter``, ``CoxPHFitter``)
and repairs two of its behaviours:

* **Ties.** When events of different types share a recorded time, lifelines warns
  ("Tied event times were detected...") and jitters *every* event time by a random amount drawn
  from NumPy's global random state (reseeded from the operating system unless ``seed`` is
  given, and with a warning either way). :func:`break_ties` instead moves only the tied events,
  each *earlier* by a distinct amount far below the recording precision, in the order of the
  rows: no random numbers at all. The estimate at every recorded time does not depend on that
  order (see :func:`break_ties`), so the curve is reproducible and no warning is raised.
* **Confidence limits.** In lifelines 0.30 the two columns of
  ``AalenJohansenFitter.confidence_interval_`` carry each other's names (the column called
  ``..._upper_0.95`` holds the lower limit). :func:`cumulative_incidence_at` returns the limits
  by value (the smaller one is the lower limit), whatever their names.

Status coding follows the virtual trial's ``hcc_status``: 0 censored, 1 HCC, 2 death before HCC
(any non-negative integers work: 0 is censoring, every other code a distinct event type).

References
----------
Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains based on
censored observations. Scand J Stat 1978;5:141-150.
Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
J Am Stat Assoc 1999;94:496-509.
Putter H, Fiocco M, Geskus RB. Tutorial in biostatistics: competing risks and multi-state
models. Stat Med 2007;26:2389-2430.
"""

import numpy as np
import pandas as pd
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from .analysis import _check_events_in, _cox
from .errors import TrialkitInputError
from .parameters import ARMS
from .validation import (
    check_arm_column,
    check_columns,
    check_frame,
    check_numeric_column,
    check_real,
    check_reference,
    check_whole,
)

__all__ = [
    "tied_event_times",
    "break_ties",
    "cumulative_incidence",
    "cumulative_incidence_by_arm",
    "cumulative_incidence_at",
    "incidence_table",
    "cause_specific_cox",
]

# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _check_status_column(df, column, name):
    """Check that ``df[column]`` holds non-negative whole numbers (0 = censored)."""
    values = df[column]
    if values.isna().any():
        raise TrialkitInputError(
            name, f"column {column!r} with {int(values.isna().sum())} missing value(s)",
            "every row needs a status: 0 censored, 1, 2, ... one code per type of event",
        )
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric or not np.all(np.mod(values.to_numpy(dtype=float), 1) == 0) or (values < 0).any():
        shown = sorted(pd.unique(values).tolist(), key=str)[:6]
        raise TrialkitInputError(
            name, f"column {column!r} with values {shown}",
            "code the status as whole numbers: 0 censored, 1, 2, ... one code per type of event "
            "(the virtual trial's hcc_status: 0 censored, 1 HCC, 2 death before HCC)",
        )


def _as_frame(durations, events):
    """Put two equal-length sequences into a checked DataFrame with columns time, status."""
    try:
        d = np.asarray(durations)
        e = np.asarray(events)
    except (TypeError, ValueError) as error:  # pragma: no cover - numpy accepts almost anything
        raise TrialkitInputError("durations", type(durations).__name__, "pass sequences of numbers") from error
    if d.ndim != 1 or len(d) == 0:
        raise TrialkitInputError("durations", f"an array of shape {d.shape}", "pass a non-empty 1-D sequence of times")
    if e.ndim != 1 or len(e) != len(d):
        raise TrialkitInputError(
            "events", f"an array of shape {e.shape}",
            f"pass one status per duration ({len(d)} values), e.g. df['hcc_status']",
        )
    frame = pd.DataFrame({"time": d, "status": e})
    check_numeric_column(frame, "time", "durations", minimum=0)
    if not np.isfinite(frame["time"].to_numpy(dtype=float)).all():
        raise TrialkitInputError("durations", "infinite value(s)", "every duration must be a finite time")
    _check_status_column(frame, "status", "events")
    frame["time"] = frame["time"].astype(float)
    frame["status"] = frame["status"].astype(int)
    return frame


def _check_event_of_interest(event_of_interest, status, name="event_of_interest"):
    codes = sorted(int(c) for c in pd.unique(status) if c != 0)
    if check_whole(event_of_interest, name, example=1) not in codes:
        raise TrialkitInputError(
            name, event_of_interest,
            f"name one of the event codes present in the data, {codes} (0 is censoring), "
            "e.g. event_of_interest=1 for HCC in the virtual trial",
        )
    return int(event_of_interest)


# ---------------------------------------------------------------------------------------------
# Ties
# ---------------------------------------------------------------------------------------------


def tied_event_times(durations, events):
    """Recorded times at which events of more than one type coincide.

    These are the ties that make lifelines' ``AalenJohansenFitter`` warn and jitter the data.
    Ties between events of the same type, or between an event and a censoring, are ordinary
    and need nothing.

    Parameters
    ----------
    durations : sequence of float
        Follow-up times (for example ``df["hcc_months"]``).
    events : sequence of int
        Status per patient: 0 censored, 1, 2, ... the type of event.

    Returns
    -------
    numpy.ndarray
        The tied times, sorted (empty if there are none).

    Examples
    --------
    >>> from trialkit.competing import tied_event_times
    >>> tied_event_times([3.0, 3.0, 5.0, 5.0, 7.0], [1, 2, 1, 1, 0])
    array([3.])
    >>> tied_event_times([3.0, 3.0], [1, 0]).size
    0
    """
    frame = _as_frame(durations, events)
    ev = frame[frame["status"] != 0]
    kinds = ev.groupby("time")["status"].nunique()
    return np.sort(kinds[kinds > 1].index.to_numpy(dtype=float))


def _smallest_gap(times):
    distinct = np.unique(times)
    return float(np.diff(distinct).min()) if len(distinct) > 1 else float("inf")


def break_ties(durations, events, *, scale=None):
    """Separate tied events of different types, deterministically, without changing the estimate.

    At each time returned by :func:`tied_event_times`, the *k* events recorded there are taken
    in the order of their rows and moved earlier by ``scale * 1/(k+1), ..., scale * k/(k+1)``:
    distinct amounts, all smaller than ``scale``.
    Censored times and all other events are left as they are.

    Why this changes nothing that matters: with ``n`` patients at risk just before a tied time
    and ``d`` events there, the Aalen-Johansen estimate adds ``S(t-) * d_1 / n`` to the
    cumulative incidence of type 1 and multiplies the event-free survival ``S`` by
    ``(n - d) / n``, and taking the ``d`` events one after another, in any order, gives exactly
    the same two numbers. Moving the events *earlier* keeps them before any censoring at the
    same recorded time, the usual convention. So the estimate is unchanged at every time
    outside the gaps of width ``scale`` just before each tie, whatever the order; only the curve
    inside those gaps depends on it. (No random order is needed, so none is drawn.)

    Parameters
    ----------
    durations : sequence of float
        Follow-up times.
    events : sequence of int
        Status per patient: 0 censored, 1, 2, ... the type of event.
    scale : float, optional
        Largest shift. Default: a thousandth of the smallest gap between distinct recorded
        times (0.00001 month for times recorded to 0.01 month). It must be below that gap, so
        that no event crosses another recorded time.

    Returns
    -------
    numpy.ndarray
        The durations, as floats, with the tied events moved; a copy even when nothing moved.

    Examples
    --------
    >>> from trialkit.competing import break_ties, tied_event_times
    >>> times, status = [2.0, 3.0, 3.0, 3.0, 4.0], [1, 1, 2, 0, 0]
    >>> new = break_ties(times, status)
    >>> new.round(6).tolist()
    [2.0, 2.999667, 2.999333, 3.0, 4.0]
    >>> tied_event_times(new, status).size
    0
    """
    frame = _as_frame(durations, events)
    t = frame["time"].to_numpy(dtype=float)
    s = frame["status"].to_numpy()
    gap = _smallest_gap(t)
    if scale is None:
        scale = gap / 1000 if np.isfinite(gap) else 1e-6
    if not (check_real(scale, "scale") > 0 and scale < gap):
        raise TrialkitInputError(
            "scale", scale,
            f"give a positive number below the smallest gap between recorded times ({gap:g}), "
            "or leave it out (default: a thousandth of that gap)",
        )
    out = t.copy()
    for tied in tied_event_times(t, s):
        rows = np.flatnonzero((t == tied) & (s != 0))
        k = len(rows)
        out[rows] = tied - float(scale) * np.arange(1, k + 1) / (k + 1)
    if (out < 0).any():
        raise TrialkitInputError(
            "scale", scale, "a tie at a time smaller than scale would become negative; give a smaller scale"
        )
    return out


# ---------------------------------------------------------------------------------------------
# Cumulative incidence
# ---------------------------------------------------------------------------------------------


def cumulative_incidence(durations, events, event_of_interest=1, *, scale=None, label=None, alpha=0.05):
    """Aalen-Johansen cumulative incidence of one event type, with the other types competing.

    lifelines' ``AalenJohansenFitter`` on the same data, after :func:`break_ties` when events
    of different types share a recorded time, so that lifelines neither warns nor draws random
    numbers. Without such ties the data are passed to lifelines unchanged.

    Parameters
    ----------
    durations : sequence of float
        Follow-up times.
    events : sequence of int
        Status per patient: 0 censored, 1, 2, ... the type of event.
    event_of_interest : int, optional
        The event whose cumulative incidence is wanted (default 1: HCC in ``hcc_status``).
    scale : float, optional
        Passed to :func:`break_ties` (used only if there are ties).
    label : str, optional
        Name of the curve (for the legend).
    alpha : float, optional
        1 - confidence level of the pointwise intervals (default 0.05).

    Returns
    -------
    lifelines.AalenJohansenFitter
        Fitted; ``cumulative_density_`` is the cumulative incidence. Read values and limits
        with :func:`cumulative_incidence_at`.

    Examples
    --------
    >>> from trialkit.competing import cumulative_incidence, cumulative_incidence_at
    >>> ajf = cumulative_incidence([2, 3, 4, 5, 6, 8, 9, 12], [1, 2, 2, 0, 1, 2, 1, 0])
    >>> round(float(cumulative_incidence_at(ajf, 12)["estimate"].iloc[0]), 4)
    0.4375
    """
    frame = _as_frame(durations, events)
    event_of_interest = _check_event_of_interest(event_of_interest, frame["status"])
    alpha = check_real(alpha, "alpha", low=0, high=1, inclusive=False, example="0.05 for 95% intervals")
    t = frame["time"].to_numpy(dtype=float)
    s = frame["status"].to_numpy()
    if tied_event_times(t, s).size:
        t = break_ties(t, s, scale=scale)
    fitter = AalenJohansenFitter(alpha=alpha)  # no ties left: it never jitters
    return fitter.fit(t, s, event_of_interest=event_of_interest, label=label)


def _check_survival_status(df, time, status, arm):
    check_frame(df)
    check_columns(df, [c for c in (time, status, arm) if c is not None])
    check_numeric_column(df, time, "time", minimum=0)
    _check_status_column(df, status, "status")
    if arm is not None:
        check_arm_column(df, arm, "arm")


def cumulative_incidence_by_arm(df, time="hcc_months", status="hcc_status", event_of_interest=1, arm="arm"):
    """Aalen-Johansen cumulative incidence per arm (see :func:`cumulative_incidence`).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, status, arm : str, optional
        Columns with the follow-up time, the status (0 censored, 1, 2, ...) and the arm.
    event_of_interest : int, optional
        Default 1 (HCC in ``hcc_status``; 2 is death before HCC).

    Returns
    -------
    dict of str to lifelines.AalenJohansenFitter
        One fitted curve per arm, in the order control, UC-MSC.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> from trialkit.competing import cumulative_incidence_by_arm
    >>> curves = cumulative_incidence_by_arm(load_trial())
    >>> list(curves)
    ['control', 'UC-MSC']
    """
    _check_survival_status(df, time, status, arm)
    _check_event_of_interest(event_of_interest, df[status])
    return _by_arm(df, time, status, event_of_interest, arm)


def _by_arm(df, time, status, event_of_interest, arm):
    return {name: cumulative_incidence(df.loc[df[arm] == name, time], df.loc[df[arm] == name, status],
                                       event_of_interest, label=name)
            for name in ARMS}


def cumulative_incidence_at(fitter, times):
    """The cumulative incidence and its pointwise confidence limits at given times.

    The value is the step in force at each time. The limits are taken by value (the smaller
    is the lower), because lifelines 0.30 swaps the names of its two limit columns. Before the
    first event of interest the estimate is 0 and the limits are missing (NaN).

    Parameters
    ----------
    fitter : lifelines.AalenJohansenFitter
        A fitted curve, e.g. from :func:`cumulative_incidence`.
    times : float or sequence of float
        Times (months).

    Returns
    -------
    pandas.DataFrame
        Indexed by time, with columns ``estimate``, ``ci_lower`` and ``ci_upper``.

    Examples
    --------
    >>> from trialkit.competing import cumulative_incidence, cumulative_incidence_at
    >>> ajf = cumulative_incidence([2, 3, 4, 5, 6, 8, 9, 12], [1, 2, 2, 0, 1, 2, 1, 0])
    >>> cumulative_incidence_at(ajf, [1, 6])["estimate"].tolist()
    [0.0, 0.28125]
    """
    if not isinstance(fitter, AalenJohansenFitter) or not hasattr(fitter, "cumulative_density_"):
        raise TrialkitInputError(
            "fitter", type(fitter).__name__,
            "pass a fitted lifelines AalenJohansenFitter, e.g. trialkit.competing.cumulative_incidence(...)",
        )
    scalar = np.ndim(times) == 0
    grid = np.atleast_1d(np.asarray(times, dtype=float))
    if not np.isfinite(grid).all() or (grid < 0).any():
        raise TrialkitInputError("times", times, "give finite times >= 0 (months)")
    curve = fitter.cumulative_density_.iloc[:, 0]
    limits = fitter.confidence_interval_.to_numpy(dtype=float)
    index = np.searchsorted(curve.index.to_numpy(dtype=float), grid, side="right") - 1
    estimate = np.where(index >= 0, curve.to_numpy()[np.maximum(index, 0)], 0.0)
    chosen = np.where(index[:, None] >= 0, limits[np.maximum(index, 0)], np.nan)
    out = pd.DataFrame({"estimate": estimate, "ci_lower": np.fmin(chosen[:, 0], chosen[:, 1]),
                        "ci_upper": np.fmax(chosen[:, 0], chosen[:, 1])},
                       index=pd.Index(grid, name="months"))
    return out.iloc[[0]] if scalar else out


def incidence_table(df, at, time="hcc_months", status="hcc_status", event_of_interest=1, arm="arm"):
    """Three answers to "what proportion had the event by time ``at``?", per arm.

    * ``crude``: events of interest recorded by ``at``, divided by all patients. Patients
      censored earlier count as event-free, so it is too low when follow-up is incomplete.
    * ``one_minus_km``: 1 - Kaplan-Meier with the competing events treated as censored: the
      probability in a world without the competing events. Too high when they occur.
    * ``aalen_johansen``: the cumulative incidence in the real world, with its 95% limits.

    Parameters
    ----------
    df : pandas.DataFrame
    at : float
        The time (months), e.g. 75.
    time, status, arm : str, optional
        Column names (status: 0 censored, 1, 2, ...).
    event_of_interest : int, optional
        Default 1 (HCC).

    Returns
    -------
    pandas.DataFrame
        One row per arm (control, UC-MSC): ``patients``, ``events`` (of interest, by ``at``),
        ``crude``, ``one_minus_km``, ``aalen_johansen``, ``aalen_johansen_ci_lower``,
        ``aalen_johansen_ci_upper``.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> from trialkit.competing import incidence_table
    >>> table = incidence_table(load_trial(), at=75)
    >>> bool((table["crude"] <= table["aalen_johansen"]).all())
    True
    >>> bool((table["aalen_johansen"] <= table["one_minus_km"]).all())
    True
    """
    _check_survival_status(df, time, status, arm)
    event_of_interest = _check_event_of_interest(event_of_interest, df[status])
    at = check_real(at, "at", low=0, inclusive=False, example=75, unit="months")
    curves = _by_arm(df, time, status, event_of_interest, arm)
    rows = {}
    for name in ARMS:
        part = df[df[arm] == name]
        hit = (part[status] == event_of_interest).to_numpy()
        events = int((hit & (part[time] <= at).to_numpy()).sum())
        km = KaplanMeierFitter().fit(part[time].astype(float), hit.astype(int))
        aj = cumulative_incidence_at(curves[name], at).iloc[0]
        rows[name] = {
            "patients": len(part), "events": events, "crude": events / len(part),
            "one_minus_km": 1 - float(km.survival_function_at_times(at).iloc[0]),
            "aalen_johansen": float(aj["estimate"]), "aalen_johansen_ci_lower": float(aj["ci_lower"]),
            "aalen_johansen_ci_upper": float(aj["ci_upper"]),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(arm)


# ---------------------------------------------------------------------------------------------
# Cause-specific hazards
# ---------------------------------------------------------------------------------------------


def cause_specific_cox(df, cause, *, reference, time="hcc_months", status="hcc_status", arm="arm"):
    """Cox model of one cause-specific hazard: the other event types are censored.

    The cause-specific hazard of HCC is the rate of HCC among patients still alive and free of
    HCC. Censoring the deaths is right for this *rate* (a patient who died is no longer at risk
    of HCC), but its hazard ratio does not translate into a difference in the cumulative
    incidence, which depends on the hazards of every cause (Putter et al. 2007). The
    subdistribution hazard of Fine & Gray (1999), whose ratio does, is not in lifelines.

    Parameters
    ----------
    df : pandas.DataFrame
    cause : int
        The event type whose hazard is modelled (1 HCC, 2 death before HCC in ``hcc_status``).
    reference : {"control", "UC-MSC"}
        The arm in the denominator (the paper's ratios are control relative to UC-MSC).
    time, status, arm : str, optional
        Column names.

    Returns
    -------
    HazardRatio
        As from :func:`trialkit.cox_by_arm`; ``.fitter`` is the lifelines ``CoxPHFitter``.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> from trialkit.competing import cause_specific_cox
    >>> hr = cause_specific_cox(load_trial(), 1, reference="UC-MSC")
    >>> hr.label
    'cause-specific hazard of status 1'
    """
    compare = check_reference(reference)
    _check_survival_status(df, time, status, arm)
    cause = _check_event_of_interest(cause, df[status], "cause")
    event = f"{status} == {cause}"
    data = df[[time, arm]].assign(**{event: (df[status] == cause).astype(int)})
    _check_events_in(data, event, arm)
    return _cox(data, compare, reference, time, event, arm, label=f"cause-specific hazard of status {cause}")
