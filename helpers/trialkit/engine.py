"""Vectorised log-rank statistics for many simulated trials at once.

The simulation studies of the course (a landmark chosen after looking at the curves, chance
imbalance, re-running the trial) need thousands of analyses. These functions compute, for a
batch of trials stored as rows of 2-D arrays, the log-rank statistic overall and in the windows
before and after each of a set of candidate landmarks, with no Python loop over trials.

The log-rank test sums, over distinct event times, the observed minus expected events in one
arm and the hypergeometric variance. The window before a landmark ``L`` (follow-up censored at
``L``) uses the event times up to and including ``L``; the window after it (the patients still
at risk after ``L``, timed from ``L``) uses the event times after ``L``, whose risk sets are the
same as in the full data. So one pass over each trial's sorted times gives every window: the
windows' statistics are partial sums of the same per-time contributions.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_dist

from .errors import TrialkitInputError
from .validation import check_rng, check_whole

__all__ = ["LogrankScan", "logrank_scan", "simulate_null_trials"]


@dataclass(frozen=True)
class LogrankScan:
    """Log-rank statistics of many trials, overall and around candidate landmarks.

    Attributes
    ----------
    landmarks : numpy.ndarray, shape (K,)
    overall : numpy.ndarray, shape (T,)
        Chi-square statistic (1 df) over all follow-up.
    before, after : numpy.ndarray, shape (T, K)
        Chi-square statistics in the window before each landmark (follow-up censored there)
        and after it (patients at risk after the landmark). A window with no events has
        statistic 0 (p = 1), as in lifelines.
    z_overall, z_before, z_after : numpy.ndarray
        The signed statistics: (observed - expected) / sqrt(variance) for the arm coded 1
        (positive when that arm has more events than expected).
    """

    landmarks: np.ndarray
    z_overall: np.ndarray
    z_before: np.ndarray
    z_after: np.ndarray

    @property
    def overall(self):
        return self.z_overall**2

    @property
    def before(self):
        return self.z_before**2

    @property
    def after(self):
        return self.z_after**2

    @staticmethod
    def p_value(statistic):
        """Two-sided p-value of a chi-square (1 df) statistic."""
        return chi2_dist.sf(statistic, 1)


def _as_2d(values, name, dtype):
    arr = np.asarray(values, dtype=dtype)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise TrialkitInputError(name, f"an array of shape {arr.shape}",
                                 "give one row per trial and one column per patient (2-D, at least 2 patients)")
    return arr


def logrank_scan(time, event, group, landmarks=()):
    """Log-rank statistics overall and before/after each landmark, for many trials at once.

    Parameters
    ----------
    time : array-like, shape (T, N) or (N,)
        Follow-up times; one row per trial.
    event : array-like of 0/1, same shape
        1 for an event, 0 for censored.
    group : array-like of 0/1, same shape
        The arm of each patient, as its index in :data:`trialkit.ARMS` (0 control, 1 UC-MSC): the
        statistics are observed minus expected in the arm coded 1.
    landmarks : array-like, shape (K,)
        Candidate landmark times.

    Returns
    -------
    LogrankScan
        Agrees with lifelines' ``logrank_test`` (with ``t_0=L`` for the window before, and on the
        survivors re-timed from ``L`` for the window after) to rounding error.

    Examples
    --------
    >>> import numpy as np
    >>> from trialkit.engine import logrank_scan
    >>> scan = logrank_scan([[1, 2, 3, 4, 5, 6]], [[1, 1, 1, 1, 0, 1]], [[0, 1, 0, 1, 0, 1]], [2.5])
    >>> scan.before.shape, scan.after.shape
    ((1, 1), (1, 1))
    """
    time = _as_2d(time, "time", float)
    event = _as_2d(event, "event", float)
    group = _as_2d(group, "group", float)
    if not (time.shape == event.shape == group.shape):
        raise TrialkitInputError("event", f"shapes {time.shape}, {event.shape}, {group.shape}",
                                 "time, event and group must have the same shape")
    if np.isnan(time).any() or (time < 0).any():
        raise TrialkitInputError("time", "missing or negative times", "give non-negative follow-up times")
    if not np.isin(event, (0, 1)).all():
        raise TrialkitInputError("event", "values other than 0 and 1", "code events as 1 and censoring as 0")
    if not np.isin(group, (0, 1)).all():
        raise TrialkitInputError("group", "values other than 0 and 1", "code the two arms as 0 and 1")
    landmarks = np.atleast_1d(np.asarray(landmarks, dtype=float))

    n_trials, n = time.shape
    order = np.argsort(time, axis=1, kind="stable")
    t = np.take_along_axis(time, order, axis=1)
    e = np.take_along_axis(event, order, axis=1)
    g = np.take_along_axis(group, order, axis=1)

    idx = np.broadcast_to(np.arange(n), t.shape)
    starts = np.ones_like(t, dtype=bool)
    starts[:, 1:] = t[:, 1:] != t[:, :-1]
    ends = np.ones_like(t, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, idx, 0), axis=1)  # first index of each tie group

    at_risk = (n - first).astype(float)
    g_suffix = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]
    at_risk1 = np.take_along_axis(g_suffix, first, axis=1)

    def tie_sum(x):
        c = np.cumsum(x, axis=1)
        before_first = np.where(first > 0, np.take_along_axis(c, np.maximum(first - 1, 0), axis=1), 0.0)
        return c - before_first  # at the last element of a tie group: the group's total

    d = np.where(ends, tie_sum(e), 0.0)
    d1 = np.where(ends, tie_sum(e * g), 0.0)
    share = at_risk1 / at_risk
    expected = d * share
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(at_risk > 1, d * share * (1 - share) * (at_risk - d) / (at_risk - 1), 0.0)
    oe = np.cumsum(d1 - expected, axis=1)
    v = np.cumsum(var, axis=1)

    def z(num, den):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.sqrt(den), 0.0)

    total_oe, total_v = oe[:, -1], v[:, -1]
    # Number of sorted times <= each landmark, per trial: (T, K).
    counts = (t[:, :, None] <= landmarks[None, None, :]).sum(axis=1)
    pos = np.maximum(counts - 1, 0)
    oe_before = np.where(counts > 0, np.take_along_axis(oe, pos, axis=1), 0.0)
    v_before = np.where(counts > 0, np.take_along_axis(v, pos, axis=1), 0.0)
    return LogrankScan(
        landmarks=landmarks,
        z_overall=z(total_oe, total_v),
        z_before=z(oe_before, v_before),
        z_after=z(total_oe[:, None] - oe_before, total_v[:, None] - v_before),
    )


def simulate_null_trials(n_trials, *, rng, n_control=111, n_msc=108, rate_before=0.0075, rate_after=0.0042,
                         changepoint=13.0, accrual=40.0, min_followup=45.0, decimals=2):
    """Many trials with no treatment effect, as 2-D arrays (one row per trial).

    Both arms share a piecewise-exponential hazard (``rate_before`` per month until
    ``changepoint``, then ``rate_after``: about the virtual trial's control arm), with entry
    uniform over ``accrual`` months and administrative censoring ``min_followup + accrual``
    months after the first entry. Times are rounded to ``decimals`` (ties, as in real data).

    Parameters
    ----------
    n_trials : int
        Number of trials (rows).
    rng : int or numpy.random.Generator
        Seed (e.g. 2021) or generator; required.
    n_control, n_msc, rate_before, rate_after, changepoint, accrual, min_followup, decimals
        The design, as described above.

    Returns
    -------
    time, event, group : numpy.ndarray, shape (n_trials, n_control + n_msc)
        ``group`` is the arm's index in :data:`trialkit.ARMS`: 0 for control, 1 for UC-MSC (the
        coding of every trialkit module).

    Examples
    --------
    >>> from trialkit.engine import simulate_null_trials
    >>> time, event, group = simulate_null_trials(3, rng=1)
    >>> time.shape, int(group[0].sum())
    ((3, 219), 108)
    """
    n_trials = check_whole(n_trials, "n_trials", minimum=1)
    rng = check_rng(rng)
    n = n_control + n_msc
    shape = (int(n_trials), n)
    e = rng.exponential(size=shape)
    early = rate_before * changepoint
    death = np.where(e < early, e / rate_before, changepoint + (e - early) / rate_after)
    censor = min_followup + accrual - rng.uniform(0, accrual, size=shape)
    time = np.maximum(np.round(np.minimum(death, censor), decimals), 10.0**-decimals)
    event = (death <= censor).astype(int)
    group = np.zeros(shape, dtype=int)
    group[:, n_control:] = 1
    return time, event, group
