"""The canonical virtual trial shipped with the package, and how to regenerate it."""

from importlib import resources

import pandas as pd

from .parameters import CANONICAL_SEED
from .validation import check_bool

__all__ = ["load_trial", "canonical_csv_bytes", "DATA_FILE", "DICTIONARY_FILE"]

DATA_FILE = "trial.csv"
DICTIONARY_FILE = "data_dictionary.md"


def _data_path(name):
    return resources.files("trialkit").joinpath("data", name)


def canonical_csv_bytes(seed=CANONICAL_SEED):
    """The exact bytes of ``trial.csv`` as regenerated from ``seed``.

    Examples
    --------
    >>> from trialkit.data import canonical_csv_bytes, _data_path, DATA_FILE
    >>> canonical_csv_bytes() == _data_path(DATA_FILE).read_bytes()
    True
    """
    from .simulate import simulate_trial

    full = simulate_trial(rng=seed, include_excluded=True)
    return full.to_csv(index=False, lineterminator="\n").encode("utf-8")


def load_trial(include_excluded=False):
    """Load the canonical virtual trial (synthetic data calibrated to Shi et al. 2021).

    Parameters
    ----------
    include_excluded : bool, optional
        False (default): the 219 analysed patients, as in the paper. True: all 250 randomised
        patients, with the columns ``analysed`` and ``exclusion`` (for intention to treat).

    Returns
    -------
    pandas.DataFrame
        Columns described by :func:`trialkit.data_dictionary`.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> trial = load_trial()
    >>> trial.groupby("arm")["death"].sum().to_dict()
    {'UC-MSC': 17, 'control': 30}
    >>> len(load_trial(include_excluded=True))
    250
    """
    include_excluded = check_bool(include_excluded, "include_excluded")
    with _data_path(DATA_FILE).open("rb") as handle:
        full = pd.read_csv(handle, keep_default_na=False, na_values=[""])
    full["exclusion"] = full["exclusion"].fillna("").astype(str)
    if include_excluded:
        return full
    return full[full["analysed"]].drop(columns=["analysed", "exclusion"]).reset_index(drop=True)
