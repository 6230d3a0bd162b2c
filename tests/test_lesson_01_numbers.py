"""Lesson 1 (the question and the evidence): the numbers and claims in the prose, recomputed.

The prose quotes published figures (Shi et al. 2021, the seed studies), derives numbers from
them (exact binomial intervals for Qin et al.'s dose groups, the Wald p-value behind Shi et al.'s
printed interval, attrition counts) and describes the virtual trial and a synthetic cohort
qualitatively ("just above 0.05", "well below 1"). Each is checked here against trialkit and
scipy, so that the prose and the code cannot drift apart.
"""

import itertools
import json
import re

import pytest
from lessons import ROOT, markdown
from scipy.stats import binomtest

import trialkit as tk
from trialkit.cohort import COHORT_SEED, JIA2020, duration_hazard_ratios, simulate_cohort
from trialkit.parameters import DEFAULTS, TABLE1_CONTINUOUS

NAME = "01_question_and_evidence.ipynb"
NB = json.loads((ROOT / "notebooks" / NAME).read_text(encoding="utf-8"))
MARKDOWN = markdown(NB)
# line breaks and block-quote markers removed, so phrases can be searched
TEXT = " ".join(re.sub(r"(?m)^> ?", "", MARKDOWN).split())
CODE = "\n".join("".join(c["source"]) for c in NB["cells"] if c["cell_type"] == "code")
SEEDS = ROOT.parent / "shared" / "seeds"  # the course's source documents, outside the repository

QIN_GROUPS = {"low dose": (4, 6), "medium dose": (8, 8), "high dose": (7, 8)}


def says(*fragments):
    for fragment in fragments:
        assert fragment in TEXT, f"the prose should state {fragment!r}"


def pct(x):
    return f"{100 * x:.1f}%"


def exact_ci(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


def _printed(lesson_outputs):
    if NAME not in lesson_outputs:
        pytest.skip("lesson 1 was not executed in this session (LESSONS filter)")
    nb = lesson_outputs[NAME]
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []) if o["output_type"] == "stream")


@pytest.fixture(scope="module")
def trial():
    return tk.load_trial()


@pytest.fixture(scope="module")
def cohort():
    c = simulate_cohort(rng=COHORT_SEED)
    c["died_by_week_4"] = ((c["time"] <= 4) & (c["death"] == 1)).astype(int)
    return c


# --- Rung 1: Liang et al. 2017 ----------------------------------------------------------------

def test_liang_attrition_arithmetic():
    enrolled, died, transplanted, lost = 26, 3, 2, 4
    says(f"at most {enrolled - died - transplanted - lost} patients", f"the {died} who died and the {transplanted}")
    assert "enrolled, died, transplanted, lost = 26, 3, 2, 4" in CODE


# --- Rung 2: Qin et al. 2025 ------------------------------------------------------------------

def test_66_7_percent_is_not_a_count_out_of_8():
    out_of_8 = [round(100 * k / 8, 1) for k in range(9)]
    assert 66.7 not in out_of_8
    assert round(100 * 4 / 6, 1) == 66.7 and round(100 * 2 / 3, 1) == 66.7
    assert [f"{k}/{n}" for n in range(1, 9) for k in range(n + 1) if round(100 * k / n, 1) == 66.7] == ["2/3", "4/6"]
    assert round(100 * 7 / 8, 1) == 87.5
    says("66.7% is not a count out of 8", f"5 of 8 is {pct(5 / 8)} and 6 of 8 is {pct(6 / 8)}",
         "4 of 6 (or 2 of 3)", "the simplest reading of the low dose, **4 of 6**", "the high-dose figure 7 of 8")


def test_groups_of_8_are_marked_as_an_assumption(lesson_outputs):
    # Qin et al.'s abstract: 24 patients "divided into 3 groups", no group sizes
    seed = (ROOT.parent / "shared" / "seeds" / "003_d04fb722709986b4.txt")
    if seed.exists():
        abstract = seed.read_text(encoding="utf-8")
        assert "divided into 3 groups" in abstract and "groups of 8" not in abstract
    printed = {"low": 66.7, "medium": 100.0, "high": 87.5}

    def fits(n, percent):
        return any(round(100 * k / n, 1) == percent for k in range(n + 1))

    splits = [(a, b, 24 - a - b) for a in range(1, 23) for b in range(1, 24 - a)
              if all(fits(n, p) for n, p in zip((a, b, 24 - a - b), printed.values(), strict=True))]
    assert (8, 8, 8) not in splits and (6, 10, 8) in splits and (9, 7, 8) in splits
    says("The abstract does not give the group sizes.", "but it is **our assumption**, not a figure from the paper",
         "equal groups of 8 and complete 2-year follow-up cannot both be true",
         "(for instance 6, 10 and 8, or 9, 7 and 8) with everyone followed, but not 8, 8 and 8",
         "(24 patients in 3 groups; sizes not reported)", "8 each if equal, which the abstract does not say")
    assert "in three dose groups of 8" not in TEXT and "(3 groups of 8)" not in TEXT
    out = _printed_text(lesson_outputs)
    assert f"{splits}; equal groups (8, 8, 8) among them: False" in out


