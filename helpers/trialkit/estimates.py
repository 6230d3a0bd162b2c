"""Re-deriving and re-expressing effect estimates.

Two tools for re-reading a published survival comparison:

* :func:`wald_from_ci` recovers the standard error, z and p-value behind a reported ratio
  and its confidence interval (Altman & Bland 2011, BMJ 343:d2304);
* :func:`rmst_by_arm` and :func:`rmst_difference` express the survival difference as a
  restricted mean survival time (months of life gained up to a horizon) with a bootstrap
  confidence interval.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time
from scipy.stats import norm

from .errors import TrialkitInputError
from .parameters import ARMS
from .results import format_ci, format_p
from .validation import check_bool, check_positive, check_probability, check_real, check_rng, check_survival

__all__ = [
    "RMSTDifference",
    "WaldRecovery",
    "rmst_by_arm",
    "rmst_difference",
    "wald_from_ci",
]

CONTROL, MSC = ARMS


# ---------------------------------------------------------------------------------------------
# Wald statistics from a published confidence interval
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class WaldRecovery:
    """Result of :func:`wald_from_ci`.

    Attributes
    ----------
    estimate, ci_lower, ci_upper : float
        The reported estimate and confidence limits, as given.
    se : float
        Standard error, of ``log(estimate)`` when ``log_scale`` is true.
    z : float
        Wald statistic, ``log(estimate) / se`` (or ``estimate / se`` on the natural scale).
    p : float
        Two-sided p-value, ``2 (1 - Phi(|z|))``.
    ci_symmetric : bool
        Whether the (log) estimate lies within 0.05 SE of the midpoint of the (log) CI, as a
        Wald interval's would. The tolerance allows for rounding: an estimate and limits printed
        to two decimals can move it by about 0.03 SE. :attr:`asymmetry` gives the gap.
    level : float
        Confidence level of the interval.
    log_scale : bool
        Whether the interval is symmetric on the log scale (ratios: HR, OR, RR).

    Examples
    --------
    >>> from trialkit.estimates import wald_from_ci
    >>> round(wald_from_ci(1.89, 1.01, 3.58).se, 3)
    0.323
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    se: float
    z: float
    p: float
    ci_symmetric: bool
    level: float = 0.95
    log_scale: bool = True

    @property
    def asymmetry(self):
        """Distance of the (log) estimate from the midpoint of the (log) CI, in SEs."""
        f = math.log if self.log_scale else float
        return (f(self.estimate) - (f(self.ci_lower) + f(self.ci_upper)) / 2) / self.se

    def __repr__(self):
        return (
            f"WaldRecovery(estimate={self.estimate:g}, ci_lower={self.ci_lower:g}, ci_upper={self.ci_upper:g}, "
            f"se={self.se:.4g}, z={self.z:.4g}, p={self.p:.4g}, ci_symmetric={self.ci_symmetric}, "
            f"level={self.level:g}, log_scale={self.log_scale})"
        )

    def __str__(self):
        scale = "log " if self.log_scale else ""
        return (
            f"estimate {self.estimate:g} ({self.level:.0%} CI {self.ci_lower:g} to {self.ci_upper:g})\n"
            f"  SE of {scale}estimate:  {self.se:.3f}\n"
            f"  z:                  {self.z:.2f}\n"
            f"  p (two-sided):      {format_p(self.p, name=None)}\n"
            f"  CI symmetric:       {'yes' if self.ci_symmetric else 'no'} "
            f"(estimate is {self.asymmetry:+.3f} SE from the {scale}CI midpoint)"
        )


def _check_ci(estimate, lower, upper, log_scale):
    """Check the estimate and limits; return them as floats."""
    values = {}
    for name, value in (("estimate", estimate), ("ci_lower", lower), ("ci_upper", upper)):
        value = check_real(value, name, example="1.89, as printed in the paper")
        if log_scale and value <= 0:
            raise TrialkitInputError(
                name,
                value,
                "a ratio (HR, OR, RR) and its limits must be positive; "
                "for a difference of means use log_scale=False",
            )
        values[name] = float(value)
    if not values["ci_lower"] < values["estimate"] < values["ci_upper"]:
        raise TrialkitInputError(
            "ci_lower",
            (lower, estimate, upper),
            "the limits must satisfy ci_lower < estimate < ci_upper; check the order and that the "
            "numbers were copied from the same row of the table",
        )
    return values["estimate"], values["ci_lower"], values["ci_upper"]


