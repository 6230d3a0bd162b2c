"""The vectorised log-rank engine agrees with lifelines, window by window."""

import numpy as np
import pytest
from lifelines.statistics import logrank_test

from trialkit import TrialkitInputError
from trialkit.engine import logrank_scan, simulate_null_trials

LANDMARKS = np.array([0.5, 3.0, 8.0, 13.0, 13.5, 24.0, 60.0])


def _lifelines(t, e, g, landmark=None, window="overall"):
    a, b = g == 1, g == 0
    if window == "overall":
        return logrank_test(t[a], t[b], e[a], e[b]).test_statistic
    if window == "before":
        return logrank_test(t[a], t[b], e[a], e[b], t_0=landmark).test_statistic
    m = t > landmark
    return logrank_test(t[a & m] - landmark, t[b & m] - landmark, e[a & m], e[b & m]).test_statistic


@pytest.mark.parametrize("decimals", [0, 2], ids=["heavy-ties", "few-ties"])
def test_agrees_with_lifelines_on_every_window(decimals):
    time, event, group = simulate_null_trials(8, rng=11, decimals=decimals)
    # Landmarks that fall exactly on observed times too (events at the landmark belong before it).
    landmarks = np.r_[LANDMARKS, time[0, :3]]
    scan = logrank_scan(time, event, group, landmarks)
    for i in range(time.shape[0]):
        t, e, g = time[i], event[i], group[i]
        assert scan.overall[i] == pytest.approx(_lifelines(t, e, g), abs=1e-8)
        for k, lm in enumerate(landmarks):
            assert scan.before[i, k] == pytest.approx(_lifelines(t, e, g, lm, "before"), abs=1e-8)
            assert scan.after[i, k] == pytest.approx(_lifelines(t, e, g, lm, "after"), abs=1e-8)


def test_agrees_with_lifelines_with_an_effect_and_unequal_arms():
    rng = np.random.default_rng(5)
    n = 90
    group = (rng.random((10, n)) < 0.3).astype(int)
    death = rng.exponential(20, (10, n)) * np.where(group == 1, 2.0, 1.0)
    censor = rng.uniform(5, 60, (10, n))
    time, event = np.round(np.minimum(death, censor), 1), (death <= censor).astype(int)
    scan = logrank_scan(time, event, group, [10.0])
    for i in range(10):
        assert scan.overall[i] == pytest.approx(_lifelines(time[i], event[i], group[i]), abs=1e-8)
        assert scan.after[i, 0] == pytest.approx(_lifelines(time[i], event[i], group[i], 10.0, "after"), abs=1e-8)
    # The signed statistic: the arm coded 1 lives longer here, so it has fewer events than expected.
    assert (scan.z_overall < 0).mean() > 0.8


def test_window_without_events_has_statistic_zero_as_in_lifelines():
    t, e, g = np.array([5.0, 6.0, 7.0, 8.0]), np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0])
    scan = logrank_scan(t, e, g, [1.0, 6.5])
    assert scan.before[0, 0] == 0 == _lifelines(t, e, g, 1.0, "before")  # no event before month 1
    assert scan.after[0, 1] == 0 == _lifelines(t, e, g, 6.5, "after")  # no event after month 6.5
    assert scan.after[0, 0] > 0


def test_null_trials_are_reproducible():
    a = simulate_null_trials(5, rng=2)
    b = simulate_null_trials(5, rng=2)
    c = simulate_null_trials(5, rng=3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_null_trials_give_nominal_error_at_a_fixed_landmark():
    # With no effect, the overall test rejects at 5% in about 5% of 2,000 trials. The binomial SD
    # of that share is sqrt(0.05 * 0.95 / 2000) = 0.005, so 0.03-0.07 is a 4-SD band.
    time, event, group = simulate_null_trials(2000, rng=8)
    scan = logrank_scan(time, event, group, [13.0])
    rejected = (scan.p_value(scan.overall) < 0.05).mean()
    assert 0.03 < rejected < 0.07


@pytest.mark.parametrize(
    "args, argument",
    [
        (([[1.0, -2.0]], [[1, 1]], [[0, 1]]), "time"),
        (([[1.0, 2.0]], [[1, 2]], [[0, 1]]), "event"),
        (([[1.0, 2.0]], [[1, 1]], [[0, 3]]), "group"),
        (([[1.0, 2.0]], [[1, 1, 1]], [[0, 1]]), "event"),
        (([1.0],), "time"),
    ],
)
def test_bad_input(args, argument):
    args = args + ([[0, 1]],) * (3 - len(args)) if len(args) < 3 else args
    with pytest.raises(TrialkitInputError, match=f"^{argument}: received"):
        logrank_scan(*args)
