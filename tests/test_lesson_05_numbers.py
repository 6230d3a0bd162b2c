"""Lesson 5 (baseline imbalance): the numbers and claims in the prose, recomputed with trialkit."""

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
from lessons import ROOT, markdown
from lifelines import CoxPHFitter, KaplanMeierFitter
from scipy import stats

import trialkit as tk
from trialkit.parameters import DEFAULTS

LESSON = ROOT / "notebooks" / "05_baseline_imbalance.ipynb"
NB = json.loads(LESSON.read_text(encoding="utf-8"))
TEXT = re.sub(r"\s+", " ", markdown(NB))  # prose with line breaks collapsed
CODE = "\n".join("".join(c["source"]) for c in NB["cells"] if c["cell_type"] == "code")

# Shi et al. 2021, Table 1 (figures sheet): (mean, SD) control, (mean, SD) UC-MSC, printed p
TABLE1 = {
    "TBIL": ((33.2, 29.8), (76.0, 127.9), "<0.001"),
    "CHE": ((3337, 1335), (2812, 1560), "0.008"),
    "MELD": ((10.0, 4.2), (11.4, 6.0), "0.040"),
    "ALT": ((59.6, 79.4), (42.4, 49.16), "0.058"),
    "ALB": ((30.5, 6.2), (30.9, 5.9), "0.637"),
}
COLUMN = {"TBIL": "tbil", "CHE": "che", "MELD": "meld", "ALT": "alt", "ALB": "alb"}
CONTINUOUS = ["age", "tp", "alb", "plt", "cr", "alt", "ast", "tbil", "pta", "che", "inr", "meld"]


def says(*fragments):
    for fragment in fragments:
        assert fragment in TEXT, f"the prose should state {fragment!r}"


def signed(value):
    """Format an SMD as the prose does: explicit sign, Unicode minus."""
    return f"{value:+.2f}".replace("-", "\u2212")


def published_smd(name):
    (mc, sc), (mm, sm), _ = TABLE1[name]
    return tk.smd_from_summary(mc, sc, mm, sm)


def _executed(lesson_outputs):
    if LESSON.name not in lesson_outputs:
        pytest.skip("lesson 5 was not executed in this session (LESSONS filter)")
    nb = lesson_outputs[LESSON.name]
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []) if o["output_type"] == "stream")


@pytest.fixture(scope="module")
def trial():
    return tk.load_trial()


@pytest.fixture(scope="module")
def models(trial):
    analysed = trial.assign(log_tbil=np.log(trial["tbil"]))
    return {
        "unadjusted": tk.cox_by_arm(analysed, reference="UC-MSC"),
        "meld": tk.cox_by_arm(analysed, reference="UC-MSC", covariates=["meld"]),
        "meld_logtbil": tk.cox_by_arm(analysed, reference="UC-MSC", covariates=["meld", "log_tbil"]),
        "strata": tk.cox_by_arm(analysed, reference="UC-MSC", strata=["meld_gt15"]),
    }


# --- the published Table 1 ------------------------------------------------------------------

def test_the_notebook_uses_the_published_table1_values():
    for label, name in [("TBIL (umol/L)", "TBIL"), ("CHE (U/L)", "CHE"), ("MELD (points)", "MELD"),
                        ("ALT (U/L)", "ALT"), ("ALB (g/L)", "ALB")]:
        (mc, sc), (mm, sm), p = TABLE1[name]
        assert f'("{label}", {mc}, {sc}, {mm}, {sm}, "{p}")' in CODE


def test_the_five_published_smds():
    expected = {"TBIL": "+0.46", "CHE": "\u22120.36", "MELD": "+0.27", "ALT": "\u22120.26", "ALB": "+0.07"}
    for name, text in expected.items():
        assert signed(published_smd(name)) == text, name
        says(f"**{text}**")
    says("TBIL +0.46, CHE \u22120.36, MELD +0.27, ALT \u22120.26, ALB +0.07")
    # ALT is about as imbalanced as MELD (the prose compares them)
    assert abs(abs(published_smd("ALT")) - abs(published_smd("MELD"))) < 0.02
    says("ALT (SMD \u22120.26, p = 0.058)", "MELD (+0.27, p = 0.040)")


def test_differences_in_original_units():
    (tc, _), (tm, _), _ = TABLE1["TBIL"]
    (cc, _), (cm, _), _ = TABLE1["CHE"]
    says(f"{tm - tc:.1f} µmol/L in bilirubin", f"{cc - cm:.0f} U/L in cholinesterase")


