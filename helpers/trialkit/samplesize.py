"""Events and sample size for a two-arm survival trial (Schoenfeld and Freedman formulas).

The course uses these functions to ask whether the trial of Shi et al. (2021) could ever
have shown the effect it was planned around: how many deaths are needed to detect a given
hazard ratio, how many patients that means, and what power a given number of deaths buys.

All tests are two-sided. Survival probabilities are read "at the horizon" (e.g. 48 weeks),
and the hazard ratio is treatment relative to control under exponential survival.
"""

import math
from dataclasses import dataclass

from scipy.stats import norm

from .errors import TrialkitInputError
from .validation import check_positive, check_probability, check_real

__all__ = [
    "SampleSize",
    "design_table",
    "event_probability",
    "expected_events",
    "freedman_events",
    "hazard_ratio_from_survival",
    "power_from_events",
    "sample_size",
    "schoenfeld_events",
]

METHODS = ("schoenfeld", "freedman")


@dataclass(frozen=True, repr=False)
class SampleSize:
    """Result of :func:`sample_size`.

    Attributes
    ----------
    method : str
        ``"schoenfeld"`` or ``"freedman"``.
    hazard_ratio : float
        Hazard ratio (treatment vs control) implied by the two survival probabilities.
    events : float
        Required number of events (deaths), not rounded.
    prob_event : float
        Average probability of the event by the horizon over both arms (1:1 allocation).
    n_total : float
        Required number of patients, ``events / prob_event``, not rounded.
    n_per_arm : int
        Patients per arm, ``ceil(n_total / 2)``.

    Examples
    --------
    >>> from trialkit.samplesize import sample_size
    >>> sample_size(0.60, 0.85).n_per_arm
    44
    """

    method: str
    hazard_ratio: float
    events: float
    prob_event: float
    n_total: float
    n_per_arm: int

    def __repr__(self):
        return (
            f"SampleSize(method={self.method!r}, hazard_ratio={self.hazard_ratio:.4g}, "
            f"events={self.events:.4g}, prob_event={self.prob_event:.4g}, "
            f"n_total={self.n_total:.4g}, n_per_arm={self.n_per_arm})"
        )

    def __str__(self):
        return (
            f"{self.method.capitalize()} sample size for HR {self.hazard_ratio:.3f}\n"
            f"  events needed:        {self.events:.1f}\n"
            f"  P(event by horizon):  {self.prob_event:.1%}\n"
            f"  patients in total:    {self.n_total:.1f}\n"
            f"  patients per arm:     {self.n_per_arm}"
        )


def _z_alpha(alpha):
    """Two-sided critical value z_{1 - alpha/2}."""
    return float(norm.ppf(1 - alpha / 2))


def _check_hazard_ratio(hazard_ratio):
    hazard_ratio = check_positive(hazard_ratio, "hazard_ratio")
    if hazard_ratio == 1:
        raise TrialkitInputError(
            "hazard_ratio",
            hazard_ratio,
            "a hazard ratio of 1 means no effect, so no number of events can detect it; "
            "give the effect you want to detect, e.g. 0.5",
        )
    return hazard_ratio


def hazard_ratio_from_survival(s_control, s_treatment):
    """Hazard ratio (treatment vs control) implied by two survival probabilities.

    Under exponential survival ``S(t) = exp(-h t)``, so at a common horizon the ratio
    of hazards is ``ln(s_treatment) / ln(s_control)``.

    Parameters
    ----------
    s_control : float
        Survival probability at the horizon in the control arm, strictly in (0, 1).
    s_treatment : float
        Survival probability at the horizon in the treatment arm, strictly in (0, 1),
        different from ``s_control``.

    Returns
    -------
    float
        The hazard ratio; below 1 when treatment improves survival.

    Raises
    ------
    TrialkitInputError
        If a probability is not strictly between 0 and 1, or the two are equal.

    Examples
    --------
    >>> from trialkit.samplesize import hazard_ratio_from_survival
    >>> round(hazard_ratio_from_survival(0.60, 0.85), 3)
    0.318
    """
    s_control, s_treatment = _check_survival_pair(s_control, s_treatment)
    return math.log(s_treatment) / math.log(s_control)


def _check_survival_pair(s_control, s_treatment):
    s_control = check_probability(s_control, "s_control")
    s_treatment = check_probability(s_treatment, "s_treatment")
    if s_control == s_treatment:
        raise TrialkitInputError(
            "s_treatment",
            s_treatment,
            f"it equals s_control ({s_control}); equal survival means no effect to detect, "
            "so give the survival you expect under treatment, e.g. 0.85",
        )
    return s_control, s_treatment


