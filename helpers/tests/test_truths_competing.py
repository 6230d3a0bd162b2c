"""Competing risks against an Aalen-Johansen estimate computed by hand, read exactly at event times.

Seven invented patients (status 0 censored, 1 HCC, 2 death before HCC):

    time    2  4  4  6  6  8  10
    status  1  2  0  1  2  0   1

With n at risk just before t, S(t-) the event-free survival just before t, and d_k events of type
k at t (a censoring at t is still at risk at t), F_k(t) = F_k(t-) + S(t-) d_k / n:

    t = 2:  n = 7, HCC:        F1 = 1/7;                      S = 6/7
    t = 4:  n = 6, death:      F2 = 6/7 * 1/6 = 1/7;         S = 5/7   (the censoring at 4 leaves)
    t = 6:  n = 4, HCC, death: F1 = 1/7 + 5/7 * 1/4 = 9/28;   F2 = 1/7 + 5/28 = 9/28;  S = 5/14
    t = 10: n = 1, HCC:        F1 = 9/28 + 5/14 = 19/28;      S = 0

(F1 + F2 + S = 1 at every time.) The tie at 6 is between the two event types, so the helper
breaks it; the estimate at 6 itself does not depend on how.

1 - Kaplan-Meier with deaths censored (HCC only): 6/7 after 2, 6/7 * 3/4 = 9/14 after 6, 0 after 10.
"""

import numpy as np
import pandas as pd
import pytest

from trialkit.competing import cumulative_incidence, cumulative_incidence_at, incidence_table

TIME = [2, 4, 4, 6, 6, 8, 10]
STATUS = [1, 2, 0, 1, 2, 0, 1]


# atol=1e-12 below: the hand fractions are exact; only floating-point rounding separates them.


def test_cumulative_incidence_of_hcc_at_each_event_time_by_hand():
    fit = cumulative_incidence(TIME, STATUS, 1)
    table = cumulative_incidence_at(fit, [1.9, 2, 4, 5.9, 6, 8, 10])
    np.testing.assert_allclose(table["estimate"], [0, 1 / 7, 1 / 7, 1 / 7, 9 / 28, 9 / 28, 19 / 28], atol=1e-12)


def test_cumulative_incidence_of_death_at_each_event_time_by_hand():
    fit = cumulative_incidence(TIME, STATUS, 2)
    table = cumulative_incidence_at(fit, [3.9, 4, 6, 10])
    np.testing.assert_allclose(table["estimate"], [0, 1 / 7, 9 / 28, 9 / 28], atol=1e-12)


def test_limits_bracket_the_estimate_at_every_event_time():
    # (At 10 the last patient leaves: lifelines gives no limits there.)
    fit = cumulative_incidence(TIME, STATUS, 1)
    table = cumulative_incidence_at(fit, [2, 4, 6])
    assert (table["ci_lower"] <= table["estimate"]).all() and (table["estimate"] <= table["ci_upper"]).all()
    assert (table["ci_lower"] < table["ci_upper"]).all()


@pytest.fixture(scope="module")
def two_arms():
    control = pd.DataFrame({"hcc_months": TIME, "hcc_status": STATUS, "arm": "control"})
    # UC-MSC, by hand: HCC at 3 with 4 at risk, F1 = 1/4 from then on; 1 - KM = 1/4 as well.
    msc = pd.DataFrame({"hcc_months": [3, 5, 7, 9], "hcc_status": [1, 0, 2, 0], "arm": "UC-MSC"})
    return pd.concat([control, msc], ignore_index=True)


@pytest.mark.parametrize(("at", "events", "aj", "one_minus_km"), [
    (10, 3, 19 / 28, 1.0),  # the HCC at 10 is "by 10"
    (6, 2, 9 / 28, 1 - 9 / 14),  # the HCC at 6 is "by 6"
    (5, 1, 1 / 7, 1 / 7),
])
def test_incidence_table_counts_an_event_exactly_at_the_time(two_arms, at, events, aj, one_minus_km):
    table = incidence_table(two_arms, at=at)
    control = table.loc["control"]
    assert control["patients"] == 7
    assert control["events"] == events
    assert control["crude"] == pytest.approx(events / 7)
    assert control["aalen_johansen"] == pytest.approx(aj, abs=1e-12)
    assert control["one_minus_km"] == pytest.approx(one_minus_km, abs=1e-12)
    msc = table.loc["UC-MSC"]
    assert (msc["events"], msc["crude"]) == (1, 0.25)
    assert msc["aalen_johansen"] == pytest.approx(0.25, abs=1e-12)
