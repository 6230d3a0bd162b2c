"""Tests of trialkit.competing: Aalen-Johansen by arm, deterministic tie-breaking, cause-specific Cox."""

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from trialkit import TrialkitInputError, cox_by_arm, simulate_trial
from trialkit.competing import (
    break_ties,
    cause_specific_cox,
    cumulative_incidence,
    cumulative_incidence_at,
    cumulative_incidence_by_arm,
    incidence_table,
    tied_event_times,
)

# Eight invented patients (the lesson's example): months and status (0 censored, 1 HCC, 2 death).
TOY_T = [2, 3, 4, 5, 6, 8, 9, 12]
TOY_S = [1, 2, 2, 0, 1, 2, 1, 0]

# A re-simulated trial whose control arm has an HCC and a death recorded at the same time.
TIED_SEED = 128


def _hand_aalen_johansen(durations, status, cause):
    """The Aalen-Johansen estimate with ties handled by the formula: F += S(t-) d_cause / n."""
    t, s = np.asarray(durations, float), np.asarray(status)
    f, surv, out = 0.0, 1.0, {}
    for u in np.unique(t):
        n = (t >= u).sum()
        d = ((t == u) & (s > 0)).sum()
        f += surv * ((t == u) & (s == cause)).sum() / n
        surv *= 1 - d / n
        out[u] = f
    return pd.Series(out)


def _step(series, grid):
    """Value in force at each grid time of a step function given at its jump times."""
    idx = np.searchsorted(series.index.to_numpy(float), grid, side="right") - 1
    return np.where(idx >= 0, series.to_numpy()[np.maximum(idx, 0)], 0.0)


@pytest.fixture(scope="module")
def tied_arm():
    trial = simulate_trial(rng=TIED_SEED)
    return trial[trial["arm"] == "control"]


# ---------------------------------------------------------------------------------------------
# Ties
# ---------------------------------------------------------------------------------------------


def test_tied_event_times_finds_only_ties_between_event_types():
    assert tied_event_times([1, 1, 2, 2, 3, 3], [1, 2, 1, 1, 1, 0]).tolist() == [1.0]
    assert tied_event_times([1, 2, 3], [1, 2, 0]).size == 0


def test_canonical_trial_has_no_ties_between_hcc_and_death(trial):
    for arm in ("control", "UC-MSC"):
        part = trial[trial["arm"] == arm]
        assert tied_event_times(part["hcc_months"], part["hcc_status"]).size == 0


def test_the_tied_example_really_makes_lifelines_warn(tied_arm):
    # The reason the helper exists: lifelines warns (and jitters) on these data.
    assert tied_event_times(tied_arm["hcc_months"], tied_arm["hcc_status"]).size >= 1
    with pytest.warns(Warning, match="Tied event times"):
        AalenJohansenFitter(seed=0).fit(tied_arm["hcc_months"], tied_arm["hcc_status"], event_of_interest=1)


def test_break_ties_is_deterministic_small_and_moves_only_tied_events(tied_arm):
    t, s = tied_arm["hcc_months"].to_numpy(float), tied_arm["hcc_status"].to_numpy()
    first = break_ties(t, s)
    np.testing.assert_array_equal(first, break_ties(t, s))
    moved = first != t
    tied = np.isin(t, tied_event_times(t, s)) & (s != 0)
    np.testing.assert_array_equal(moved, tied)
    assert np.all(first[moved] < t[moved]) and np.all(t[moved] - first[moved] < 0.01 / 1000)
    assert tied_event_times(first, s).size == 0
    assert len(np.unique(first[moved])) == moved.sum()


def test_break_ties_does_not_touch_numpy_global_random_state(tied_arm):
    # lifelines' jitter reseeds NumPy's legacy global generator; the helper draws no random numbers.
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy state is what is checked
    cumulative_incidence(tied_arm["hcc_months"], tied_arm["hcc_status"], 1)
    np.testing.assert_array_equal(before, np.random.get_state()[1])  # noqa: NPY002


# ---------------------------------------------------------------------------------------------
# Cumulative incidence
# ---------------------------------------------------------------------------------------------