def schoenfeld_events(hazard_ratio, alpha=0.05, power=0.8, allocation=0.5):
    """Number of events needed to detect ``hazard_ratio`` with a log-rank test (Schoenfeld 1983).

    ``d = (z_{1-alpha/2} + z_{power})**2 / (p (1 - p) ln(HR)**2)``, where ``p`` is the
    proportion of patients allocated to treatment.

    Parameters
    ----------
    hazard_ratio : float
        Hazard ratio to detect, positive and not 1.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Desired power.
    allocation : float, default 0.5
        Proportion of patients in the treatment arm (0.5 means 1:1).

    Returns
    -------
    float
        Required number of events, not rounded (round up when planning).

    Raises
    ------
    TrialkitInputError
        If an argument is outside its allowed range.

    Examples
    --------
    >>> from trialkit.samplesize import hazard_ratio_from_survival, schoenfeld_events
    >>> hr = hazard_ratio_from_survival(0.60, 0.85)
    >>> round(schoenfeld_events(hr), 1)
    23.9
    """
    hazard_ratio = _check_hazard_ratio(hazard_ratio)
    alpha = check_probability(alpha, "alpha")
    power = check_probability(power, "power")
    allocation = check_probability(allocation, "allocation")
    z_sum = _z_alpha(alpha) + float(norm.ppf(power))
    return z_sum**2 / (allocation * (1 - allocation) * math.log(hazard_ratio) ** 2)


def freedman_events(hazard_ratio, alpha=0.05, power=0.8):
    """Number of events needed to detect ``hazard_ratio`` (Freedman 1982, 1:1 allocation).

    ``d = (z_{1-alpha/2} + z_{power})**2 (1 + HR)**2 / (1 - HR)**2``.
    Freedman's formula asks for more events than Schoenfeld's when the effect is large.

    Parameters
    ----------
    hazard_ratio : float
        Hazard ratio to detect, positive and not 1.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Desired power.

    Returns
    -------
    float
        Required number of events, not rounded.

    Raises
    ------
    TrialkitInputError
        If an argument is outside its allowed range.

    Examples
    --------
    >>> from trialkit.samplesize import freedman_events, hazard_ratio_from_survival
    >>> round(freedman_events(hazard_ratio_from_survival(0.60, 0.85)), 1)
    29.3
    """
    hazard_ratio = _check_hazard_ratio(hazard_ratio)
    alpha = check_probability(alpha, "alpha")
    power = check_probability(power, "power")
    z_sum = _z_alpha(alpha) + float(norm.ppf(power))
    return z_sum**2 * (1 + hazard_ratio) ** 2 / (1 - hazard_ratio) ** 2


def _check_method(method):
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise TrialkitInputError("method", method, f"choose one of {list(METHODS)}")
    return method.lower()


def sample_size(s_control, s_treatment, alpha=0.05, power=0.8, method="schoenfeld"):
    """Events and patients needed to compare two survival probabilities (1:1 allocation).

    The hazard ratio comes from :func:`hazard_ratio_from_survival`, the events from
    :func:`schoenfeld_events` or :func:`freedman_events`. The number of patients is the
    number of events divided by the average probability of the event by the horizon,
    ``1 - (s_control + s_treatment) / 2``, which assumes every patient is followed up to
    the horizon (no drop-out, no staggered entry).

    Parameters
    ----------
    s_control : float
        Survival probability at the horizon in the control arm, strictly in (0, 1).
    s_treatment : float
        Survival probability at the horizon in the treatment arm, strictly in (0, 1).
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Desired power.
    method : {"schoenfeld", "freedman"}, default "schoenfeld"
        Formula for the number of events.

    Returns
    -------
    SampleSize
        Frozen dataclass with method, hazard_ratio, events, prob_event, n_total, n_per_arm.

    Raises
    ------
    TrialkitInputError
        If an argument is outside its allowed range or ``method`` is unknown.

    Examples
    --------
    >>> from trialkit.samplesize import sample_size
    >>> sample_size(0.60, 0.85, method="freedman")  # doctest: +NORMALIZE_WHITESPACE
    SampleSize(method='freedman', hazard_ratio=0.3181, events=29.33, prob_event=0.275,
               n_total=106.7, n_per_arm=54)
    >>> print(sample_size(0.60, 0.85))
    Schoenfeld sample size for HR 0.318
      events needed:        23.9
      P(event by horizon):  27.5%
      patients in total:    87.0
      patients per arm:     44
    """
    method = _check_method(method)
    hazard_ratio = hazard_ratio_from_survival(s_control, s_treatment)
    if method == "schoenfeld":
        events = schoenfeld_events(hazard_ratio, alpha=alpha, power=power)
    else:
        events = freedman_events(hazard_ratio, alpha=alpha, power=power)
    prob_event = 1 - (float(s_control) + float(s_treatment)) / 2
    n_total = events / prob_event
    # round() first so that 44.000000000001 from floating point is not pushed up to 45
    n_per_arm = math.ceil(round(n_total / 2, 9))
    return SampleSize(method, hazard_ratio, events, prob_event, n_total, n_per_arm)


