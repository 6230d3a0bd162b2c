"""Table 1 done right: baseline characteristics of a two-arm trial with SMDs, not p-values.

The table reports, per arm, mean (SD) for roughly symmetric continuous variables, median [Q1, Q3]
for skewed ones, n (%) for categorical ones, and the standardized mean difference (SMD, UC-MSC minus
control) as the measure of baseline imbalance. It does not test baseline balance unless asked to,
and when asked it explains why such tests are illogical in a randomized trial.

The SMD functions also work on published summaries, so a lesson can recompute the imbalance in the
printed Table 1 of Shi et al. 2021 (e.g. total bilirubin 33.2 +/- 29.8 vs 76.0 +/- 127.9 umol/L gives
an SMD of +0.46).

This module is written directly with pandas, numpy and scipy; it does not use the ``tableone``
package (its categorical SMDs have no sign, its groups are ordered alphabetically by default, and its
numbers come out as formatted strings). Its class is :class:`BaselineTable`, a name of its own so
that it is not mistaken for ``tableone.TableOne``, whose arguments differ. The table is computed
once into a tidy frame (:meth:`BaselineTable.to_frame`), from which the text and HTML are rendered.
"""

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .errors import TrialkitInputError
from .parameters import ARMS
from .results import format_p
from .validation import (
    check_arm_column,
    check_bool,
    check_columns,
    check_frame,
    check_numeric_column,
    check_real,
    check_whole,
)

__all__ = ["BaselineTable", "smd", "smd_binary", "smd_categorical", "smd_from_summary"]

#: |SMD| above which the table flags a variable (a common rule of thumb; Austin 2009).
FLAG_THRESHOLD = 0.1

_SKEW_LIMIT = 1.0

_PVALUE_FOOTNOTE = (
    "p-values were added on request (pvalues=True), but testing baseline balance in a randomized "
    "trial is illogical: when allocation is random, every baseline difference is due to chance by "
    "construction, so the test examines a null hypothesis known to be true, and its p-value says "
    "nothing about whether an imbalance matters, which depends on the size of the difference and on "
    "how strongly the variable predicts the outcome (Altman 1985; Senn 1994; CONSORT 2010, "
    "explanation of item 15). Judge imbalance by the SMD and adjust for pre-specified prognostic "
    "variables. Imbalance among the patients analysed can also come from exclusions after "
    "randomization; that is a question about the exclusions, which a test of balance does not answer."
)

_PVALUE_METHODS = (
    "Tests: Welch t-test for mean (SD) variables, Mann-Whitney U test for median [Q1, Q3] variables, "
    "chi-square test for categorical variables (Fisher's exact test for 2 x 2 tables with an "
    "expected count below 5)."
)


# ----------------------------------------------------------------------------------------------
# Standardized mean differences
# ----------------------------------------------------------------------------------------------