def test_printed_pvalues_are_student_t_tests():
    n_control, n_msc = tk.PUBLISHED["n"]
    p = {}
    for name, ((mc, sc), (mm, sm), _) in TABLE1.items():
        p[name] = stats.ttest_ind_from_stats(mc, sc, n_control, mm, sm, n_msc).pvalue
    assert p["TBIL"] < 0.001 and f"{p['CHE']:.3f}" == "0.008"  # "match ... for TBIL and CHE"
    for name, printed in (("MELD", 0.040), ("ALT", 0.058)):  # "come close for MELD and ALT"
        assert f"{p[name]:.3f}" != f"{printed:.3f}" and abs(p[name] - printed) < 0.01
    says("match the printed ones for TBIL and CHE, and come close for MELD and ALT")


def test_binary_and_categorical_smds(lesson_outputs):
    out = _executed(lesson_outputs)
    assert f"{tk.smd_binary(15 / 111, 19 / 108):+.2f}" == "+0.11" and "+0.11" in out
    assert f"{tk.smd_categorical([20, 73, 18], [14, 68, 26]):.2f}" == "0.22" and ": 0.22" in out


def _unos_floor(inr, inr_sd, tbil, tbil_sd):
    """6.43 + 11.2 E[ln INR] + 3.78 E[ln bilirubin mg/dL]: INR by the second-order delta method,
    bilirubin log-normal with the given mean and SD (E[ln X] = ln mean - ln(1 + CV^2) / 2)."""
    e_ln_inr = np.log(inr) - inr_sd**2 / (2 * inr**2)
    e_ln_bil = np.log(tbil / 17.1) - 0.5 * np.log(1 + (tbil_sd / tbil) ** 2)
    return 6.43 + 11.2 * e_ln_inr, 6.43 + 11.2 * e_ln_inr + 3.78 * e_ln_bil


def test_table1_labs_put_a_floor_under_the_unos_meld(lesson_outputs):
    # The INR and bilirubin rows of Table 1 (TABLE1_CONTINUOUS holds them with their source).
    from trialkit.parameters import TABLE1_CONTINUOUS
    out = _executed(lesson_outputs)
    for i, arm in enumerate(tk.ARMS):
        inr, tbil = TABLE1_CONTINUOUS["inr"][i], TABLE1_CONTINUOUS["tbil"][i]
        assert f"({inr.mean}, {inr.sd}, {tbil.mean}, {tbil.sd})" in CODE
        with_inr, floor = _unos_floor(inr.mean, inr.sd, tbil.mean, tbil.sd)
        printed = tk.PUBLISHED["meld_mean_sd"][i][0]
        assert floor > printed  # "Both floors lie above the printed means"
        line = f"{arm:>7}: constant + INR {with_inr:.1f}, + bilirubin {floor:.1f}; printed mean MELD {printed:.1f}"
        assert line in out
    # the hand values: 9.4 and 10.8 in control, 9.4 and 12.5 in UC-MSC
    assert [round(v, 1) for v in _unos_floor(1.32, 0.21, 33.2, 29.8)] == [9.4, 10.8]
    assert [round(v, 1) for v in _unos_floor(1.33, 0.26, 76.0, 127.9)] == [9.4, 12.5]
    says("Both floors lie above the printed means: Table 1's own INR and bilirubin imply a UNOS MELD above "
         "10.0 in control and above 11.4 in UC-MSC")
    says("Three things stand out.")
    assert TEXT.count("- **", TEXT.index("Three things stand out."), TEXT.index("## Table 1 done right")) == 3


def test_the_floor_ignores_only_nonnegative_terms():
    # Each lab value is set to 1 below 1 before its log is taken, so each term of the UNOS formula
    # is >= 0, and E[ln max(1, x)] >= E[ln x]: leaving out creatinine and using E[ln x] can only
    # lower the mean. Checked on the virtual trial's labs, drawn with Table 1's means and SDs.
    trial = tk.load_trial(include_excluded=True)
    for arm in tk.ARMS:
        part = trial[trial["arm"] == arm]
        floor = 6.43 + 11.2 * np.log(part["inr"]).mean() + 3.78 * np.log(part["tbil"] / 17.1).mean()
        assert part["meld_unos"].mean() > floor


