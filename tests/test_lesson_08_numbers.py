"""Lesson 8 (appraisal): the numbers and claims in the prose, recomputed with trialkit."""

import json
import math
import re

import numpy as np
import pytest
from lessons import ROOT, markdown
from scipy.stats import fisher_exact, norm

import trialkit as tk
from trialkit.engine import logrank_scan, simulate_null_trials
from trialkit.parameters import DEFAULTS
from trialkit.randomization import share_as_extreme, simulate_imbalance

LESSON = ROOT / "notebooks" / "08_appraisal.ipynb"
NB = json.loads(LESSON.read_text(encoding="utf-8"))
TEXT = re.sub(r"\s+", " ", markdown(NB))  # prose with line breaks collapsed
CODE = "\n".join("".join(c["source"]) for c in NB["cells"] if c["cell_type"] == "code")

TABLE1 = {"tbil": (33.2, 29.8, 76.0, 127.9), "che": (3337, 1335, 2812, 1560), "meld": (10.0, 4.2, 11.4, 6.0)}
DEATHS = sum(tk.PUBLISHED["deaths_implied"])


def says(*fragments):
    for fragment in fragments:
        assert fragment in TEXT, f"the prose should state {fragment!r}"


def pct(x, decimals=1):
    return f"{100 * x:.{decimals}f}%"


@pytest.fixture(scope="module")
def trial():
    return tk.load_trial()


@pytest.fixture(scope="module")
def full():
    return tk.load_trial(include_excluded=True)


def _printed(lesson_outputs):
    if LESSON.name not in lesson_outputs:
        pytest.skip("lesson 8 was not executed in this session (LESSONS filter)")
    nb = lesson_outputs[LESSON.name]
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []) if o["output_type"] == "stream")


# --- the published numbers, recomputed -------------------------------------------------------

def test_wald_p_values_recovered_from_the_published_intervals():
    overall = tk.wald_from_ci(*tk.PUBLISHED["os_hr"][:3])
    late = tk.wald_from_ci(*tk.PUBLISHED["os_hr_13_75"][:3])
    assert f"{overall.p:.3f}" == "0.049" and f"{late.p:.3f}" == "0.009"
    assert overall.p < 0.05 < tk.PUBLISHED["os_hr"][3]  # the printed p cannot come from the printed CI
    hcc = tk.wald_from_ci(*tk.PUBLISHED["hcc_hr"][:3])
    assert f"{hcc.p:.3f}" == "0.092" and hcc.p < tk.PUBLISHED["hcc_hr"][3]  # "this time the printed p the larger"
    says(f"it is {overall.p:.3f}, yet the paper prints {tk.PUBLISHED['os_hr'][3]:.3f}",
         f"gives {late.p:.3f} against a printed {tk.PUBLISHED['os_hr_13_75'][3]:.3f}",
         f"it gives {hcc.p:.3f} against a printed {tk.PUBLISHED['hcc_hr'][3]:.3f}",
         f"Wald p {overall.p:.3f} (overall), {late.p:.3f} (13–75 months) and {hcc.p:.3f} (HCC-free)",
         "against printed 0.051, 0.005 and 0.104, none reachable by rounding")


def _unreachable(key):
    _, lower, upper, printed = tk.PUBLISHED[key]
    ps = [tk.wald_from_ci(math.sqrt((lower + a) * (upper + b)), lower + a, upper + b).p
          for a in (-0.005, 0.005) for b in (-0.005, 0.005)]
    return not (min(ps) - 0.0005 <= printed <= max(ps) + 0.0005)


def test_three_printed_p_values_no_rounding_can_reach(lesson_outputs):
    keys = ("os_hr", "os_hr_0_13", "os_hr_13_75", "hcc_hr")
    unreachable = [k for k in keys if _unreachable(k)]
    assert unreachable == ["os_hr", "os_hr_13_75", "hcc_hr"]
    says("Three printed p-values do not match their intervals, and no rounding of the printed limits can",
         "Only the 0–13-month row agrees, within rounding")
    assert "Two printed p-values" not in TEXT
    assert ("3 printed p-values no rounding of the limits can give: OS, 0-75 months, OS, landmark 13-75 months, "
            "HCC-free, 0-75 months") in _printed(lesson_outputs)


def test_hazard_ratios_turned_round():
    hr, lower, upper, _ = tk.PUBLISHED["os_hr"]
    says(f"HR {1 / hr:.2f}, {1 / upper:.2f}–{1 / lower:.2f}", f"HR 0.53 (1/{hr:.2f})")
    hr, lower, upper, _ = tk.PUBLISHED["hcc_hr"]
    says(f"{1 / hr:.2f} ({1 / upper:.2f}–{1 / lower:.2f})")