def wald_from_ci(estimate, ci_lower, ci_upper, level=0.95, log_scale=True):
    """Recover the standard error, z and p-value behind a reported estimate and its CI.

    Altman & Bland (2011, BMJ 343:d2304): for a Wald interval on the log scale,
    ``SE = (ln U - ln L) / (2 z_{(1+level)/2})``, ``z = ln(estimate) / SE`` and
    ``p = 2 (1 - Phi(|z|))``. With ``log_scale=False`` the same is done without logarithms
    (for differences of means or risks).

    Parameters
    ----------
    estimate : float
        Reported point estimate, e.g. a hazard ratio.
    ci_lower, ci_upper : float
        Reported confidence limits, ``ci_lower < estimate < ci_upper``.
    level : float, default 0.95
        Confidence level of the interval.
    log_scale : bool, default True
        True for ratios (all three numbers must then be positive).

    Returns
    -------
    WaldRecovery
        Frozen dataclass with estimate, ci_lower, ci_upper, se, z, p, ci_symmetric, level, log_scale.

    Raises
    ------
    TrialkitInputError
        If the limits are not ordered, a ratio is not positive, or ``level`` is not in (0, 1).

    Notes
    -----
    The printed limits are rounded (usually to two decimals), so the recovered SE and p are
    accurate to about the third decimal only.

    Examples
    --------
    >>> from trialkit.estimates import wald_from_ci
    >>> w = wald_from_ci(1.89, 1.01, 3.58)
    >>> round(w.se, 3), round(w.p, 3)
    (0.323, 0.049)
    >>> print(wald_from_ci(3.68, 1.38, 9.85))
    estimate 3.68 (95% CI 1.38 to 9.85)
      SE of log estimate:  0.501
      z:                  2.60
      p (two-sided):      0.009
      CI symmetric:       yes (estimate is -0.004 SE from the log CI midpoint)
    """
    log_scale = check_bool(log_scale, "log_scale")
    estimate, lower, upper = _check_ci(estimate, ci_lower, ci_upper, log_scale)
    level = check_probability(level, "level")
    f = math.log if log_scale else float
    z_crit = float(norm.ppf((1 + level) / 2))
    se = (f(upper) - f(lower)) / (2 * z_crit)
    z = f(estimate) / se
    p = float(2 * norm.sf(abs(z)))
    midpoint = (f(lower) + f(upper)) / 2
    symmetric = bool(abs(f(estimate) - midpoint) <= 0.05 * se)
    return WaldRecovery(estimate, lower, upper, se, z, p, symmetric, level, log_scale)


# ---------------------------------------------------------------------------------------------
# Restricted mean survival time
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RMSTDifference:
    """Result of :func:`rmst_difference`.

    Attributes
    ----------
    horizon : float
        Upper limit of the integral, in the units of the time column (months).
    rmst_control, rmst_msc : float
        Restricted mean survival time up to ``horizon`` in the control and UC-MSC arms.
    estimate : float
        ``rmst_msc - rmst_control``: mean survival time gained with UC-MSC up to the horizon.
    ci_lower, ci_upper : float
        Percentile bootstrap confidence limits of ``estimate``.
    n_boot : int
        Number of bootstrap replicates.
    level : float
        Confidence level of the interval.

    Examples
    --------
    >>> from trialkit.estimates import RMSTDifference
    >>> print(RMSTDifference(12, 10.5, 11.25, 0.75, -0.1, 1.6, 1000))
    RMST up to 12 (UC-MSC minus control)
      control:     10.50
      UC-MSC:      11.25
      difference:  0.75 (95% CI -0.10 to 1.60; percentile bootstrap, 1000 replicates)
    """

    horizon: float
    rmst_control: float
    rmst_msc: float
    estimate: float
    ci_lower: float
    ci_upper: float
    n_boot: int
    level: float = 0.95

    def __repr__(self):
        return (
            f"RMSTDifference(horizon={self.horizon:g}, rmst_control={self.rmst_control:.4g}, "
            f"rmst_msc={self.rmst_msc:.4g}, estimate={self.estimate:.4g}, "
            f"ci_lower={self.ci_lower:.4g}, ci_upper={self.ci_upper:.4g}, n_boot={self.n_boot}, "
            f"level={self.level:g})"
        )

    def __str__(self):
        return (
            f"RMST up to {self.horizon:g} ({MSC} minus {CONTROL})\n"
            f"  {CONTROL + ':':12} {self.rmst_control:.2f}\n"
            f"  {MSC + ':':12} {self.rmst_msc:.2f}\n"
            f"  difference:  {self.estimate:.2f} ({format_ci(self.ci_lower, self.ci_upper, self.level)}; "
            f"percentile bootstrap, {self.n_boot} replicates)"
        )


