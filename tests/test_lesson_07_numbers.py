"""Lesson 7 (competing risks): every number the prose states, recomputed with the helper library."""

import json

import numpy as np
import pandas as pd
import pytest
from lessons import ROOT, markdown
from lifelines import AalenJohansenFitter, KaplanMeierFitter

import trialkit as tk
from trialkit.competing import (
    break_ties,
    cause_specific_cox,
    cumulative_incidence,
    cumulative_incidence_at,
    cumulative_incidence_by_arm,
    incidence_table,
    tied_event_times,
)

NOTEBOOK = ROOT / "notebooks" / "07_competing_risks.ipynb"
NB = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
TEXT = markdown(NB)
CODE = "\n".join("".join(c["source"]) for c in NB["cells"] if c["cell_type"] == "code")

# The lesson's eight invented patients: months and status (0 censored, 1 HCC, 2 death before HCC).
TOY = pd.DataFrame({"months": [2, 3, 4, 5, 6, 8, 9, 12], "status": [1, 2, 2, 0, 1, 2, 1, 0]})
# The lesson's invented times for Liang et al.'s counts (0 censored, 1 died, 2 liver transplant).
LIANG = pd.DataFrame([(5, 1), (11, 1), (16, 1), (3, 2), (9, 2), (4, 0), (10, 0), (14, 0), (19, 0)] + [(24, 0)] * 17,
                     columns=["months", "status"])


@pytest.fixture(scope="module")
def trial():
    return tk.load_trial()


def _pct(x):
    return f"{100 * x:.1f}%"


# ---------------------------------------------------------------------------------------------
# Published figures (Shi et al. 2021)
# ---------------------------------------------------------------------------------------------


def test_published_crude_hcc_proportions():
    (hcc_c, hcc_m), (n_c, n_m) = tk.PUBLISHED["hcc"], tk.PUBLISHED["n"]
    assert (hcc_c, n_c, hcc_m, n_m) == (23, 111, 13, 108)
    assert f"{_pct(hcc_c / n_c)} ({hcc_c}/{n_c})" == "20.7% (23/111)"
    assert f"{_pct(hcc_m / n_m)} ({hcc_m}/{n_m})" == "12.0% (13/108)"
    for quoted in ("20.7% (23/111)", "12.0% (13/108)"):
        assert quoted in TEXT


def test_the_deaths_were_censored_in_the_hcc_analysis(lesson_outputs):
    flat = " ".join(TEXT.split())
    os_se = tk.wald_from_ci(*tk.PUBLISHED["os_hr"][:3]).se
    hr, lower, upper, _ = tk.PUBLISHED["hcc_hr"]
    hcc_se = tk.wald_from_ci(hr, lower, upper).se
    events = (1 + 1 / hr) / hcc_se**2 * (1 + hr)
    assert hcc_se > os_se and round(events) == 38 < sum(tk.PUBLISHED["deaths_implied"]) == 43
    assert "The HCC-free interval is the wider one" in flat
    assert "About 38 events, fewer than the about 43 deaths and close to the 36 HCC cases" in flat
    assert "the deaths were **censored**" in flat and "(Lesson 3, survival analysis, works this out)" in flat
    assert "a reader cannot tell whether death was censored" not in flat
    nb = lesson_outputs[NOTEBOOK.name]
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                      for o in c.get("outputs", []) if o["output_type"] == "stream")
    assert "HCC-free survival: HR 1.77 (0.91-3.43), SE of log HR 0.338, about 38 events" in printed
    assert "overall survival : HR 1.89 (1.01-3.58), SE of log HR 0.323, about 42 events" in printed
    assert "deaths implied: 43; HCC cases reported: 36" in printed


def test_published_hcc_hazard_ratio_and_follow_up():
    hr, lower, upper, p = tk.PUBLISHED["hcc_hr"]
    assert f"HR {hr:.2f}, 95% CI {lower:.2f}–{upper:.2f}, p = {p:.3f}" in TEXT
    fu_c, fu_m = tk.PUBLISHED["median_followup_months"]
    assert f"median follow-up was {fu_c} months in the control arm\nand {fu_m} in the UC-MSC arm" in TEXT
    assert "ranges 2–82 and 1–85 months" in TEXT


# ---------------------------------------------------------------------------------------------
# The eight-patient example
# ---------------------------------------------------------------------------------------------


