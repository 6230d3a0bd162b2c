"""Lesson 2 (trial design): the numbers its prose states, recomputed with the helper library.

Formula-derived numbers (the design hazard ratio, events, patients, power) must appear in the
prose exactly as formatted there; data-derived results are described qualitatively in the prose,
so the qualitative claims are checked against the virtual trial and the simulations, run with the
notebook's own seeds.
"""

import json
import math

import numpy as np
import pytest
from lessons import ROOT, markdown
from scipy.stats import norm

import trialkit as tk
from trialkit.parameters import PUBLISHED, TABLE1_CONTINUOUS
from trialkit.randomization import allocation_matrix, share_as_extreme, simulate_imbalance, smd_matrix
from trialkit.samplesize import design_table, expected_events

NAME = "02_trial_design.ipynb"
PATH = ROOT / "notebooks" / NAME
SEED, N_TRIALS = 2021, 10_000  # as in the notebook

pytestmark = pytest.mark.skipif(not PATH.exists(), reason="lesson 2 not written yet")


@pytest.fixture(scope="module")
def notebook():
    return json.loads(PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def text(notebook):
    # the prose wraps lines anywhere: compare with all whitespace collapsed to single spaces
    return " ".join(markdown(notebook).split())


@pytest.fixture(scope="module")
def trial():
    return tk.load_trial()


@pytest.fixture(scope="module")
def full():
    return tk.load_trial(include_excluded=True)


@pytest.fixture(scope="module")
def covariates(trial):
    return trial[["tbil", "meld", "che", "alb", "meld_gt15"]]


@pytest.fixture(scope="module")
def simple(covariates):
    return simulate_imbalance(covariates, "simple", N_TRIALS, rng=SEED)


def printed(lesson_outputs):
    nb = lesson_outputs[NAME]
    return "\n".join(
        "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
        for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
    )


# ---------------------------------------------------------------------------------------------
# Published figures and numbers derived from them by formula
# ---------------------------------------------------------------------------------------------


def _published_smd(name):
    if name == "meld":
        (mean_c, sd_c), (mean_u, sd_u) = PUBLISHED["meld_mean_sd"]
    else:
        control, msc = TABLE1_CONTINUOUS[name]
        mean_c, sd_c, mean_u, sd_u = control.mean, control.sd, msc.mean, msc.sd
    return tk.smd_from_summary(mean_c, sd_c, mean_u, sd_u)


def test_published_smds(text):
    tbil, meld, che = (_published_smd(n) for n in ("tbil", "meld", "che"))
    assert f"{tbil:.2f}" == "0.46" and f"{meld:.2f}" == "0.27" and f"{che:.2f}" == "-0.36"
    assert f"bilirubin higher by {tbil:.2f} SD" in text
    assert f"MELD higher by {meld:.2f} SD" in text
    assert f"lower by {abs(che):.2f} SD" in text and che < 0
    assert f"bilirubin imbalance (SMD {tbil:+.2f})" in text and f"MELD's ({meld:+.2f})" in text
    # the skewness argument quotes Table 1's UC-MSC SD and mean of TBIL
    msc = TABLE1_CONTINUOUS["tbil"][1]
    assert msc.sd > msc.mean
    assert f"SD ({msc.sd:.1f} µmol/L) is larger than the mean ({msc.mean:.1f} µmol/L)" in text


def test_sd_of_an_smd_by_formula(text, trial):
    n_control, n_msc = (trial["arm"] == "control").sum(), (trial["arm"] == "UC-MSC").sum()
    expected = math.sqrt(1 / n_control + 1 / n_msc)
    assert f"about {expected:.3f} for 219 patients" in text
    assert f"({expected:.3f} here)" in text


def test_design_hazard_ratio_and_events(text):
    hr = tk.hazard_ratio_from_survival(0.60, 0.85)
    assert f"ln(0.85)/ln(0.60) = {hr:.3f}" in text.replace("\\ln", "ln")
    assert f"HR {hr:.3f}" in text
    schoenfeld, freedman = tk.schoenfeld_events(hr), tk.freedman_events(hr)
    assert f"{schoenfeld:.1f}" == "23.9"
    assert f"About {math.ceil(schoenfeld)} deaths (Schoenfeld; {schoenfeld:.1f} rounded up)" in text
    assert f"or {math.ceil(freedman)} (Freedman; {freedman:.1f})" in text
    # "cut the death rate by two thirds"
    assert 0.6 < 1 - hr < 0.72 and "cut the death rate by two thirds" in text


def test_patients_per_arm(text):
    schoenfeld = tk.sample_size(0.60, 0.85)
    freedman = tk.sample_size(0.60, 0.85, method="freedman")
    assert (schoenfeld.n_per_arm, freedman.n_per_arm) == (44, 54)
    assert f"{schoenfeld.prob_event:.1%} on average" in text
    assert f"{schoenfeld.events:.1f} / {schoenfeld.prob_event:.3f} = {schoenfeld.n_total:.0f} patients" in text
    assert f"**{schoenfeld.n_per_arm} per arm**" in text and f"(Freedman: **{freedman.n_per_arm} per arm**)" in text
    # staggered entry over 40 months, 45 more months of follow-up
    table = design_table(0.60, 0.85, accrual=40, followup=45, n_control=100, n_treatment=100)
    staggered = table["patients per arm (with accrual and follow-up)"]
    assert (
        f"{schoenfeld.n_per_arm} to {freedman.n_per_arm} patients per arm "
        f"({staggered['Schoenfeld']} to {staggered['Freedman']} with staggered entry)"
    ) in text
    # "100 per arm gives well over 95%"
    assert (table["power at trial size"] > 0.95).all()
    assert "100 per arm gives well over 95%" in text


def test_power_the_trial_had(text):
    hr_published = PUBLISHED["os_hr"][0]
    deaths = sum(PUBLISHED["deaths_implied"])
    assert deaths == 43 and "28 + 15 = 43 deaths" in text
    design = tk.power_from_events(tk.hazard_ratio_from_survival(0.60, 0.85), deaths)
    assert f"the trial had {design:.0%} power for the effect it was designed around" in text
    assert f"HR {hr_published} (control vs UC-MSC, i.e. {1 / hr_published:.2f} for UC-MSC vs control)" in text
    # "the design assumptions predicted more deaths than that in 219 patients"
    assert expected_events(0.60, 0.85, 60, 40, 45, 111, 108) > deaths
    assert "predicted more deaths than that" in text
    # power for planning effects fixed in advance, not for the trial's own estimate
    p6, p7 = (tk.power_from_events(hr, deaths) for hr in (0.6, 0.7))
    assert f"but only {p6:.0%} for a hazard ratio of 0.6 and {p7:.0%} for 0.7" in text
    n6, n7 = (math.ceil(tk.schoenfeld_events(hr)) for hr in (0.6, 0.7))
    assert f"needs about {n6} and {n7} deaths (Schoenfeld, rounded up)" in text
    assert round(n6 / deaths) == 3 and round(n7 / deaths) == 6  # "about three and six times as many"
    assert f"only {p6:.0%} and {p7:.0%} for planning hazard ratios of 0.6 and 0.7" in text
    assert f"which need about {n6} and {n7} deaths" in text
    # the old conclusion drawn from observed power is gone
    assert "just what an under-powered trial" not in text


def _observed_power(p, alpha=0.05):
    z, z_alpha = norm.isf(p / 2), norm.isf(alpha / 2)
    return norm.cdf(z - z_alpha) + norm.cdf(-z - z_alpha)


def test_observed_power_only_restates_the_p_value(text):
    hr, lower, upper, printed_p = PUBLISHED["os_hr"]
    deaths = sum(PUBLISHED["deaths_implied"])
    wald = tk.wald_from_ci(hr, lower, upper)
    formula = tk.power_from_events(hr, deaths)
    assert f"The events formula with 43 deaths gives {formula:.0%} for HR 1.89" in text
    assert f"observed power is {_observed_power(printed_p):.1%} (printed p) or {_observed_power(wald.p):.1%}" in text
    # observed power with the interval's own SE is exactly the observed power of its Wald p
    z = math.log(hr) / wald.se
    assert norm.cdf(z - norm.isf(0.025)) + norm.cdf(-z - norm.isf(0.025)) == pytest.approx(_observed_power(wald.p))
    # the formula's higher value comes from its variance 4/d, smaller than the interval's
    assert math.sqrt(4 / deaths) < wald.se
    assert f"{wald.se:.3f}, is a little larger than $\\sqrt{{4/43}} = {math.sqrt(4 / deaths):.3f}$" in text
    # "about 50% for any result with p near 0.05", and it falls as p rises
    assert _observed_power(0.05) == pytest.approx(0.5, abs=0.001)
    grid = [_observed_power(p) for p in (0.001, 0.01, 0.05, 0.2, 0.5)]
    assert all(a > b for a, b in zip(grid[:-1], grid[1:], strict=True))
    assert "Hoenig & Heisey 2001" in text and "Hoenig JM, Heisey DM. The abuse of power" in text
    assert f"{1 / upper:.2f}–{1 / lower:.2f} for UC-MSC versus control" in text
    assert f"(\"observed power\", {formula:.0%} here)" in text


def test_the_question_on_sample_size(text):
    needed = tk.schoenfeld_events(1.89)
    assert f"(ln 1.89)² = {needed:.1f}, so **{math.ceil(needed)} deaths**" in text
    assert tk.schoenfeld_events(1 / 1.89) == pytest.approx(needed)
    assert f"Freedman's formula asks for {math.ceil(tk.freedman_events(1.89))}" in text
    patients = math.ceil(needed) / 0.2
    assert f"{math.ceil(needed)} / 0.2 = **{patients:.0f} patients**, {patients / 2:.0f} per arm" in text
    # "about one patient in five", as in this trial (43 implied deaths among 219)
    assert sum(PUBLISHED["deaths_implied"]) / 219 == pytest.approx(0.2, abs=0.01)


def test_predictability_of_blocks(text, lesson_outputs):
    by_hand = (1 / 2 + 2 / 3 + 2 / 3 + 1) / 4
    assert by_hand == pytest.approx(17 / 24)
    assert f"17/24 = {17 / 24:.1%}" in text
    line = next(x for x in printed(lesson_outputs).splitlines() if "blocks of 4:" in x)
    simulated = float(line.split(":")[1].split("%")[0]) / 100
    assert simulated == pytest.approx(by_hand, abs=0.01)


# ---------------------------------------------------------------------------------------------
# Qualitative claims about the simulations (the notebook's seeds)
# ---------------------------------------------------------------------------------------------


def test_sd_of_the_simulated_smds_matches_the_formula(simple):
    assert simple.std().to_numpy() == pytest.approx(math.sqrt(1 / 111 + 1 / 108), rel=0.05)


def test_tbil_is_far_in_the_upper_tail_and_meld_a_few_per_cent(text, simple, trial):
    published = {n: _published_smd(n) for n in ("tbil", "meld")}
    shares = share_as_extreme(simple, published)
    control, msc = trial[trial["arm"] == "control"], trial[trial["arm"] == "UC-MSC"]
    virtual = {n: tk.smd(control[n], msc[n]) for n in ("tbil", "meld")}
    virtual_shares = share_as_extreme(simple, virtual)
    # "fewer than one re-randomisation in a thousand is as unbalanced (and so is the virtual trial's own)"
    assert shares["tbil"] < 0.001 and virtual_shares["tbil"] < 0.001 and virtual["tbil"] > 0
    assert "fewer than one re-randomisation in a thousand" in text
    # "MELD's imbalance is unusual but not rare: a few per cent of re-randomisations reach it"
    assert 0.01 < shares["meld"] < 0.10
    assert "a few per cent of re-randomisations reach it" in text


def test_multiplicity_claims(text, trial):
    columns = ["age", "hbeag", "tp", "alb", "plt", "cr", "alt", "ast", "tbil", "pta", "che", "inr", "meld",
               "meld_gt15", "ascites"]
    table1 = trial[columns].assign(male=(trial["sex"] == "M").astype(int))
    assert table1.shape[1] == 16 and "The virtual trial's 16 Table 1 variables" in text
    largest = simulate_imbalance(table1, "simple", N_TRIALS, rng=SEED).abs().max(axis=1)
    share = {n: np.mean(largest >= abs(_published_smd(n))) for n in ("meld", "che", "tbil")}
    # "as large as MELD's is common ... as large as CHE's is less common ... TBIL's remains rare"
    assert share["meld"] > 0.3
    assert 0.03 < share["che"] < share["meld"]
    assert share["tbil"] < 0.02
    assert "an imbalance as large as MELD's is common" in text and "bilirubin's remains rare" in text


def test_one_extreme_patient_drives_the_tbil_smd(text, trial):
    allocations = allocation_matrix(len(trial), N_TRIALS, "simple", rng=SEED)
    explained = {}
    for name in ("tbil", "meld"):
        smds = smd_matrix(trial[[name]], allocations)[name].to_numpy()
        extreme_in_msc = allocations[:, trial[name].to_numpy().argmax()] == 1
        explained[name] = np.corrcoef(extreme_in_msc, smds)[0, 1] ** 2
    # "the arm of one patient out of 219 explains a large part ... for MELD, a less skewed score,
    # about half as much"
    assert explained["tbil"] > 0.2 and 0.4 < explained["meld"] / explained["tbil"] < 0.65
    assert trial["tbil"].skew() > 1.5 * trial["meld"].skew()
    assert "explains a large part of the chance imbalance" in text and "a less skewed score, about half as much" in text


def test_stratification_claims(text, covariates, simple):
    blocked = simulate_imbalance(covariates, "blocked", N_TRIALS, rng=SEED).std()
    strat = simulate_imbalance(covariates, "stratified", N_TRIALS, rng=SEED, strata_column="meld_gt15").std()
    base = simple.std()
    # "Blocking alone changes nothing for the baseline variables"
    assert ((blocked / base - 1).abs() < 0.1).all()
    ratio = strat / base
    # "all but removes the imbalance in MELD > 15 itself, shrinks the imbalance in MELD, and helps bilirubin
    # a little; cholinesterase and albumin are hardly helped"
    assert ratio["meld_gt15"] < 0.2
    assert ratio["meld"] < 0.75
    assert 0.7 < ratio["tbil"] < 0.9
    assert ratio["che"] > 0.9 and ratio["alb"] > 0.9
    assert "all but removes the imbalance in MELD > 15 itself" in text
    assert "cholinesterase and albumin are hardly helped" in text


# ---------------------------------------------------------------------------------------------
# CONSORT flow and intention to treat
# ---------------------------------------------------------------------------------------------


def test_consort_counts(text, full):
    assert "252 patients assessed for eligibility" in text and "250 randomised, 125 to each arm" in text
    counts = full.groupby(["arm", "exclusion"]).size()
    assert counts[("control", "withdrew consent")] == 10 and counts[("UC-MSC", "withdrew consent")] == 10
    assert counts[("control", "lost to follow-up")] == 4 and counts[("UC-MSC", "lost to follow-up")] == 7
    assert "In the control arm 10 withdrew consent and 4 were lost to follow-up" in text
    assert "in the UC-MSC arm 10 withdrew consent and 7 were lost to follow-up" in text
    excluded = int((~full["analysed"]).sum())
    assert excluded == 31 and f"{excluded} patients is {excluded / len(full):.0%} of those randomised" in text
    assert f"more than the {PUBLISHED['deaths_implied'][1]} deaths the paper implies in the UC-MSC arm" in text
    # "(in the virtual trial, all within the first six months)"
    withdrew = full[full["exclusion"] == "withdrew consent"]
    assert withdrew["os_months"].max() < 6 and "all within the first six months" in text


def test_itt_claims(text, trial, full):
    complete = tk.cox_by_arm(trial, reference="UC-MSC")
    itt = tk.cox_by_arm(full, reference="UC-MSC")
    # "The two analyses agree closely here" ... "Their p-values fall on either side of 0.05"
    assert abs(math.log(itt.estimate) - math.log(complete.estimate)) < 0.1
    assert complete.p > 0.05 > itt.p
    assert "The two analyses agree closely here" in text and "p-values fall on either side of 0.05" in text
    # the synthetic dropouts are non-informative: none died while followed
    assert full.loc[~full["analysed"], "death"].sum() == 0

    def excluded_die(arm):
        out = full.copy()
        out.loc[~out["analysed"] & (out["arm"] == arm), "death"] = 1
        return tk.cox_by_arm(out, reference="UC-MSC")

    # "they bracket the truth, from no benefit at all to a large one"
    assert excluded_die("UC-MSC").estimate < 1.0 < 2.0 < excluded_die("control").estimate
    assert "from no benefit at all to a large one" in text


def test_printed_outputs_carry_the_key_numbers(lesson_outputs):
    out = printed(lesson_outputs)
    assert "published SMD of TBIL (UC-MSC minus control): +0.46" in out
    assert "published SMD of MELD (UC-MSC minus control): +0.27" in out
    assert "design hazard ratio, UC-MSC vs control: 0.318" in out
    assert "deaths needed, Schoenfeld: 23.9" in out
    assert "patients per arm:     54" in out
    assert "power for the design HR 0.318 with 43 deaths: 96.4%" in out
    assert "power for a planning HR 0.6 with 43 deaths: 38.8%; deaths needed for 80%: 120.3" in out
    assert "power for a planning HR 0.7 with 43 deaths: 21.5%; deaths needed for 80%: 246.8" in out
    assert "'observed power' for HR 1.89 with 43 deaths: 55.1%" in out
    assert "observed power from the printed p (0.051) alone: 49.7%" in out
    assert "observed power from the Wald p of the CI (0.049) alone: 50.5%" in out
    assert "p = 0.05 : observed power 50.0%" in out


def test_virtual_results_are_not_stated_as_facts_about_the_real_trial(text):
    # the tail shares re-randomise the virtual patients; the SD of the SMD does not depend on them
    assert "These shares re-randomise the *virtual* patients, who stand in for the real ones" in text
    assert "for the real trial the shares are estimates, not facts" in text
    # the best/worst-case bracket is computed on the virtual trial
    assert "In the virtual trial these extremes, implausible as they are, bracket what the missing outcomes" in text
    assert "The real trial's extremes cannot be computed without its data" in text
    assert "they bracket the truth" not in text


def test_the_219_are_those_not_excluded(text):
    assert "completed follow-up" not in text
    assert "the 219 patients who were not excluded after randomisation" in text
    solution = (ROOT / "solutions" / "02_trial_design" / "02_trial_design.ipynb").read_text(encoding="utf-8")
    assert "completed follow-up" not in solution
