"""Tests of trialkit.estimates: Wald recovery from published CIs, and RMST with bootstrap."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from trialkit.errors import TrialkitInputError
from trialkit.estimates import (
    RMSTDifference,
    WaldRecovery,
    _km_rmst,
    _km_rmst_weighted,
    rmst_by_arm,
    rmst_difference,
    wald_from_ci,
)

# ---------------------------------------------------------------------------------------------
# Wald recovery (Altman & Bland 2011)
# ---------------------------------------------------------------------------------------------

# The published limits are printed to two decimals, so the recovered SE and p are only
# accurate to about the third decimal: e.g. moving the lower limit 1.01 by its rounding
# half-width 0.005 moves SE = (ln 3.58 - ln 1.01)/3.92 by 0.005/1.01/3.92 = 0.0013.
# The expected values below are computed by hand from the printed numbers, so a tolerance
# of 0.001 checks the arithmetic (not the paper's unrounded values).
WALD_CASES = [
    # estimate, lower, upper, expected SE, expected p (None: not checked)
    (1.89, 1.01, 3.58, 0.323, 0.049),
    (3.68, 1.38, 9.85, 0.501, 0.009),
    (0.97, 0.40, 2.32, 0.448, None),
]


@pytest.mark.parametrize(("estimate", "lower", "upper", "se", "p"), WALD_CASES)
def test_wald_from_ci_published_values(estimate, lower, upper, se, p):
    result = wald_from_ci(estimate, lower, upper)
    assert isinstance(result, WaldRecovery)
    assert result.se == pytest.approx(se, abs=0.001)
    # z from the hand SE, not from the SE under test (0.0005 of rounding in SE moves z by < 0.01)
    assert result.z == pytest.approx(np.log(estimate) / se, abs=0.01)
    if p is not None:
        assert result.p == pytest.approx(p, abs=0.001)


def test_wald_from_ci_exact_interval_is_symmetric():
    se, est = 0.3, 1.5
    lower, upper = est * np.exp(-1.959963984540054 * se), est * np.exp(1.959963984540054 * se)
    result = wald_from_ci(est, lower, upper)
    assert result.se == pytest.approx(se)
    assert result.ci_symmetric
    assert result.asymmetry == pytest.approx(0, abs=1e-12)
    assert not wald_from_ci(1.2, 1.01, 3.58).ci_symmetric


def test_wald_from_ci_natural_scale_and_level():
    result = wald_from_ci(2.0, 1.0, 3.0, level=0.90, log_scale=False)
    assert result.se == pytest.approx(1.0 / 1.6448536269514722)
    assert result.ci_symmetric
    # the upper limit 0 is exactly 1.96 SE from the estimate, so p = 0.05
    assert wald_from_ci(-1.0, -2.0, 0.0, log_scale=False).p == pytest.approx(0.05)


def test_wald_from_ci_is_readable():
    text = str(wald_from_ci(1.89, 1.01, 3.58))
    assert "0.323" in text and "0.049" in text


@pytest.mark.parametrize(
    ("args", "kwargs", "argument"),
    [
        ((1.89, 3.58, 1.01), {}, "ci_lower"),  # limits swapped
        ((4.0, 1.01, 3.58), {}, "ci_lower"),  # estimate outside the interval
        ((1.89, 0.0, 3.58), {}, "ci_lower"),  # not positive on the log scale
        ((-1.0, -2.0, 3.58), {}, "estimate"),
        ((1.89, 1.01, float("nan")), {}, "ci_upper"),
        (("1.89", 1.01, 3.58), {}, "estimate"),
        ((1.89, 1.01, 3.58), {"level": 95}, "level"),
        ((1.89, 1.01, 3.58), {"log_scale": "yes"}, "log_scale"),
    ],
)
def test_wald_from_ci_bad_input(args, kwargs, argument):
    with pytest.raises(TrialkitInputError, match=f"^{argument}:"):
        wald_from_ci(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# RMST
# ---------------------------------------------------------------------------------------------


def lifelines_rmst(time, event, horizon):
    kmf = KaplanMeierFitter().fit(time, event)
    return restricted_mean_survival_time(kmf, t=horizon)


def make_trial(seed=2021, n=219):
    """A made-up two-arm trial with integer-ish months (many ties) and censoring."""
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < 0.5, "control", "UC-MSC")
    scale = np.where(arm == "UC-MSC", 90.0, 50.0)
    death_time = rng.exponential(scale)
    censor_time = rng.uniform(30, 80, n)
    return pd.DataFrame(
        {
            "os_months": np.ceil(np.minimum(death_time, censor_time)),
            "death": (death_time <= censor_time).astype(int),
            "arm": arm,
        }
    )


def test_km_rmst_matches_lifelines_on_random_data_with_ties():
    rng = np.random.default_rng(7)
    for _ in range(25):
        n = int(rng.integers(5, 60))
        time = rng.integers(0, 12, n).astype(float)  # many ties, including time 0
        event = rng.integers(0, 2, n)
        horizon = float(rng.uniform(0.5, time.max())) if time.max() > 0.5 else time.max()
        for h in (horizon, time.max(), float(np.median(time))):
            if h > 0:
                assert _km_rmst(time, event, h) == pytest.approx(lifelines_rmst(time, event, h), abs=1e-10)


def test_km_rmst_weighted_equals_repeating_patients():
    rng = np.random.default_rng(3)
    time = rng.integers(1, 10, 30).astype(float)
    event = rng.integers(0, 2, 30)
    counts = rng.integers(0, 3, size=(4, 30))
    counts[:, time.argmax()] = 1  # keep the longest follow-up in every resample
    weighted = _km_rmst_weighted(time, event, 8.0, counts)
    for row, value in zip(counts, weighted, strict=True):
        repeated = np.repeat(np.arange(30), row)
        assert value == pytest.approx(lifelines_rmst(time[repeated], event[repeated], 8.0), abs=1e-10)


def test_rmst_by_arm_matches_direct_lifelines_call():
    df = pd.DataFrame(
        {
            "os_months": [1, 3, 3, 3, 5, 8, 8, 12, 2, 4, 4, 6, 9, 12, 12, 12],
            "death": [1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0],
            "arm": ["control"] * 8 + ["UC-MSC"] * 8,
        }
    )
    result = rmst_by_arm(df, horizon=10)
    for label in ("control", "UC-MSC"):
        part = df[df.arm == label]
        kmf = KaplanMeierFitter().fit(part.os_months, part.death)
        assert result[label] == pytest.approx(restricted_mean_survival_time(kmf, t=10), abs=1e-12)
        assert _km_rmst(part.os_months, part.death, 10) == pytest.approx(result[label], abs=1e-10)


def test_rmst_difference_point_estimate_and_sign():
    df = make_trial()
    result = rmst_difference(df, horizon=24, n_boot=200, rng=0)
    assert isinstance(result, RMSTDifference)
    by_arm = rmst_by_arm(df, horizon=24)
    assert result.rmst_control == pytest.approx(by_arm["control"])
    assert result.rmst_msc == pytest.approx(by_arm["UC-MSC"])
    assert result.estimate == pytest.approx(result.rmst_msc - result.rmst_control)
    # the made-up UC-MSC arm has the lower hazard, so it gains survival time
    assert result.estimate > 0
    for label in ("control", "UC-MSC"):
        part = df[df.arm == label]
        assert _km_rmst(part.os_months, part.death, 24) == pytest.approx(by_arm[label], abs=1e-10)


def test_rmst_difference_bootstrap_ci():
    df = make_trial()
    result = rmst_difference(df, horizon=24, n_boot=1000, rng=0)
    assert result.ci_lower < result.estimate < result.ci_upper
    assert result.n_boot == 1000
    narrower = rmst_difference(df, horizon=24, n_boot=1000, rng=0, level=0.5)
    assert result.ci_lower < narrower.ci_lower < narrower.ci_upper < result.ci_upper


def test_rmst_difference_is_deterministic_given_seed():
    df = make_trial()
    first = rmst_difference(df, horizon=24, n_boot=300, rng=11)
    again = rmst_difference(df, horizon=24, n_boot=300, rng=11)
    other = rmst_difference(df, horizon=24, n_boot=300, rng=12)
    assert first == again
    assert (first.ci_lower, first.ci_upper) != (other.ci_lower, other.ci_upper)
    assert first.estimate == other.estimate


def test_rmst_difference_is_readable():
    result = rmst_difference(make_trial(), horizon=24, n_boot=50, rng=0)
    assert "RMSTDifference(horizon=24" in repr(result)
    assert "UC-MSC" in str(result) and "bootstrap" in str(result)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"horizon": 0}, "horizon"),
        ({"horizon": -5}, "horizon"),
        ({"horizon": 1000}, "horizon"),
        ({"horizon": 24, "n_boot": 0}, "n_boot"),
        ({"horizon": 24, "n_boot": 10.5}, "n_boot"),
        ({"horizon": 24, "rng": -1}, "rng"),
        ({"horizon": 24, "level": 1.0}, "level"),
        ({"horizon": 24, "time": "months"}, "df"),
    ],
)
def test_rmst_difference_bad_input(kwargs, argument):
    with pytest.raises(TrialkitInputError, match=f"^{argument}:"):
        rmst_difference(make_trial(), **{"rng": 0, **kwargs})


def test_horizon_error_reports_follow_up():
    df = make_trial()
    shortest = df.groupby("arm").os_months.max().min()
    with pytest.raises(TrialkitInputError, match=rf"horizon.*{shortest:g}.*choose a horizon <="):
        rmst_by_arm(df, horizon=shortest + 1)
    rmst_by_arm(df, horizon=shortest)  # exactly the longest follow-up is allowed


def test_rmst_bad_data_frames():
    df = make_trial()
    with pytest.raises(TrialkitInputError, match="^df:"):
        rmst_by_arm(df.to_dict(), horizon=12)
    with pytest.raises(TrialkitInputError, match="^arm:"):
        rmst_by_arm(df.assign(arm="control"), horizon=12)
    with pytest.raises(TrialkitInputError, match="^event:"):
        rmst_by_arm(df.assign(death=2), horizon=12)
    with pytest.raises(TrialkitInputError, match="^time:"):
        rmst_by_arm(df.assign(os_months=-df.os_months), horizon=12)
    with pytest.raises(TrialkitInputError, match="^time:"):
        rmst_by_arm(df.assign(os_months=np.inf), horizon=12)