def test_baseline_smds_all_say_the_msc_arm_was_sicker():
    smds = {k: tk.smd_from_summary(*v) for k, v in TABLE1.items()}
    assert smds["tbil"] > 0.4 and smds["che"] < -0.3 and smds["meld"] > 0.2
    says("All three point the same way: the UC-MSC arm was sicker")


def test_rerandomisation_shares_are_rare(trial):
    reruns = simulate_imbalance(trial[["tbil", "che", "meld"]], "simple", n_trials=10_000, rng=2021)
    shares = share_as_extreme(reruns, {k: tk.smd_from_summary(*v) for k, v in TABLE1.items()})
    assert shares["tbil"] < 0.005  # "very rare"
    assert shares["che"] < 0.02  # "rare too"
    says("A bilirubin imbalance as large as the paper's is very rare", "the cholinesterase one is rare too")


def test_consort_flow_and_attrition():
    randomised = np.array(tk.PUBLISHED["randomised"])
    analysed = np.array(tk.PUBLISHED["n"])
    lost = randomised - analysed
    assert (lost == np.array(DEFAULTS.dropout.withdrawn) + np.array(DEFAULTS.dropout.lost)).all()
    share = lost / randomised
    says(f"{pct(share[0])} ({lost[0]}/{randomised[0]}) in the control arm",
         f"{pct(share[1])} ({lost[1]}/{randomised[1]}) in the UC-MSC arm",
         f"{lost.sum()} ({pct(lost.sum() / randomised.sum())}) are missing",
         f"{analysed.sum()} ({pct(analysed.sum() / randomised.sum())}) are analysed",
         f"attrition {pct(share[0])} and {pct(share[1])}")
    difference = share[1] - share[0]
    se = math.sqrt(sum(p * (1 - p) / n for p, n in zip(share, randomised, strict=True)))
    z = norm.ppf(0.975)
    says(f"a difference of {100 * difference:.1f} percentage points",
         f"about −{100 * abs(difference - z * se):.1f} to +{100 * (difference + z * se):.1f} points")
    _, p = fisher_exact([[lost[i], randomised[i] - lost[i]] for i in range(2)])
    assert p > 0.5
    says(f"Fisher's exact p = {p:.2f}", f"Fisher p {p:.2f}")


def test_deaths_implied_by_the_published_interval():
    hr, lower, upper, _ = tk.PUBLISHED["os_hr"]
    se = tk.wald_from_ci(hr, lower, upper).se
    # 1/d1 + 1/d2 = SE^2 with d1/d2 = HR: d2 = (1 + 1/HR) / SE^2
    d_msc = (1 + 1 / hr) / se**2
    d_control = hr * d_msc
    assert round(d_control) == tk.PUBLISHED["deaths_implied"][0] and round(d_msc) == tk.PUBLISHED["deaths_implied"][1]
    says(f"roughly {DEATHS} deaths", f"({tk.PUBLISHED['deaths_implied'][0]} control and "
         f"{tk.PUBLISHED['deaths_implied'][1]} UC-MSC implied", f"about {DEATHS} deaths")


def test_sample_size_numbers():
    schoenfeld = tk.sample_size(0.60, 0.85)
    freedman = tk.sample_size(0.60, 0.85, method="freedman")
    assert f"{schoenfeld.hazard_ratio:.3f}" == "0.318"
    says(f"hazard ratio of {schoenfeld.hazard_ratio:.3f}",
         f"needs only {math.ceil(schoenfeld.events)} deaths ({schoenfeld.n_per_arm} patients per arm",
         f"Freedman's {math.ceil(freedman.events)} ({freedman.events:.1f} rounded up; {freedman.n_per_arm} per arm)",
         f"{math.ceil(schoenfeld.events)} deaths (Schoenfeld) or {freedman.n_per_arm} patients per arm (Freedman)")
    assert schoenfeld.n_per_arm < 100 and freedman.n_per_arm < 100  # neither gives the printed 100
    assert tk.power_from_events(schoenfeld.hazard_ratio, DEATHS) > 0.9  # "ample power"
    # power for planning effects fixed in advance, not "observed power" at the trial's own estimate
    p6, p7 = (tk.power_from_events(hr, DEATHS) for hr in (0.6, 0.7))
    says(f"a hazard ratio of 0.6 or 0.7 (a 40% or 30% lower hazard of death with UC-MSC), the same "
         f"{DEATHS} deaths give a power of only {p6:.0%} and {p7:.0%}",
         "Hoenig and Heisey 2001", "Hoenig JM, Heisey DM. The abuse of power")
    assert "observed HR" not in CODE and "power of only about 55%" not in TEXT
    # "about 50% for any result with p near 0.05": observed power at p = 0.05 exactly
    z = norm.isf(0.025)
    assert norm.cdf(z - z) + norm.cdf(-2 * z) == pytest.approx(0.5, abs=0.001)
    hr, lower, upper, _ = tk.PUBLISHED["os_hr"]
    says(f"in the interval, {1 / upper:.2f}–{1 / lower:.2f}")


