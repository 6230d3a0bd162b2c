"""design_table against Schoenfeld and Freedman computed by hand, and event probabilities integrated.

The course example: 60-month survival 0.60 (control) vs 0.85 (UC-MSC), two-sided alpha 0.05,
power 0.80, 40 months of uniform accrual and 45 more of follow-up, 111 + 108 patients.

    HR = ln 0.85 / ln 0.60 = -0.162519 / -0.510826 = 0.318150
    (z_0.975 + z_0.80)^2 = (1.959964 + 0.841621)^2 = 7.848880
    Schoenfeld: 7.848880 / (0.25 * ln(0.318150)^2) = 7.848880 / (0.25 * 1.311560) = 23.9375 events
    Freedman:   7.848880 * (1.318150 / 0.681850)^2 = 7.848880 * 3.737241 = 29.3332 events

Probability that a patient's death is seen (exponential survival, entry uniform over 40 months,
follow-up 45 to 85 months), by numerical integration rather than the closed form the library uses:
control 0.42222, UC-MSC 0.16102, average 0.29162; expected deaths 111 * 0.42222 + 108 * 0.16102
= 64.257.

    patients per arm, followed to 60 months: 23.9375 / 0.275 / 2 = 43.52 -> 44;  29.3332 -> 53.33 -> 54
    with accrual and follow-up:             23.9375 / 0.29162 / 2 = 41.04 -> 42;  29.3332 -> 50.29 -> 51
    power at 64.257 deaths, allocation a = 108/219:
      Schoenfeld: Phi(sqrt(64.257 a (1 - a)) * 1.145234 - 1.959964) = Phi(2.6297) = 0.99573
      Freedman:   Phi(sqrt(64.257) * 0.681850 / 1.318150 - 1.959964) = Phi(2.1866) = 0.98561
"""

import math

import pytest
from scipy.integrate import quad

from trialkit.samplesize import design_table, event_probability, freedman_events, schoenfeld_events


def _observed_share(survival, horizon=60.0, accrual=40.0, followup=45.0):
    """P(death seen) = (1/A) * integral over follow-up u in [F, A + F] of (1 - S(u)), by quadrature."""
    rate = -math.log(survival) / horizon
    return quad(lambda u: 1 - math.exp(-rate * u), followup, accrual + followup)[0] / accrual


def test_event_probability_matches_the_integral():
    # quad is accurate to about 1e-14 here; the rounding of the hand values is 5e-6.
    assert event_probability(0.60, 60, 40, 45) == pytest.approx(_observed_share(0.60), abs=1e-10)
    assert event_probability(0.85, 60, 40, 45) == pytest.approx(_observed_share(0.85), abs=1e-10)
    assert event_probability(0.60, 60, 40, 45) == pytest.approx(0.42222, abs=5e-6)
    assert event_probability(0.85, 24, 12, 0) == pytest.approx(_observed_share(0.85, 24, 12, 0), abs=1e-10)


def test_design_table_numbers_by_hand():
    table = design_table(0.60, 0.85)
    s, f = table.loc["Schoenfeld"], table.loc["Freedman"]
    # Hand values rounded to 4 decimals (events) or 5 (power): tolerances are that rounding.
    assert s["hazard ratio"] == pytest.approx(0.318150, abs=5e-7)
    assert s["events needed"] == pytest.approx(23.9375, abs=5e-5)
    assert f["events needed"] == pytest.approx(29.3332, abs=5e-5)
    assert (s["patients per arm (followed to horizon)"], f["patients per arm (followed to horizon)"]) == (44, 54)
    assert (s["patients per arm (with accrual and follow-up)"],
            f["patients per arm (with accrual and follow-up)"]) == (42, 51)
    assert s["expected events at trial size"] == pytest.approx(64.257, abs=5e-4)
    assert f["expected events at trial size"] == pytest.approx(64.257, abs=5e-4)
    assert s["power at trial size"] == pytest.approx(0.99573, abs=5e-6)
    assert f["power at trial size"] == pytest.approx(0.98561, abs=5e-6)


def test_a_smaller_trial_has_less_power_by_hand():
    # 40 + 40 patients: expected deaths 40 * (0.42222 + 0.16102) = 23.330; allocation 1/2.
    # Schoenfeld: Phi(sqrt(23.330 / 4) * 1.145234 - 1.959964) = Phi(0.8058) = 0.7898
    # Freedman:   Phi(sqrt(23.330) * 0.517279 - 1.959964) = Phi(0.5385) = 0.7049
    table = design_table(0.60, 0.85, n_control=40, n_treatment=40)
    assert table.loc["Schoenfeld", "expected events at trial size"] == pytest.approx(23.330, abs=5e-4)
    # the hand values are rounded to 4 decimals: abs=5e-5 is that rounding
    assert table.loc["Schoenfeld", "power at trial size"] == pytest.approx(0.7898, abs=5e-5)
    assert table.loc["Freedman", "power at trial size"] == pytest.approx(0.7049, abs=5e-5)


def test_events_for_a_halving_of_the_hazard():
    # HR 0.5: Schoenfeld 4 * 7.848880 / ln(2)^2 = 31.395519 / 0.480453 = 65.35 events (the often
    # quoted "66 events for HR 0.5 at 80% power"); Freedman 7.848880 * 1.5^2 / 0.5^2 = 70.64.
    assert schoenfeld_events(0.5) == pytest.approx(65.346, abs=5e-4)
    assert freedman_events(0.5) == pytest.approx(70.640, abs=5e-4)
    assert math.ceil(schoenfeld_events(0.5)) == 66