def _printed_text(lesson_outputs):
    nb = lesson_outputs["01_question_and_evidence.ipynb"]
    return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []) if o["output_type"] == "stream")


def test_a_kaplan_meier_two_thirds_from_8_needs_two_censored_before_the_first_death():
    """Every order of deaths (D) and censorings (C) among 8 patients whose KM estimate is 66.7%."""
    matches = []
    for length in range(9):
        for seq in itertools.product("DC", repeat=length):
            at_risk, s = 8, 1.0
            for e in seq:
                if e == "D":
                    s *= 1 - 1 / at_risk
                at_risk -= 1
            if round(100 * s, 1) == 66.7:
                matches.append("".join(seq))
    assert matches
    assert all(seq.index("D") >= 2 for seq in matches)
    says("requires at least two of them to have left observation before the first death")


@pytest.mark.parametrize("group", list(QIN_GROUPS))
def test_exact_intervals_are_stated(group):
    k, n = QIN_GROUPS[group]
    low, high = exact_ci(k, n)
    if group == "medium dose":
        says(f"as low as {pct(low)}", f"runs from {pct(low)} to {pct(high)}")
    else:
        says(f"{pct(k / n)} ({k} of {n}) with anything from {pct(low)} to {pct(high)}")


def test_the_intervals_are_wide_and_overlap():
    cis = {g: exact_ci(*kn) for g, kn in QIN_GROUPS.items()}
    assert all(high - low > 0.3 for low, high in cis.values())  # "tens of percentage points"
    assert max(low for low, _ in cis.values()) < min(high for _, high in cis.values())  # a common region
    says("Each interval spans tens of percentage points", "overlap almost entirely")


def test_the_conclusion_does_not_depend_on_the_low_dose_reading():
    medium_low, _ = exact_ci(8, 8)
    for k in (5, 6):
        low, high = exact_ci(k, 8)
        assert high - low > 0.5 and high > medium_low  # still wide, still overlapping the medium dose
    says("the conclusion below does not depend on these readings")
    # "with any of the other group sizes the intervals change, and stay tens of percentage points wide"
    printed = (66.7, 100.0, 87.5)
    for a in range(1, 23):
        for b in range(1, 24 - a):
            sizes = (a, b, 24 - a - b)
            counts = [[k for k in range(n + 1) if round(100 * k / n, 1) == p] for n, p in zip(sizes, printed,
                                                                                                 strict=True)]
            if all(counts):
                widths = [exact_ci(c[0], n)[1] - exact_ci(c[0], n)[0] for c, n in zip(counts, sizes, strict=True)]
                assert min(widths) > 0.2, sizes
    says("stay tens of percentage points wide")


def test_rule_of_three():
    low, _ = exact_ci(8, 8)
    says(f"3/8 = {pct(3 / 8)}", f"close to the exact {pct(1 - low)}",
         f"risk of death of about {round(100 * (1 - low))}%")


def test_the_notebook_uses_scipy_exact_intervals():
    assert 'proportion_ci(confidence_level=0.95, method="exact")' in CODE
    assert '"alive": [4, 8, 7], "n": [6, 8, 8]' in CODE


# --- Rung 3: Jia et al. 2020 and the synthetic cohort -----------------------------------------

def test_jia_design_figures():
    j = JIA2020
    assert j["A"] + j["B"] == j["liver failure"] and j["C"] + j["D"] == j["cirrhosis"]
    assert j["liver failure"] + j["cirrhosis"] == j["eligible"]
    says(f"{j['treated']} patients had received UC-MSC, and {j['eligible']} met the criteria",
         f"{j['liver failure']} with HBV-related liver failure and {j['cirrhosis']} with cirrhosis",
         f"liver failure group A, n = {j['A']}; cirrhosis group C, n = {j['C']}",
         f"groups B, n = {j['B']}, and D, n = {j['D']}", f"followed for {j['followup_weeks']} weeks")


