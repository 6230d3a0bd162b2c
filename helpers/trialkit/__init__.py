"""trialkit: the helper library of the UC-MSC trial appraisal course.

The virtual trial (:func:`simulate_trial`, :func:`load_trial`), survival analyses over
lifelines, sample size, Table 1, and the numbers read off the published paper.

Examples
--------
>>> import trialkit
>>> trial = trialkit.load_trial()
>>> print(trialkit.cox_by_arm(trial, reference="UC-MSC"))  # doctest: +ELLIPSIS
HR control vs UC-MSC (overall): ...
"""

import importlib

from .analysis import (
    LandmarkResult,
    cox_by_arm,
    km_by_arm,
    landmark_analysis,
    landmark_split,
    logrank_by_arm,
    median_followup,
)
from .calibration import calibration_report
from .clinical import child_pugh, meld_score
from .data import load_trial
from .dictionary import data_dictionary
from .errors import TrialkitInputError
from .estimates import RMSTDifference, WaldRecovery, rmst_by_arm, rmst_difference, wald_from_ci
from .parameters import ARMS, CANONICAL_SEED, PUBLISHED
from .results import HazardRatio, InteractionEstimate, format_ci, format_counts, format_p
from .samplesize import (
    SampleSize,
    freedman_events,
    hazard_ratio_from_survival,
    power_from_events,
    sample_size,
    schoenfeld_events,
)
from .simulate import liver_function_long, simulate_trial
from .table1 import BaselineTable, smd, smd_binary, smd_categorical, smd_from_summary

__version__ = "0.1.0"

__all__ = [
    # the virtual trial
    "ARMS",
    "CANONICAL_SEED",
    "PUBLISHED",
    "simulate_trial",
    "load_trial",
    "liver_function_long",
    "data_dictionary",
    "calibration_report",
    # clinical scores
    "meld_score",
    "child_pugh",
    # results, printed one way
    "HazardRatio",
    "InteractionEstimate",
    "format_ci",
    "format_counts",
    "format_p",
    # survival analysis
    "LandmarkResult",
    "km_by_arm",
    "logrank_by_arm",
    "cox_by_arm",
    "landmark_analysis",
    "landmark_split",
    "median_followup",
    # estimates from published figures; RMST
    "WaldRecovery",
    "wald_from_ci",
    "RMSTDifference",
    "rmst_by_arm",
    "rmst_difference",
    # sample size
    "SampleSize",
    "hazard_ratio_from_survival",
    "schoenfeld_events",
    "freedman_events",
    "sample_size",
    "power_from_events",
    # Table 1
    "BaselineTable",
    "smd",
    "smd_binary",
    "smd_categorical",
    "smd_from_summary",
    # errors
    "TrialkitInputError",
    # topic submodules
    "cohort",
    "competing",
    "engine",
    "landmarks",
    "plots",
    "randomization",
    "validation",
    "widgets",
]

# The topic submodules are imported when first used (``trialkit.cohort``, ``trialkit.widgets``):
# ``import trialkit`` then costs only what the analyses need, not matplotlib or ipywidgets.
_SUBMODULES = {"cohort", "competing", "engine", "landmarks", "plots", "randomization", "validation", "widgets"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'trialkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