def test_published_interaction():
    before = tk.wald_from_ci(*tk.PUBLISHED["os_hr_0_13"][:3])
    after = tk.wald_from_ci(*tk.PUBLISHED["os_hr_13_75"][:3])
    log_ratio = math.log(after.estimate / before.estimate)
    se = math.hypot(before.se, after.se)
    p = 2 * norm.sf(log_ratio / se)
    z = norm.ppf(0.975)
    says(f"{math.exp(log_ratio):.2f} times the one before",
         f"(95% CI {math.exp(log_ratio - z * se):.2f}–{math.exp(log_ratio + z * se):.1f}), interaction p = {p:.3f}",
         f"a published interaction p of {p:.3f}")


def test_safety_bound():
    n = tk.PUBLISHED["n"][1]
    says(f"up to about {pct(1 - 0.05 ** (1 / n))}")


def test_confirmatory_trial_events():
    planning = (0.6, 0.7, 0.75)
    estimate = 1 / tk.PUBLISHED["os_hr"][0]
    # a smaller effect than the estimate: every planning HR lies between the estimate and 1
    assert all(estimate < hr < 1 for hr in planning)
    assert "for planning_hr in (0.6, 0.7, 0.75):" in CODE
    says("a hazard ratio between the estimated 0.53 and 1 (closer to 1)", "(Ioannidis 2008)",
         "Ioannidis JPA. Why most discovered true associations are inflated")
    assert "should be smaller than the 0.53" not in TEXT
    events = {hr: math.ceil(tk.sample_size(0.60, 0.60**hr).events) for hr in planning}
    says(f"For a hazard ratio of 0.6 a trial needs {events[0.6]} deaths", f"for 0.7 it needs {events[0.7]}",
         f"for 0.75 it needs {events[0.75]}, almost nine times as many")
    assert 2.5 < events[0.6] / DEATHS < 3.5  # "about three times what this trial observed"
    assert 8.5 < events[0.75] / DEATHS < 9  # "almost nine times"


# --- qualitative claims about the virtual trial ---------------------------------------------

def test_censoring_the_excluded_changes_little_and_the_extremes_bracket(trial, full):
    base = tk.cox_by_arm(trial, reference="UC-MSC")
    itt = tk.cox_by_arm(full, reference="UC-MSC")
    assert abs(math.log(itt.estimate / base.estimate)) < 0.1
    excluded = ~full["analysed"]
    worst, best = full.copy(), full.copy()
    worst.loc[excluded & (worst["arm"] == "UC-MSC"), "death"] = 1
    best.loc[excluded & (best["arm"] == "control"), "death"] = 1
    assert tk.cox_by_arm(worst, reference="UC-MSC").estimate < 1
    assert tk.cox_by_arm(best, reference="UC-MSC").estimate > tk.PUBLISHED["os_hr"][0] * 1.2
    says("a hazard ratio *below* 1 (UC-MSC worse) to one far above the published 1.89")


def test_a_single_extra_death_tips_the_itt_analysis(full):
    excluded = full[~full["analysed"] & (full["arm"] == "UC-MSC")].sort_values("os_months").index
    assert tk.cox_by_arm(full, reference="UC-MSC").p < 0.05
    one = full.copy()
    one.loc[excluded[:1], "death"] = 1
    assert tk.cox_by_arm(one, reference="UC-MSC").p >= 0.05
    says("a single unfavourable outcome among the 17 missing UC-MSC patients")