def power_from_events(hazard_ratio, events, alpha=0.05, allocation=0.5):
    """Power of a log-rank test given the number of events (inverse of :func:`schoenfeld_events`).

    ``power = Phi(sqrt(d p (1 - p)) |ln HR| - z_{1-alpha/2})``.

    Parameters
    ----------
    hazard_ratio : float
        True hazard ratio, positive and not 1.
    events : float
        Number of events observed (or expected), positive.
    alpha : float, default 0.05
        Two-sided significance level.
    allocation : float, default 0.5
        Proportion of patients in the treatment arm.

    Returns
    -------
    float
        Power, between 0 and 1.

    Raises
    ------
    TrialkitInputError
        If an argument is outside its allowed range.

    Examples
    --------
    >>> from trialkit.samplesize import power_from_events
    >>> round(power_from_events(0.5, 20), 3)
    0.341
    """
    hazard_ratio = _check_hazard_ratio(hazard_ratio)
    events = _check_events(events)
    alpha = check_probability(alpha, "alpha")
    allocation = check_probability(allocation, "allocation")
    drift = math.sqrt(events * allocation * (1 - allocation)) * abs(math.log(hazard_ratio))
    return float(norm.cdf(drift - _z_alpha(alpha)))


def event_probability(survival, horizon, accrual, followup):
    """Probability that a patient's event is observed, with uniform entry and exponential survival.

    A patient enters uniformly during ``accrual`` months and is followed until ``followup``
    months after accrual ends, so follow-up ranges from ``followup`` to ``accrual + followup``.
    With hazard ``lam = -ln(survival) / horizon`` the probability of an observed event is
    ``1 - (exp(-lam F) - exp(-lam (A + F))) / (lam A)``.

    Parameters
    ----------
    survival : float
        Survival probability at ``horizon`` months, strictly in (0, 1).
    horizon : float
        The time (months) at which ``survival`` is given.
    accrual, followup : float
        Recruitment period and minimum follow-up after it (months); ``accrual`` positive,
        ``followup`` non-negative.

    Returns
    -------
    float

    Examples
    --------
    >>> round(event_probability(0.60, 60, accrual=40, followup=45), 3)
    0.422
    """
    survival = check_probability(survival, "survival")
    horizon = check_positive(horizon, "horizon")
    accrual = check_positive(accrual, "accrual")
    followup = check_real(followup, "followup", low=0, example="45, the months of follow-up after accrual ends")
    lam = -math.log(survival) / horizon
    return float(1 - (math.exp(-lam * followup) - math.exp(-lam * (accrual + followup))) / (lam * accrual))


def expected_events(s_control, s_treatment, horizon, accrual, followup, n_control, n_treatment):
    """Expected number of events in a two-arm trial with uniform entry and exponential survival.

    Examples
    --------
    >>> round(expected_events(0.60, 0.85, 60, 40, 45, 111, 108), 1)
    64.3
    """
    return (n_control * event_probability(s_control, horizon, accrual, followup)
            + n_treatment * event_probability(s_treatment, horizon, accrual, followup))


def design_table(s_control, s_treatment, horizon=60.0, alpha=0.05, power=0.8, accrual=40.0, followup=45.0,
                 n_control=111, n_treatment=108):
    """Events and patients by Schoenfeld and Freedman, and the power of a trial of a given size.

    The function under the sample-size widget. Patients are computed two ways: assuming every
    patient is followed to the horizon (:func:`sample_size`), and with uniform entry over
    ``accrual`` months and ``followup`` more months (:func:`event_probability`).

    Returns
    -------
    pandas.DataFrame
        One row per method: hazard ratio, events needed, patients per arm (followed to the
        horizon; with accrual and follow-up), expected events and power at ``n_control`` +
        ``n_treatment`` patients.

    Examples
    --------
    >>> table = design_table(0.60, 0.85)
    >>> table.loc["Schoenfeld", "events needed"].round(1)
    np.float64(23.9)
    """
    import pandas as pd

    hr = hazard_ratio_from_survival(s_control, s_treatment)
    p_event = (event_probability(s_control, horizon, accrual, followup)
               + event_probability(s_treatment, horizon, accrual, followup)) / 2
    events_at_n = expected_events(s_control, s_treatment, horizon, accrual, followup, n_control, n_treatment)
    allocation = n_treatment / (n_control + n_treatment)
    rows = {}
    for method in ("schoenfeld", "freedman"):
        plan = sample_size(s_control, s_treatment, alpha=alpha, power=power, method=method)
        rows[method.capitalize()] = {
            "hazard ratio": hr,
            "events needed": plan.events,
            "patients per arm (followed to horizon)": plan.n_per_arm,
            "patients per arm (with accrual and follow-up)": math.ceil(round(plan.events / p_event / 2, 9)),
            "expected events at trial size": events_at_n,
            "power at trial size": (
                power_from_events(hr, events_at_n, alpha=alpha, allocation=allocation) if method == "schoenfeld"
                # Freedman's formula inverted: power = Phi(sqrt(d) |1 - HR| / (1 + HR) - z_{1-alpha/2})
                else float(norm.cdf(math.sqrt(events_at_n) * abs(1 - hr) / (1 + hr) - _z_alpha(alpha)))
            ),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _check_events(events):
    return check_real(events, "events", low=0, inclusive=False, example=24)