def test_toy_example_numbers():
    aj = cumulative_incidence(TOY["months"], TOY["status"], 1)
    f = cumulative_incidence_at(aj, [2, 5, 12])["estimate"].to_numpy()
    km = KaplanMeierFitter().fit(TOY["months"], TOY["status"] == 1)
    km_any = KaplanMeierFitter().fit(TOY["months"], TOY["status"] > 0)
    s_before_6, s1_before_6 = float(km_any.predict(5)), float(km.predict(5))
    assert f[0] == pytest.approx(1 / 8) and "$1/8 = 0.125$" in TEXT
    assert f"$\\hat S = {s_before_6:.3f}$" in TEXT
    assert f"${s_before_6:.3f} \\times 1/4 = {s_before_6 / 4:.3f}$" in TEXT  # 0.625 x 1/4 = 0.156
    assert f"${s1_before_6:.3f} \\times 1/4 = {s1_before_6 / 4:.3f}$" in TEXT  # 0.875 x 1/4 = 0.219
    assert f[1] + s_before_6 / 4 == pytest.approx(cumulative_incidence_at(aj, 6)["estimate"].iloc[0])
    assert f"Aalen–Johansen estimate is ${f[2]:.4f}$ and 1 − KM is ${1 - float(km.predict(12)):.3f}$" in TEXT
    crude = (TOY["status"] == 1).mean()
    assert f"3 diagnoses among 8 patients, is ${crude:.3f}$" in TEXT


def test_toy_naive_risks_add_to_more_than_one_and_aalen_johansen_to_one():
    naive = sum(1 - float(KaplanMeierFitter().fit(TOY["months"], TOY["status"] == k).predict(12)) for k in (1, 2))
    assert naive > 1
    curves = [cumulative_incidence(TOY["months"], TOY["status"], k) for k in (1, 2)]
    aj = sum(float(cumulative_incidence_at(c, 12)["estimate"].iloc[0]) for c in curves)
    free = float(KaplanMeierFitter().fit(TOY["months"], TOY["status"] > 0).predict(12))
    assert aj + free == pytest.approx(1.0, abs=1e-12)
    assert "add up to more than 1" in TEXT


def test_without_censoring_aalen_johansen_equals_the_crude_proportion_but_1_minus_km_does_not():
    # The answer to the second question: complete follow-up makes crude = Aalen-Johansen.
    complete = TOY.assign(status=TOY["status"].replace(0, 2))
    aj = float(cumulative_incidence_at(cumulative_incidence(complete["months"], complete["status"], 1), 12)
               ["estimate"].iloc[0])
    assert aj == pytest.approx((complete["status"] == 1).mean(), abs=1e-12)
    assert 1 - float(KaplanMeierFitter().fit(complete["months"], complete["status"] == 1).predict(12)) > aj + 0.1


# ---------------------------------------------------------------------------------------------
# The virtual trial
# ---------------------------------------------------------------------------------------------


def test_deaths_before_hcc_at_least_as_common_as_hcc(trial):
    counts = pd.crosstab(trial["arm"], trial["hcc_status"])
    assert (counts[2] >= counts[1]).all()
    flat = " ".join(TEXT.split())
    assert "In both arms of the virtual trial at least as many patients died before HCC as were diagnosed" in flat
    assert "(The paper does not say how many of its patients died before HCC.)" in flat


def test_one_minus_km_is_never_below_aalen_johansen_on_the_virtual_trial(trial):
    curves = cumulative_incidence_by_arm(trial)
    naive = tk.km_by_arm(trial, time="hcc_months", event="hcc")
    gaps = {}
    for arm in tk.ARMS:
        times = np.unique(trial.loc[trial["arm"] == arm, "hcc_months"])
        aj = cumulative_incidence_at(curves[arm], times)["estimate"].to_numpy()
        km = 1 - naive[arm].survival_function_at_times(times).to_numpy()
        assert np.all(km >= aj - 1e-12)
        gaps[arm] = (km - aj).max()
        # equal until the first death before HCC, apart after it
        first_death = trial.loc[(trial["arm"] == arm) & (trial["hcc_status"] == 2), "hcc_months"].min()
        np.testing.assert_allclose(km[times < first_death], aj[times < first_death], atol=1e-12)
    assert gaps["control"] > gaps["UC-MSC"] > 0
    assert "1 − KM is never\nbelow the Aalen–Johansen estimate" in TEXT
    assert "the gap is wider in the control arm" in TEXT


