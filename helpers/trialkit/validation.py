"""The checks every public trialkit function runs on its input, in one place.

Each check raises :class:`trialkit.TrialkitInputError` with the argument's name, the value
received and how to fix it, and returns the value in the form the computation uses (an
``int``, a ``float``, a ``numpy.random.Generator``). Public functions check their arguments
once, at the edge, and then call unchecked private cores (``_name``), so that a function that
calls another does not check the same frame twice.

Examples
--------
>>> from trialkit.validation import check_real, check_rng, check_whole
>>> check_whole(20, "n_trials", minimum=1)
20
>>> check_real(0.05, "alpha", low=0, high=1, inclusive=False)
0.05
>>> type(check_rng(2021)).__name__
'Generator'
>>> check_whole(2.5, "n_trials")
Traceback (most recent call last):
...
trialkit.errors.TrialkitInputError: n_trials: received 2.5; give a whole number >= 0, e.g. 20
"""

import numbers

import numpy as np
import pandas as pd

from .errors import TrialkitInputError
from .parameters import ARMS, PUBLISHED

__all__ = [
    "check_arm_column",
    "check_bool",
    "check_choice",
    "check_columns",
    "check_event_column",
    "check_frame",
    "check_names",
    "check_numeric_column",
    "check_positive",
    "check_probability",
    "check_real",
    "check_reference",
    "check_rng",
    "check_survival",
    "check_whole",
]


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and bool(np.isfinite(value))


def check_whole(value, name, minimum=0, maximum=None, example=None):
    """Return ``value`` as an ``int`` if it is a whole number in ``[minimum, maximum]``."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) and value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        example = max(minimum, 20) if example is None else example
        raise TrialkitInputError(name, value, f"give a whole number {bounds}, e.g. {example}")
    return int(value)


def check_real(value, name, low=None, high=None, *, inclusive=True, example=None, unit=""):
    """Return ``value`` as a ``float`` if it is a finite number within ``low`` and ``high``.

    ``inclusive`` (True) allows the bounds themselves; False asks for ``low < value < high``.
    """
    ok = _is_real(value)
    if ok and low is not None:
        ok = value >= low if inclusive else value > low
    if ok and high is not None:
        ok = value <= high if inclusive else value < high
    if not ok:
        lt = "<=" if inclusive else "<"
        unit = f" {unit}" if unit else ""
        if low is not None and high is not None:
            where = f"a number with {low:g} {lt} {name} {lt} {high:g}{unit}"
        elif low is not None:
            where = f"a number {'>=' if inclusive else '>'} {low:g}{unit}"
        elif high is not None:
            where = f"a number {lt} {high:g}{unit}"
        else:
            where = "a finite number"
        hint = f", e.g. {example}" if example is not None else ""
        raise TrialkitInputError(name, value, f"give {where}{hint}")
    return float(value)


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices`` (strings are matched ignoring case)."""
    choices = list(choices)
    if isinstance(value, str):
        for choice in choices:
            if isinstance(choice, str) and value.lower() == choice.lower():
                return choice
    elif value in choices and not isinstance(value, (bool, np.bool_)):
        return value
    raise TrialkitInputError(name, value, f"use one of {choices}")