def _check_rmst_inputs(df, horizon, time, event, arm):
    """Run the survival checks and check ``horizon`` against the follow-up of each arm."""
    check_survival(df, time, event, arm)
    if not np.isfinite(df[time].to_numpy(dtype=float)).all():
        raise TrialkitInputError(
            "time", f"column {time!r} with infinite values", "give finite follow-up times"
        )
    horizon = check_positive(horizon, "horizon")
    max_follow_up = {label: float(df.loc[df[arm] == label, time].max()) for label in ARMS}
    which = min(max_follow_up, key=max_follow_up.get)
    shortest = max_follow_up[which]
    if horizon > shortest:
        suggestion = math.floor(shortest) if shortest >= 1 else shortest
        raise TrialkitInputError(
            "horizon",
            horizon,
            f"the longest follow-up in the {which} arm is {shortest:g}, and the Kaplan-Meier curve "
            f"is not defined beyond it; choose a horizon <= {shortest:g}, e.g. {suggestion:g}",
        )
    return horizon


def _arm_data(df, time, event, arm, label):
    rows = df[arm] == label
    return df.loc[rows, time].to_numpy(dtype=float), df.loc[rows, event].to_numpy(dtype=float)


def _lifelines_rmst(time, event, horizon):
    kmf = KaplanMeierFitter().fit(time, event)
    return float(restricted_mean_survival_time(kmf, t=horizon))


def rmst_by_arm(df, horizon, time="os_months", event="death", arm="arm"):
    """Restricted mean survival time up to ``horizon`` in each arm (Kaplan-Meier, lifelines).

    The RMST is the area under the Kaplan-Meier curve from 0 to ``horizon``: the mean
    number of months lived during the first ``horizon`` months.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    horizon : float
        Upper limit of the integral, at most the longest follow-up in either arm.
    time : str, default "os_months"
        Column with follow-up time.
    event : str, default "death"
        Column with the event indicator (1 = event, 0 = censored).
    arm : str, default "arm"
        Column with the arm labels "control" and "UC-MSC".

    Returns
    -------
    pandas.Series
        RMST per arm, indexed by ``["control", "UC-MSC"]``.

    Raises
    ------
    TrialkitInputError
        If ``df`` lacks the columns, the values are invalid, or ``horizon`` is out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> from trialkit.estimates import rmst_by_arm
    >>> df = pd.DataFrame({"os_months": [2, 4, 6, 6, 3, 5, 6, 6],
    ...                    "death": [1, 1, 0, 0, 1, 0, 0, 0],
    ...                    "arm": ["control"] * 4 + ["UC-MSC"] * 4})
    >>> rmst_by_arm(df, horizon=6)
    arm
    control    4.50
    UC-MSC     5.25
    Name: rmst, dtype: float64
    """
    horizon = _check_rmst_inputs(df, horizon, time, event, arm)
    values = [_lifelines_rmst(*_arm_data(df, time, event, arm, label), horizon) for label in ARMS]
    return pd.Series(values, index=pd.Index(ARMS, name=arm), name="rmst")


