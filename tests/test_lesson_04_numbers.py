"""Lesson 4 (landmark analysis): the numbers its prose states, recomputed with the helper library.

Published figures are checked against ``tk.PUBLISHED``; numbers derived from them (the
interaction recovered from the two printed intervals, the implied deaths) are recomputed; the
simulated false-positive rates are recomputed with the lesson's seed through
``trialkit.landmarks`` and must appear in the executed output; and the qualitative claims the
prose makes about the virtual trial are asserted against ``tk.load_trial()``.
"""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from lessons import ROOT, markdown
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from scipy.stats import norm

import trialkit as tk
from trialkit.landmarks import (
    at_risk_profile,
    interaction_from_ci,
    landmark_grid,
    landmark_table,
    simulate_forking_paths,
    simulate_response_cohort,
)
from trialkit.parameters import DEFAULTS, TABLE1_CONTINUOUS

NAME = "04_landmark_analysis.ipynb"
PATH = ROOT / "notebooks" / NAME
# The lesson's simulation: 5,000 null trials, seed 2021, every whole month 3-36 computed once.
N_TRIALS, SEED = 5000, 2021


def _flat(text):
    """Markdown with emphasis removed and all whitespace (line breaks) collapsed to one space."""
    return " ".join(text.replace("**", "").split())