def test_cohort_has_the_paper_sizes_and_no_early_deaths_in_the_prolonged_groups(cohort):
    sizes = cohort["paper_group"].value_counts().to_dict()
    assert sizes == {g: JIA2020[g] for g in "ABCD"}
    early = cohort.groupby("paper_group")["died_by_week_4"].sum()
    assert early["A"] == 0 and early["C"] == 0
    assert early["B"] + early["D"] > 0
    says("The simulated groups have the paper's sizes", "The prolonged groups (A and C) have no deaths",
         "every early death is in a standard-treatment group")


def test_naive_hazard_ratio_is_well_below_1(cohort):
    naive = duration_hazard_ratios(cohort).loc["naive"]
    assert naive["estimate"] < 0.6 and naive["ci_upper"] < 1
    says("finds a hazard ratio well below 1")


# --- Rung 4: Shi et al. 2021 -------------------------------------------------------------------

def test_attrition_figures():
    randomised, analysed = tk.PUBLISHED["randomised"], tk.PUBLISHED["n"]
    withdrawn, lost = DEFAULTS.dropout.withdrawn, DEFAULTS.dropout.lost
    assert tuple(r - a for r, a in zip(randomised, analysed, strict=True)) == tuple(
        w + lo for w, lo in zip(withdrawn, lost, strict=True))
    assert withdrawn[0] == withdrawn[1]
    not_analysed, total = sum(randomised) - sum(analysed), sum(randomised)
    says(f"In each arm {withdrawn[0]} patients withdrew consent, and {lost[0]} control and {lost[1]} UC-MSC "
         "patients were lost to follow-up", f"{not_analysed} of the {total} randomised were not analysed",
         f"{not_analysed} of the {total} patients randomised were not analysed")


def test_baseline_imbalance_quoted():
    tbil_control, tbil_msc = (m.mean for m in TABLE1_CONTINUOUS["tbil"])
    (meld_control, _), (meld_msc, _) = tk.PUBLISHED["meld_mean_sd"]
    assert tbil_msc > tbil_control and meld_msc > meld_control
    says(f"mean bilirubin {tbil_msc:.1f} versus {tbil_control:.1f} µmol/L",
         f"mean MELD {meld_msc:.1f} versus {meld_control:.1f}")


def _hr_text(key, sep="HR = ", ci="95% CI "):
    hr, low, high, p = tk.PUBLISHED[key]
    return f"{sep}{hr:.2f}, {ci}{low:.2f}–{high:.2f}, p = {p:.3f}"


@pytest.mark.parametrize("key", ["os_hr", "os_hr_13_75", "os_hr_0_13"])
def test_published_survival_results_are_quoted(key):
    says(f"({_hr_text(key)})")


def test_published_hcc_figures_are_quoted():
    (hcc_c, hcc_m), (n_c, n_m) = tk.PUBLISHED["hcc"], tk.PUBLISHED["n"]
    hr, low, high, p = tk.PUBLISHED["hcc_hr"]
    says(f"HCC in {hcc_c} of {n_c} control patients ({pct(hcc_c / n_c)}) and {hcc_m} of {n_m} UC-MSC "
         f"patients ({pct(hcc_m / n_m)}), HR {hr:.2f} (95% CI {low:.2f}–{high:.2f}), p = {p:.3f}")


def test_the_primary_and_landmark_results_in_the_press_table():
    hr, low, high, p = tk.PUBLISHED["os_hr"]
    says(f"HR {hr:.2f} (95% CI {low:.2f}–{high:.2f}), p = {p:.3f}")
    hr, low, high, p = tk.PUBLISHED["os_hr_13_75"]
    says(f"HR {hr:.2f} (95% CI {low:.2f}–{high:.2f}), p = {p:.3f}", f"(13–75 months, p = {p:.3f})")


# --- Rung 5: the Wald p-value behind the printed interval -------------------------------------

def test_recovered_wald_p():
    hr, low, high, printed_p = tk.PUBLISHED["os_hr"]
    recovered = tk.wald_from_ci(hr, low, high)
    assert f"{recovered.p:.3f}" == "0.049" and recovered.p < 0.05 < printed_p
    assert low > 1  # the printed CI excludes 1 while the printed p does not reach 0.05
    says(f"The printed interval ({low:.2f}–{high:.2f}) just excludes 1",
         f"the p recovered from it is {recovered.p:.3f}, while the printed p is {printed_p:.3f}",
         f"a printed interval of {low:.2f}–{high:.2f} implies p = {recovered.p:.3f}, not the printed {printed_p:.3f}")


# --- The MELD and Child-Pugh example ------------------------------------------------------------