def _as_values(values, name):
    """Return the non-missing values of a 1-D numeric array-like as a float array."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise TrialkitInputError(
            name, values, "pass the values of one arm as a list, array or Series of numbers"
        )
    series = pd.Series(np.asarray(values).ravel()) if np.ndim(values) != 1 else pd.Series(list(values))
    numeric = pd.to_numeric(series, errors="coerce")
    if (numeric.isna() & series.notna()).any() or pd.api.types.is_bool_dtype(series) or np.ndim(values) != 1:
        raise TrialkitInputError(
            name,
            f"values of dtype {series.dtype} and shape {np.shape(values)}",
            "pass the numbers of one arm as a flat list; for a 0/1 variable use smd_binary()",
        )
    numeric = numeric.dropna().to_numpy(dtype=float)
    if len(numeric) < 2:
        raise TrialkitInputError(
            name,
            f"{len(numeric)} non-missing value(s)",
            "an SD needs at least 2 non-missing values in each arm",
        )
    return numeric


def _smd_summary(mean_a, sd_a, mean_b, sd_b):
    pooled = np.sqrt((sd_a**2 + sd_b**2) / 2.0)
    if not np.isfinite(pooled) or pooled == 0:
        return float("nan")
    return float((mean_b - mean_a) / pooled)


def _smd_series(a, b):
    """SMD of two Series (NaN dropped); NaN when an arm has fewer than 2 values or the SD is 0."""
    a, b = a.dropna(), b.dropna()
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    return _smd_summary(a.mean(), a.std(), b.mean(), b.std())


def smd(a, b):
    """Standardized mean difference of a continuous variable, arm ``b`` minus arm ``a``.

    ``(mean_b - mean_a) / sqrt((var_a + var_b) / 2)``, with sample variances (ddof=1) and the
    pooled SD of Cohen's d for two groups of similar size. Missing values (NaN) are dropped.

    Parameters
    ----------
    a : array-like of numbers
        The values in the reference arm (control).
    b : array-like of numbers
        The values in the comparison arm (UC-MSC).

    Returns
    -------
    float
        The SMD; NaN when both arms are constant (pooled SD of 0).

    Raises
    ------
    TrialkitInputError
        If ``a`` or ``b`` is not numeric or has fewer than 2 non-missing values.

    See Also
    --------
    smd_from_summary : The same from published means and SDs.
    smd_binary : The SMD of a proportion.

    Examples
    --------
    >>> from trialkit.table1 import smd
    >>> round(smd([1, 2, 3], [2, 3, 4]), 3)
    1.0
    >>> round(smd([10, 12, 14, 16], [11, 15, 19, 23]), 3)
    0.98
    """
    a = _as_values(a, "a")
    b = _as_values(b, "b")
    return _smd_summary(a.mean(), a.std(ddof=1), b.mean(), b.std(ddof=1))


def smd_binary(p_a, p_b):
    """Standardized mean difference of a proportion, arm ``b`` minus arm ``a``.

    ``(p_b - p_a) / sqrt((p_a (1 - p_a) + p_b (1 - p_b)) / 2)``: the continuous formula with the
    Bernoulli variance p(1 - p).

    Parameters
    ----------
    p_a : float
        Proportion in the reference arm (control), between 0 and 1.
    p_b : float
        Proportion in the comparison arm (UC-MSC), between 0 and 1.

    Returns
    -------
    float
        The SMD; NaN when both proportions are 0 or both are 1.

    Raises
    ------
    TrialkitInputError
        If a proportion is not a number between 0 and 1.

    Examples
    --------
    MELD > 15 in Shi et al. 2021, Table 1: 15/111 control vs 19/108 UC-MSC.

    >>> from trialkit.table1 import smd_binary
    >>> round(smd_binary(15 / 111, 19 / 108), 2)
    0.11
    """
    for name, p in (("p_a", p_a), ("p_b", p_b)):
        check_real(p, name, low=0, high=1, example="15 / 111, a proportion (not a percentage)")
    return _smd_summary(p_a, np.sqrt(p_a * (1 - p_a)), p_b, np.sqrt(p_b * (1 - p_b)))


def smd_from_summary(mean_a, sd_a, mean_b, sd_b):
    """Standardized mean difference from published means and SDs, arm ``b`` minus arm ``a``.

    ``(mean_b - mean_a) / sqrt((sd_a**2 + sd_b**2) / 2)``. Use it to recompute the baseline
    imbalance of a published Table 1 that reports mean +/- SD.

    Parameters
    ----------
    mean_a, sd_a : float
        Mean and SD in the reference arm (control). The SD must be positive.
    mean_b, sd_b : float
        Mean and SD in the comparison arm (UC-MSC). The SD must be positive.

    Returns
    -------
    float
        The SMD.

    Raises
    ------
    TrialkitInputError
        If a mean is not a finite number or an SD is not a positive number.

    Examples
    --------
    Total bilirubin (umol/L) and cholinesterase (U/L) in Shi et al. 2021, Table 1
    (control first):

    >>> from trialkit.table1 import smd_from_summary
    >>> round(smd_from_summary(33.2, 29.8, 76.0, 127.9), 2)
    0.46
    >>> round(smd_from_summary(3337, 1335, 2812, 1560), 2)
    -0.36
    """
    mean_a = check_real(mean_a, "mean_a")
    mean_b = check_real(mean_b, "mean_b")
    sd_a, sd_b = (check_real(sd, name, low=0, inclusive=False, example="29.8, the standard deviation")
                  for name, sd in (("sd_a", sd_a), ("sd_b", sd_b)))
    return _smd_summary(mean_a, sd_a, mean_b, sd_b)


def _smd_multilevel(p_a, p_b):
    p_a = np.asarray(p_a, dtype=float)
    p_b = np.asarray(p_b, dtype=float)
    if len(p_a) < 2:
        return float("nan")
    t, c = p_b[1:], p_a[1:]
    cov = -(np.outer(t, t) + np.outer(c, c)) / 2.0
    np.fill_diagonal(cov, (t * (1 - t) + c * (1 - c)) / 2.0)
    diff = t - c
    if not diff.any():
        return 0.0 if cov.any() else float("nan")
    value = float(diff @ np.linalg.pinv(cov) @ diff)
    return float(np.sqrt(max(value, 0.0)))


def smd_categorical(counts_a, counts_b):
    """Multi-level standardized mean difference of a categorical variable (Yang & Dalton 2012).

    ``sqrt((T - C)' S^-1 (T - C))``, where T and C are the proportions of each level except the
    first in the two arms and S is the average of the two arms' multinomial covariance matrices.
    With two levels it equals the absolute value of :func:`smd_binary`. It is never negative: a
    multi-level difference has no single direction.

    Parameters
    ----------
    counts_a : array-like of numbers
        Counts (or proportions) of each level in the reference arm (control).
    counts_b : array-like of numbers
        Counts (or proportions) of each level in the comparison arm, in the same level order.

    Returns
    -------
    float
        The SMD (>= 0); NaN with a single level.

    Raises
    ------
    TrialkitInputError
        If the inputs are not non-negative numbers of the same length with a positive total.

    Examples
    --------
    Child-Pugh A/B/C in Shi et al. 2021, Table 1: 20/73/18 control vs 14/68/26 UC-MSC.

    >>> from trialkit.table1 import smd_categorical
    >>> round(smd_categorical([20, 73, 18], [14, 68, 26]), 2)
    0.22
    """
    arrays = []
    for name, counts in (("counts_a", counts_a), ("counts_b", counts_b)):
        try:
            values = np.asarray(counts, dtype=float).ravel()
        except (TypeError, ValueError):
            values = None
        if values is None or not np.all(np.isfinite(values)) or (values < 0).any() or values.sum() <= 0:
            raise TrialkitInputError(
                name, counts, "give the count of each level, e.g. [20, 73, 18] for Child-Pugh A/B/C"
            )
        arrays.append(values / values.sum())
    if len(arrays[0]) != len(arrays[1]):
        raise TrialkitInputError(
            "counts_b",
            f"{len(arrays[1])} levels against {len(arrays[0])} in counts_a",
            "give one count per level in both arms, in the same order (0 for an absent level)",
        )
    return _smd_multilevel(arrays[0], arrays[1])


# ----------------------------------------------------------------------------------------------
# Helpers of the table
# ----------------------------------------------------------------------------------------------


def _as_list(value, name):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not np.iterable(value) or isinstance(value, (Mapping, pd.DataFrame)):
        raise TrialkitInputError(name, value, "give a list of column names, e.g. ['tbil', 'alb']")
    return list(dict.fromkeys(value))


def _decimals(spreads):
    spreads = [s for s in spreads if np.isfinite(s) and s > 0]
    if not spreads:
        return 1
    return int(np.clip(1 - np.floor(np.log10(min(spreads))), 0, 3))


def _fmt(value, decimals):
    return "-" if not np.isfinite(value) else f"{value:.{decimals}f}"


def _fmt_smd(value):
    return "" if not np.isfinite(value) else f"{value:+.2f}" if value != 0 else "0.00"


def _levels(values):
    """Observed levels, in category order for a Categorical, else sorted when sortable."""
    observed = values.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(observed)
        return [c for c in values.cat.categories if c in present]
    unique = list(pd.unique(observed))
    try:
        return sorted(unique)
    except TypeError:
        return unique


def _is_binary(values):
    observed = values.dropna()
    if pd.api.types.is_bool_dtype(observed):
        return True
    if not pd.api.types.is_numeric_dtype(observed):
        return False
    return bool(len(observed)) and bool(observed.isin([0, 1]).all())


def _pvalue_continuous(a, b, skewed):
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    if skewed:
        return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    if a.var() == 0 and b.var() == 0:
        return float("nan")
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def _pvalue_categorical(table):
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0]
    if table.shape[0] < 2 or (table.sum(axis=0) == 0).any():
        return float("nan")
    expected = stats.contingency.expected_freq(table)
    if table.shape == (2, 2) and (expected < 5).any():
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table, correction=False).pvalue)


# ----------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------


def _check_arguments(df, continuous, categorical, skewed, arm, labels, order, pvalues, decimals):
    """Check :class:`BaselineTable`'s arguments; return them normalised (skewed: a list, or None for "auto")."""
    check_frame(df, "df")
    continuous = _as_list(continuous, "continuous")
    categorical = _as_list(categorical, "categorical")
    if not continuous and not categorical:
        raise TrialkitInputError(
            "continuous",
            "no variables (continuous and categorical are both empty)",
            "name at least one column, e.g. continuous=['tbil', 'alb'] or categorical=['sex']",
        )
    both = [c for c in continuous if c in categorical]
    if both:
        raise TrialkitInputError(
            "categorical",
            f"{both}, also listed in continuous",
            "list each variable once: in continuous (mean/median) or in categorical (n (%))",
        )
    if not isinstance(arm, str) or arm not in df.columns:
        raise TrialkitInputError(
            "arm",
            arm,
            f"name the column holding the arm labels; available columns are {list(df.columns)}",
        )
    for name, columns in (("continuous", continuous), ("categorical", categorical)):
        check_columns(df, columns, name)
        if arm in columns:
            raise TrialkitInputError(
                name, arm, "the arm column defines the table's columns; do not list it as a variable"
            )
    for column in continuous:
        check_numeric_column(df, column, "continuous", allow_nan=True)
    check_arm_column(df, arm, "arm")
    if isinstance(order, str) or not np.iterable(order) or sorted(map(str, order)) != sorted(ARMS):
        raise TrialkitInputError(
            "order", order, f"give the two arm labels in display order, e.g. {ARMS!r}"
        )
    order = tuple(order)
    if skewed is None:
        skewed_list = []
    elif isinstance(skewed, str):
        if skewed != "auto":
            raise TrialkitInputError(
                "skewed", skewed, "give None, 'auto', or a list of continuous variables, e.g. ['tbil']"
            )
        skewed_list = None
    else:
        skewed_list = _as_list(skewed, "skewed")
        outside = [c for c in skewed_list if c not in continuous]
        if outside:
            raise TrialkitInputError(
                "skewed",
                f"{outside}, not in continuous",
                f"name variables listed in continuous ({continuous}), or use skewed='auto'",
            )
    if labels is None:
        labels = {}
    if not isinstance(labels, Mapping):
        raise TrialkitInputError(
            "labels", labels, "give a dict column -> display name, e.g. {'tbil': 'TBIL (umol/L)'}"
        )
    if decimals is not None:
        decimals = check_whole(decimals, "decimals", maximum=6, example="2, or None")
    pvalues = check_bool(pvalues, "pvalues")
    return continuous, categorical, skewed_list, labels, tuple(order), pvalues, decimals


class BaselineTable:
    """Baseline characteristics of a two-arm trial, by arm, with standardized mean differences.

    Continuous variables are summarized by mean (SD), or by median [Q1, Q3] when skewed;
    categorical ones by n (%) of each level (a 0/1 or True/False column by one row, the n (%) of
    the 1s). The SMD column is UC-MSC minus control whatever the display ``order``: for a continuous
    variable ``(mean_UC-MSC - mean_control) / sqrt((SD_control**2 + SD_UC-MSC**2) / 2)``, computed
    from means and SDs also for variables shown as median [Q1, Q3]; for a binary variable the same
    with variance p(1 - p) (signed); for a categorical variable with two levels other than 0/1, the
    binary SMD of its second level (signed); with more than two levels, the multi-level SMD of
    Yang & Dalton (2012), which is never negative. |SMD| > 0.1 is flagged. Percentages are of
    patients with a non-missing value; missing counts are shown for variables with any missing.
    Levels are the observed ones (category order for a pandas Categorical, otherwise sorted).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    continuous : list of str, optional
        Numeric columns to summarize by mean (SD) or median [Q1, Q3].
    categorical : list of str, optional
        Columns to summarize by n (%). At least one of ``continuous`` and ``categorical`` must
        name a column.
    skewed : None, list of str or "auto", default None
        Continuous variables to summarize by median [Q1, Q3]. With "auto", a variable is skewed when
        its SD exceeds its mean in either arm (a sign of right skew for positive measurements) or its
        sample skewness (bias-corrected, as ``pandas.Series.skew``) exceeds 1 in absolute value in
        either arm; the footnote says which rule flagged it.
    arm : str, default "arm"
        Column holding the arm labels "control" and "UC-MSC".
    labels : dict, optional
        Display names, column -> name with units, e.g. ``{"tbil": "TBIL (umol/L)"}``. Columns not
        in the dict are shown by their name; keys that are not in the table are ignored.
    order : tuple of str, default ("control", "UC-MSC")
        Order of the arm columns.
    pvalues : bool, default False
        Add a p-value column. Not recommended: the table then carries a footnote explaining why.
    decimals : int, optional
        Decimals of the continuous summaries; by default chosen per variable from the size of the
        SD (or IQR), to about two significant digits of the spread.
    caption : str, default "Baseline characteristics by arm"
        Caption of the table.

    Attributes
    ----------
    n : dict
        Number of patients per arm.
    smds : pandas.Series
        The SMD of each variable (UC-MSC minus control), indexed by variable.
    skewed : dict
        Variable -> why it is summarized by median [Q1, Q3].

    Raises
    ------
    TrialkitInputError
        On a bad argument: the message names it, what was received and how to fix it.

    See Also
    --------
    smd, smd_binary, smd_categorical, smd_from_summary

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from trialkit.table1 import BaselineTable
    >>> rng = np.random.default_rng(7)
    >>> df = pd.DataFrame({
    ...     "arm": ["control"] * 60 + ["UC-MSC"] * 60,
    ...     "tbil": np.r_[rng.lognormal(3.3, 0.8, 60), rng.lognormal(3.6, 0.9, 60)],
    ...     "alb": rng.normal(30.5, 6.0, 120),
    ...     "male": rng.binomial(1, 0.86, 120),
    ... })
    >>> t = BaselineTable(df, continuous=["tbil", "alb"], categorical=["male"], skewed="auto",
    ...              labels={"tbil": "TBIL (umol/L)", "alb": "ALB (g/L)", "male": "Male"})
    >>> t.n
    {'control': 60, 'UC-MSC': 60}
    >>> sorted(t.skewed)
    ['tbil']
    >>> list(t.to_frame().columns)
    ['variable', 'level', 'statistic', 'control', 'UC-MSC', 'smd']
    >>> "control (n=60)" in t._repr_html_()
    True
    >>> list(t.imbalanced().index)
    ['tbil', 'male', 'alb']
    """

    def __init__(
        self,
        df,
        continuous=None,
        categorical=None,
        skewed=None,
        arm="arm",
        labels=None,
        order=ARMS,
        pvalues=False,
        decimals=None,
        caption="Baseline characteristics by arm",
    ):
        continuous, categorical, skewed_list, labels, order, pvalues, decimals = _check_arguments(
            df, continuous, categorical, skewed, arm, labels, order, pvalues, decimals)
        self.arm = arm
        self.order = order
        self.pvalues = bool(pvalues)
        self.caption = str(caption)
        self.labels = {c: str(labels.get(c, c)) for c in continuous + categorical}
        groups = {a: df.loc[df[arm] == a] for a in ARMS}
        self.n = {a: len(groups[a]) for a in order}

        self.skewed = {}
        self._auto = skewed_list is None
        self._blocks = []
        for column in continuous:
            parts = {a: groups[a][column].astype(float) for a in ARMS}
            if skewed_list is None:
                reason = self._auto_reason(parts)
            else:
                reason = "named in skewed" if column in skewed_list else None
            if reason:
                self.skewed[column] = reason
            self._blocks.append(self._continuous_block(column, parts, reason is not None, decimals))
        for column in categorical:
            parts = {a: groups[a][column] for a in ARMS}
            self._blocks.append(self._categorical_block(column, df[column], parts))
        self.smds = pd.Series(
            {b["variable"]: b["smd"] for b in self._blocks}, name="smd", dtype=float
        ).rename_axis("variable")
        self._kinds = {b["variable"]: b["kind"] for b in self._blocks}
        self._decimals = {b["variable"]: b["decimals"] for b in self._blocks if "decimals" in b}

    # -- building ------------------------------------------------------------------------------

    @staticmethod
    def _auto_reason(parts):
        sd_rule, skew_rule = [], []
        for a in ARMS:
            x = parts[a].dropna()
            mean, sd, skew = x.mean(), x.std(), x.skew()
            if np.isfinite(sd) and sd > mean:
                sd_rule.append(f"{a} ({sd:.3g} > {mean:.3g})")
            if np.isfinite(skew) and abs(skew) > _SKEW_LIMIT:
                skew_rule.append(f"{a} ({skew:.2f})")
        reasons = []
        if sd_rule:
            reasons.append("SD > mean in " + ", ".join(sd_rule))
        if skew_rule:
            reasons.append(f"|skewness| > {_SKEW_LIMIT:g} in " + ", ".join(skew_rule))
        return "; ".join(reasons) or None

    def _continuous_block(self, column, parts, skewed, decimals):
        values = {a: parts[a].dropna() for a in ARMS}
        if skewed:
            q = {a: values[a].quantile([0.25, 0.5, 0.75]).to_numpy() for a in ARMS}
            rows = [
                (None, "median", {a: float(q[a][1]) for a in ARMS}),
                (None, "q1", {a: float(q[a][0]) for a in ARMS}),
                (None, "q3", {a: float(q[a][2]) for a in ARMS}),
            ]
            spreads = [q[a][2] - q[a][0] for a in ARMS]
        else:
            rows = [
                (None, "mean", {a: float(values[a].mean()) for a in ARMS}),
                (None, "sd", {a: float(values[a].std()) for a in ARMS}),
            ]
            spreads = [values[a].std() for a in ARMS]
        missing = {a: int(parts[a].isna().sum()) for a in ARMS}
        p = float("nan")
        if self.pvalues:
            p = _pvalue_continuous(values[ARMS[0]], values[ARMS[1]], skewed)
        return {
            "variable": column,
            "kind": "skewed" if skewed else "continuous",
            "rows": rows,
            "missing": missing,
            "smd": _smd_series(parts[ARMS[0]], parts[ARMS[1]]),
            "p": p,
            "decimals": _decimals(spreads) if decimals is None else int(decimals),
        }

    def _categorical_block(self, column, whole, parts):
        binary = _is_binary(whole)
        observed = {a: parts[a].dropna() for a in ARMS}
        total = {a: len(observed[a]) for a in ARMS}
        if binary:
            one = True if pd.api.types.is_bool_dtype(whole.dropna()) else 1
            levels = [0, 1] if one == 1 else [False, True]
        else:
            levels = _levels(whole)
        counts = {a: [int((observed[a] == level).sum()) for level in levels] for a in ARMS}
        props = {
            a: np.array(counts[a], dtype=float) / total[a] if total[a] else np.full(len(levels), np.nan)
            for a in ARMS
        }
        if any(total[a] == 0 for a in ARMS):
            value = float("nan")
        elif len(levels) == 2:
            value = smd_binary(float(props[ARMS[0]][1]), float(props[ARMS[1]][1]))
        else:
            value = _smd_multilevel(props[ARMS[0]], props[ARMS[1]])
        shown = [1] if binary else range(len(levels))
        rows = []
        for i in shown:
            level = levels[i] if not binary else one
            rows.append((level, "n", {a: counts[a][i] for a in ARMS}))
            rows.append((level, "percent", {a: 100.0 * props[a][i] for a in ARMS}))
        p = float("nan")
        if self.pvalues:
            p = _pvalue_categorical([[counts[a][i] for a in ARMS] for i in range(len(levels))])
        return {
            "variable": column,
            "kind": "binary" if binary else "categorical",
            "multilevel": not binary and len(levels) > 2,
            "twolevel": not binary and len(levels) == 2,
            "second": levels[1] if not binary and len(levels) == 2 else None,
            "rows": rows,
            "missing": {a: int(parts[a].isna().sum()) for a in ARMS},
            "smd": value,
            "p": p,
        }

    # -- output --------------------------------------------------------------------------------

    def to_frame(self):
        """The table as a tidy DataFrame, one number per arm and row.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable``, ``level`` (the level of a categorical variable, else None),
            ``statistic`` (``n``; ``mean``/``sd``; ``median``/``q1``/``q3``; ``n``/``percent``;
            ``missing`` for variables with any missing value), one column per arm in display order,
            and ``smd`` (the variable's SMD, repeated on each of its rows; NaN on the first row,
            which holds the number of patients per arm). With ``pvalues=True`` a ``p_value`` column
            follows.

        Examples
        --------
        >>> import pandas as pd
        >>> from trialkit.table1 import BaselineTable
        >>> df = pd.DataFrame({"arm": ["control"] * 3 + ["UC-MSC"] * 3, "male": [1, 1, 0, 1, 0, 0]})
        >>> BaselineTable(df, categorical=["male"]).to_frame()
          variable level statistic    control     UC-MSC       smd
        0        n  None         n   3.000000   3.000000       NaN
        1     male     1         n   2.000000   1.000000 -0.707107
        2     male     1   percent  66.666667  33.333333 -0.707107
        """
        records = [
            {"variable": "n", "level": None, "statistic": "n", **self.n, "smd": np.nan, "p_value": np.nan}
        ]
        for block in self._blocks:
            rows = list(block["rows"])
            if any(block["missing"].values()):
                rows.append((None, "missing", block["missing"]))
            for level, statistic, values in rows:
                records.append(
                    {
                        "variable": block["variable"],
                        "level": level,
                        "statistic": statistic,
                        **{a: values[a] for a in self.order},
                        "smd": block["smd"],
                        "p_value": block["p"],
                    }
                )
        columns = ["variable", "level", "statistic", *self.order, "smd"]
        if self.pvalues:
            columns.append("p_value")
        frame = pd.DataFrame.from_records(records, columns=columns)
        frame[list(self.order)] = frame[list(self.order)].astype(float)
        frame["level"] = pd.Series([r["level"] for r in records], dtype=object)
        return frame

    def imbalanced(self, threshold=FLAG_THRESHOLD):
        """The variables whose |SMD| exceeds ``threshold``, largest |SMD| first.

        Parameters
        ----------
        threshold : float, default 0.1
            A non-negative number.

        Returns
        -------
        pandas.Series
            The (signed) SMDs, indexed by variable, sorted by decreasing |SMD|.

        Examples
        --------
        >>> import pandas as pd
        >>> from trialkit.table1 import BaselineTable
        >>> df = pd.DataFrame({"arm": ["control"] * 4 + ["UC-MSC"] * 4,
        ...                    "x": [1, 2, 3, 4, 2, 3, 4, 5], "y": [1, 2, 3, 4, 1, 2, 3, 4.5]})
        >>> BaselineTable(df, continuous=["x", "y"]).imbalanced().round(2)
        variable
        x    0.77
        Name: smd, dtype: float64
        """
        threshold = check_real(threshold, "threshold", low=0, example=0.1)
        values = self.smds[self.smds.abs() > threshold]
        return values.iloc[np.argsort(-values.abs().to_numpy(), kind="stable")]

    def _footnotes(self):
        notes = []
        if self.skewed:
            described = "; ".join(f"{self.labels[c]}: {reason}" for c, reason in self.skewed.items())
            notes.append(f"Skewed variables, summarized by median [Q1, Q3]: {described}.")
        if self._auto:
            rule = (
                "a continuous variable counts as skewed when its SD exceeds its mean, or "
                f"|sample skewness| > {_SKEW_LIMIT:g}, in either arm; the others are summarized by "
                "mean (SD)."
            )
            notes.append(("Rule: " if self.skewed else "No variable was flagged as skewed. Rule: ") + rule)
        notes.append(
            f"SMD: standardized mean difference, {ARMS[1]} minus {ARMS[0]}, "
            f"(mean_{ARMS[1]} - mean_{ARMS[0]}) / sqrt((SD_{ARMS[0]}^2 + SD_{ARMS[1]}^2) / 2), from "
            "means and SDs also for variables shown as median [Q1, Q3]; for a binary variable the "
            "same with variance p(1 - p)"
            + (
                "; for a categorical variable with more than two levels, the multi-level SMD of "
                "Yang & Dalton (2012), which has no sign"
                if any(b.get("multilevel") for b in self._blocks)
                else ""
            )
            + "".join(
                f"; for {self.labels[b['variable']]}, two levels, the SMD of level {b['second']!s}"
                for b in self._blocks
                if b.get("twolevel")
            )
            + f". * |SMD| > {FLAG_THRESHOLD:g}."
        )
        if any(any(b["missing"].values()) for b in self._blocks):
            notes.append(
                "Percentages are of patients with a non-missing value; 'missing' rows count the rest."
            )
        if self.pvalues:
            notes.append(_PVALUE_METHODS)
            notes.append(_PVALUE_FOOTNOTE)
        return notes

    def _rows(self):
        """Display rows, rendered from :meth:`to_frame`: (text, indented, cells, smd text, p text, flagged)."""
        frame = self.to_frame()
        empty = {a: "" for a in self.order}
        out = []
        for variable, rows in frame.iloc[1:].groupby("variable", sort=False):
            kind, decimals = self._kinds[variable], self._decimals.get(variable)
            label = self.labels[variable]
            smd_value = float(rows["smd"].iloc[0])
            flagged = bool(np.isfinite(smd_value) and abs(smd_value) > FLAG_THRESHOLD)
            smd_text = _fmt_smd(smd_value) + (" *" if flagged else "")
            p_text = format_p(float(rows["p_value"].iloc[0]), name=None) if self.pvalues else ""
            missing = rows[rows["statistic"] == "missing"]
            rows = rows[rows["statistic"] != "missing"]
            value = {stat: row for stat, row in zip(rows["statistic"], rows.to_dict("records"), strict=True)}
            if kind == "continuous":
                cells = {a: f"{_fmt(value['mean'][a], decimals)} ({_fmt(value['sd'][a], decimals)})"
                         for a in self.order}
                out.append((f"{label}, mean (SD)", False, cells, smd_text, p_text, flagged))
            elif kind == "skewed":
                cells = {a: f"{_fmt(value['median'][a], decimals)} [{_fmt(value['q1'][a], decimals)}, "
                            f"{_fmt(value['q3'][a], decimals)}]" for a in self.order}
                out.append((f"{label}, median [Q1, Q3]", False, cells, smd_text, p_text, flagged))
            else:
                counts = rows[rows["statistic"] == "n"].to_dict("records")
                percents = rows[rows["statistic"] == "percent"].to_dict("records")
                pairs = list(zip(counts, percents, strict=True))

                def cell(n_row, pct_row, a):
                    pct = pct_row[a]
                    return f"{int(n_row[a])} ({pct:.1f})" if np.isfinite(pct) else f"{int(n_row[a])} (-)"

                if kind == "binary":
                    cells = {a: cell(*pairs[0], a) for a in self.order}
                    out.append((f"{label}, n (%)", False, cells, smd_text, p_text, flagged))
                else:
                    out.append((f"{label}, n (%)", False, empty, smd_text, p_text, flagged))
                    for n_row, pct_row in pairs:
                        cells = {a: cell(n_row, pct_row, a) for a in self.order}
                        out.append((str(n_row["level"]), True, cells, "", "", False))
            if len(missing):
                cells = {a: str(int(missing[a].iloc[0])) for a in self.order}
                out.append(("missing, n", True, cells, "", "", False))
        return out

    def _header(self):
        head = ["Variable", *(f"{a} (n={self.n[a]})" for a in self.order), "SMD"]
        return head + ["p"] if self.pvalues else head

    def __str__(self):
        head = self._header()
        body = []
        for text, indented, cells, smd_text, p_text, _ in self._rows():
            row = [("  " if indented else "") + text, *(cells[a] for a in self.order), smd_text]
            body.append(row + [p_text] if self.pvalues else row)
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

        def line(row):
            first = row[0].ljust(widths[0])
            rest = [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
            return "  ".join([first, *rest]).rstrip()

        rule = "-" * len(line(head))
        lines = [self.caption, rule, line(head), rule, *(line(r) for r in body), rule]
        lines += [f"[{i}] {note}" for i, note in enumerate(self._footnotes(), start=1)]
        return "\n".join(lines)

    def __repr__(self):
        return self.__str__()

    def _repr_html_(self):
        esc = html.escape
        head = self._header()
        parts = [
            '<table class="trialkit-table1" style="border-collapse: collapse;">',
            '<caption style="caption-side: top; text-align: left; font-weight: bold;">'
            f"{esc(self.caption)}</caption>",
            "<thead><tr>",
            *(
                f'<th style="text-align: {"left" if i == 0 else "right"}; border-bottom: 1px solid;">'
                f"{esc(h)}</th>"
                for i, h in enumerate(head)
            ),
            "</tr></thead>",
            "<tbody>",
        ]
        for text, indented, cells, smd_text, p_text, flagged in self._rows():
            pad = "padding-left: 1.5em; " if indented else ""
            smd_html = f"<strong>{esc(smd_text)}</strong>" if flagged else esc(smd_text)
            cols = [f'<td style="{pad}text-align: left;">{esc(text)}</td>']
            cols += [f'<td style="text-align: right;">{esc(cells[a])}</td>' for a in self.order]
            cols.append(f'<td style="text-align: right;">{smd_html}</td>')
            if self.pvalues:
                cols.append(f'<td style="text-align: right;">{esc(p_text)}</td>')
            parts.append("<tr>" + "".join(cols) + "</tr>")
        parts.append("</tbody>")
        notes = "".join(f"<p style='margin: 0.2em 0;'>{esc(n)}</p>" for n in self._footnotes())
        parts.append(
            f'<tfoot><tr><td colspan="{len(head)}" style="text-align: left; font-size: smaller; '
            f'border-top: 1px solid;">{notes}</td></tr></tfoot>'
        )
        parts.append("</table>")
        return "\n".join(parts)