def test_meld_adjustment_and_landmark_claims(trial):
    unadjusted = tk.cox_by_arm(trial, reference="UC-MSC")
    adjusted = tk.cox_by_arm(trial, reference="UC-MSC", covariates=["meld"])
    assert abs(math.log(adjusted.estimate)) > abs(math.log(unadjusted.estimate))
    says("In the virtual trial, adjusting for baseline MELD moves the hazard ratio *further* from 1")
    # a fact about synthetic data, not about the paper's missing adjusted analysis
    says("That is a fact about synthetic data, not about the paper's missing analysis",
         "would be circular", "a reader can know neither what the real adjusted estimate was nor why it was left out")
    assert "it was not that it undermined the headline" not in TEXT
    landmark = tk.landmark_analysis(trial, 13, reference="UC-MSC")
    assert 0.8 < landmark.before.estimate < 1.25 and landmark.after.estimate > 2
    assert 0.02 < landmark.interaction.p < 0.1
    says("Before the landmark the hazard ratio is close to 1 and after it well above 1",
         "the interaction p-value is only about 0.05")
    # the virtual estimates sit near the published ones
    for mine, key in ((unadjusted, "os_hr"), (landmark.before, "os_hr_0_13"), (landmark.after, "os_hr_13_75")):
        assert abs(math.log(mine.estimate / tk.PUBLISHED[key][0])) < 0.2
    # every interval in the forest plot is wide
    intervals = [tk.PUBLISHED[k][1:3] for k in ("os_hr", "os_hr_0_13", "os_hr_13_75", "hcc_hr")]
    intervals += [(r.ci_lower, r.ci_upper) for r in (unadjusted, adjusted, landmark.before, landmark.after,
                                                     tk.cox_by_arm(tk.load_trial(include_excluded=True),
                                                                   reference="UC-MSC"))]
    assert all(upper / lower >= 3 for lower, upper in intervals)
    says("each upper limit is at least three times the lower one")


def test_data_driven_landmark_inflates_false_positives():
    times, events, groups = simulate_null_trials(5_000, rng=2021)
    candidates = np.arange(3.0, 37.0)
    scan = logrank_scan(times, events, groups, candidates)
    p_after = scan.p_value(scan.after)
    fixed = (p_after[:, candidates == 13.0][:, 0] < 0.05).mean()
    chosen = (p_after.min(axis=1) < 0.05).mean()
    assert abs(fixed - 0.05) < 0.01  # "keeps the false-positive rate at the nominal 5%"
    assert chosen > 2.5 * 0.05  # "raises it several-fold"
    says("keeps the false-positive rate at the nominal 5%", "raises it several-fold")


def test_rmst_gain_is_small_and_uncertain(trial):
    rmst = tk.rmst_difference(trial, 60, n_boot=2000, rng=2021)
    assert rmst.ci_lower < 0 < rmst.ci_upper and abs(rmst.estimate) < 6
    says("small beside the 60-month horizon, and its interval includes zero")


# --- the judgements: prose, signalling answers (RoB 2 algorithms) and the evidence table agree

def _answers(domain):
    match = re.search(rf"\*\*Judgement: ([a-z ]+?)\*\* \(({domain}\.1 [^)]*)\)", TEXT)
    assert match, f"domain {domain}: no '**Judgement: ...** ({domain}.1 ...)' in the prose"
    answers = dict(part.split() for part in match.group(2).split(", "))
    return match.group(1), answers


def _algorithm(domain, a):
    yes, no = {"Y", "PY"}, {"N", "PN"}
    if domain == 1:  # Sterne et al. 2019, domain 1
        if a["1.2"] in no:
            return "high risk of bias"
        if a["1.2"] == "NI":
            return "high risk of bias" if a["1.3"] in yes else "some concerns"
        return "some concerns" if a["1.3"] in yes or a["1.1"] in no else "low risk of bias"
    if domain == 2:  # effect of assignment: part 1 (2.1-2.5), part 2 (2.6-2.7)
        aware = a["2.1"] in yes | {"NI"} or a["2.2"] in yes | {"NI"}
        part1 = "some concerns" if aware and a["2.3"] in yes | {"NI"} else "low risk of bias"
        part2 = ("low risk of bias" if a["2.6"] in yes else
                 "high risk of bias" if a["2.7"] in yes | {"NI"} else "some concerns")
        order = ["low risk of bias", "some concerns", "high risk of bias"]
        return max(part1, part2, key=order.index)
    if domain == 3:
        if a["3.1"] in yes or a["3.2"] in yes or a["3.3"] in no:
            return "low risk of bias"
        return "some concerns" if a["3.4"] in no else "high risk of bias"
    if domain == 4:
        if a["4.1"] in yes or a["4.2"] in yes:
            return "high risk of bias"
        if a["4.3"] in no or a["4.4"] in no:
            return "low risk of bias"
        return "high risk of bias" if a["4.5"] in yes else "some concerns"
    if domain == 5:
        if a["5.2"] in yes or a["5.3"] in yes:
            return "high risk of bias"
        return "low risk of bias" if a["5.1"] in yes else "some concerns"
    raise ValueError(domain)