def test_meld_and_child_pugh_example():
    meld = float(tk.meld_score(tbil=33.2, inr=1.32, creatinine=84.9))
    points, klass = tk.child_pugh(tbil=[33.2], alb=[30.5], inr=[1.32], ascites_grade=[2], encephalopathy_grade=[1])
    assert round(meld) == 12 and str(klass[0]) == "B"
    mean_control = tk.PUBLISHED["meld_mean_sd"][0][0]
    assert meld > mean_control + 1  # "lower than the formula gives"
    class_b_control = tk.PUBLISHED["child_pugh_abc"][0][1]
    says("with a MELD of about 12", "in Child–Pugh class B, like "
         f"{class_b_control} of the {tk.PUBLISHED['n'][0]} control patients",
         f"mean MELD of {mean_control:.1f} for the control arm, lower than the formula gives")


# --- The virtual trial ------------------------------------------------------------------------

def test_virtual_trial_is_a_near_miss(trial):
    p = tk.logrank_by_arm(trial).p_value
    cox = tk.cox_by_arm(trial, reference="UC-MSC")
    assert 0.05 < p < 0.07  # "just above 0.05"
    assert cox.estimate > 1.5  # "well above 1"
    assert 0.9 < cox.ci_lower < 1 < cox.ci_upper  # "only just includes 1"
    says("a p-value just above 0.05", "well above 1 whose 95% interval only just includes 1", "a **near miss**",
         "The virtual trial's interval includes 1")


def test_virtual_trial_curves_stay_together_then_part(trial):
    curves = tk.km_by_arm(trial)

    def gap(month):  # UC-MSC minus control
        return float(curves["UC-MSC"].predict(month)) - float(curves["control"].predict(month))

    early = [gap(m) for m in range(3, 37, 3)]
    assert max(abs(g) for g in early) < 0.04  # close together (within 4 points) for three years
    assert min(early) < 0 < max(early)  # and crossing
    assert gap(60) > 0.08 and gap(72) > 0.1  # then UC-MSC clearly ahead
    says("stay close together, even crossing, for the first three years or so",
         "the UC-MSC curve pull clearly ahead")


def test_printed_outputs_match(lesson_outputs, trial):
    printed = _printed(lesson_outputs)
    hr, low, high, printed_p = tk.PUBLISHED["os_hr"]
    assert f"Wald p recovered from the printed CI = {tk.wald_from_ci(hr, low, high).p:.3f}" in printed
    assert f"log-rank test, all follow-up: p = {tk.logrank_by_arm(trial).p_value:.3f}" in printed
    assert str(tk.cox_by_arm(trial, reference="UC-MSC")) in printed
    low8, high8 = exact_ci(8, 8)
    assert f"8/8: 100.0%  exact 95% CI {pct(low8)} to {pct(high8)}" in printed
    assert "at most 17 of 26 patients could have a 2-year measurement" in printed
    assert "not analysed 31 (12.4%)" in printed
    assert "MELD:       12.0 points" in printed and "class B" in printed


# --- Quotations are verbatim --------------------------------------------------------------------

def _seeds_text():
    found = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip("the course's seed documents are not available here")
    return " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in found).lower()


def _quotations():
    """Every double-quoted passage of 30+ characters in the prose, outside the check-your-understanding
    questions and answers (which quote invented readers and model answers)."""
    text = re.sub(r"\*\*Check your understanding\.\*\*.*?</details>", " ", MARKDOWN, flags=re.S)
    text = re.sub(r"(?m)^> ?", "", text).replace(" [*sic*]", "")
    text = " ".join(text.split())
    assert text.count('"') % 2 == 0, "unbalanced double quotes in the prose"
    return [q for q in re.findall(r'"([^"]*)"', text) if len(q) >= 30]


def test_quotations_are_verbatim_from_the_seed_documents():
    source = _seeds_text()
    quotes = _quotations()
    assert len(quotes) >= 15
    missing = [q for q in quotes if q.lower() not in source]
    assert not missing, missing


def test_the_press_summary_is_quoted_exactly():
    source = _seeds_text()
    for quote in ("Initially, there was no significant difference in survival rates between the UC-MSC group and "
                  "the control group.",
                  "had a significantly higher survival rate during the 13 to 75-month follow-up period"):
        assert quote.lower() in source
        says(quote)


def test_the_virtual_trial_is_not_described_as_the_real_one():
    says("In the virtual trial the two curves stay close together",
         "The virtual trial was calibrated to reproduce the paper's situation, and does: a **near miss**")
    assert "This is the paper's situation" not in TEXT
