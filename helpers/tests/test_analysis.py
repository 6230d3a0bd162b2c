"""The analysis wrappers agree with direct lifelines calls and reject bad input clearly."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, CoxTimeVaryingFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

from trialkit import (
    TrialkitInputError,
    cox_by_arm,
    km_by_arm,
    landmark_analysis,
    landmark_split,
    logrank_by_arm,
    median_followup,
)


def _direct_cox(df, covariates=()):
    data = df[["os_months", "death", *covariates]].assign(control=(df["arm"] == "control").astype(int))
    return CoxPHFitter().fit(data, "os_months", "death")


def test_km_matches_lifelines(trial):
    curves = km_by_arm(trial)
    for arm, fitted in curves.items():
        part = trial[trial["arm"] == arm]
        direct = KaplanMeierFitter().fit(part["os_months"], part["death"])
        np.testing.assert_allclose(fitted.survival_function_.to_numpy(), direct.survival_function_.to_numpy())


def test_logrank_matches_lifelines(trial):
    c, m = (trial[trial["arm"] == a] for a in ("control", "UC-MSC"))
    direct = logrank_test(c["os_months"], m["os_months"], c["death"], m["death"])
    assert logrank_by_arm(trial).test_statistic == pytest.approx(direct.test_statistic, rel=1e-12)


def test_cox_matches_lifelines_and_reference_inverts(trial):
    direct = _direct_cox(trial).summary.loc["control"]
    hr = cox_by_arm(trial, reference="UC-MSC")
    assert hr.compare == "control" and hr.reference == "UC-MSC"
    # Same model, same optimiser: agreement to optimiser precision.
    assert hr.estimate == pytest.approx(direct["exp(coef)"], rel=1e-6)
    assert hr.p == pytest.approx(direct["p"], rel=1e-6)
    assert hr.ci_lower == pytest.approx(direct["exp(coef) lower 95%"], rel=1e-6)
    inverse = cox_by_arm(trial, reference="control")
    assert inverse.estimate == pytest.approx(1 / hr.estimate, rel=1e-6)
    assert inverse.p == pytest.approx(hr.p, rel=1e-6)
    assert hr.events == trial.groupby("arm")["death"].sum().to_dict()
    assert "control vs UC-MSC" in str(hr)


def test_adjusted_cox_matches_lifelines(trial):
    direct = _direct_cox(trial, ["meld", "tbil"]).summary.loc["control", "exp(coef)"]
    adjusted = cox_by_arm(trial, reference="UC-MSC", covariates=["meld", "tbil"])
    assert adjusted.estimate == pytest.approx(direct, rel=1e-6)


def test_landmark_windows_match_direct_fits(trial):
    # The landmark is a recorded death time (the first control death after month 12), so which
    # window that death belongs to is tested: it is an event before the landmark, not at risk after.
    t = trial["os_months"]
    control = trial[trial["arm"] == "control"]
    lm = float(control.loc[(control["death"] == 1) & (control["os_months"] > 12), "os_months"].min())
    result = landmark_analysis(trial, lm, reference="UC-MSC")
    assert result.before.events["control"] == int(control.loc[control["os_months"] <= 12, "death"].sum()) + 1
    before = trial.assign(os_months=t.clip(upper=lm), death=trial["death"].where(t <= lm, 0))
    after = trial[t > lm].assign(os_months=t[t > lm] - lm)
    assert result.before.estimate == pytest.approx(_direct_cox(before).summary.loc["control", "exp(coef)"], rel=1e-6)
    assert result.after.estimate == pytest.approx(_direct_cox(after).summary.loc["control", "exp(coef)"], rel=1e-6)
    for arm in ("control", "UC-MSC"):  # lifelines' risk set at the first recorded time after the landmark
        part = trial[trial["arm"] == arm]
        table = KaplanMeierFitter().fit(part["os_months"], part["death"]).event_table
        assert result.at_risk[arm] == int(table.loc[table.index > lm, "at_risk"].iloc[0])


def test_interaction_model_equals_the_two_windows(trial):
    # The partial likelihood factorises over event times, so the time-by-treatment model gives
    # exactly the two windows' log HRs. The fits agree to the optimisers' stopping rule:
    # lifelines' CoxPHFitter stops when the log-likelihood changes by a relative 1e-9, which
    # here leaves the log HR about 2e-4 from the optimum (tighter fit_options close the gap).
    result = landmark_analysis(trial, 13, reference="UC-MSC")
    coefs = result.interaction.fitter.params_
    assert coefs["arm[control]"] == pytest.approx(np.log(result.before.estimate), abs=1e-3)
    after = coefs["arm[control]"] + coefs["arm[control] x after"]
    assert after == pytest.approx(np.log(result.after.estimate), abs=1e-3)
    assert result.interaction.estimate == pytest.approx(result.after.estimate / result.before.estimate, rel=2e-3)


def test_fast_interaction_equals_the_model(trial):
    # Disjoint windows give independent log HRs; the Wald test from the windows equals the
    # model's up to the optimisers' stopping rule (see above).
    model = landmark_analysis(trial, 13, reference="UC-MSC").interaction
    fast = landmark_analysis(trial, 13, reference="UC-MSC", interaction_model=False).interaction
    assert fast.fitter is None
    assert np.log(fast.estimate) == pytest.approx(np.log(model.estimate), abs=1e-3)
    assert fast.se == pytest.approx(model.se, rel=1e-3)
    assert fast.p == pytest.approx(model.p, abs=1e-3)


def test_interaction_matches_a_direct_time_varying_fit(trial):
    split = landmark_split(trial, 13)
    episodes = pd.DataFrame({
        "id": split["id"], "start": split["start"], "stop": split["stop"], "event": split["event_in_period"],
        "c": (split["arm"] == "control").astype(int),
    })
    episodes["cx"] = episodes["c"] * split["period"]
    direct = CoxTimeVaryingFitter().fit(episodes, event_col="event", id_col="id", start_col="start", stop_col="stop")
    result = landmark_analysis(trial, 13, reference="UC-MSC")
    assert result.interaction.p == pytest.approx(direct.summary.loc["cx", "p"], rel=1e-6)


def test_landmark_split_keeps_every_event_once(trial):
    split = landmark_split(trial, 13)
    assert split["event_in_period"].sum() == trial["death"].sum()
    assert split.groupby("id")["stop"].max().to_numpy() == pytest.approx(trial["os_months"].to_numpy())
    assert (split["stop"] > split["start"]).all()


def test_median_followup_by_hand():
    # control: 1 (died), 2 (died), 8, 10 -> observed median (2 + 8) / 2 = 5. Reverse KM (censoring
    # as the event): 8 with 2 at risk -> 1/2, so the median is 8. UC-MSC: 2, 6 (died), 9 -> 6;
    # reverse KM: 2 with 3 at risk -> 2/3, 9 with 1 at risk -> 0: median 9.
    df = pd.DataFrame({"os_months": [1.0, 2.0, 8.0, 10.0, 2.0, 6.0, 9.0], "death": [1, 1, 0, 0, 0, 1, 0],
                       "arm": ["control"] * 4 + ["UC-MSC"] * 3})
    assert median_followup(df) == {"control": 5.0, "UC-MSC": 6.0}
    assert median_followup(df, method="reverse_km") == {"control": 8.0, "UC-MSC": 9.0}


# Bad input: each a TrialkitInputError naming the argument, never a pandas traceback.
def _bad(trial, **changes):
    df = trial.copy()
    for col, values in changes.items():
        df[col] = values
    return df


@pytest.mark.parametrize(
    "make, call, argument",
    [
        (lambda t: t.drop(columns="death"), lambda d: cox_by_arm(d, reference="UC-MSC"), "df"),
        (lambda t: _bad(t, os_months=t["os_months"].where(t.index != 3)), lambda d: km_by_arm(d), "time"),
        (lambda t: _bad(t, os_months=t["os_months"] - 100), lambda d: logrank_by_arm(d), "time"),
        (lambda t: _bad(t, death=t["death"] * 2), lambda d: cox_by_arm(d, reference="UC-MSC"), "event"),
        (lambda t: _bad(t, death=t["death"].where(t.index != 0)), lambda d: km_by_arm(d), "event"),
        (lambda t: _bad(t, arm=t["arm"].replace("UC-MSC", "MSC")), lambda d: km_by_arm(d), "arm"),
        (lambda t: t[t["arm"] == "control"], lambda d: cox_by_arm(d, reference="UC-MSC"), "arm"),
        (lambda t: t, lambda d: landmark_analysis(d, 200, reference="UC-MSC"), "landmark"),
        (lambda t: t, lambda d: landmark_analysis(d, -1, reference="UC-MSC"), "landmark"),
        (lambda t: t, lambda d: landmark_analysis(d, "13", reference="UC-MSC"), "landmark"),
        (lambda t: t, lambda d: cox_by_arm(d, reference="MSC"), "reference"),
        (lambda t: t, lambda d: cox_by_arm(d, reference="UC-MSC", covariates=["sex"]), "covariates"),
        (lambda t: t, lambda d: cox_by_arm(d, reference="UC-MSC", covariates=["nope"]), "df"),
        (lambda t: t, lambda d: median_followup(d, method="mean"), "method"),
        (lambda t: t.to_dict(), lambda d: km_by_arm(d), "df"),
        (lambda t: t.iloc[:0], lambda d: km_by_arm(d), "df"),
        (lambda t: _bad(t, os_months=t["os_months"].astype(str)), lambda d: km_by_arm(d), "time"),
    ],
    ids=["missing-column", "nan-time", "negative-time", "event-not-01", "nan-event", "unknown-arm", "one-arm",
         "landmark-beyond", "landmark-negative", "landmark-text", "reference", "covariate-text",
         "covariate-missing", "method", "not-a-frame", "empty", "time-text"],
)
def test_bad_input_is_a_clear_error(trial, make, call, argument):
    with pytest.raises(TrialkitInputError, match=f"^{argument}: received .*; "):
        call(make(trial))


def test_landmark_error_says_how_to_fix(trial):
    with pytest.raises(TrialkitInputError, match="choose a time inside follow-up"):
        landmark_analysis(trial, 200, reference="UC-MSC")


def test_window_without_events_is_a_clear_error(trial):
    # All deaths moved after month 80: no events before a landmark at 13 months.
    df = trial.assign(death=((trial["os_months"] > 80) & (trial["death"] == 1)).astype(int))
    df.loc[df.index[:4], ["os_months", "death"]] = [84.0, 1]
    with pytest.raises(TrialkitInputError, match="no events in control or UC-MSC before month 13"):
        landmark_analysis(df, 13, reference="UC-MSC")


def test_window_with_events_in_one_arm_only_is_a_clear_error(without_end_deaths):
    # No UC-MSC death in the first month: the HR before a 1-month landmark is 0 or infinite.
    trial = without_end_deaths
    early = trial[(trial["os_months"] <= 1) & (trial["arm"] == "UC-MSC")]
    assert early["death"].sum() == 0 and trial.loc[trial["os_months"] <= 1, "death"].sum() > 0
    expected = r"^landmark: received 1; there are no events in UC-MSC before month 1"  # 1 as given, not 1.0
    with pytest.raises(TrialkitInputError, match=expected):
        landmark_analysis(trial, 1, reference="UC-MSC")


def test_cox_with_no_events_in_one_arm_is_a_clear_error(trial):
    df = trial.assign(death=trial["death"].where(trial["arm"] == "control", 0))
    with pytest.raises(TrialkitInputError, match="no events in UC-MSC"):
        cox_by_arm(df, reference="UC-MSC")