def test_death_band_wider_than_hcc_band_at_end_of_follow_up(trial):
    for arm in tk.ARMS:
        part = trial[trial["arm"] == arm]
        f = [float(cumulative_incidence_at(cumulative_incidence(part["hcc_months"], part["hcc_status"], k), 84)
                   ["estimate"].iloc[0]) for k in (1, 2)]
        assert f[1] > f[0]
    assert "the band of deaths before HCC is wider than the band of HCC" in TEXT


def test_ties(trial):
    for arm in tk.ARMS:
        part = trial[trial["arm"] == arm]
        assert tied_event_times(part["hcc_months"], part["hcc_status"]).size == 0
    tied = [seed for seed in range(100)
            if any(tied_event_times(s.loc[s["arm"] == a, "hcc_months"], s.loc[s["arm"] == a, "hcc_status"]).size
                   for s in [tk.simulate_trial(rng=seed)] for a in tk.ARMS)]
    assert len(tied) > 10 and "more than one simulated trial in ten" in TEXT
    # lifelines' default jitter, and the helper's largest shift for times recorded to 0.01 month
    assert AalenJohansenFitter()._jitter_level == 0.0001 and "±0.0001 month" in TEXT
    assert f"{0.01 / 1000:.5f} month" == "0.00001 month" and "(0.00001 month when that gap is the recording" in TEXT
    example = tk.simulate_trial(rng=tied[0])
    part = example[example["arm"] == "control"]
    t = part["hcc_months"].to_numpy()
    shift = t - break_ties(t, part["hcc_status"])
    gap = np.diff(np.unique(t)).min()  # the smallest gap between two recorded times
    assert gap >= 0.01 - 1e-9  # at least the recording precision
    assert shift.max() > 0 and np.all((shift >= 0) & (shift < gap / 1000))
    assert round(0.01 * 365.25 / 12 * 24) == 7 and "0.01 month (about 7 hours)" in TEXT


def test_crude_aalen_johansen_and_1_minus_km_at_75_months(trial):
    table = incidence_table(trial, at=75)
    assert (table["crude"] < table["aalen_johansen"]).all()
    assert (table["aalen_johansen"] < table["one_minus_km"]).all()
    assert "the crude proportion is the lowest, 1 − KM the highest" in TEXT
    diff = table.loc["control"] - table.loc["UC-MSC"]
    assert diff["one_minus_km"] > diff["aalen_johansen"]
    assert "1 − KM makes it larger than\nthe Aalen–Johansen estimate does" in TEXT
    followed = [int(((trial["arm"] == arm) & (trial["hcc_months"] >= 75)).sum()) / n
                for arm, n in zip(tk.ARMS, table["patients"], strict=True)]
    assert max(followed) < 0.25 and "Only a small minority of each arm was still followed at 75 months" in TEXT
    # every censoring in the virtual trial is at the data cut-off (2017-10-30)
    censored = trial[trial["hcc_status"] == 0]
    end = pd.to_datetime(censored["entry_date"]) + pd.to_timedelta(censored["hcc_months"] * 365.25 / 12, unit="D")
    assert ((pd.Timestamp("2017-10-30") - end).dt.days.abs() <= 1).all()
    assert "in the virtual trial every censoring is at the cut-off" in TEXT
    # the virtual trial's crude proportions are near the published ones (calibration)
    assert abs(table.loc["control", "events"] - 23) <= 2 and abs(table.loc["UC-MSC", "events"] - 13) <= 2


def test_cause_specific_hazard_ratios_both_above_one(trial):
    assert cause_specific_cox(trial, 1, reference="UC-MSC").estimate > 1
    assert cause_specific_cox(trial, 2, reference="UC-MSC").estimate > 1
    assert "Both hazard ratios (control relative to UC-MSC, as in the paper) are above 1" in TEXT


