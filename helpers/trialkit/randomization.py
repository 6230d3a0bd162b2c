"""Randomisation schemes, and how much baseline imbalance chance alone produces.

Three ways to allocate patients 1:1 to two arms:

* **simple** randomisation: a fair coin for each patient. The arms are balanced on average, but
  their sizes vary (with 219 patients, the arms differ by 10 or more patients about half the time);
* **blocked** randomisation (permuted blocks): within each consecutive block of ``block_size``
  patients exactly half go to each arm, in a random order, so the arm sizes never differ by
  more than ``block_size / 2``;
* **stratified** randomisation: permuted blocks run separately within each stratum (for example
  MELD > 15 or not), so each stratum is balanced, and with it the stratifying variable.

None of them balances the other baseline variables: they differ between the arms by chance.
:func:`simulate_imbalance` measures by how much, by re-randomising a fixed set of patients many
times and computing the standardized mean difference (SMD) of each variable in each re-run; the
SMDs are computed for all re-runs at once with matrix products, so 10,000 re-runs of 219
patients take a fraction of a second. :func:`share_as_extreme` then says how often chance
alone gives an imbalance at least as large as an observed one.

Allocations are coded 1 for UC-MSC (the experimental arm) and 0 for control, so that every SMD
is UC-MSC minus control, as in :mod:`trialkit.table1`.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import TrialkitInputError
from .validation import check_frame, check_positive, check_real, check_rng, check_whole

__all__ = [
    "SCHEMES",
    "allocate",
    "allocation_matrix",
    "smd_matrix",
    "simulate_imbalance",
    "share_as_extreme",
]

#: The randomisation schemes :func:`allocate` knows.
SCHEMES = ("simple", "blocked", "stratified")


# ----------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------


def _check_scheme(scheme):
    if not isinstance(scheme, str) or scheme.lower() not in SCHEMES:
        raise TrialkitInputError(
            "scheme", scheme, f"choose one of {list(SCHEMES)}, e.g. scheme='blocked'"
        )
    return scheme.lower()


def _check_block_size(block_size):
    block_size = check_whole(block_size, "block_size", minimum=2, example=4)
    if block_size % 2:
        raise TrialkitInputError(
            "block_size",
            block_size,
            "give an even whole number >= 2, e.g. 4 (two patients per arm in each block of a 1:1 trial)",
        )
    return int(block_size)


def _check_strata(strata, n, scheme):
    """Return the stratum codes (0, 1, ...) of each patient, or None."""
    if scheme != "stratified":
        if strata is not None:
            raise TrialkitInputError(
                "strata",
                f"strata given with scheme={scheme!r}",
                "strata are used only by scheme='stratified'; pass that scheme, or drop strata",
            )
        return None
    if strata is None:
        raise TrialkitInputError(
            "strata",
            None,
            "scheme='stratified' needs the stratum of each patient, e.g. strata=(trial['meld'] > 15)",
        )
    if isinstance(strata, (str, bytes)) or not np.iterable(strata) or np.ndim(strata) != 1:
        raise TrialkitInputError(
            "strata", strata, f"give one stratum label per patient as a flat array or Series of length {n}"
        )
    values = pd.Series(np.asarray(strata))
    if len(values) != n:
        raise TrialkitInputError(
            "strata", f"{len(values)} labels for n={n} patients", "give exactly one stratum label per patient"
        )
    if values.isna().any():
        raise TrialkitInputError(
            "strata",
            f"{int(values.isna().sum())} missing label(s)",
            "every patient needs a stratum; fill or drop the patients with a missing value first",
        )
    codes, levels = pd.factorize(values, sort=True)
    if len(levels) > max(1, n // 2):
        raise TrialkitInputError(
            "strata",
            f"{len(levels)} different labels for {n} patients",
            "stratify on a variable with few levels (a continuous one must be cut first), "
            "e.g. strata=(trial['meld'] > 15)",
        )
    return codes


# ----------------------------------------------------------------------------------------------
# Allocation
# ----------------------------------------------------------------------------------------------


def _blocked(rng, n_trials, n, block_size):
    """Permuted blocks: an (n_trials, n) int8 matrix, each full block half 0s and half 1s."""
    n_blocks = -(-n // block_size)
    block = np.repeat(np.array([0, 1], dtype=np.int8), block_size // 2)
    shuffled = rng.permuted(np.broadcast_to(block, (n_trials, n_blocks, block_size)), axis=-1)
    return shuffled.reshape(n_trials, n_blocks * block_size)[:, :n]


def allocation_matrix(n, n_trials, scheme="simple", *, rng, block_size=4, strata=None):
    """Allocations of the same ``n`` patients in ``n_trials`` independent randomisations.

    Row ``t`` is one run of the randomisation list, in the order patients enter the trial.
    Every row is drawn at once (no Python loop over trials), for simulations.

    Parameters
    ----------
    n : int
        Number of patients.
    n_trials : int
        Number of independent randomisations (rows).
    scheme : {"simple", "blocked", "stratified"}, default "simple"
        "simple": a fair coin per patient. "blocked": permuted blocks of ``block_size`` patients,
        half to each arm in a random order; when ``n`` is not a multiple of ``block_size`` the
        last block is cut short, so the arms differ by at most ``block_size / 2``.
        "stratified": permuted blocks within each stratum of ``strata``, filled in order of entry.
    rng : int or numpy.random.Generator
        A seed (e.g. 2021) or a generator; required. The same seed gives the same allocations.
    block_size : int, default 4
        Even block length of the blocked and stratified schemes.
    strata : array-like of length n, optional
        Stratum of each patient, for ``scheme="stratified"`` only (few levels, e.g. MELD > 15).

    Returns
    -------
    numpy.ndarray of int8, shape (n_trials, n)
        1 for UC-MSC, 0 for control.

    Raises
    ------
    TrialkitInputError
        On a bad argument: the message names it, what was received and how to fix it.

    See Also
    --------
    allocate : One randomisation.

    Examples
    --------
    >>> from trialkit.randomization import allocation_matrix
    >>> a = allocation_matrix(12, n_trials=3, scheme="blocked", rng=1)
    >>> a.shape
    (3, 12)
    >>> a.sum(axis=1).tolist()
    [6, 6, 6]
    """
    n = check_positive(n, "n", integer=True)
    n_trials = check_positive(n_trials, "n_trials", integer=True)
    scheme = _check_scheme(scheme)
    block_size = _check_block_size(block_size)
    codes = _check_strata(strata, n, scheme)
    rng = check_rng(rng)
    if scheme == "simple":
        return rng.integers(0, 2, size=(n_trials, n), dtype=np.int8)
    if scheme == "blocked":
        return _blocked(rng, n_trials, n, block_size)
    out = np.empty((n_trials, n), dtype=np.int8)
    for level in range(codes.max() + 1):
        members = np.flatnonzero(codes == level)
        out[:, members] = _blocked(rng, n_trials, len(members), block_size)
    return out


def allocate(n, scheme="simple", *, rng, block_size=4, strata=None):
    """Allocate ``n`` patients 1:1 to UC-MSC (1) or control (0) for one trial.

    What each scheme guarantees:

    * "simple": nothing beyond balance on average; the arm sizes and every baseline variable
      differ between the arms by chance;
    * "blocked": after every completed block the arm sizes are equal, so they never differ by
      more than ``block_size / 2``; exactly equal when ``n`` is a multiple of ``block_size``;
    * "stratified": the same within each stratum, so the stratifying variable is balanced
      too (up to one incomplete block per stratum); other variables are still left to chance.

    Parameters
    ----------
    n : int
        Number of patients, in order of entry.
    scheme : {"simple", "blocked", "stratified"}, default "simple"
    rng : int or numpy.random.Generator
        A seed (e.g. 2021) or a generator; required. The same seed gives the same allocation.
    block_size : int, default 4
        Even block length of the blocked and stratified schemes.
    strata : array-like of length n, optional
        Stratum of each patient, for ``scheme="stratified"`` only, e.g. ``trial["meld"] > 15``.

    Returns
    -------
    numpy.ndarray of int8, shape (n,)
        1 for UC-MSC, 0 for control.

    Raises
    ------
    TrialkitInputError
        On a bad argument: the message names it, what was received and how to fix it.

    See Also
    --------
    allocation_matrix : Many randomisations at once.

    Examples
    --------
    >>> from trialkit.randomization import allocate
    >>> a = allocate(8, scheme="blocked", rng=2021)
    >>> a.reshape(2, 4).sum(axis=1).tolist()  # two of each arm in every block of 4
    [2, 2]
    >>> s = allocate(10, scheme="stratified", rng=3, block_size=2, strata=[0, 1] * 5)
    >>> [int(s[k::2].sum()) for k in (0, 1)] in ([2, 2], [2, 3], [3, 2], [3, 3])  # 2 pairs + 1 per stratum
    True
    >>> (allocate(50, rng=7) == allocate(50, rng=7)).all()
    np.True_
    """
    return allocation_matrix(n, 1, scheme=scheme, rng=rng, block_size=block_size, strata=strata)[0]


# ----------------------------------------------------------------------------------------------
# Imbalance
# ----------------------------------------------------------------------------------------------


def _check_covariates(covariates):
    check_frame(covariates, "covariates")
    for column in covariates.columns:
        values = covariates[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise TrialkitInputError(
                "covariates",
                f"column {column!r} of dtype {values.dtype}",
                "give numeric columns only; code a yes/no variable as 0/1, e.g. "
                "(trial['meld'] > 15).astype(int), and leave out text columns such as 'arm'",
            )
    return covariates


def smd_matrix(covariates, allocations):
    """SMD of every column of ``covariates`` under every row of ``allocations``.

    For row ``t``, column ``j``: ``(mean_1 - mean_0) / sqrt((var_0 + var_1) / 2)``, UC-MSC (1)
    minus control (0), with sample variances (ddof=1) and missing values dropped: the same
    number as :func:`trialkit.table1.smd` for that allocation. A 0/1 column gets the same
    formula (so it differs slightly from :func:`trialkit.table1.smd_binary`, which uses
    ``p (1 - p)``). Computed with matrix products over all rows at once.

    Parameters
    ----------
    covariates : pandas.DataFrame
        One row per patient, numeric columns only.
    allocations : array-like of 0/1, shape (n_trials, n) or (n,)
        1 for UC-MSC, 0 for control; ``n`` is the number of rows of ``covariates``.

    Returns
    -------
    pandas.DataFrame
        One row per allocation (index ``trial``), one column per covariate. NaN where an arm
        has fewer than 2 non-missing values or both arms are constant.

    Raises
    ------
    TrialkitInputError
        On a bad argument.

    Examples
    --------
    >>> import pandas as pd
    >>> from trialkit.randomization import smd_matrix
    >>> from trialkit.table1 import smd
    >>> x = pd.DataFrame({"tbil": [10.0, 12, 14, 16, 11, 15, 19, 23]})
    >>> round(float(smd_matrix(x, [[0, 0, 0, 0, 1, 1, 1, 1]]).loc[0, "tbil"]), 3)
    0.98
    >>> round(smd([10, 12, 14, 16], [11, 15, 19, 23]), 3)
    0.98
    """
    covariates = _check_covariates(covariates)
    n = len(covariates)
    alloc = np.asarray(allocations)
    if alloc.ndim == 1:
        alloc = alloc[None, :]
    if alloc.ndim != 2 or alloc.shape[1] != n:
        raise TrialkitInputError(
            "allocations",
            f"an array of shape {np.shape(allocations)}",
            f"give one row per trial and one column per patient: shape (n_trials, {n})",
        )
    bad = (alloc != 0) & (alloc != 1)  # two comparisons: cheaper than np.isin on a large matrix
    if bad.any():
        raise TrialkitInputError(
            "allocations", f"values {np.unique(alloc[bad])[:5].tolist()}", "code UC-MSC as 1 and control as 0"
        )
    values = covariates.to_numpy(dtype=float)
    present = ~np.isnan(values)
    m = present.astype(float)
    filled = np.where(present, values, 0.0)
    count = m.sum(axis=0)
    # Centre each column on its mean: the SMD does not change, and the sums of squares below
    # stay accurate for variables measured in thousands (cholinesterase).
    centre = filled.sum(axis=0) / np.maximum(count, 1.0)
    x = np.where(present, values - centre, 0.0)
    # One matrix product gives the UC-MSC arm's counts, sums and sums of squares for every trial;
    # the control arm's are the totals minus those.
    columns = np.hstack([m, x, x * x])
    in_msc = alloc.astype(float) @ columns
    n1, s1, q1 = np.split(in_msc, 3, axis=1)
    n0, s0, q0 = np.split(columns.sum(axis=0) - in_msc, 3, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean1, mean0 = s1 / n1, s0 / n0
        var1 = (q1 - n1 * mean1**2) / (n1 - 1)
        var0 = (q0 - n0 * mean0**2) / (n0 - 1)
        pooled = np.sqrt(np.maximum((var0 + var1) / 2, 0.0))
        result = (mean1 - mean0) / pooled
    # Undefined, as in table1.smd: an arm with fewer than 2 values, or both arms constant. The
    # sums above leave a rounding residue of about 1e-8 of the values' spread in the variance of
    # a constant arm, hence the relative threshold; a constant column is caught exactly.
    spread = np.abs(x).max(axis=0)
    constant = np.array([np.unique(values[present[:, j], j]).size < 2 for j in range(values.shape[1])])
    undefined = (n1 < 2) | (n0 < 2) | (pooled <= 1e-6 * spread) | constant
    result[undefined] = np.nan
    return pd.DataFrame(result, columns=covariates.columns, index=pd.RangeIndex(len(result), name="trial"))


def simulate_imbalance(covariates, scheme, n_trials, *, rng, block_size=4, strata_column=None):
    """Re-randomise a fixed set of patients many times; return the SMD of each covariate in each run.

    The patients (the rows of ``covariates``) stay the same; only the allocation is redrawn,
    ``n_trials`` times, with :func:`allocation_matrix`. The result is the distribution of the
    baseline imbalance that the randomisation scheme alone produces in these patients: the
    reference against which an observed imbalance (a Table 1) can be judged.

    Parameters
    ----------
    covariates : pandas.DataFrame
        Baseline values, one row per patient in order of entry, numeric columns only
        (e.g. ``trial[["tbil", "meld", "che"]]`` of the 219 patients of
        :func:`trialkit.load_trial`, both arms pooled).
    scheme : {"simple", "blocked", "stratified"}
    n_trials : int
        Number of re-randomisations.
    rng : int or numpy.random.Generator
        A seed (e.g. 2021) or a generator; required. The same seed gives the same result.
    block_size : int, default 4
        Even block length of the blocked and stratified schemes.
    strata_column : str, optional
        For ``scheme="stratified"``: the column of ``covariates`` that defines the strata
        (few levels, e.g. a 0/1 column ``meld_gt15``). Its own SMD is reported too.

    Returns
    -------
    pandas.DataFrame
        One row per re-randomised trial (index ``trial``), one column per covariate: the SMD,
        UC-MSC minus control (see :func:`smd_matrix`).

    Raises
    ------
    TrialkitInputError
        On a bad argument: the message names it, what was received and how to fix it.

    See Also
    --------
    share_as_extreme : How often the re-runs are at least as imbalanced as an observed SMD.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from trialkit.randomization import simulate_imbalance
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"meld": rng.normal(13, 5, 200), "meld_gt15": (rng.random(200) < 0.3).astype(int)})
    >>> smds = simulate_imbalance(x, "simple", n_trials=2000, rng=1)
    >>> smds.shape
    (2000, 2)
    >>> round(float(smds["meld"].std()), 2)  # about sqrt(1/100 + 1/100) = 0.14
    0.14
    >>> strat = simulate_imbalance(x, "stratified", 2000, rng=1, strata_column="meld_gt15")
    >>> bool(strat["meld_gt15"].abs().max() < smds["meld_gt15"].abs().max())
    True
    """
    covariates = _check_covariates(covariates)
    n_trials = check_positive(n_trials, "n_trials", integer=True)
    rng = check_rng(rng)
    scheme = _check_scheme(scheme)
    strata = None
    if strata_column is not None:
        if not isinstance(strata_column, str) or strata_column not in covariates.columns:
            raise TrialkitInputError(
                "strata_column",
                strata_column,
                f"name a column of covariates; available columns are {list(covariates.columns)}",
            )
        strata = covariates[strata_column].to_numpy()
    elif scheme == "stratified":
        raise TrialkitInputError(
            "strata_column",
            None,
            "scheme='stratified' needs the column that defines the strata, e.g. strata_column='meld_gt15'",
        )
    alloc = allocation_matrix(len(covariates), n_trials, scheme=scheme, rng=rng,
                              block_size=block_size, strata=strata)
    return smd_matrix(covariates, alloc)


def share_as_extreme(smds, observed):
    """Share of re-randomised trials with an imbalance at least as large as the observed one.

    ``mean(|SMD| >= |observed|)`` over the trials, ignoring trials whose SMD is undefined (NaN).
    Ties (up to rounding error) count as extreme. This is a two-sided randomisation p-value
    for the question "could chance alone give an imbalance this large?"; it does not say
    whether the imbalance matters, which depends on how strongly the variable predicts the
    outcome.

    Parameters
    ----------
    smds : array-like of numbers, pandas.Series or pandas.DataFrame
        The SMDs of the re-randomised trials (e.g. a column of :func:`simulate_imbalance`); a
        DataFrame for several variables at once.
    observed : float, or mapping column -> float with a DataFrame
        The observed SMD (its sign does not matter).

    Returns
    -------
    float, or pandas.Series with a DataFrame (one share per column of ``observed``)

    Raises
    ------
    TrialkitInputError
        If ``smds`` holds no numbers or ``observed`` is not a finite number.

    Examples
    --------
    >>> from trialkit.randomization import share_as_extreme
    >>> share_as_extreme([-0.3, -0.1, 0.0, 0.1, 0.2, 0.4], 0.2)
    0.5
    >>> import pandas as pd
    >>> df = pd.DataFrame({"tbil": [0.1, -0.5, 0.3], "meld": [0.2, 0.0, -0.1]})
    >>> share_as_extreme(df, {"tbil": 0.46, "meld": 0.1}).round(3).to_dict()
    {'tbil': 0.333, 'meld': 0.667}
    """
    if isinstance(smds, pd.DataFrame):
        if not isinstance(observed, (Mapping, pd.Series)):
            raise TrialkitInputError(
                "observed",
                observed,
                "with a DataFrame of SMDs give one observed SMD per column, e.g. {'tbil': 0.46, 'meld': 0.27}",
            )
        missing = [c for c in observed.keys() if c not in smds.columns]
        if missing:
            raise TrialkitInputError(
                "observed", missing, f"these are not columns of smds; name columns of {list(smds.columns)}"
            )
        return pd.Series({c: _share(smds[c], observed[c], f"smds[{c!r}]") for c in observed.keys()},
                         name="share_as_extreme", dtype=float)
    return _share(smds, observed, "smds")


def _share(smds, observed, name):
    observed = check_real(observed, "observed", example="0.46, the observed SMD")
    if isinstance(smds, (str, bytes)) or not np.iterable(smds) or np.ndim(smds) != 1:
        raise TrialkitInputError(
            name, smds, "give the SMDs of the re-randomised trials as a flat array or Series"
        )
    try:
        values = np.asarray(smds, dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.dtype == bool:
        raise TrialkitInputError(name, smds, "give the SMDs as numbers, e.g. a column of simulate_imbalance()")
    values = values[~np.isnan(values)]
    if len(values) == 0:
        raise TrialkitInputError(
            name, "no defined (non-NaN) SMD", "simulate more trials or check the covariate is not constant"
        )
    threshold = abs(float(observed))
    return float(np.mean(np.abs(values) >= threshold - 1e-12 * max(1.0, threshold)))