def check_bool(value, name):
    """Return ``value`` as a ``bool`` if it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TrialkitInputError(name, value, "give True or False")
    return bool(value)


def check_names(value, name):
    """Return one column name or a sequence of them as a list of names."""
    if isinstance(value, str):
        return [value]
    if value is None or not np.iterable(value) or isinstance(value, (bytes, dict, pd.DataFrame)):
        raise TrialkitInputError(name, value, "give a column name or a list of column names, e.g. ['meld']")
    return list(value)


def check_rng(rng, name="rng"):
    """Return a ``numpy.random.Generator`` from a seed or a Generator (the course's one policy).

    Every random function in trialkit takes ``rng``, required, as numpy and scipy take it: a
    whole-number seed (the same seed always gives the same numbers), a
    ``numpy.random.SeedSequence``, or a ``numpy.random.Generator`` (which the function then
    advances). There is no default: a result that cannot be reproduced is not a result.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    seed_ok = isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0
    if seed_ok or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TrialkitInputError(
        name, rng,
        "give a seed (a whole number >= 0, e.g. rng=2021) or a numpy.random.Generator, "
        "e.g. rng=np.random.default_rng(2021): the same seed always gives the same numbers",
    )


def check_frame(df, name="df"):
    """Return ``df`` if it is a non-empty DataFrame."""
    if not isinstance(df, pd.DataFrame):
        raise TrialkitInputError(
            name, type(df).__name__, "pass a pandas DataFrame, e.g. trialkit.load_trial()"
        )
    if len(df) == 0:
        raise TrialkitInputError(name, "an empty DataFrame", "pass a DataFrame with at least one row")
    return df


def check_columns(df, columns, name="df"):
    """Check that every column in ``columns`` is in ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TrialkitInputError(
            name,
            f"a DataFrame without column(s) {missing}",
            f"add them or name the right columns; available columns are {list(df.columns)}",
        )


def check_numeric_column(df, column, name, allow_nan=False, minimum=None):
    """Check that ``df[column]`` is numeric, without NaN (unless allowed), and >= ``minimum``."""
    values = df[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise TrialkitInputError(
            name,
            f"column {column!r} of dtype {values.dtype}",
            "convert it to numbers, e.g. df[col] = pd.to_numeric(df[col])",
        )
    n_nan = int(values.isna().sum())
    if n_nan and not allow_nan:
        raise TrialkitInputError(
            name,
            f"column {column!r} with {n_nan} missing value(s)",
            "drop or fill the rows with missing values first, e.g. df.dropna(subset=[col])",
        )
    if minimum is not None:
        below = values[values < minimum]
        if len(below):
            raise TrialkitInputError(
                name,
                f"column {column!r} with {len(below)} value(s) below {minimum} (first: {below.iloc[0]!r})",
                f"times must be >= {minimum}; check how the column was computed",
            )


def check_event_column(df, column, name="event"):
    """Check that ``df[column]`` holds only 0 and 1 (True/False accepted)."""
    values = df[column]
    if values.isna().any():
        raise TrialkitInputError(
            name,
            f"column {column!r} with {int(values.isna().sum())} missing value(s)",
            "an event indicator must be 0 (censored) or 1 (event) for every row",
        )
    bad = ~values.isin([0, 1])
    if bad.any():
        raise TrialkitInputError(
            name,
            f"column {column!r} with values {sorted(pd.unique(values[bad]).tolist())[:5]}",
            "an event indicator must be 0 (censored) or 1 (event); "
            "for competing risks code the event of interest as 1, e.g. (df.status == 1).astype(int)",
        )


def check_arm_column(df, column="arm", name="arm", arms=ARMS):
    """Check that the arm column holds only the known arm labels, and both of them."""
    values = df[column]
    unknown = sorted({str(v) for v in pd.unique(values)} - set(arms))
    if unknown:
        raise TrialkitInputError(
            name,
            f"column {column!r} with unknown label(s) {unknown}",
            f"arm labels must be {list(arms)}; recode, e.g. df[{column!r}].replace({{'MSC': 'UC-MSC'}})",
        )
    present = set(values)
    if len(present) < 2:
        raise TrialkitInputError(
            name,
            f"column {column!r} with only {sorted(present)}",
            f"the comparison needs patients in both arms {list(arms)}",
        )


def check_reference(reference, arms=ARMS):
    """Check that ``reference`` is one of the arm labels; return the other arm."""
    if reference not in arms:
        raise TrialkitInputError(
            "reference",
            reference,
            f"name the reference arm, one of {list(arms)}; the paper's HR {PUBLISHED['os_hr'][0]} is control "
            "relative to UC-MSC, i.e. reference='UC-MSC'",
        )
    return arms[1] if reference == arms[0] else arms[0]


def check_survival(df, time, event, arm="arm", name="df"):
    """Run every check a two-arm survival analysis needs."""
    check_frame(df, name)
    check_columns(df, [c for c in (time, event, arm) if c is not None], name)
    check_numeric_column(df, time, "time", minimum=0)
    check_event_column(df, event, "event")
    if arm is not None:
        check_arm_column(df, arm, "arm")


def check_probability(value, name, open_interval=True):
    """Check that ``value`` is a number strictly between 0 and 1 (or within [0, 1])."""
    ok = _is_real(value) and (0 < value < 1 if open_interval else 0 <= value <= 1)
    if not ok:
        which = "strictly between 0 and 1" if open_interval else "from 0 to 1"
        raise TrialkitInputError(name, value, f"give a probability {which}, e.g. 0.05")
    return float(value)


def check_positive(value, name, integer=False):
    """Check that ``value`` is a finite positive number (a whole one if asked)."""
    ok = _is_real(value) and value > 0
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind = "a positive whole number" if integer else "a positive number"
        raise TrialkitInputError(name, value, f"give {kind}")
    return int(value) if integer else float(value)
