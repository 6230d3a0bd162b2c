"""trialkit.landmarks: landmark tables, the survivors' profile, guarantee time and forking paths."""

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test

from trialkit import TrialkitInputError, landmark_analysis
from trialkit.engine import simulate_null_trials
from trialkit.landmarks import (
    RULES,
    FalsePositiveRate,
    ForkingPaths,
    InteractionEstimate,
    at_risk_profile,
    interaction_from_ci,
    landmark_grid,
    landmark_table,
    simulate_forking_paths,
    simulate_response_cohort,
)

# ---------------------------------------------------------------------------------------------
# landmark_grid
# ---------------------------------------------------------------------------------------------


def test_grid_is_equally_spaced_whole_months():
    grid = landmark_grid(20)
    assert grid[0] == 3 and grid[-1] == 36 and len(grid) == 20
    assert np.all(np.diff(grid) > 0) and np.all(grid == np.round(grid))
    assert landmark_grid(1).tolist() == [3.0]
    assert landmark_grid(3, first=6, last=12, decimals=1).tolist() == [6.0, 9.0, 12.0]


def test_grid_merges_values_that_round_together():
    assert landmark_grid(10, first=3, last=5).tolist() == [3.0, 4.0, 5.0]


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"n_landmarks": 0}, "n_landmarks"),
    ({"n_landmarks": 2.5}, "n_landmarks"),
    ({"n_landmarks": True}, "n_landmarks"),
    ({"n_landmarks": 5, "first": 10, "last": 5}, "last"),
    ({"n_landmarks": 5, "first": 0}, "first"),
    ({"n_landmarks": 5, "decimals": -1}, "decimals"),
])
def test_grid_rejects_bad_input(kwargs, argument):
    with pytest.raises(TrialkitInputError) as error:
        landmark_grid(**kwargs)
    assert error.value.argument == argument and "received" in str(error.value)


# ---------------------------------------------------------------------------------------------
# landmark_table
# ---------------------------------------------------------------------------------------------


def test_table_rows_are_landmark_analyses(trial):
    table = landmark_table(trial, [8, 13], reference="UC-MSC")
    for lm in (8, 13):
        result = landmark_analysis(trial, lm, reference="UC-MSC", interaction_model=False)
        row = table.loc[float(lm)]
        assert row["hr_before"] == pytest.approx(result.before.estimate)
        assert row["hr_after_ci_upper"] == pytest.approx(result.after.ci_upper)
        assert row["ratio_p"] == pytest.approx(result.interaction.p)
        assert row["at_risk"] == sum(result.at_risk.values())
        assert row["note"] == ""


def test_table_keeps_a_landmark_without_events_as_a_row_with_the_reason():
    df = pd.DataFrame({"os_months": [1.0, 2.0, 10.0, 12.0, 15.0, 20.0], "death": [1, 0, 1, 1, 0, 1],
                       "arm": ["control", "UC-MSC"] * 3})
    table = landmark_table(df, [1.5, 11.0], reference="UC-MSC")
    assert np.isnan(table.loc[1.5, "hr_before"]) and "no events" in table.loc[1.5, "note"]
    assert table.index.tolist() == [1.5, 11.0]


def test_table_rejects_bad_landmarks(trial):
    for bad in ([], [-1, 13], "thirteen", [np.nan]):
        with pytest.raises(TrialkitInputError) as error:
            landmark_table(trial, bad, reference="UC-MSC")
        assert error.value.argument == "landmarks"
    with pytest.raises(TrialkitInputError) as error:
        landmark_table(trial, [13], reference="placebo")
    assert error.value.argument == "reference"


# ---------------------------------------------------------------------------------------------
# interaction_from_ci
# ---------------------------------------------------------------------------------------------


def test_interaction_from_ci_reproduces_the_two_window_wald_test(trial):
    # Fed the virtual trial's unrounded window estimates, it must give the library's interaction.
    result = landmark_analysis(trial, 13, reference="UC-MSC", interaction_model=False)
    recovered = interaction_from_ci(*[(hr.estimate, hr.ci_lower, hr.ci_upper) for hr in (result.before, result.after)])
    assert isinstance(recovered, InteractionEstimate)
    assert recovered.estimate == pytest.approx(result.interaction.estimate, rel=1e-9)
    assert recovered.p == pytest.approx(result.interaction.p, rel=1e-6)
    assert recovered.se == pytest.approx(result.interaction.se, rel=1e-6)


def test_interaction_from_ci_equal_hazard_ratios_give_p_one():
    result = interaction_from_ci((2.0, 1.0, 4.0), (2.0, 1.5, 2.6667))
    assert result.estimate == pytest.approx(1.0) and result.p == pytest.approx(1.0)
    assert result.ci_lower < 1 < result.ci_upper


