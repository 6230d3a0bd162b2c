"""How the canonical dataset compares with the published trial, and how its seed was chosen.

:data:`TARGETS` lists what the standard analyses of the canonical dataset must show. The
canonical seed is, among seeds 0-1999 whose simulated trial meets all of them, the one
that is closest to the published figures (:func:`find_canonical_seed`); a test checks that it
still meets them.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .analysis import cox_by_arm, landmark_analysis, median_followup
from .errors import TrialkitInputError
from .parameters import ARMS, PUBLISHED
from .table1 import smd

__all__ = ["Target", "TARGETS", "calibration_report", "meets_targets", "seed_distance", "find_canonical_seed"]


@dataclass(frozen=True)
class Target:
    """One calibration target: a statistic of the data, the published value, and the accepted range.

    The ranges are about one to two sampling standard deviations of each statistic across
    simulated trials (deaths per arm: SD about 4; log HR: SE about 0.3-0.5), centred near the
    published value, so that a seed meeting all of them looks like the published trial without
    being tuned to reproduce it exactly.
    """

    name: str
    published: float
    low: float
    high: float
    source: str
    #: Sampling SD of the statistic across simulated trials (of its log for hazard ratios),
    #: used to weigh distances from the published value when choosing the seed.
    scale: float = 1.0
    log: bool = False
    #: False for a statistic that the generator fixes by construction, up to which patients are
    #: analysed (the MELD's mean, SD, count above 15 and SMD follow Table 1 through the rank
    #: map): checked, but it does not weigh in the choice of seed.
    chooses_seed: bool = True

    def distance(self, value):
        """Standardised distance of ``value`` from the published figure."""
        if self.log:
            return float((np.log(value) - np.log(self.published)) / self.scale)
        return float((value - self.published) / self.scale)


_P = PUBLISHED
#: The short name of each arm in target names, with the arm.
_ARM_KEYS = (("control", ARMS[0]), ("msc", ARMS[1]))

TARGETS = (
    Target("deaths_control", _P["deaths_implied"][0], 25, 31, "Figures: deaths implied by the OS CI", 5.0),
    Target("deaths_msc", _P["deaths_implied"][1], 12, 18, "Figures: deaths implied by the OS CI", 3.8),
    Target("hcc_control", _P["hcc"][0], 21, 25, "Shi2021: 23/111 (20.7%)", 4.3),
    Target("hcc_msc", _P["hcc"][1], 11, 15, "Shi2021: 13/108 (12.0%)", 3.3),
    Target("hcc_hr", _P["hcc_hr"][0], 1.4, 2.3, "Shi2021: HR 1.77 (0.91-3.43)", 0.34, True),
    Target("os_hr", _P["os_hr"][0], 1.6, 2.2, "Shi2021: HR 1.89 (1.01-3.58)", 0.32, True),
    Target("os_hr_before_13", _P["os_hr_0_13"][0], 0.75, 1.3, "Shi2021: HR 0.97 (0.40-2.32)", 0.45, True),
    Target("os_hr_after_13", _P["os_hr_13_75"][0], 3.0, 4.6, "Shi2021: HR 3.68 (1.38-9.85)", 0.50, True),
    Target("median_fu_control", _P["median_followup_months"][0], 54, 60, "Shi2021: median follow-up 57 months", 2.4),
    Target("median_fu_msc", _P["median_followup_months"][1], 58, 64, "Shi2021: median follow-up 61 months", 2.2),
    # Baseline imbalance (UC-MSC minus control, pooled SD); an SMD's sampling SD with about 110
    # patients per arm is sqrt(2 / 110) = 0.13.
    Target("smd_tbil", _P["table1_smd"]["tbil"], 0.25, 0.70,
           "Figures: SMD from Table 1 (33.2 +/- 29.8 vs 76.0 +/- 127.9)", 0.13),
    Target("smd_che", _P["table1_smd"]["che"], -0.60, -0.15,
           "Figures: SMD from Table 1 (3337 +/- 1335 vs 2812 +/- 1560)", 0.13),
    Target("smd_meld", _P["table1_smd"]["meld"], 0.12, 0.45,
           "Figures: SMD from Table 1 (10.0 +/- 4.2 vs 11.4 +/- 6.0)", 0.13, chooses_seed=False),
    # The MELD on the paper's scale, by arm: mean and SD within 10% of Table 1's, and the count
    # above 15 within 5 patients of the printed one.
    *[Target(f"meld_{stat}_{arm}", value, round(value * 0.9, 2), round(value * 1.1, 2),
             f"Shi2021 Table 1: MELD {mean:.1f} +/- {sd:.1f} ({label})", chooses_seed=False)
      for (arm, label), (mean, sd) in zip(_ARM_KEYS, _P["meld_mean_sd"], strict=True)
      for stat, value in (("mean", mean), ("sd", sd))],
    *[Target(f"meld_gt15_{arm}", count, count - 5, count + 5, f"Shi2021 Table 1: MELD > 15 in {count}/{n}",
             chooses_seed=False)
      for (arm, _), count, n in zip(_ARM_KEYS, _P["meld_gt15"], _P["n"], strict=True)],
)


def _statistics(df):
    count = df.groupby("arm")[["death", "hcc"]].sum()
    overall = cox_by_arm(df, reference="UC-MSC")
    lm = landmark_analysis(df, 13, reference="UC-MSC")
    fu = median_followup(df)
    arms = {name: part for name, part in df.groupby("arm")}
    smds = {
        f"smd_{col}": smd(arms["control"][col], arms["UC-MSC"][col]) for col in ("tbil", "che", "meld")
    }
    meld = {
        f"meld_{stat}_{short}": value
        for short, arm in _ARM_KEYS
        for stat, value in (("mean", arms[arm]["meld"].mean()), ("sd", arms[arm]["meld"].std()),
                            ("gt15", int((arms[arm]["meld"] > 15).sum())))
    }
    return {
        **smds,
        **meld,
        "deaths_control": count.loc["control", "death"],
        "deaths_msc": count.loc["UC-MSC", "death"],
        "hcc_control": count.loc["control", "hcc"],
        "hcc_msc": count.loc["UC-MSC", "hcc"],
        "hcc_hr": cox_by_arm(df, reference="UC-MSC", time="hcc_months", event="hcc").estimate,
        "os_hr": overall.estimate,
        "os_hr_before_13": lm.before.estimate,
        "os_hr_after_13": lm.after.estimate,
        "median_fu_control": fu["control"],
        "median_fu_msc": fu["UC-MSC"],
    }


def calibration_report(df):
    """Compare a virtual trial with the published figures, target by target.

    Parameters
    ----------
    df : pandas.DataFrame
        The analysed patients of a virtual trial (``trialkit.load_trial()``).

    Returns
    -------
    pandas.DataFrame
        One row per target: ``published``, ``simulated``, the accepted ``low`` and ``high``,
        whether it is ``met``, and the ``source`` of the published figure.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> from trialkit.calibration import calibration_report
    >>> bool(calibration_report(load_trial())["met"].all())
    True
    """
    values = _statistics(df)
    rows = [
        {"target": t.name, "published": t.published, "simulated": float(values[t.name]), "low": t.low,
         "high": t.high, "met": bool(t.low <= values[t.name] <= t.high), "source": t.source}
        for t in TARGETS
    ]
    return pd.DataFrame(rows).set_index("target")


def meets_targets(df):
    """True when every statistic in :data:`TARGETS` is inside its accepted range."""
    return bool(np.isfinite(seed_distance(df)))


def seed_distance(df):
    """Root-mean-square standardised distance of a trial's statistics from the published ones.

    Returns ``inf`` for a trial that misses any target.
    """
    try:
        with warnings.catch_warnings():
            # A degenerate trial (say, no UC-MSC death after month 13) makes lifelines warn
            # about convergence; such a trial misses the targets and is rejected below.
            warnings.simplefilter("ignore")
            values = _statistics(df)
    except TrialkitInputError:  # no events in a window: cannot meet the targets
        return float("inf")
    if not all(t.low <= values[t.name] <= t.high for t in TARGETS):
        return float("inf")
    return float(np.sqrt(np.mean([t.distance(values[t.name]) ** 2 for t in TARGETS if t.chooses_seed])))


def find_canonical_seed(n_seeds=2000):
    """Return the seed in ``range(n_seeds)`` whose trial is closest to the published figures.

    Among the seeds whose trial meets every target, the one with the smallest
    :func:`seed_distance` (ties: the smallest seed). This is how
    :data:`trialkit.parameters.CANONICAL_SEED` was chosen (it takes a minute or two; run
    ``python -m trialkit choose-seed``). The search is deterministic: anyone can rerun it.
    """
    from .simulate import simulate_trial

    distances = [seed_distance(simulate_trial(rng=seed)) for seed in range(n_seeds)]
    best = int(np.argmin(distances))
    if not np.isfinite(distances[best]):
        raise RuntimeError(f"no seed in range({n_seeds}) meets the calibration targets")
    return best
