"""Landmarks against independent truths: deaths exactly at the landmark, counted by hand.

Fourteen invented patients, landmark at month 13. Two patients die exactly at month 13 (one per
arm) and one is censored there. By the definitions in the docstrings:

* the window before the landmark censors follow-up at 13 and *keeps* an event at 13 (``t <= 13``);
* the patients at risk at the landmark are those followed beyond it (``t > 13``), so the deaths
  and the censoring at 13 are not at risk there.

    control  time  5  13  13  20  30   8  25      UC-MSC  time  6  13  18  40  10  22   3
             death 1   1   0   1   0   1   1              death 1   1   1   0   0   1   1

Before 13: control deaths at 5, 8, 13 (3); UC-MSC deaths at 3, 6, 13 (3).
After 13: control 20, 25, 30 at risk (deaths at 20, 25); UC-MSC 18, 22, 40 (deaths at 18, 22).
"""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter

from trialkit import landmark_analysis, landmark_split
from trialkit.landmarks import at_risk_profile, landmark_table

LANDMARK = 13

TOY = pd.DataFrame({
    "os_months": [5.0, 13.0, 13.0, 20.0, 30.0, 8.0, 25.0, 6.0, 13.0, 18.0, 40.0, 10.0, 22.0, 3.0],
    "death": [1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1],
    "arm": ["control"] * 7 + ["UC-MSC"] * 7,
    "meld": [10.0, 20.0, 12.0, 9.0, 11.0, 14.0, 8.0, 13.0, 18.0, 10.0, 9.0, 15.0, 12.0, 16.0],
})

# The two windows written out by hand from the table in the module docstring (not computed with
# the library's expressions).
BEFORE = pd.DataFrame({
    "os_months": [5.0, 13.0, 13.0, 13.0, 13.0, 8.0, 13.0, 6.0, 13.0, 13.0, 13.0, 10.0, 13.0, 3.0],
    "death": [1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1],
    "control": [1] * 7 + [0] * 7,
})
AFTER = pd.DataFrame({
    "os_months": [7.0, 17.0, 12.0, 5.0, 27.0, 9.0],
    "death": [1, 0, 1, 1, 0, 1],
    "control": [1, 1, 1, 0, 0, 0],
})


def _lifelines_hr(window):
    return float(CoxPHFitter().fit(window, "os_months", "death").hazard_ratios_["control"])


def test_split_puts_a_death_at_the_landmark_in_the_first_period_only():
    d = pd.DataFrame({"os_months": [13.0, 13.0, 20.0, 5.0], "death": [1, 0, 1, 0]})
    split = landmark_split(d, LANDMARK)
    # By hand: patients 0 (died at 13), 1 (censored at 13) and 3 have one row; patient 2 two.
    expected = pd.DataFrame({
        "id": [0, 1, 2, 2, 3],
        "start": [0.0, 0.0, 0.0, 13.0, 0.0],
        "stop": [13.0, 13.0, 13.0, 20.0, 5.0],
        "period": [0, 0, 0, 1, 0],
        "event_in_period": [1, 0, 0, 1, 0],
    })
    got = split[list(expected.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_split_of_the_toy_trial_counts_every_death_once_and_no_empty_episode():
    split = landmark_split(TOY, LANDMARK)
    assert len(split) == 14 + 6  # six patients are followed beyond month 13 (by hand)
    assert split["event_in_period"].sum() == 10  # 5 deaths per arm
    assert split.loc[split["period"] == 0, "event_in_period"].sum() == 6
    assert (split["stop"] > split["start"]).all()


def test_windows_and_at_risk_at_the_landmark_by_hand():
    result = landmark_analysis(TOY, LANDMARK, reference="UC-MSC")
    assert result.at_risk == {"control": 3, "UC-MSC": 3}
    assert result.before.events == {"control": 3, "UC-MSC": 3}
    assert result.after.events == {"control": 2, "UC-MSC": 2}
    # lifelines on the hand-written windows is the second implementation; same optimiser, same
    # data, so they agree to its convergence tolerance (rel 1e-6 is far above it).
    assert result.before.estimate == pytest.approx(_lifelines_hr(BEFORE), rel=1e-6)
    assert result.after.estimate == pytest.approx(_lifelines_hr(AFTER), rel=1e-6)


def test_fast_interaction_at_a_tied_landmark_matches_the_hand_windows():
    fast = landmark_analysis(TOY, LANDMARK, reference="UC-MSC", interaction_model=False)
    before, after = (CoxPHFitter().fit(w, "os_months", "death").summary.loc["control"] for w in (BEFORE, AFTER))
    log_ratio = after["coef"] - before["coef"]
    se = np.sqrt(before["se(coef)"] ** 2 + after["se(coef)"] ** 2)
    assert np.log(fast.interaction.estimate) == pytest.approx(log_ratio, abs=1e-6)
    assert fast.interaction.se == pytest.approx(se, rel=1e-6)


def test_at_risk_agrees_with_lifelines_event_table():
    # Independent count: lifelines' risk set at 13 holds everyone with t >= 13; those who leave at
    # 13 (died or censored there) are not at risk after it.
    for arm, expected in (("control", 3), ("UC-MSC", 3)):
        part = TOY[TOY["arm"] == arm]
        table = KaplanMeierFitter().fit(part["os_months"], part["death"]).event_table
        assert int(table.loc[13.0, "at_risk"] - table.loc[13.0, "removed"]) == expected


def test_profile_counts_the_patients_gone_at_the_landmark_as_gone():
    profile = at_risk_profile(TOY, LANDMARK, columns="meld")
    gone = profile.loc[("meld", "gone by month 13")]
    at_risk = profile.loc[("meld", "at risk at month 13")]
    # By hand: gone by 13, control 5, 13, 13, 8 (MELD 10, 20, 12, 14); UC-MSC 6, 13, 10, 3.
    assert (gone["n control"], gone["n UC-MSC"]) == (4, 4)
    assert (at_risk["n control"], at_risk["n UC-MSC"]) == (3, 3)
    assert gone["mean control"] == pytest.approx((10 + 20 + 12 + 14) / 4)
    assert at_risk["mean control"] == pytest.approx((9 + 11 + 8) / 3)


def test_landmark_table_row_at_a_tied_landmark():
    table = landmark_table(TOY, [LANDMARK], reference="UC-MSC")
    assert table.loc[13.0, "at_risk"] == 6
    assert table.loc[13.0, "hr_before"] == pytest.approx(_lifelines_hr(BEFORE), rel=1e-6)
