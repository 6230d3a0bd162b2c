"""Input checks shared by the analysis functions (private).

Each check raises :class:`trialkit.TrialkitInputError` with the argument's name, the value
received and how to fix it.
"""

import numbers

import numpy as np
import pandas as pd

from .errors import TrialkitInputError

ARMS = ("control", "UC-MSC")


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
            f"name the reference arm, one of {list(arms)}; the paper's HR 1.89 is control "
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
    """Check that ``value`` is a number strictly between 0 and 1."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        raise TrialkitInputError(name, value, "give a probability strictly between 0 and 1, e.g. 0.05")
    return float(value)


def check_positive(value, name, integer=False):
    """Check that ``value`` is a finite positive number (an integer if asked)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value) and value > 0
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        kind = "a positive whole number" if integer else "a positive number"
        raise TrialkitInputError(name, value, f"give {kind}")
    return int(value) if integer else float(value)