def test_virtual_meld_on_the_papers_scale_and_the_unos_excess(trial, lesson_outputs):
    out = _executed(lesson_outputs)
    means = trial.groupby("arm")[["meld_unos", "meld"]].mean()
    for i, arm in enumerate(tk.ARMS):
        printed = tk.PUBLISHED["meld_mean_sd"][i][0]
        # "runs a few points above the printed means"
        assert 2 < means.loc[arm, "meld_unos"] - printed < 5
        # "`meld` ... mapped onto Table 1's MELD distribution": within 10% of the printed mean
        assert abs(means.loc[arm, "meld"] - printed) < 0.1 * printed
    assert "meld_unos  meld" in out
    says("runs a few points above the printed means, as the floors predicted")


def test_withdrawals_quoted():
    assert tk.PUBLISHED["randomised"] == (125, 125)
    says(f"{sum(tk.PUBLISHED['randomised']) - sum(tk.PUBLISHED['n'])} of the {sum(tk.PUBLISHED['randomised'])} "
         "randomised patients were not analysed")


# --- the virtual trial's Table 1 ------------------------------------------------------------

def test_virtual_smds_follow_the_published_pattern(trial):
    smds = tk.BaselineTable(trial, continuous=CONTINUOUS, skewed="auto").smds
    for name in ("TBIL", "CHE", "MELD", "ALT"):  # same direction as published
        assert np.sign(smds[COLUMN[name]]) == np.sign(published_smd(name)), name
    for name in ("TBIL", "CHE", "MELD"):  # roughly the same size
        assert abs(smds[COLUMN[name]] - published_smd(name)) < 0.1, name
    # "albumin, nearly balanced in the paper, is more imbalanced here"
    assert abs(smds["alb"]) > 2 * abs(published_smd("ALB"))


def test_rerandomisation(trial, lesson_outputs):
    rng = np.random.default_rng(2021)
    values = trial[CONTINUOUS].to_numpy(dtype=float)
    values = values - values.mean(axis=0)
    is_msc = (trial["arm"] == "UC-MSC").to_numpy().astype(float)
    alloc = rng.permuted(np.tile(is_msc, (10_000, 1)), axis=1)
    n1 = alloc.sum(axis=1, keepdims=True)
    n0 = alloc.shape[1] - n1
    m1, m0 = alloc @ values / n1, (1 - alloc) @ values / n0
    v1 = (alloc @ values**2 - n1 * m1**2) / (n1 - 1)
    v0 = ((1 - alloc) @ values**2 - n0 * m0**2) / (n0 - 1)
    smds = (m1 - m0) / np.sqrt((v0 + v1) / 2)
    meld = CONTINUOUS.index("meld")
    observed = tk.smd(trial.loc[trial["arm"] == "control", "meld"], trial.loc[trial["arm"] == "UC-MSC", "meld"])
    assert abs(smds[:, meld].mean()) < 0.01  # "centre on zero"
    share_any = np.mean((np.abs(smds) > 0.1).any(axis=1))
    assert share_any > 0.95  # "nearly every allocation has at least one SMD beyond 0.1"
    share = np.mean(np.abs(smds[:, meld]) >= abs(observed))
    out = _executed(lesson_outputs)
    assert f"at least as large: {share:.3f}" in out and f"12 variables: {share_any:.3f}" in out


# --- skewed variables ----------------------------------------------------------------------

def test_normal_below_zero():
    (tc, sc), (tm, sm), _ = TABLE1["TBIL"]
    assert f"{stats.norm.cdf(0, tm, sm):.0%}" == "28%"
    says("33.2 ± 29.8", "76.0 ± 127.9", "put 28% of the patients below zero")
    assert stats.norm.cdf(0, tc, sc) > 0.05


def test_altman_bland_rule():
    flagged = {name: [arm for arm, (m, s) in zip(("control", "UC-MSC"), TABLE1[name][:2], strict=True) if m < 2 * s]
               for name in TABLE1}
    assert flagged == {"TBIL": ["control", "UC-MSC"], "ALT": ["control", "UC-MSC"], "CHE": ["UC-MSC"],
                       "MELD": ["UC-MSC"], "ALB": []}
    says("TBIL and ALT fail it in both arms, CHE and MELD in the UC-MSC arm")