@pytest.mark.parametrize(("before", "after", "argument"), [
    ((0.97, 0.40), (3.68, 1.38, 9.85), "before"),
    ((0.97, 0.40, 2.32), 3.68, "after"),
    ((0.97, 2.32, 0.40), (3.68, 1.38, 9.85), "ci_lower"),
])
def test_interaction_from_ci_rejects_bad_input(before, after, argument):
    with pytest.raises(TrialkitInputError) as error:
        interaction_from_ci(before, after)
    assert error.value.argument == argument


# ---------------------------------------------------------------------------------------------
# at_risk_profile
# ---------------------------------------------------------------------------------------------


def test_profile_counts_and_means(trial):
    profile = at_risk_profile(trial, 13, columns="meld")
    at_risk = trial[trial["os_months"] > 13]
    row = profile.loc[("meld", "at risk at month 13")]
    for arm in ("control", "UC-MSC"):
        assert row[f"n {arm}"] == (at_risk["arm"] == arm).sum()
        assert row[f"mean {arm}"] == pytest.approx(at_risk.loc[at_risk["arm"] == arm, "meld"].mean())
    everyone = profile.loc[("meld", "all analysed")]
    gone = profile.loc[("meld", "gone by month 13")]
    assert everyone["n control"] == gone["n control"] + row["n control"]
    assert list(profile.columns) == ["n control", "n UC-MSC", "mean control", "mean UC-MSC", "median control",
                                     "median UC-MSC", "SMD"]


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"landmark": 0}, "landmark"),
    ({"landmark": 500}, "landmark"),
    ({"landmark": "13"}, "landmark"),
    ({"landmark": 13, "columns": ["not_a_column"]}, "df"),
    ({"landmark": 13, "columns": ["arm"]}, "columns"),
])
def test_profile_rejects_bad_input(trial, kwargs, argument):
    with pytest.raises(TrialkitInputError) as error:
        at_risk_profile(trial, **kwargs)
    assert error.value.argument == argument


# ---------------------------------------------------------------------------------------------
# simulate_response_cohort
# ---------------------------------------------------------------------------------------------


def test_response_cohort_is_reproducible_and_consistent():
    a, b = simulate_response_cohort(rng=3), simulate_response_cohort(rng=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_response_cohort(rng=4))
    responders = a[a["responder"] == 1]
    assert (responders["response_month"] <= 9).all() and (responders["response_month"] <= responders["months"]).all()
    assert a.loc[a["responder"] == 0, "response_month"].isna().all()


def test_response_cohort_shows_guarantee_time_bias_and_the_landmark_removes_it():
    # Averaged over seeds so that the check is about the bias, not one draw: the naive log HR is
    # clearly negative; from the landmark on it is centred on 0.
    naive, fair = [], []
    for seed in range(8):
        cohort = simulate_response_cohort(n_patients=600, rng=seed)
        naive.append(CoxPHFitter().fit(cohort[["months", "death", "responder"]], "months", "death").params_.iloc[0])
        later = cohort[cohort["months"] > 9].assign(m=lambda d: d["months"] - 9)
        fair.append(CoxPHFitter().fit(later[["m", "death", "responder"]], "m", "death").params_.iloc[0])
    assert np.mean(naive) < -0.2
    assert abs(np.mean(fair)) < 0.1


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"n_patients": 1}, "n_patients"),
    ({"rng": -1}, "rng"),
    ({"death_rate": 0}, "death_rate"),
    ({"response_share": 1.5}, "response_share"),
    ({"response_within": 70}, "response_within"),
])
def test_response_cohort_rejects_bad_input(kwargs, argument):
    with pytest.raises(TrialkitInputError) as error:
        simulate_response_cohort(**{"rng": 1, **kwargs})
    assert error.value.argument == argument


# ---------------------------------------------------------------------------------------------
# simulate_forking_paths
# ---------------------------------------------------------------------------------------------


def test_forking_paths_do_not_depend_on_the_batch_size():
    a = simulate_forking_paths(60, rng=5, landmarks=[6, 13, 24], batch_size=7)
    b = simulate_forking_paths(60, rng=5, landmarks=[6, 13, 24], batch_size=60)
    for name in ("p_overall", "p_before", "p_after", "z_after"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.p_overall, simulate_forking_paths(60, rng=6, landmarks=[13]).p_overall)


