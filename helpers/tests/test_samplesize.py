"""Tests of trialkit.samplesize against hand-computed values.

Hand computation for the course example (48-week survival 0.60 control vs 0.85 UC-MSC):
HR = ln(0.85)/ln(0.60) = 0.16252/0.51083 = 0.31815; ln(HR)^2 = 1.31155;
(z_.975 + z_.80)^2 = (1.95996 + 0.84162)^2 = 7.84888.
Schoenfeld: 7.84888 / (0.25 * 1.31155) = 23.94 events; / 0.275 = 87.05 patients -> 44 per arm.
Freedman:   7.84888 * (1.31815/0.68185)^2 = 29.33 events; / 0.275 = 106.7 patients -> 54 per arm.
"""

import math

import pytest

from trialkit.errors import TrialkitInputError
from trialkit.samplesize import (
    SampleSize,
    freedman_events,
    hazard_ratio_from_survival,
    power_from_events,
    sample_size,
    schoenfeld_events,
)

HR = math.log(0.85) / math.log(0.60)


def test_hazard_ratio_from_survival():
    assert hazard_ratio_from_survival(0.60, 0.85) == pytest.approx(0.318, abs=0.0005)
    # swapping the arms inverts the hazard ratio
    assert hazard_ratio_from_survival(0.85, 0.60) == pytest.approx(1 / HR)


def test_schoenfeld_events_hand_value():
    # 23.94 by hand; 0.05 covers the rounding of the hand computation to two decimals
    assert schoenfeld_events(HR) == pytest.approx(23.9, abs=0.05)


def test_schoenfeld_events_unequal_allocation_needs_more():
    assert schoenfeld_events(HR, allocation=2 / 3) > schoenfeld_events(HR)


def test_freedman_events_hand_value():
    assert freedman_events(HR) == pytest.approx(29.3, abs=0.05)


def test_sample_size_freedman():
    result = sample_size(0.60, 0.85, method="freedman")
    assert isinstance(result, SampleSize)
    assert result.method == "freedman"
    assert result.events == pytest.approx(29.3, abs=0.05)
    assert result.prob_event == pytest.approx(0.275)
    assert result.n_total == pytest.approx(106.7, abs=0.05)
    assert result.n_per_arm == 54


def test_sample_size_schoenfeld():
    result = sample_size(0.60, 0.85)
    assert result.method == "schoenfeld"
    assert result.hazard_ratio == pytest.approx(HR)
    assert result.events == pytest.approx(23.9, abs=0.05)
    assert result.n_per_arm == 44


def test_sample_size_is_frozen_and_readable():
    result = sample_size(0.60, 0.85, method="Freedman")
    with pytest.raises(AttributeError):
        result.n_per_arm = 1
    assert "n_per_arm=54" in repr(result)
    assert "54" in str(result)


def test_power_round_trips_schoenfeld():
    for power in (0.5, 0.8, 0.9):
        for allocation in (0.5, 2 / 3):
            events = schoenfeld_events(HR, alpha=0.05, power=power, allocation=allocation)
            assert power_from_events(HR, events, alpha=0.05, allocation=allocation) == pytest.approx(power)


def test_power_same_for_hr_and_its_inverse():
    assert power_from_events(0.5, 30) == pytest.approx(power_from_events(2.0, 30))


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: hazard_ratio_from_survival(0.0, 0.85), "s_control"),
        (lambda: hazard_ratio_from_survival(0.60, 1.0), "s_treatment"),
        (lambda: hazard_ratio_from_survival("0.6", 0.85), "s_control"),
        (lambda: sample_size(0.60, 0.60), "s_treatment"),
        (lambda: sample_size(0.60, 0.85, alpha=0.0), "alpha"),
        (lambda: sample_size(0.60, 0.85, power=1.2), "power"),
        (lambda: sample_size(0.60, 0.85, method="lachin"), "method"),
        (lambda: schoenfeld_events(-0.5), "hazard_ratio"),
        (lambda: schoenfeld_events(1.0), "hazard_ratio"),
        (lambda: schoenfeld_events(0.5, allocation=1.0), "allocation"),
        (lambda: freedman_events(0.0), "hazard_ratio"),
        (lambda: freedman_events(1), "hazard_ratio"),
        (lambda: power_from_events(0.5, 0), "events"),
        (lambda: power_from_events(0.5, -3), "events"),
        (lambda: power_from_events(0.5, 20, alpha=2), "alpha"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(TrialkitInputError, match=f"^{argument}:"):
        call()


def test_equal_survival_message_explains():
    with pytest.raises(TrialkitInputError, match="no effect to detect"):
        hazard_ratio_from_survival(0.7, 0.7)