def test_the_mean_of_a_skewed_variable_is_fragile(trial):
    msc = trial.loc[trial["arm"] == "UC-MSC", "tbil"].sort_values()
    control = trial.loc[trial["arm"] == "control", "tbil"]
    trimmed = msc.iloc[:-5]
    change = {
        "mean": abs(trimmed.mean() / msc.mean() - 1),
        "sd": abs(trimmed.std() / msc.std() - 1),
        "median": abs(trimmed.median() / msc.median() - 1),
        "gmean": abs(np.exp(np.log(trimmed).mean()) / np.exp(np.log(msc).mean()) - 1),
    }
    assert change["sd"] > change["mean"] > 3 * change["median"]  # "a long way", "even further", "barely"
    assert change["mean"] > 1.5 * change["gmean"]  # "moves much less than the mean"
    p_all = stats.ttest_ind(msc, control, equal_var=False).pvalue
    p_trimmed = stats.ttest_ind(trimmed, control, equal_var=False).pvalue
    assert p_all < 0.001 and p_trimmed / p_all > 3  # "changes several-fold"
    says(f"five of the {len(msc)} UC-MSC patients", "several-fold")
    # the medians show the same direction
    assert msc.median() > control.median()


# --- direction of the imbalance and the adjusted Cox models ----------------------------------

def test_meld_predicts_death(trial):
    cph = CoxPHFitter().fit(trial[["os_months", "death", "meld"]], duration_col="os_months", event_col="death")
    row = cph.summary.loc["meld"]
    assert row["exp(coef)"] > 1 and row["p"] < 0.05
    # "the estimate is near the true value used to simulate"
    assert abs(row["coef"] - DEFAULTS.survival.meld_log_hr) < row["se(coef)"]
    # "patients with MELD > 15 die sooner"
    s = {v: KaplanMeierFitter().fit(g["os_months"], g["death"]).predict(60) for v, g in trial.groupby("meld_gt15")}
    assert s[1] < s[0]
    # "sicker UC-MSC arm": higher TBIL and MELD, lower CHE, in the virtual trial too
    means = trial.groupby("arm")[["tbil", "meld", "che"]].median()
    assert means.loc["UC-MSC", "tbil"] > means.loc["control", "tbil"]
    assert means.loc["UC-MSC", "meld"] > means.loc["control", "meld"]
    assert means.loc["UC-MSC", "che"] < means.loc["control", "che"]


def test_adjustment_moves_the_hr_away_from_1(models):
    base = models["unadjusted"]
    assert base.compare == "control" and base.estimate > 1
    for name in ("meld", "meld_logtbil", "strata"):  # "every adjusted HR is further from 1"
        assert models[name].estimate > base.estimate, name


def test_adjustment_se_and_z(models):
    base, adj = models["unadjusted"], models["meld"]
    assert adj.se > base.se  # "the SE ... grew a little"
    assert adj.se / base.se < 1.1
    assert np.log(adj.estimate) / adj.se > np.log(base.estimate) / base.se  # "the z statistic grows"


def test_pvalues_cross_005(models):
    assert models["unadjusted"].p > 0.05
    assert all(models[n].p < 0.05 for n in ("meld", "meld_logtbil", "strata"))
    says("the unadjusted p-value is above 0.05 and every adjusted one is below it")


def test_log_tbil_adds_little(models):
    summary = models["meld_logtbil"].fitter.summary
    assert summary.loc["log_tbil", "p"] > 0.2  # "its own coefficient is weak"
    # "changes little" relative to the MELD-only model, compared with the uncertainty
    assert abs(np.log(models["meld_logtbil"].estimate / models["meld"].estimate)) < models["meld"].se / 2


def test_intervals_overlap(models):
    # "each interval overlaps the others almost entirely" (on the log scale)
    lower = max(m.ci_lower for m in models.values())
    upper = min(m.ci_upper for m in models.values())
    for m in models.values():
        assert np.log(upper / lower) > 0.8 * np.log(m.ci_upper / m.ci_lower)
        assert lower < m.estimate < upper


def test_published_hr_quoted():
    hr, lower, upper, _ = tk.PUBLISHED["os_hr"]
    says(f"({hr:.2f}, 95% CI {lower:.2f}–{upper:.2f})")


# --- non-collapsibility ----------------------------------------------------------------------

