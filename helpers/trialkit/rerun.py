"""Re-running the virtual trial: the sampling distribution of its hazard ratio."""

import numpy as np

from .analysis import cox_by_arm
from .simulate import simulate_trial

__all__ = ["rerun_hazard_ratios"]


def rerun_hazard_ratios(seeds, reference="UC-MSC", **simulate_kwargs):
    """The overall Cox hazard ratio of one virtual trial per seed.

    Parameters
    ----------
    seeds : iterable of int
        One trial per seed (the same seeds give the same hazard ratios).
    reference : {"control", "UC-MSC"}, optional
        The reference arm (default as in the paper: control relative to UC-MSC).
    **simulate_kwargs
        Passed to :func:`trialkit.simulate_trial` (for example ``n_control``).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> hrs = rerun_hazard_ratios([1, 2, 3])
    >>> hrs.shape, bool((hrs > 0).all())
    ((3,), True)
    """
    return np.array([cox_by_arm(simulate_trial(seed, **simulate_kwargs), reference=reference).hr for seed in seeds])