def test_toy_example_matches_the_hand_calculation():
    ajf = cumulative_incidence(TOY_T, TOY_S, 1)
    values = cumulative_incidence_at(ajf, [1, 2, 6, 9, 12])["estimate"].to_numpy()
    np.testing.assert_allclose(values, [0, 1 / 8, 0.28125, 0.4375, 0.4375])
    death = cumulative_incidence(TOY_T, TOY_S, 2)
    assert float(cumulative_incidence_at(death, 12)["estimate"].iloc[0]) == pytest.approx(0.40625)


def test_helper_gives_no_warning_on_tied_data_and_agrees_with_the_formula(tied_arm):
    t, s = tied_arm["hcc_months"], tied_arm["hcc_status"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = cumulative_incidence(t, s, 1)
    grid = np.unique(t)
    hand = _hand_aalen_johansen(t, s, 1)
    np.testing.assert_allclose(cumulative_incidence_at(fit, grid)["estimate"], _step(hand, grid), atol=1e-12)
    # The same call gives the same curve, byte for byte.
    np.testing.assert_array_equal(cumulative_incidence(t, s, 1).cumulative_density_.to_numpy(),
                                  fit.cumulative_density_.to_numpy())


def test_the_order_within_a_tie_does_not_change_the_estimate_at_recorded_times(tied_arm):
    # break_ties takes the tied events in row order; reversing the rows reverses that order.
    t, s = tied_arm["hcc_months"].to_numpy(float), tied_arm["hcc_status"].to_numpy()
    grid = np.unique(t)
    forward = cumulative_incidence_at(cumulative_incidence(t, s, 1), grid)["estimate"].to_numpy()
    backward = cumulative_incidence_at(cumulative_incidence(t[::-1], s[::-1], 1), grid)["estimate"].to_numpy()
    np.testing.assert_allclose(forward, backward, atol=1e-12)


def test_helper_agrees_with_lifelines_own_jittered_fit_between_recorded_times(tied_arm):
    t, s = tied_arm["hcc_months"], tied_arm["hcc_status"]
    grid = np.unique(t) + 0.005  # halfway between recorded times: outside every jitter window
    with pytest.warns(Warning, match="Tied event times"):
        direct = AalenJohansenFitter(seed=11).fit(t, s, event_of_interest=1)
    mine = cumulative_incidence_at(cumulative_incidence(t, s, 1), grid)
    np.testing.assert_allclose(mine["estimate"], direct.predict(grid).to_numpy(), atol=1e-12)


def test_without_ties_the_helper_is_exactly_lifelines(trial):
    curves = cumulative_incidence_by_arm(trial)
    for arm, fitted in curves.items():
        part = trial[trial["arm"] == arm]
        direct = AalenJohansenFitter().fit(part["hcc_months"], part["hcc_status"], event_of_interest=1)
        np.testing.assert_array_equal(fitted.cumulative_density_.to_numpy(), direct.cumulative_density_.to_numpy())
        np.testing.assert_array_equal(fitted.confidence_interval_.to_numpy(), direct.confidence_interval_.to_numpy())


def test_confidence_limits_are_ordered_and_bracket_the_estimate(trial):
    fit = cumulative_incidence_by_arm(trial)["control"]
    table = cumulative_incidence_at(fit, [12, 36, 60, 75])
    assert (table["ci_lower"] < table["estimate"]).all() and (table["estimate"] < table["ci_upper"]).all()
    # lifelines' own column named "upper" holds the smaller value (the names are swapped).
    upper_named = [c for c in fit.confidence_interval_.columns if "upper" in c][0]
    assert float(fit.confidence_interval_[upper_named].loc[:75].iloc[-1]) == pytest.approx(table["ci_lower"].loc[75])


def test_before_the_first_event_the_incidence_is_zero_without_limits():
    table = cumulative_incidence_at(cumulative_incidence(TOY_T, TOY_S, 1), [0.5])
    assert table["estimate"].iloc[0] == 0 and np.isnan(table["ci_lower"].iloc[0])


def test_one_minus_km_is_never_below_aalen_johansen(trial):
    curves = cumulative_incidence_by_arm(trial)
    for arm, ajf in curves.items():
        part = trial[trial["arm"] == arm]
        km = KaplanMeierFitter().fit(part["hcc_months"], part["hcc_status"] == 1)
        grid = np.unique(part["hcc_months"])
        naive = 1 - km.survival_function_at_times(grid).to_numpy()
        aj = cumulative_incidence_at(ajf, grid)["estimate"].to_numpy()
        assert np.all(naive >= aj - 1e-12)
        assert np.any(naive > aj + 0.01)  # and strictly above once deaths have occurred


def test_cumulative_incidences_and_event_free_survival_add_to_one(trial):
    part = trial[trial["arm"] == "control"]
    grid = np.array([12.0, 36.0, 75.0])
    hcc = cumulative_incidence_at(cumulative_incidence(part["hcc_months"], part["hcc_status"], 1), grid)
    death = cumulative_incidence_at(cumulative_incidence(part["hcc_months"], part["hcc_status"], 2), grid)
    free = KaplanMeierFitter().fit(part["hcc_months"], part["hcc_status"] > 0).survival_function_at_times(grid)
    np.testing.assert_allclose(hcc["estimate"] + death["estimate"] + free.to_numpy(), 1.0, atol=1e-12)


def test_incidence_table_values(trial):
    table = incidence_table(trial, at=75)
    assert list(table.index) == ["control", "UC-MSC"]
    control = trial[trial["arm"] == "control"]
    assert table.loc["control", "events"] == int(((control["hcc_status"] == 1) & (control["hcc_months"] <= 75)).sum())
    assert table.loc["control", "crude"] == pytest.approx(table.loc["control", "events"] / len(control))
    km = KaplanMeierFitter().fit(control["hcc_months"], control["hcc"])
    assert table.loc["control", "one_minus_km"] == pytest.approx(1 - float(km.predict(75)))
    assert (table["aalen_johansen_ci_lower"] < table["aalen_johansen"]).all()


# ---------------------------------------------------------------------------------------------
# Cause-specific Cox
# ---------------------------------------------------------------------------------------------


def test_cause_specific_cox_censors_the_other_causes(trial):
    hcc = cause_specific_cox(trial, 1, reference="UC-MSC")
    direct = cox_by_arm(trial, reference="UC-MSC", time="hcc_months", event="hcc")
    assert hcc.estimate == pytest.approx(direct.estimate, rel=1e-9)
    death = cause_specific_cox(trial, 2, reference="UC-MSC")
    assert death.events == trial[trial["hcc_status"] == 2].groupby("arm").size().to_dict()
    assert cause_specific_cox(trial, 2, reference="control").estimate == pytest.approx(1 / death.estimate, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: tied_event_times([1, 2], [1]), "events"),
    (lambda: tied_event_times([1, -2], [1, 0]), "durations"),
    (lambda: tied_event_times([1, 2], [1, 0.5]), "events"),
    (lambda: tied_event_times([1, 2], [1, -1]), "events"),
    (lambda: break_ties([1, 1, 2], [1, 2, 0], scale=1.0), "scale"),
    (lambda: cumulative_incidence([1, 2], [1, 0], event_of_interest=2), "event_of_interest"),
    (lambda: cumulative_incidence([1, 2], [1, 0], alpha=5), "alpha"),
    (lambda: cumulative_incidence_at("curve", 5), "fitter"),
    (lambda: cumulative_incidence_at(cumulative_incidence([1, 2], [1, 0]), -1), "times"),
])
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(TrialkitInputError, match=f"^{argument}: received"):
        call()


def test_bad_frames_name_the_argument(trial):
    with pytest.raises(TrialkitInputError, match="^status: received"):
        cumulative_incidence_by_arm(trial, status="hcc_months")
    with pytest.raises(TrialkitInputError, match="^df: received"):
        cumulative_incidence_by_arm(trial, status="no_such_column")
    with pytest.raises(TrialkitInputError, match="^at: received"):
        incidence_table(trial, at=0)
    with pytest.raises(TrialkitInputError, match="^cause: received"):
        cause_specific_cox(trial, 3, reference="UC-MSC")
    with pytest.raises(TrialkitInputError, match="^reference: received"):
        cause_specific_cox(trial, 1, reference="MSC")