def test_noncollapsibility_simulation(lesson_outputs):
    rng = np.random.default_rng(2021)
    n, base_rate, hr_factor, hr_treatment = 3000, 0.02, 5.0, 0.5
    assert "n_per_arm, base_rate, hr_factor, hr_treatment = 3000, 0.02, 5.0, 0.5" in CODE
    treated = np.repeat([0, 1], n)
    factor = np.tile(np.repeat([0, 1], n // 2), 2)
    rate = base_rate * hr_factor**factor * hr_treatment**treated
    sim = pd.DataFrame({"months": rng.exponential(1 / rate), "death": 1, "treated": treated, "factor": factor})
    assert (sim.groupby("treated")["factor"].mean() == 0.5).all()  # perfect balance
    marginal = CoxPHFitter().fit(sim[["months", "death", "treated"]], duration_col="months", event_col="death")
    conditional = CoxPHFitter().fit(sim, duration_col="months", event_col="death")
    hr_m, hr_c = marginal.hazard_ratios_["treated"], conditional.hazard_ratios_["treated"]
    assert abs(hr_c - hr_treatment) < 0.05
    assert abs(np.log(hr_m)) < abs(np.log(hr_c)) - 0.1  # the marginal HR is clearly closer to 1
    assert conditional.standard_errors_["treated"] > marginal.standard_errors_["treated"]
    says("a binary risk factor $Z$", "multiplies the hazard by 5", "halves the hazard")
    out = _executed(lesson_outputs)
    assert f"unadjusted (marginal):         HR {hr_m:.3f}" in out
    assert "the marginal HR is closer to 1: True" in out


def test_marginal_hr_over_time():
    rates = 0.02 * np.array([1.0, 5.0])
    t = np.linspace(0, 200, 401)

    def hazard(r):
        s = np.exp(-np.outer(t, r))
        return (s * r).sum(axis=1) / s.sum(axis=1)

    ratio = hazard(0.5 * rates) / hazard(rates)
    assert abs(ratio[0] - 0.5) < 1e-12  # "at time 0 ... equals the conditional 0.5"
    assert ratio.max() > 0.65  # "climbs towards 1"
    assert abs(ratio[-1] - 0.5) < 0.01  # "returns towards 0.5"


def test_noncollapsibility_is_small_in_a_trial_like_ours(models):
    params = dataclasses.replace(
        DEFAULTS,
        table1_continuous={k: (v[0], v[0]) for k, v in DEFAULTS.table1_continuous.items()},
        table1_proportions={k: (v[0], v[0]) for k, v in DEFAULTS.table1_proportions.items()},
        recorded_meld=(DEFAULTS.recorded_meld[0],) * 2,
    )
    assert "recorded_meld=(DEFAULTS.recorded_meld[0],) * 2," in CODE
    big = tk.simulate_trial(rng=2021, n_control=5000, n_msc=5000, params=params)
    assert big["death"].mean() < 0.3  # "most patients alive at the end of follow-up"
    unadjusted = tk.cox_by_arm(big, reference="UC-MSC")
    adjusted = tk.cox_by_arm(big, reference="UC-MSC", covariates=["meld"])
    balanced_change = adjusted.estimate / unadjusted.estimate - 1
    virtual_change = models["meld"].estimate / models["unadjusted"].estimate - 1
    assert 0 < balanced_change < 0.03  # "only a little", in the same direction
    assert virtual_change > 3 * balanced_change  # "most of the change ... comes from removing the imbalance"


# --- regression to the mean ------------------------------------------------------------------

def test_within_arm_changes(trial):
    long = tk.liver_function_long(trial)
    tb = long[long["test"] == "tbil"].dropna()
    gm = np.exp(np.log(tb["value"]).groupby([tb["arm"], tb["week"]]).mean())
    che = long[long["test"] == "che"].dropna().groupby(["arm", "week"])["value"].mean()
    assert gm["UC-MSC", 48] < gm["UC-MSC", 0] and che["UC-MSC", 48] > che["UC-MSC", 0]
    # "the control arm changes less"
    assert abs(np.log(gm["control", 48] / gm["control", 0])) < abs(np.log(gm["UC-MSC", 48] / gm["UC-MSC", 0]))
    assert abs(np.log(che["control", 48] / che["control", 0])) < abs(np.log(che["UC-MSC", 48] / che["UC-MSC", 0]))
    # "by week 48 the two arms are much closer together"
    assert gm["UC-MSC", 48] / gm["control", 48] < gm["UC-MSC", 0] / gm["control", 0]


def test_highest_baseline_falls_most_in_both_arms(trial):
    d = trial.assign(change=np.log(trial["tbil_w48"]) - np.log(trial["tbil"]),
                     q=pd.qcut(trial["tbil"], 4, labels=False)).dropna(subset=["change"])
    means = d.groupby(["arm", "q"])["change"].mean()
    for arm in tk.ARMS:
        assert means[arm].idxmin() == 3, arm  # the highest quartile falls most
        assert means[arm][0] > 0, arm  # the lowest quartile rises
    q4 = d[d["q"] == 3].groupby("arm")["tbil"].median()
    assert q4["UC-MSC"] > q4["control"]  # "they also start higher within it"
    assert (d["arm"] == "UC-MSC")[d["q"] == 3].mean() > 0.5  # "more UC-MSC patients started high"


def _ols(X, y):
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    sigma2 = resid @ resid / (len(y) - X.shape[1])
    return coef, np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))