def test_forking_paths_agree_with_lifelines_on_the_same_trials():
    paths = simulate_forking_paths(3, rng=9, landmarks=[13, 24])
    for i, child in enumerate(np.random.SeedSequence(9).spawn(3)):
        time, event, group = (x[0] for x in simulate_null_trials(1, rng=child))
        c, m = group == 1, group == 0
        assert paths.p_overall[i] == pytest.approx(logrank_test(time[c], time[m], event[c], event[m]).p_value)
        for k, lm in enumerate((13, 24)):
            after = time > lm
            expected = logrank_test(time[c & after] - lm, time[m & after] - lm, event[c & after], event[m & after])
            assert paths.p_after[i, k] == pytest.approx(expected.p_value)
            before = logrank_test(time[c], time[m], event[c], event[m], t_0=lm)
            assert paths.p_before[i, k] == pytest.approx(before.p_value)


@pytest.fixture(scope="module")
def null_paths():
    return simulate_forking_paths(2000, rng=17, landmarks=np.arange(3, 37))


def test_fixed_analyses_hold_the_nominal_rate(null_paths):
    # With no effect, one pre-specified test rejects in 5% of trials. The binomial SD of the share
    # from 2,000 trials is sqrt(0.05 * 0.95 / 2000) = 0.0049, so 0.03-0.07 is a 4-SD band.
    for result in (null_paths.rate("overall"), null_paths.rate("after", landmarks=[13]),
                   null_paths.rate("after", landmarks=[24])):
        assert isinstance(result, FalsePositiveRate)
        assert 0.03 < result.rate < 0.07
        assert result.mcse == pytest.approx(math.sqrt(result.rate * (1 - result.rate) / 2000))


def test_scanning_inflates_the_rate_and_the_rules_are_nested(null_paths):
    grid = landmark_grid(20)
    after, either = null_paths.rate("after", grid), null_paths.rate("either", grid)
    any_window = null_paths.rate("overall_or_any", grid)
    assert after.rate > 0.05 + 10 * 0.0049  # far beyond Monte Carlo noise (SD 0.0049, see above)
    assert after.rate <= either.rate <= any_window.rate
    assert after.n_landmarks == 20 and null_paths.rate("overall").n_landmarks == 0
    # the rule's definition, checked directly on the p-values
    hits = (null_paths.p_after[:, np.isin(null_paths.landmarks, grid)] < 0.05).any(axis=1)
    np.testing.assert_array_equal(null_paths.significant("after", grid), hits)


def test_chosen_landmark_is_the_argmin_of_the_after_window(null_paths):
    grid = [6, 13, 24]
    chosen = null_paths.chosen_landmark(grid)
    cols = [int(np.flatnonzero(null_paths.landmarks == lm)[0]) for lm in grid]
    expected = np.asarray(grid, dtype=float)[np.argmin(null_paths.p_after[:, cols], axis=1)]
    np.testing.assert_array_equal(chosen, expected)


def test_curve_matches_rate(null_paths):
    curve = null_paths.curve("either", max_landmarks=5)
    assert curve.index.tolist() == [1, 2, 3, 4, 5]
    assert curve.loc[5, "rate"] == pytest.approx(null_paths.rate("either", landmark_grid(5)).rate)


def test_progress_wrapper_is_called():
    seen = []

    def progress(iterable):
        seen.append(len(iterable))
        return iterable

    simulate_forking_paths(10, rng=1, landmarks=[13], batch_size=4, progress=progress)
    assert seen == [3]


def test_forking_paths_reject_bad_input():
    paths = simulate_forking_paths(5, rng=1, landmarks=[13])
    cases = [
        (lambda: simulate_forking_paths(0, rng=1, landmarks=[13]), "n_trials"),
        (lambda: simulate_forking_paths(5, rng=-3, landmarks=[13]), "rng"),
        (lambda: simulate_forking_paths(5, rng=1, landmarks=[]), "landmarks"),
        (lambda: simulate_forking_paths(5, rng=1, landmarks=[13], batch_size=0), "batch_size"),
        (lambda: simulate_forking_paths(5, rng=1, landmarks=[13], progress="tqdm"), "progress"),
        (lambda: paths.rate("best"), "rule"),
        (lambda: paths.rate("after", landmarks=[14]), "landmarks"),
        (lambda: paths.rate("after", alpha=5), "alpha"),
        (lambda: paths.min_p("during"), "window"),
    ]
    for call, argument in cases:
        with pytest.raises(TrialkitInputError) as error:
            call()
        assert error.value.argument == argument, argument


def test_rules_are_documented():
    assert set(RULES) == {"overall", "after", "either", "overall_or_any"}
    assert ForkingPaths.__doc__ and all(RULES.values())