def test_domain_1_uses_the_multiplicity_corrected_share(trial):
    # the same computation as Lesson 2 (trial design, section 2): 16 Table 1 variables, seed 2021
    columns = ["age", "hbeag", "tp", "alb", "plt", "cr", "alt", "ast", "tbil", "pta", "che", "inr", "meld",
               "meld_gt15", "ascites"]
    table1 = trial[columns].assign(male=(trial["sex"] == "M").astype(int))
    assert table1.shape[1] == 16
    largest = simulate_imbalance(table1, "simple", n_trials=10_000, rng=2021).abs().max(axis=1)
    share = float(np.mean(largest >= abs(tk.smd_from_summary(*TABLE1["tbil"]))))
    assert f"{share:.1%}" == "1.0%"
    says(f"in at least one of them turns up in {share:.1%} of re-randomisations",
         "as Lesson 2 (trial design) does with the same patients and seed",
         "this is an estimate for the real trial, not a fact about it")
    flat_code = " ".join(CODE.split())
    assert f"columns = {columns}".replace("'", '"') in flat_code
    assert 'trial[columns].assign( male=(trial["sex"] == "M").astype(int))' in flat_code
    assert "some one of 16 variables in {share_any:.1%} of" in CODE  # the evidence table uses it
    assert "re-randomisations (virtual patients)." in CODE
    assert "{shares['tbil']:.2%}" not in CODE  # not the single-variable share


def test_hcc_analysis_censored_the_deaths():
    # Lesson 3: an endpoint counting every death would have at least as many events as deaths
    hr, lower, upper, _ = tk.PUBLISHED["hcc_hr"]
    events = (1 + 1 / hr) / tk.wald_from_ci(hr, lower, upper).se ** 2 * (1 + hr)
    assert events < DEATHS
    says("its printed interval implies fewer events than deaths, so they were censored; Lessons 3 and 7")


def test_the_31_excluded_patients_are_judged_once_in_domain_3():
    _, answers = _answers(2)
    assert answers["2.6"] in {"Y", "PY"}  # modified ITT excluding only missing outcomes is appropriate
    says("would count the same patients twice", "the missing outcomes themselves are judged in domain 3",
         "This is the domain in which the 31 excluded patients count", "Higgins JPT, Savović J, Page MJ, Sterne JAC")
    assert "2.6 N," not in TEXT


def _rob2_overall(judgements):
    # Sterne et al. 2019: low if all low; high if any high; otherwise some concerns
    if "High" in judgements:
        return "High"
    return "Some concerns" if "Some concerns" in judgements else "Low"


def test_overall_judgement_follows_the_rob2_algorithm(lesson_outputs):
    table = dict(re.findall(r'"domain": "(\d) [^"]*",.*?"judgement": "([^"]+)"', CODE, flags=re.S))
    assert sorted(table) == ["1", "2", "3", "4", "5"]
    overall = _rob2_overall(list(table.values()))
    assert overall == "High"
    high = [d for d, j in table.items() if j == "High"]
    concerns = [d for d, j in table.items() if j == "Some concerns"]
    assert high == ["1", "5"] and concerns == ["2", "3"]
    says("Two of the five domains (1 and 5) are at high risk of bias", "Two more domains (2 and 3) have some concerns",
         "Overall: **high risk of bias**")
    assert "max(evidence" not in CODE and "rob2_overall(" in CODE
    assert f"Overall risk of bias for the overall-survival result: {overall}" in _printed(lesson_outputs)


def test_judgements_follow_the_rob2_algorithms_and_match_the_table():
    code_judgements = dict(re.findall(r'"domain": "(\d) [^"]*",.*?"judgement": "([^"]+)"', CODE, flags=re.S))
    words = {"Low": "low risk of bias", "Some concerns": "some concerns", "High": "high risk of bias"}
    for domain in range(1, 6):
        stated, answers = _answers(domain)
        assert _algorithm(domain, answers) == stated, f"domain {domain}: {answers} does not give {stated}"
        assert words[code_judgements[str(domain)]] == stated, f"domain {domain}: table and prose differ"
    says("Overall: **high risk of bias**")


def test_printed_outputs(lesson_outputs):
    out = _printed(lesson_outputs)
    assert "Overall risk of bias for the overall-survival result: High" in out
    assert "p >= 0.05 from 1 extra UC-MSC death(s)" in out
    assert "interaction p = 0.047" in out
    assert "Fisher's exact p = 0.70" in out
    assert "some variable among 16 with |SMD| >= 0.46 (TBIL's): 1.0% of re-runs" in out
    assert "power with 43 deaths to detect a planning HR 0.6: 39%" in out
    assert "power with 43 deaths to detect a planning HR 0.7: 21%" in out
