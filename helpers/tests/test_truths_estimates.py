"""Estimates, p-value display and calibration distances against values computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from trialkit import load_trial
from trialkit.analysis import km_by_arm
from trialkit.calibration import TARGETS, Target, calibration_report, seed_distance
from trialkit.estimates import rmst_by_arm, wald_from_ci
from trialkit.results import format_p

Z975 = 1.959963984540054


def _interval(shift_in_se, se=0.3):
    """A log-scale Wald interval around 0 with the estimate ``shift_in_se`` SEs off its midpoint."""
    return math.exp(shift_in_se * se), math.exp(-Z975 * se), math.exp(Z975 * se)


@pytest.mark.parametrize(("shift", "symmetric"), [(0.0, True), (0.04, True), (0.06, False), (0.3, False)])
def test_wald_symmetry_is_judged_within_005_se(shift, symmetric):
    # The documented tolerance: within 0.05 SE of the midpoint (rounding to two decimals moves it
    # by up to about 0.03 SE); 0.06 and 0.3 SE off are not symmetric.
    result = wald_from_ci(*_interval(shift))
    assert result.se == pytest.approx(0.3, rel=1e-12)
    assert result.asymmetry == pytest.approx(shift, abs=1e-12)
    assert result.ci_symmetric is symmetric


def test_wald_z_and_p_by_hand():
    # HR 1.89 (1.01-3.58): SE = (ln 3.58 - ln 1.01) / 3.919928 = (1.275363 - 0.009950) / 3.919928
    # = 0.322815; z = ln 1.89 / SE = 0.636577 / 0.322815 = 1.97196; p = 2 (1 - Phi(1.97196)) = 0.04862.
    result = wald_from_ci(1.89, 1.01, 3.58)
    assert result.se == pytest.approx(0.322815, abs=5e-7)
    assert result.z == pytest.approx(1.97196, abs=5e-5)
    assert result.p == pytest.approx(0.04862, abs=5e-5)


def test_format_p_rounds_at_three_decimals():
    assert format_p(0.0004) == "p < 0.001"
    assert format_p(0.0007) == "p < 0.001"  # below the threshold: never printed as "p = 0.001"
    assert format_p(0.001) == "p = 0.001"
    assert format_p(0.046) == "p = 0.046"


def test_kaplan_meier_and_rmst_by_hand_with_a_censoring_tied_to_a_death():
    # control: deaths at 2 and 4, censored at 2 and 6. At 2: 4 at risk (the censored one too),
    # S = 3/4; at 4: 2 at risk, S = 3/4 * 1/2 = 3/8. RMST to 6 = 2 * 1 + 2 * 3/4 + 2 * 3/8 = 4.25.
    # UC-MSC: death at 3 of 4, nobody else dies: S = 3/4 from 3; RMST to 6 = 3 + 3 * 3/4 = 5.25.
    df = pd.DataFrame({"os_months": [2.0, 2.0, 4.0, 6.0, 3.0, 5.0, 6.0, 6.0], "death": [1, 0, 1, 0, 1, 0, 0, 0],
                       "arm": ["control"] * 4 + ["UC-MSC"] * 4})
    curve = km_by_arm(df)["control"].survival_function_.iloc[:, 0]
    assert curve.loc[2.0] == pytest.approx(0.75) and curve.loc[4.0] == pytest.approx(0.375)
    rmst = rmst_by_arm(df, horizon=6)
    assert rmst["control"] == pytest.approx(4.25) and rmst["UC-MSC"] == pytest.approx(5.25)


def test_target_distance_is_on_the_log_scale_for_hazard_ratios():
    ratio = Target("hr", 2.0, 1.0, 4.0, "hand", 0.5, True)
    assert ratio.distance(4.0) == pytest.approx(math.log(2) / 0.5)  # 1.386, not (4 - 2) / 0.5 = 4
    assert ratio.distance(1.0) == pytest.approx(-math.log(2) / 0.5)
    count = Target("deaths", 28, 25, 31, "hand", 5.0)
    assert count.distance(31) == pytest.approx(0.6)


def test_seed_distance_is_the_rms_of_the_standardised_distances():
    trial = load_trial()
    report = calibration_report(trial)
    distances = []
    for target in TARGETS:
        if not target.chooses_seed:  # fixed by construction (the MELD rank map): checked, not weighed
            assert report.loc[target.name, "met"]
            continue
        value, published = report.loc[target.name, "simulated"], report.loc[target.name, "published"]
        gap = math.log(value / published) if target.log else value - published
        distances.append(gap / target.scale)
    assert seed_distance(trial) == pytest.approx(math.sqrt(np.mean(np.square(distances))), rel=1e-12)
    # A sanity bound: each target is met, so no distance is beyond about 2 sampling SDs.
    assert max(abs(d) for d in distances) < 2.5


def test_interaction_z_crit_is_two_sided():
    # The doctest's numbers by hand: SE = hypot(0.448, 0.501) = 0.67256 (from the two intervals);
    # ratio 3.68 / 0.97 = 3.7938; CI exp(ln 3.7938 -/+ 1.959964 * 0.67256) = 1.0151-14.179.
    from trialkit.landmarks import interaction_from_ci

    result = interaction_from_ci((0.97, 0.40, 2.32), (3.68, 1.38, 9.85))
    se = math.hypot((math.log(2.32) - math.log(0.40)) / (2 * Z975), (math.log(9.85) - math.log(1.38)) / (2 * Z975))
    assert result.se == pytest.approx(se, rel=1e-12)
    assert result.ci_lower == pytest.approx(3.68 / 0.97 * math.exp(-Z975 * se), rel=1e-12)
    assert result.p == pytest.approx(2 * norm.sf(math.log(3.68 / 0.97) / se), rel=1e-12)
