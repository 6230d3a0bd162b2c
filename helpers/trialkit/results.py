"""The results of trialkit's analyses: an estimate, its confidence interval and its p-value.

Every result names these the same way, on objects and in frames:

* ``estimate``, ``ci_lower``, ``ci_upper``, ``p`` (two-sided), ``level`` (of the interval) and,
  for ratios, ``se`` (the standard error of the log estimate);
* in a frame with several estimates per row, the estimate's column ``X`` has its limits in
  ``X_ci_lower`` and ``X_ci_upper`` and its p-value in ``X_p``.

p-values print one way, :func:`format_p`, intervals one way, :func:`format_ci`, and counts per
arm (patients at risk, events) one way, :func:`format_counts`.

Examples
--------
>>> from trialkit.results import HazardRatio, format_p
>>> format_p(0.0512), format_p(0.00004), format_p(0.0512, name=None)
('p = 0.051', 'p < 0.001', '0.051')
>>> print(HazardRatio.from_ci(1.89, 1.01, 3.58, label="Shi et al. 2021, OS"))
Shi et al. 2021, OS: HR 1.89 (95% CI 1.01 to 3.58), p = 0.049
"""

import math
from dataclasses import dataclass, field

from scipy.stats import norm

from .errors import TrialkitInputError

__all__ = ["HazardRatio", "InteractionEstimate", "format_ci", "format_counts", "format_p"]


def format_p(p, name="p"):
    """A p-value as the course prints it: three decimals, or ``< 0.001``.

    Parameters
    ----------
    p : float
        The p-value.
    name : str or None, default "p"
        Printed before the value (``p = 0.046``, ``p < 0.001``); None gives the bare value for a
        table cell (``0.046``, ``< 0.001``).

    Returns
    -------
    str

    Examples
    --------
    >>> format_p(0.046), format_p(0.0009), format_p(0.93, name=None), format_p(0.0001, name=None)
    ('p = 0.046', 'p < 0.001', '0.930', '< 0.001')
    """
    small = p < 0.001
    if name is None:
        return "< 0.001" if small else f"{p:.3f}"
    return f"{name} < 0.001" if small else f"{name} = {p:.3f}"


def format_ci(lower, upper, level=0.95, decimals=2):
    """A confidence interval as the course prints it: ``95% CI 1.01 to 3.58``.

    "to" rather than a dash, so that a negative limit reads right (``95% CI -0.10 to 1.60``).

    Examples
    --------
    >>> format_ci(1.0123, 3.58)
    '95% CI 1.01 to 3.58'
    >>> format_ci(-0.1, 1.6, level=0.9, decimals=1)
    '90% CI -0.1 to 1.6'
    """
    return f"{level:.0%} CI {lower:.{decimals}f} to {upper:.{decimals}f}"