@pytest.mark.parametrize("test", ["tbil", "che"])
def test_ancova_versus_change_scores(trial, test):
    d = trial.dropna(subset=[f"{test}_w48"])
    base, follow = np.log(d[test].to_numpy(float)), np.log(d[f"{test}_w48"].to_numpy(float))
    msc = (d["arm"] == "UC-MSC").to_numpy(float)
    ones = np.ones_like(base)
    within = (follow - base)[msc == 1]
    w_b, w_se = within.mean(), within.std(ddof=1) / np.sqrt(len(within))
    c_coef, c_se = _ols(np.column_stack([ones, msc]), follow - base)
    a_coef, a_se = _ols(np.column_stack([ones, msc, base - base.mean()]), follow)
    excludes_1 = [abs(b) > 1.96 * s for b, s in ((w_b, w_se), (c_coef[1], c_se[1]), (a_coef[1], a_se[1]))]
    assert excludes_1 == [True, True, False]  # within and change score exclude 1, ANCOVA includes it
    truth = np.log(DEFAULTS.liver[test].change[1][-1] / DEFAULTS.liver[test].change[0][-1])
    assert abs(a_coef[1] - truth) < abs(c_coef[1] - truth) / 3  # ANCOVA close to the truth
    assert abs(a_coef[2] - DEFAULTS.liver[test].reliability) < 0.1  # the slope estimates the reliability


def test_generator_reliability_quoted():
    assert DEFAULTS.liver["tbil"].reliability == 0.7 and DEFAULTS.liver["che"].reliability == 0.7
    says("**reliability** of 0.7", "by 30% of the baseline deviation")


def test_virtual_results_are_not_stated_as_facts_about_the_real_trial():
    says("So, in the virtual trial, the prediction holds",
         "For the real trial it remains a reasoned expectation",
         "In the virtual trial every adjusted hazard ratio is further from 1",
         "In the virtual trial the unadjusted p-value is above 0.05",
         "in the virtual trial, adjusting the Cox model for MELD (covariate or strata) moves")
    assert "So the prediction stands" not in TEXT and "Here it works **against" not in TEXT


def test_chance_imbalance_is_not_confounding_stated_once_and_everywhere():
    """Senn's position, in the lesson's title, text and summary, the glossary, the syllabus and the README."""
    root = LESSON.parent.parent
    title = "Baseline imbalance and covariate adjustment"
    assert "".join(NB["cells"][0]["source"]).startswith(f"# Lesson 5: {title}")
    says("is therefore **not confounding and not a bias** in that sense (Senn 1989; Senn 1994)",
         "The unadjusted analysis stays valid over the randomisation distribution",
         "gives that conditional inference", "whatever their observed balance",
         "In a randomised trial a chance imbalance is **not confounding**",
         "Senn SJ. Covariate imbalance and random allocation in clinical trials")
    assert "Chance imbalance is not confounding" not in TEXT  # the old closing heading
    assert "tilts the unadjusted comparison" not in TEXT
    assert TEXT.count("not confounding and not a bias") == 1  # stated once, in its section
    glossary = " ".join((root / "book" / "glossary.md").read_text(encoding="utf-8").split())
    assert "chance imbalance in one trial remains" not in glossary
    assert "A chance imbalance between randomised arms is not confounding" in glossary
    syllabus = (root / "book" / "syllabus.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"[5. {title}](../notebooks/05_baseline_imbalance.ipynb)" in syllabus
    assert f"| 5. {title} |" in readme
    assert "Confounding from baseline imbalance" not in syllabus + readme
    assert "@article{senn1989," in (root / "book" / "references.bib").read_text(encoding="utf-8")


def test_the_syllabus_cites_gail_and_greenland_for_non_collapsibility():
    root = LESSON.parent.parent
    syllabus = " ".join((root / "book" / "syllabus.md").read_text(encoding="utf-8").split())
    assert "(it is non-collapsible {cite:p}`gail1984,greenland1999`)" in syllabus
    assert "hernan2010" not in syllabus
    bib = (root / "book" / "references.bib").read_text(encoding="utf-8")
    assert "@article{gail1984," in bib and "@article{greenland1999," in bib
    says("(Gail et al. 1984; Greenland et al. 1999)")  # the lesson's own sources for it