def test_the_virtual_hcc_hazard_ratio_differs_from_the_paper_as_expected(trial, lesson_outputs):
    from scipy.stats import norm

    from trialkit.calibration import TARGETS
    from trialkit.parameters import DEFAULTS

    flat = " ".join(TEXT.split())
    virtual = cause_specific_cox(trial, 1, reference="UC-MSC")
    stated = f"{virtual.estimate:.2f} (95% CI {virtual.ci_lower:.2f}–{virtual.ci_upper:.2f}, p = {virtual.p:.3f})"
    assert stated == "2.15 (95% CI 1.07–4.30, p = 0.031)" and stated in flat
    hr, lower, upper, p = tk.PUBLISHED["hcc_hr"]
    assert f"where the paper has {hr} ({lower:.2f}–{upper:.2f}, p = {p:.3f})" in flat
    se = tk.wald_from_ci(hr, lower, upper).se
    distance = (np.log(virtual.estimate) - np.log(hr)) / se
    assert 0 < distance < 1 and f"about {distance:.1f} standard errors from 1.77" in flat
    low, high = np.exp(np.log(hr) + np.array([-1, 1]) * 1.96 * se)
    assert f"give estimates from {low:.2f} to {high:.2f} in 95% of re-runs" in flat
    assert low < virtual.estimate < high
    z = np.log(hr) / se
    p_small, p_large = (2 * norm.sf(abs(z + s * 1.96)) for s in (1, -1))
    assert f"from {p_small:.4f} to {p_large:.2f} for the middle 95%" in flat
    assert p_small < 0.001 and p_large > 0.5  # "highly significant" or "nothing at all"
    target = next(t for t in TARGETS if t.name == "hcc_hr")
    assert len(TARGETS) == 19 and "meet 19 published figures at once" in flat
    assert target.low <= virtual.estimate <= target.high
    assert f"fall anywhere between {target.low} and {target.high}, not to equal {hr}" in flat
    model = DEFAULTS.hcc
    assert (model.hr_before, model.changepoint, model.hr_after) == (1, 8, 2)
    assert "a hazard ratio of 1 before month 8 and 2 after it" in flat
    nb = lesson_outputs[NOTEBOOK.name]
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                      for o in c.get("outputs", []) if o["output_type"] == "stream")
    assert f"virtual trial: HR {virtual.estimate:.2f}, {distance:.2f} SE from the paper's 1.77" in printed
    assert f"middle 95% of their p-values: {p_small:.4f} to {p_large:.2f}" in printed


def test_constant_hazard_illustration():
    def cif(l1, l2, t):
        return l1 / (l1 + l2) * (1 - np.exp(-(l1 + l2) * t))

    assert cif(0.004, 0.0025, 75) > cif(0.004, 0.005, 75)
    assert "HCC 0.004 per patient-month, death before HCC 0.005 per\npatient-month" in TEXT
    assert "rate_hcc = 0.004" in CODE and '("death hazard halved", 0.0025)' in CODE


# ---------------------------------------------------------------------------------------------
# Liang et al. 2017
# ---------------------------------------------------------------------------------------------


def test_liang_crude_proportions():
    for num, den in [(23, 26), (21, 24), (17, 22), (21, 26)]:
        assert f"{_pct(num / den)} ({num}/{den})" in TEXT
    assert (26 - 3, 26 - 2 - 3, 26 - 4 - 3 - 2) == (23, 21, 17)
    assert "3 patients died, 2 received a liver transplant and\n4 were lost to follow-up" in TEXT


def test_liang_illustration_orderings():
    assert ("[(5, 1), (11, 1), (16, 1), (3, 2), (9, 2), (4, 0), (10, 0), (14, 0), (19, 0)] + [(24, 0)] * 17"
            in " ".join(CODE.split()).replace("[ (", "[(").replace("( ", "("))
    kept = LIANG[LIANG["status"] != 2]
    removed = float(KaplanMeierFitter().fit(kept["months"], kept["status"] == 1).predict(24))
    censored = float(KaplanMeierFitter().fit(LIANG["months"], LIANG["status"] == 1).predict(24))
    tx_free = float(KaplanMeierFitter().fit(LIANG["months"], LIANG["status"] > 0).predict(24))
    assert min(removed, censored) > tx_free
    f = [float(cumulative_incidence_at(cumulative_incidence(LIANG["months"], LIANG["status"], k), 24)
               ["estimate"].iloc[0]) for k in (1, 2)]
    assert sum(f) + tx_free == pytest.approx(1.0, abs=1e-12)
    assert f[0] < 1 - censored  # Aalen-Johansen below 1 - KM with transplants censored
    assert "give the two highest\n  \"survivals\"" in TEXT


# ---------------------------------------------------------------------------------------------
# Printed outputs of the executed lesson
# ---------------------------------------------------------------------------------------------


def test_printed_outputs(lesson_outputs):
    nb = lesson_outputs[NOTEBOOK.name]
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                      for o in c.get("outputs", []) if o["output_type"] == "stream")
    assert printed.count("1 - KM >= Aalen-Johansen at all") == 2
    assert "recorded times: False" not in printed
    assert "control: 23/111 = 20.7%" in printed and "UC-MSC:  13/108 = 12.0%" in printed
    assert "helper identical to the direct call: True" in printed
    assert "(by hand 0.4375)" in printed and "total 1.0000" in printed