def format_counts(counts):
    """Counts per arm (or group) as the course prints them: ``99 control and 96 UC-MSC``.

    Parameters
    ----------
    counts : dict
        A count per arm, in the order to print (as ``at_risk`` and ``events`` are: control first).

    Returns
    -------
    str

    Examples
    --------
    >>> format_counts({"control": 99, "UC-MSC": 96})
    '99 control and 96 UC-MSC'
    >>> format_counts({"a": 1, "b": 2, "c": 3})
    '1 a, 2 b and 3 c'
    """
    parts = [f"{n} {name}" for name, n in counts.items()]
    if not parts:
        raise TrialkitInputError("counts", counts, "give a count per arm, e.g. {'control': 99, 'UC-MSC': 96}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _z(level):
    return float(norm.ppf((1 + level) / 2))


def _wald(log_estimate, se, level):
    """(estimate, ci_lower, ci_upper, p, se) of a ratio from its log and the log's standard error."""
    z_crit = _z(level)
    return (float(math.exp(log_estimate)), float(math.exp(log_estimate - z_crit * se)),
            float(math.exp(log_estimate + z_crit * se)), float(2 * norm.sf(abs(log_estimate) / se)), float(se))


@dataclass(frozen=True)
class HazardRatio:
    """A hazard ratio with its Wald confidence interval and p-value.

    Made by :func:`trialkit.cox_by_arm` and :func:`trialkit.landmark_analysis`, or from any
    lifelines Cox model (:meth:`from_fitter`) or a published estimate (:meth:`from_ci`).

    Attributes
    ----------
    estimate, ci_lower, ci_upper : float
        The hazard ratio of ``compare`` relative to ``reference`` and its interval.
    p : float
        Two-sided Wald p-value of the log hazard ratio.
    se : float
        Standard error of the log hazard ratio.
    compare : str
        What is in the numerator: an arm (``"control"``) or a model's term (``"prolonged"``).
    reference : str or None
        The reference arm, or None for a model's term.
    events : dict or None
        Events per arm in the analysed data (or window).
    label : str
        What was estimated (for example ``"0-13 months"``).
    level : float
        Confidence level of the interval.
    fitter : lifelines fitter or None
        The fitted lifelines model, to explore further (``fitter.print_summary()``).
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    p: float
    se: float
    compare: str = ""
    reference: str | None = None
    events: dict | None = None
    label: str = "overall"
    level: float = 0.95
    fitter: object = field(default=None, repr=False, compare=False)

    @classmethod
    def from_fitter(cls, fitter, term, *, label, compare=None, reference=None, events=None):
        """The hazard ratio of one term of a fitted lifelines Cox model.

        Parameters
        ----------
        fitter : lifelines.CoxPHFitter or lifelines.CoxTimeVaryingFitter
            A fitted model.
        term : str
            The covariate whose hazard ratio is wanted (a row of ``fitter.summary``).
        label : str
            What was estimated, printed with the result.
        compare, reference : str, optional
            The numerator and reference (default: the term, and no reference).
        events : dict, optional
            Events per group, printed nowhere, kept with the result.

        Returns
        -------
        HazardRatio

        Examples
        --------
        >>> import pandas as pd
        >>> from lifelines import CoxPHFitter
        >>> from trialkit.results import HazardRatio
        >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 1],
        ...                   "x": [1, 1, 0, 1, 0, 0, 1, 0]})
        >>> hr = HazardRatio.from_fitter(CoxPHFitter().fit(d, "t", "e"), "x", label="toy")
        >>> hr.compare, hr.reference, hr.ci_lower < hr.estimate < hr.ci_upper
        ('x', None, True)
        """
        summary = getattr(fitter, "summary", None)
        if summary is None or not hasattr(fitter, "params_"):
            raise TrialkitInputError("fitter", type(fitter).__name__,
                                     "pass a fitted lifelines CoxPHFitter or CoxTimeVaryingFitter")
        if term not in summary.index:
            raise TrialkitInputError("term", term, f"name one of the model's terms: {list(summary.index)}")
        row = summary.loc[term]
        level = 1 - float(getattr(fitter, "alpha", 0.05))
        return cls(
            estimate=float(row["exp(coef)"]),
            ci_lower=float(row[f"exp(coef) lower {level:.0%}"]),
            ci_upper=float(row[f"exp(coef) upper {level:.0%}"]),
            p=float(row["p"]),
            se=float(row["se(coef)"]),
            compare=term if compare is None else compare,
            reference=reference,
            events=events,
            label=label,
            level=level,
            fitter=fitter,
        )

    @classmethod
    def from_log(cls, log_estimate, se, *, label, level=0.95, compare="", reference=None, events=None):
        """A hazard ratio from its log and the standard error of the log (a Wald interval and p).

        Examples
        --------
        >>> import math
        >>> from trialkit.results import HazardRatio
        >>> print(HazardRatio.from_log(math.log(2.0), 0.35, label="toy").brief())
        2.00 (95% CI 1.01 to 3.97)
        """
        return cls(*_wald(log_estimate, se, level), compare=compare, reference=reference, events=events,
                   label=label, level=level)

    @classmethod
    def from_ci(cls, estimate, ci_lower, ci_upper, *, label, p=None, level=0.95, compare="", reference=None):
        """A published hazard ratio, from its estimate and interval as printed.

        The standard error is recovered from the interval (Altman & Bland 2011, BMJ
        343:d2304; :func:`trialkit.wald_from_ci`), and so is the p-value unless the published
        one is given.

        Examples
        --------
        >>> from trialkit.results import HazardRatio
        >>> hr = HazardRatio.from_ci(1.89, 1.01, 3.58, p=0.051, label="OS", compare="control",
        ...                          reference="UC-MSC")
        >>> print(hr)
        HR control vs UC-MSC (OS): 1.89 (95% CI 1.01 to 3.58), p = 0.051
        >>> round(hr.se, 3)
        0.323
        """
        from .estimates import wald_from_ci  # estimates builds on this module

        wald = wald_from_ci(estimate, ci_lower, ci_upper, level=level)
        if p is not None and not (isinstance(p, (int, float)) and 0 <= p <= 1):
            raise TrialkitInputError("p", p, "give the published p-value, a number from 0 to 1, or None")
        return cls(wald.estimate, wald.ci_lower, wald.ci_upper, wald.p if p is None else float(p), wald.se,
                   compare=compare, reference=reference, label=label, level=wald.level)

    def brief(self, decimals=2):
        """The estimate and its interval, ``1.89 (95% CI 1.01 to 3.58)``."""
        return _brief(self, decimals)

    def __str__(self):
        if self.reference:  # an arm against a reference arm
            return f"HR {self.compare} vs {self.reference} ({self.label}): {self.brief()}, {format_p(self.p)}"
        return f"{self.label}: HR {self.brief()}, {format_p(self.p)}"


def _brief(result, decimals):
    return (f"{result.estimate:.{decimals}f} "
            f"({format_ci(result.ci_lower, result.ci_upper, result.level, decimals)})")


@dataclass(frozen=True)
class InteractionEstimate:
    """The ratio of two hazard ratios (after / before a landmark) and its Wald test.

    The one type of the landmark interaction, whether it comes from data
    (:attr:`trialkit.LandmarkResult.interaction`) or from two published intervals
    (:func:`trialkit.landmarks.interaction_from_ci`).

    Attributes
    ----------
    estimate, ci_lower, ci_upper : float
        The ratio of the hazard ratios (after / before) and its interval.
    p : float
        Two-sided p-value of "the two hazard ratios are equal".
    se : float
        Standard error of the log ratio.
    level : float
        Confidence level of the interval.
    label : str
        What was estimated.
    fitter : lifelines fitter or None
        The interaction model, when one was fitted.
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    p: float
    se: float
    level: float = 0.95
    label: str = "ratio of HRs, after / before"
    fitter: object = field(default=None, repr=False, compare=False)

    @property
    def z(self):
        """The Wald statistic, ``log(estimate) / se``."""
        return math.log(self.estimate) / self.se

    def brief(self, decimals=2):
        """The ratio and its interval, ``3.79 (95% CI 1.02 to 14.18)``."""
        return _brief(self, decimals)

    @classmethod
    def from_log(cls, log_ratio, se, *, level=0.95, label="ratio of HRs, after / before", fitter=None):
        """The ratio, its interval and p from the log ratio and its standard error."""
        return cls(*_wald(log_ratio, se, level), level, label, fitter)

    def __str__(self):
        return f"{self.label}: {self.brief()}, SE of log ratio {self.se:.3f}, z = {self.z:.2f}, {format_p(self.p)}"