@pytest.fixture(scope="module")
def text():
    return _flat(markdown(json.loads(PATH.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def trial():
    return tk.load_trial()


@pytest.fixture(scope="module")
def landmark13(trial):
    return tk.landmark_analysis(trial, 13, reference="UC-MSC")


@pytest.fixture(scope="module")
def paths():
    # A different batch size from the lesson's 500: the result must not depend on it.
    return simulate_forking_paths(N_TRIALS, rng=SEED, landmarks=np.arange(3, 37), batch_size=1250)


@pytest.fixture(scope="module")
def printed(lesson_outputs):
    """Every printed or displayed text of the executed lesson, one string."""
    nb = lesson_outputs[NAME]
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                parts.append("".join(out["text"]))
            elif "text/plain" in out.get("data", {}) and "application/vnd.jupyter.widget-view+json" not in out["data"]:
                parts.append("".join(out["data"]["text/plain"]))
    return "\n".join(parts)


def _ci(lower, upper):
    return f"{lower:.2f}–{upper:.2f}"


# ---------------------------------------------------------------------------------------------
# Published figures, quoted
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["os_hr", "os_hr_0_13", "os_hr_13_75"])
def test_quotes_the_published_survival_results(text, key):
    hr, lower, upper, p = tk.PUBLISHED[key]
    assert f"HR {hr:.2f}, 95% CI {_ci(lower, upper)}, p = {p:.3f}" in text


@pytest.mark.parametrize("key", ["hcc_hr", "hcc_hr_0_8", "hcc_hr_8_75"])
def test_quotes_the_published_hcc_results(text, key):
    hr, lower, upper, p = tk.PUBLISHED[key]
    assert f"HR {hr:.2f} (95% CI {_ci(lower, upper)}, p = {p:.3f})" in text


def test_summary_repeats_the_landmark_hazard_ratios(text):
    for key in ("os_hr_0_13", "os_hr_13_75"):
        hr, lower, upper, _ = tk.PUBLISHED[key]
        assert f"{hr:.2f} ({_ci(lower, upper)})" in text


def test_quotes_table1_meld_and_bilirubin(text):
    (mc, sc), (mm, sm) = tk.PUBLISHED["meld_mean_sd"]
    assert f"MELD {mc:.1f} ± {sc:.1f} in control versus {mm:.1f} ± {sm:.1f}" in text
    control, msc = TABLE1_CONTINUOUS["tbil"]
    assert f"{control.mean:.1f} ± {control.sd:.1f} versus {msc.mean:.1f} ± {msc.sd:.1f} µmol/L" in text


# ---------------------------------------------------------------------------------------------
# Numbers derived from the published figures
# ---------------------------------------------------------------------------------------------


def _interaction_by_hand(before, after):
    """The interaction's ratio, 95% CI and p from two printed HRs and CIs, without trialkit."""
    se = [(math.log(u) - math.log(lo)) / (2 * norm.ppf(0.975)) for _, lo, u in (before, after)]
    log_ratio = math.log(after[0]) - math.log(before[0])
    se_ratio = math.hypot(*se)
    z = log_ratio / se_ratio
    return (math.exp(log_ratio), math.exp(log_ratio - 1.96 * se_ratio), math.exp(log_ratio + 1.96 * se_ratio),
            2 * norm.sf(abs(z)))


def test_interaction_from_the_papers_survival_intervals(text):
    before, after = tk.PUBLISHED["os_hr_0_13"][:3], tk.PUBLISHED["os_hr_13_75"][:3]
    ratio, lower, upper, p = _interaction_by_hand(before, after)
    result = interaction_from_ci(before, after)
    assert result.estimate == pytest.approx(ratio) and result.p == pytest.approx(p)
    assert result.ci_lower == pytest.approx(lower, rel=1e-3) and result.ci_upper == pytest.approx(upper, rel=1e-3)
    assert f"{ratio:.2f} times the one before (95% CI {_ci(lower, upper)}), interaction p = {p:.3f}" in text
    assert f"{ratio:.2f} ({_ci(lower, upper)}), p = {p:.3f}" in text  # the summary
    assert f"gives p = {p:.3f}" in text  # first question's answer
    # "borderline": the paper's own numbers put it just below 0.05, ten times its after-window p.
    assert 0.04 < p < 0.05 and p > 5 * tk.PUBLISHED["os_hr_13_75"][3]


def test_interaction_from_the_papers_hcc_intervals(text):
    before, after = tk.PUBLISHED["hcc_hr_0_8"][:3], tk.PUBLISHED["hcc_hr_8_75"][:3]
    *_, p = _interaction_by_hand(before, after)
    assert interaction_from_ci(before, after).p == pytest.approx(p)
    assert f"from the paper's printed intervals (p = {p:.2f})" in text  # Going further
    assert p > 0.2  # "far from significant"


def _implied_deaths(hr, lower, upper):
    se = tk.wald_from_ci(hr, lower, upper).se
    reference = (1 + 1 / hr) / se**2
    return hr * reference, reference


def test_implied_deaths_in_each_window(text):
    control, msc = _implied_deaths(*tk.PUBLISHED["os_hr_13_75"][:3])
    assert (round(control), round(msc)) == (19, 5)
    assert f"about {round(control)} control and {round(msc)} UC-MSC deaths after month 13" in text
    control, msc = _implied_deaths(*tk.PUBLISHED["os_hr_0_13"][:3])
    assert round(control) == round(msc) == 10
    assert "about 10 deaths per arm in that window" in text


def test_hcc_interval_turned_round(text):
    hr, lower, upper, _ = tk.PUBLISHED["hcc_hr_0_8"]
    assert f"{1 / upper:.2f}–{1 / lower:.2f} (point estimate $1/{hr:.2f} = {1 / hr:.2f}$)" in text
    # "cutting the early HCC rate to a fifth or multiplying it by four"
    assert round(1 / (1 / upper)) == 5 and math.floor(1 / lower) == 4


# ---------------------------------------------------------------------------------------------
# The virtual trial: landmark at 13 months and the interaction model
# ---------------------------------------------------------------------------------------------


def test_virtual_trial_curves_overlap_early_and_separate_late(trial):
    curves = tk.km_by_arm(trial)
    s = {arm: kmf.survival_function_at_times([6, 24, 36, 60]).to_numpy() for arm, kmf in curves.items()}
    diff = s["UC-MSC"] - s["control"]
    assert diff[0] > 0  # "at 6 months the control arm is slightly behind"
    assert diff[1] < 0  # "at 24 months control is very slightly ahead" (the curves crossed)
    assert abs(diff[2]) < 0.01  # "almost identical at 36 months"
    assert diff[3] > 0.05  # "the control curve falls away"


def test_virtual_trial_landmark_hazard_ratios(landmark13, text):
    assert 0.8 < landmark13.before.estimate < 1.25  # "near 1"
    assert landmark13.after.estimate > 2.5 and landmark13.after.ci_lower > 1  # "well above 1"
    model = DEFAULTS.survival
    assert model.hr_before == 1 and 0.2 < 1 / model.hr_after < 0.3  # "cuts the death rate to about a quarter"
    assert "does nothing for 13 months and then cuts the death rate to about a quarter" in text


def test_virtual_trial_interaction_against_after_window(landmark13, text):
    inter, after = landmark13.interaction, landmark13.after
    assert inter.p > 3 * after.p  # "several times its after-window p-value"
    assert 0.02 < inter.p < 0.1  # "close to 0.05"
    assert "interaction p-value is several times its after-window p-value and close to 0.05" in text


def test_interaction_model_gives_the_window_hazard_ratios(trial, landmark13, printed):
    split = tk.landmark_split(trial, 13)
    episodes = pd.DataFrame({"id": split["id"], "start": split["start"], "stop": split["stop"],
                             "died": split["event_in_period"], "control": (split["arm"] == "control").astype(int)})
    episodes["control_after"] = episodes["control"] * split["period"]
    ctv = CoxTimeVaryingFitter().fit(episodes, id_col="id", start_col="start", stop_col="stop", event_col="died")
    b = ctv.params_
    # lifelines stops at a convergence tolerance: the same likelihood maximised twice agrees to ~1e-4.
    assert math.log(landmark13.before.estimate) == pytest.approx(b["control"], abs=1e-3)
    assert math.log(landmark13.after.estimate) == pytest.approx(b["control"] + b["control_after"], abs=1e-3)
    assert landmark13.interaction.estimate == pytest.approx(math.exp(b["control_after"]), rel=1e-6)
    assert "equal to the optimiser's tolerance (difference below 1e-3): True" in printed


def test_printed_landmark_results(landmark13, printed):
    assert f"interaction p  (is the HR after equal to the HR before?):   {landmark13.interaction.p:.3f}" in printed
    assert f"after-window p (is the HR after month 13 equal to 1?):      {landmark13.after.p:.3f}" in printed


# ---------------------------------------------------------------------------------------------
# Survivors at the landmark; guarantee-time bias
# ---------------------------------------------------------------------------------------------


def test_survivors_at_13_months(trial):
    profile = at_risk_profile(trial, 13, columns=["meld", "tbil"])
    deaths_before = ((trial["os_months"] <= 13) & (trial["death"] == 1)).groupby(trial["arm"]).sum()
    for variable in ("meld", "tbil"):
        gone = profile.loc[(variable, "gone by month 13")]
        remaining = profile.loc[(variable, "at risk at month 13")]
        everyone = profile.loc[(variable, "all analysed")]
        for arm in tk.ARMS:
            assert gone[f"mean {arm}"] > remaining[f"mean {arm}"]  # "death removes the sickest first"
            assert gone[f"n {arm}"] == deaths_before[arm]  # "all of them deaths in the virtual trial"
        assert remaining["SMD"] > everyone["SMD"] > 0  # "the SMDs ... are larger than at randomisation"


def test_adjusting_the_after_window_for_meld_moves_the_hr_up(trial):
    after = trial[trial["os_months"] > 13].assign(m=lambda d: d["os_months"] - 13)
    unadjusted = tk.cox_by_arm(after, reference="UC-MSC", time="m")
    adjusted = tk.cox_by_arm(after, reference="UC-MSC", time="m", covariates=["meld"])
    assert unadjusted.estimate < adjusted.estimate < 1.2 * unadjusted.estimate  # "moves ... up a little"


def test_guarantee_time_demo():
    cohort = simulate_response_cohort(n_patients=400, rng=1983, response_within=9.0)
    naive = CoxPHFitter().fit(cohort[["months", "death", "responder"]], "months", "death").summary.loc["responder"]
    later = cohort[cohort["months"] > 9].assign(m=lambda d: d["months"] - 9)
    fair = CoxPHFitter().fit(later[["m", "death", "responder"]], "m", "death").summary.loc["responder"]
    assert naive["exp(coef)"] < 0.85 and naive["p"] < 0.01  # "clearly lower rate, with a small p-value"
    assert 0.85 < fair["exp(coef)"] < 1.15 and fair["p"] > 0.2  # "close to 1"


# ---------------------------------------------------------------------------------------------
# Forking paths
# ---------------------------------------------------------------------------------------------


def test_virtual_trial_scan_over_landmarks(trial):
    table = landmark_table(trial, np.arange(3, 37), reference="UC-MSC")
    best = table["hr_after_p"].idxmin()
    assert best != 13  # "not the 13 months at which the effect really changes"
    assert table.loc[best, "hr_after"] > 2 * DEFAULTS.survival.hr_after  # "far larger"
    early = table.loc[3:9]
    assert early["hr_after"].between(1.5, 2.5).all()  # "around 2"
    assert (early["hr_after_p"] > 0.05).mean() > 0.5  # "mostly above 0.05"


def test_simulated_false_positive_rates(paths, printed, text):
    candidates = landmark_grid(20)
    assert len(candidates) == 20 and 13 in candidates
    rates = {
        "overall log-rank test (pre-specified)": paths.rate("overall"),
        "after-window, fixed landmark at 13 months": paths.rate("after", landmarks=[13]),
        "after-window, best of 20 landmarks": paths.rate("after", landmarks=candidates),
        "either window, best of 20 landmarks": paths.rate("either", landmarks=candidates),
        "overall or any window at 20 landmarks": paths.rate("overall_or_any", landmarks=candidates),
    }
    for label, r in rates.items():
        assert f"{label:42s} false-positive rate {r.rate:.3f} (Monte Carlo SE {r.mcse:.3f})" in printed
        assert r.mcse < 0.01  # "less than one percentage point"
    # Monte Carlo tolerance: if a rule held the nominal 5%, its estimate from 5,000 trials would have
    # SE sqrt(0.05 * 0.95 / 5000) = 0.0031. The pre-specified analyses must lie within 4 such SEs of
    # 0.05 (a 1-in-15,000 chance of failing by noise); a scanning rule is "clearly above" 5% if it
    # exceeds 0.05 by more than 10 SEs, which noise cannot produce.
    se_nominal = math.sqrt(0.05 * 0.95 / N_TRIALS)
    for label in ("overall log-rank test (pre-specified)", "after-window, fixed landmark at 13 months"):
        assert abs(rates[label].rate - 0.05) < 4 * se_nominal
    after = rates["after-window, best of 20 landmarks"].rate
    either = rates["either window, best of 20 landmarks"].rate
    assert after > 0.05 + 10 * se_nominal and either > after
    assert 0.14 < after < 0.19 and "roughly one trial in six" in text
    assert 0.28 < either < 1 / 3 and "nearly one in three" in text
    assert rates["overall or any window at 20 landmarks"].rate - either < 0.01  # "changes almost nothing"


def test_selection_adjusted_p_of_the_papers_after_window(paths, printed):
    printed_p = tk.PUBLISHED["os_hr_13_75"][3]
    adjusted = {k: float((paths.min_p("after", landmarks=landmark_grid(k)) <= printed_p).mean())
                for k in (1, 5, 10, 20)}
    for k, value in adjusted.items():
        assert f"best of {k:2d} landmarks: share of null trials with smallest after-window p <= 0.005: {value:.3f}" \
            in printed
    assert 2 * printed_p < adjusted[20] < 0.05  # "multiplies the p-value several-fold ... stays below 0.05"


# ---------------------------------------------------------------------------------------------
# RMST and HCC
# ---------------------------------------------------------------------------------------------


def test_rmst_differences(trial):
    result = {h: tk.rmst_difference(trial, h, n_boot=2000, rng=2021) for h in (12, 36, 60)}
    assert abs(result[12].estimate) < 0.5  # "practically the same number of months"
    assert abs(result[36].estimate) < 0.5  # "close to zero"
    assert 0.5 < result[60].estimate < 2  # "about a month longer"
    assert all(r.ci_lower < 0 < r.ci_upper for r in result.values())  # "every interval includes zero"


def test_hcc_landmark(trial, text):
    hcc = tk.landmark_analysis(trial, 8, reference="UC-MSC", time="hcc_months", event="hcc")
    assert 0.8 < hcc.before.estimate < 1.25  # "near 1 before the landmark"
    assert hcc.after.estimate > tk.PUBLISHED["hcc_hr_8_75"][0]  # "larger than the paper's 2.02"
    assert hcc.interaction.p > 0.2  # "far from significant"
    died = trial[trial["hcc_status"] == 2].groupby("arm").size()
    assert died["control"] > died["UC-MSC"]  # "more of them in the control arm"
    assert re.search(r"larger than the paper's 2\.02", text)


def test_virtual_results_are_not_stated_as_facts_about_the_real_trial(text):
    assert "In the virtual trial, then, the arms hardly differ for the first three years" in text
    assert "being randomised to UC-MSC made no visible difference" not in text
    assert "In the virtual trial, two things happened by month 13" in text
    assert "In the virtual trial the shift is modest and works against UC-MSC" in text
    assert "The paper gives no baseline data for the patients still at risk at 13 months" in text
    assert "Adjusting for MELD moves the virtual trial's after-window hazard ratio up a little" in text
    control, msc = _implied_deaths(*tk.PUBLISHED["os_hr_0_13"][:3])
    assert round(control) == round(msc) == 10
    assert "whose first-13-month interval implies about 10 deaths per arm" in text
    assert "In the virtual trial, over the first year the two arms lived practically the same" in text
    assert "The paper reports no RMST, so these are facts about the synthetic data" in text
    assert "In the virtual trial (the table) many patients died without HCC" in text
    assert "The table shows that many patients died without HCC" not in text


def test_the_first_window_could_detect_only_a_large_effect(text, printed):
    hr, lower, upper, _ = tk.PUBLISHED["os_hr_0_13"]
    deaths = sum(_implied_deaths(hr, lower, upper))
    power = {effect: tk.power_from_events(effect, deaths) for effect in (1.5, 2, 3)}
    assert f"deaths implied in the first 13 months: {deaths:.1f}" in printed
    for effect, value in power.items():
        assert f"power to detect an early HR of {effect} (or 1/{effect}): {value:.0%}" in printed
    assert (f"{power[1.5]:.0%} for a hazard ratio of 1.5 (or 1/1.5), {power[2]:.0%} for 2 and "
            f"{power[3]:.0%} for 3") in text
    assert power[1.5] < 0.2 and power[2] < 0.5 < power[3]  # likely for moderate effects, not for large ones
    assert "close to guaranteed whatever the truth" not in text


def test_the_numbers_at_risk_axes_are_labelled():
    code = "\n".join("".join(c["source"]) for c in json.loads(PATH.read_text(encoding="utf-8"))["cells"]
                     if c["cell_type"] == "code")
    assert 'at_risk_axes.set_xlabel("Patients at risk (still followed at each time above)")' in code
    assert 'at_risk_axes.xaxis.set_label_position("bottom")' in code


# ---------------------------------------------------------------------------------------------
# Going further: the software a reader meets (lifelines 0.30.x)
# ---------------------------------------------------------------------------------------------


def test_delayed_entry_equals_the_landmark_window(trial, landmark13, text):
    at_13 = trial[trial["os_months"] > 13].assign(entry=13.0, control=lambda d: (d["arm"] == "control").astype(int))
    delayed = CoxPHFitter().fit(at_13[["os_months", "death", "control", "entry"]], duration_col="os_months",
                                event_col="death", entry_col="entry")
    assert delayed.hazard_ratios_["control"] == pytest.approx(landmark13.after.estimate, rel=1e-6)
    assert delayed.standard_errors_["control"] == pytest.approx(landmark13.after.se, rel=1e-6)
    assert "`CoxPHFitter` takes that as `entry_col=`" in text and "the two fits must agree" in text


def _km_rmst(time, event, tau):
    order = np.lexsort((-event, time))
    t, e = time[order], event[order]
    s = np.cumprod(1 - e / (len(t) - np.arange(len(t))))
    edges = np.concatenate([[0], np.minimum(t, tau), [tau]])
    return np.sum(np.concatenate([[1], s]) * np.diff(edges))


def test_rmst_return_variance_is_the_spread_of_patients_not_of_the_estimate(trial, text):
    import warnings

    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    arm = trial[trial["arm"] == "control"]
    times, deaths = arm["os_months"].to_numpy(), arm["death"].to_numpy()
    kmf = KaplanMeierFitter().fit(times, deaths)
    with warnings.catch_warnings(record=True):  # scipy's quad reaches its subdivision limit (shown in the lesson)
        warnings.simplefilter("always")
        rmst, returned = restricted_mean_survival_time(kmf, t=60, return_variance=True)
    assert rmst == pytest.approx(_km_rmst(times, deaths, 60))
    rng = np.random.default_rng(2021)  # the notebook's seed and resamples
    boot = np.array([_km_rmst(times[i], deaths[i], 60) for i in rng.integers(0, len(times), size=(2000, len(times)))])
    # "about the bootstrap variance times the number of patients"
    assert len(times) * boot.var(ddof=1) == pytest.approx(returned, rel=0.1)
    assert round(math.sqrt(returned)) == 18 and boot.std(ddof=1) < 2
    assert "an SD of about 18 months" in text and "an SE under 2 months" in text


def test_the_rmst_test_is_a_stub(trial, text):
    import lifelines
    from lifelines import KaplanMeierFitter, statistics

    name = "difference_of_restricted_mean_survival_time_test"
    fits = [KaplanMeierFitter().fit(g["os_months"], g["death"]) for _, g in trial.groupby("arm")]
    assert getattr(statistics, name)(*fits, 60) is None and name not in statistics.__all__
    assert lifelines.__version__.startswith("0.30.")
    assert "The function is a stub: its body is `pass`, so it returns `None`" in text
    assert "van Houwelingen HC. Dynamic prediction by landmarking" in text