def _km_rmst_weighted(time, event, horizon, weights):
    """Kaplan-Meier RMST for many weightings of the same patients at once (vectorised).

    ``weights`` has shape ``(B, n)``; row ``b`` gives how many times each patient counts
    (a bootstrap resample is a row of integer counts). Returns an array of ``B`` RMSTs.
    Ties follow lifelines: deaths at ``t`` lower the curve at ``t``; patients censored at
    ``t`` are still at risk at ``t``.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    times, group = np.unique(time, return_inverse=True)
    onehot = np.zeros((time.size, times.size))
    onehot[np.arange(time.size), group] = 1.0
    leaving = weights @ onehot  # weight whose follow-up ends at each distinct time
    deaths = (weights * event) @ onehot
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]
    hazard = np.divide(deaths, at_risk, out=np.zeros_like(deaths), where=at_risk > 0)
    surv = np.cumprod(1.0 - hazard, axis=1)  # S(t) just after each distinct time
    inside = times < horizon  # a prefix, since times are sorted
    edges = np.concatenate(([0.0], times[inside], [horizon]))
    steps = np.concatenate((np.ones((weights.shape[0], 1)), surv[:, inside]), axis=1)
    return steps @ np.diff(edges)


def _km_rmst(time, event, horizon):
    """Kaplan-Meier RMST of one sample; agrees with lifelines' ``restricted_mean_survival_time``."""
    return float(_km_rmst_weighted(time, event, horizon, np.ones((1, len(time))))[0])


def _bootstrap_counts(rng, n, n_boot):
    """Resample ``n`` patients with replacement ``n_boot`` times; return counts, shape (n_boot, n)."""
    picks = rng.integers(0, n, size=(n_boot, n))
    flat = (picks + n * np.arange(n_boot)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n)


def rmst_difference(df, horizon, time="os_months", event="death", arm="arm", *, rng, n_boot=1000, level=0.95):
    """Difference in restricted mean survival time (UC-MSC minus control) with a bootstrap CI.

    The point estimates come from lifelines (:func:`rmst_by_arm`). The confidence interval is
    a percentile bootstrap: patients are resampled with replacement within each arm (control
    first, then UC-MSC, drawn from ``rng``), the RMST difference is recomputed ``n_boot``
    times, and the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles are reported. The same seed
    always gives the same interval.

    Why a bootstrap: the variance that ``lifelines.utils.restricted_mean_survival_time``
    returns with ``return_variance=True`` is the variance of the restricted survival *time*
    ``min(T, horizon)`` in the population, not the squared standard error of the RMST
    estimate, and ``lifelines.statistics.difference_of_restricted_mean_survival_time_test``
    is an empty stub in lifelines 0.30.x. The bootstrap uses a vectorised Kaplan-Meier
    computation that gives the same RMST as lifelines.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    horizon : float
        Upper limit of the integral, at most the longest follow-up in either arm.
    time : str, default "os_months"
        Column with follow-up time.
    event : str, default "death"
        Column with the event indicator (1 = event, 0 = censored).
    arm : str, default "arm"
        Column with the arm labels "control" and "UC-MSC".
    rng : int or numpy.random.Generator
        Seed (e.g. 2021) or generator of the bootstrap resampling; required.
    n_boot : int, default 1000
        Number of bootstrap replicates.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    RMSTDifference
        Frozen dataclass with horizon, rmst_control, rmst_msc, estimate, ci_lower, ci_upper,
        n_boot, level.

    Raises
    ------
    TrialkitInputError
        If an input is invalid, or ``horizon`` is beyond the follow-up of either arm.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from trialkit.estimates import rmst_difference
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"os_months": rng.exponential(20, 60).clip(max=24).round(1),
    ...                    "arm": ["control", "UC-MSC"] * 30})
    >>> df["death"] = (df.os_months < 24).astype(int)
    >>> res = rmst_difference(df, horizon=12, rng=0, n_boot=200)
    >>> res.ci_lower < res.estimate < res.ci_upper
    True
    >>> res == rmst_difference(df, horizon=12, rng=0, n_boot=200)
    True
    """
    horizon = _check_rmst_inputs(df, horizon, time, event, arm)
    n_boot = check_positive(n_boot, "n_boot", integer=True)
    level = check_probability(level, "level")
    rng = check_rng(rng)
    point = rmst_by_arm(df, horizon, time, event, arm)
    boot = {}
    for label in ARMS:
        t, e = _arm_data(df, time, event, arm, label)
        boot[label] = _km_rmst_weighted(t, e, horizon, _bootstrap_counts(rng, t.size, n_boot))
    diffs = boot[MSC] - boot[CONTROL]
    ci_lower, ci_upper = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    return RMSTDifference(
        horizon=horizon,
        rmst_control=float(point[CONTROL]),
        rmst_msc=float(point[MSC]),
        estimate=float(point[MSC] - point[CONTROL]),
        ci_lower=float(ci_lower),
        ci_upper=float(ci_upper),
        n_boot=n_boot,
        level=level,
    )
