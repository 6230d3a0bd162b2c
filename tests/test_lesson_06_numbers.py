"""Lesson 6: every key number the prose states, recomputed with the helper library.

The prose quotes Jia et al. 2020's group sizes, derives shares, attrition and exact binomial
intervals from published figures, and describes the simulated cohorts and the Stanford heart
transplant data qualitatively ("well below 1", "close to 1"). Each is checked here against
trialkit, lifelines and scipy, so the prose and the code cannot drift apart.
"""

import json
import pathlib
import re
from importlib import resources

import numpy as np
import pytest
from lessons import ROOT, markdown
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_stanford_heart_transplants
from scipy.stats import binomtest, norm

from trialkit.cohort import (
    COHORT_DEFAULTS,
    COHORT_SEED,
    JIA2020,
    duration_hazard_ratios,
    simulate_cohort,
)
from trialkit.engine import logrank_scan

NAME = "06_observational_pitfalls.ipynb"
NB = json.loads((ROOT / "notebooks" / NAME).read_text(encoding="utf-8"))
TEXT = " ".join(markdown(NB).split())  # line breaks collapsed, so phrases can be searched
SEEDS = ROOT.parent / "shared" / "seeds"  # the course's source papers, outside the repository


def _printed(lesson_outputs):
    nb = lesson_outputs[NAME]
    return "\n".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []) if o["output_type"] == "stream")


# --- Jia et al. 2020: the published design ---------------------------------------------------

def test_published_group_sizes_are_quoted():
    j = JIA2020
    assert j["A"] + j["B"] == j["liver failure"] and j["C"] + j["D"] == j["cirrhosis"]
    assert j["liver failure"] + j["cirrhosis"] == j["eligible"]
    for phrase in (
        f"Of {j['treated']} patients who received UC-MSC, {j['eligible']} were eligible",
        f"{j['liver failure']} with liver failure (group A, n = {j['A']}; group B, n = {j['B']})",
        f"{j['cirrhosis']} with cirrhosis (group C, n = {j['C']}; group D, n = {j['D']})",
        f"| liver failure | A: {j['A']} | B: {j['B']} | {j['liver failure']} |",
        f"| cirrhosis | C: {j['C']} | D: {j['D']} | {j['cirrhosis']} |",
    ):
        assert phrase in TEXT, phrase


def _seed_text(prefix):
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip("the course's seed papers are not available here")
    return " ".join(found[0].read_text(encoding="utf-8").split())


def test_block_quotes_are_verbatim_from_jia_2020():
    source = _seed_text("004")
    blocks = re.findall(r"(?m)(?:^> .*\n?)+", markdown(NB))  # runs of block-quote lines
    joined = [" ".join(line[2:].strip() for line in block.splitlines()) for block in blocks]
    long_quotes = [m.group(1) for text in joined if (m := re.match(r'"(.+)"', text)) and len(m.group(1)) > 100]
    assert len(long_quotes) >= 2
    for quote in long_quotes:
        assert quote in source, quote[:80]


@pytest.mark.parametrize(
    "prefix, quote",
    [
        ("004", "prolonging the treatment course can increase the curative effect of UCMSCs for end-stage liver "
                "disease"),
        ("002", "Three patents died of the complications caused by cirrhosis and two patients received liver "
                "transplantation after MSCT. Four patients were lost to follow-up."),
        ("003", "2-year survival rates were 66.7% (low-dose), 100% (medium-dose), and 87.5% (high-dose)."),
    ],
)
def test_inline_quotes_are_verbatim(prefix, quote):
    assert f'"{quote}"' in TEXT
    assert quote.lower() in _seed_text(prefix).lower()


def test_shares_prolonged_are_derived_from_the_group_sizes():
    lf = f"{JIA2020['A'] / JIA2020['liver failure']:.1%}"
    ci = f"{JIA2020['C'] / JIA2020['cirrhosis']:.1%}"
    assert (lf, ci) == ("57.8%", "47.5%")
    assert f"{lf} of the liver-failure patients ({JIA2020['A']} of {JIA2020['liver failure']})" in TEXT
    assert f"{ci} of the cirrhosis patients ({JIA2020['C']} of {JIA2020['cirrhosis']})" in TEXT


# --- the synthetic cohort's model --------------------------------------------------------------

def test_cohort_seed_is_stated_and_is_the_first_with_the_papers_sizes():
    assert f"seed {COHORT_SEED}: the first seed (counting from 0)" in TEXT
    published = {k: JIA2020[k] for k in "ABCD"}
    sizes = [simulate_cohort(rng=s)["paper_group"].value_counts().to_dict() for s in range(COHORT_SEED + 1)]
    assert sizes[-1] == published and published not in sizes[:-1]


def test_model_parameters_stated_in_the_prose():
    p = COHORT_DEFAULTS
    assert f"their correlation is {p.meld_correlation:g}" in TEXT
    assert f"correlation {p.meld_correlation:g} in the model" in TEXT
    assert f"multiplies it by about {np.exp(p.prognosis_log_hr):.1f}" in TEXT
    assert f"has {np.exp(-1.0):.2f} times the odds of being continued" in TEXT
    assert f"20 times larger ({20 * JIA2020['eligible']:,} patients)" in TEXT


def test_stated_mortality_matches_the_model():
    # "about 18% ... die by week 4 and about 36% by week 24; in decompensated cirrhosis about 2% and 8%".
    # A cohort of 30,000+ patients: binomial SE <= 0.003, so 0.015 is 5 SE plus rounding.
    assert "about 18% of liver-failure patients die by week 4 and about 36% by week 24" in TEXT
    assert "in decompensated cirrhosis about 2% and 8%" in TEXT
    big = simulate_cohort(rng=31, n_liver_failure=64 * 500, n_cirrhosis=59 * 500)
    for group, (by4, by24) in (("liver failure", (0.18, 0.36)), ("cirrhosis", (0.02, 0.08))):
        part = big[big["group"] == group]
        assert abs(((part["time"] <= 4) & (part["death"] == 1)).mean() - by4) < 0.015, group
        assert abs(part["death"].mean() - by24) < 0.015, group


# --- the lesson's simulated cohorts: the qualitative claims ------------------------------------

@pytest.fixture(scope="module")
def paper_sized():
    return duration_hazard_ratios(simulate_cohort(rng=COHORT_SEED))


def test_paper_sized_cohort_naive_hr_is_well_below_1_and_the_repairs_are_wide(paper_sized, lesson_outputs):
    naive, landmark, tv = (paper_sized.loc[k] for k in ("naive", "landmark", "time-varying"))
    # "a hazard ratio well below 1 with a confidence interval that excludes 1: ... more than halves"
    assert "more than halves the risk of death" in TEXT
    assert naive["estimate"] < 0.5 and naive["ci_upper"] < 1
    # "a very wide confidence interval that includes 1"
    assert "very wide confidence interval that includes 1" in TEXT
    assert landmark["ci_lower"] < 1 < landmark["ci_upper"] and landmark["ci_upper"] / landmark["ci_lower"] > 5
    # "The two repairs give the same hazard ratio"
    assert "The two repairs give the same hazard ratio" in TEXT
    assert f"{landmark['estimate']:.2f}" == f"{tv['estimate']:.2f}"
    printed = _printed(lesson_outputs)
    ci = f"95% CI {naive['ci_lower']:.2f} to {naive['ci_upper']:.2f}"
    assert f"from week 0: HR {naive['estimate']:.2f} ({ci})" in printed
    assert f"Landmark, from week 4  : HR {landmark['estimate']:.2f}" in printed


def test_null_cohorts_naive_test_is_usually_significant_and_landmark_about_5_percent():
    # As in the lesson: 64,000 liver-failure patients cut into 1,000 cohorts of 64, seed 2020.
    many = simulate_cohort(rng=2020, n_liver_failure=1000 * 64, n_cirrhosis=0)
    arrays = [many[c].to_numpy().reshape(1000, 64) for c in ("time", "death", "prolonged")]
    scan = logrank_scan(*arrays, landmarks=[4.0])
    naive = 2 * norm.sf(np.abs(scan.z_overall))
    landmark = 2 * norm.sf(np.abs(scan.z_after[:, 0]))
    assert "significantly better in the large majority of cohorts" in TEXT
    assert np.mean((naive < 0.05) & (scan.z_overall < 0)) > 0.75
    assert '"significant" in about 5% of cohorts' in TEXT
    assert 0.03 < np.mean(landmark < 0.05) < 0.07  # 1,000 cohorts: SE of a 5% share is 0.7%


@pytest.fixture(scope="module")
def sweep():
    rows = {}
    for strength in (0.0, 0.5, 1.0, 1.5):
        cohort = simulate_cohort(rng=2020, n_liver_failure=20 * 64, n_cirrhosis=20 * 59, confounding=strength,
                                 include_latent=True)
        for label, covariates in (("none", []), ("MELD", ["meld"]), ("latent", ["prognosis"])):
            rows[strength, label] = duration_hazard_ratios(cohort, covariates=covariates)  # all three analyses
    return rows


def test_large_cohort_naive_far_below_1_and_repairs_close_to_1(sweep):
    table = sweep[0.0, "none"]
    assert "the naive hazard ratio stays far below 1 with a narrow confidence interval" in TEXT
    assert table.loc["naive", "estimate"] < 0.4 and table.loc["naive", "ci_upper"] < 0.5
    assert "the landmark and time-varying estimates are close to 1, with intervals that include 1" in TEXT
    for analysis in ("landmark", "time-varying"):
        row = table.loc[analysis]
        assert 0.8 < row["estimate"] < 1.25 and row["ci_lower"] < 1 < row["ci_upper"], analysis


def test_confounding_sweep_claims(sweep):
    levels = (0.0, 0.5, 1.0, 1.5)
    naive = [sweep[c, "none"].loc["naive", "estimate"] for c in levels]
    landmark = [sweep[c, "none"].loc["landmark", "estimate"] for c in levels]
    meld = [sweep[c, "MELD"].loc["landmark", "estimate"] for c in levels]
    latent = [sweep[c, "latent"].loc["landmark", "estimate"] for c in levels]
    # "Naive: biased at every level of confounding, and more biased as confounding grows"
    assert all(h < 0.4 for h in naive) and all(np.diff(naive) < 0)
    # "Landmark, unadjusted: close to 1 without confounding ... falls steadily as confounding grows"
    assert 0.8 < landmark[0] < 1.25 and all(np.diff(landmark) < 0)
    assert sweep[1.5, "none"].loc["landmark", "ci_upper"] < 1
    # "adjusted for MELD: moves only part of the way back towards 1"
    for c, lm, m in zip(levels[1:], landmark[1:], meld[1:], strict=True):
        assert lm < m < 0.9, c
    # "adjusted for the latent prognosis: close to 1 at every level"
    assert all(0.8 < h < 1.25 for h in latent)
    # "with a single decision time it gives essentially the landmark's estimates"
    assert "with a single decision time it gives essentially the landmark's estimates" in TEXT
    for key, table in sweep.items():
        assert abs(np.log(table.loc["time-varying", "estimate"] / table.loc["landmark", "estimate"])) < 0.1, key


# --- Stanford heart transplant ------------------------------------------------------------------

def test_stanford_data_ship_with_lifelines():
    # "The file is part of the lifelines package, so no network access is needed."
    assert "no network access is needed" in TEXT
    shipped = resources.files("lifelines") / "datasets" / "stanford_heart.csv"
    assert pathlib.Path(str(shipped)).is_file()


def test_stanford_naive_far_below_1_time_varying_close_to_1():
    heart = load_stanford_heart_transplants()
    per = heart.groupby("id").agg(days=("stop", "max"), death=("event", "max"), ever=("transplant", "max"),
                                  age=("age", "first"), year=("year", "first"), surgery=("surgery", "first"))
    for covariates in ([], ["age", "year", "surgery"]):
        naive = CoxPHFitter().fit(per[["days", "death", "ever", *covariates]], "days", "death").summary.loc["ever"]
        tv = CoxTimeVaryingFitter().fit(heart[["id", "start", "stop", "event", "transplant", *covariates]],
                                        id_col="id", event_col="event").summary.loc["transplant"]
        # "a hazard ratio far below 1 ... with a tiny p-value"
        assert naive["exp(coef)"] < 0.4 and naive["exp(coef) upper 95%"] < 0.5 and naive["p"] < 0.001
        # "a hazard ratio close to 1 with a wide interval that includes 1, with or without adjustment"
        assert 0.8 < tv["exp(coef)"] < 1.25
        assert tv["exp(coef) lower 95%"] < 1 < tv["exp(coef) upper 95%"]
        assert tv["exp(coef) upper 95%"] / tv["exp(coef) lower 95%"] > 2.5
    assert "far below 1" in TEXT
    assert "close to 1 with a wide interval that includes 1, with or without adjustment" in TEXT


# --- single-arm studies -----------------------------------------------------------------------

def test_liang_attrition():
    enrolled, died, transplanted, lost = 26, 3, 2, 4
    remaining = enrolled - died - transplanted - lost
    assert remaining == 17
    assert f"at most {remaining} of the {enrolled} ({enrolled} − {died} − {transplanted} − {lost})" in TEXT


def test_qin_group_sizes_are_an_assumption():
    assert "in three dose groups of 8" not in TEXT and "dose groups had 8 patients each" not in TEXT
    assert "(the abstract does not give the group sizes)" in TEXT
    assert "We **assume** equal groups of 8" in TEXT
    assert "If the groups had 8 patients, the medium-dose group's 100% (8 of 8)" in TEXT
    assert 24 / 3 == 8  # "on average the groups had 8 patients whatever the split"


def test_qin_66_7_percent_is_not_a_count_out_of_8():
    assert not any(f"{k / 8:.1%}" == "66.7%" for k in range(9))
    assert f"{4 / 6:.1%}" == "66.7%"
    assert f"5 of 8 is {5 / 8:.1%} and 6 of 8 is {6 / 8:.1%}" in TEXT


@pytest.mark.parametrize(
    "alive, n, phrase",
    [
        (8, 8, "compatible with a true 2-year survival as low as {low}"),
        (7, 8, "with anything from {low} to {high}"),
        (4, 6, "if it is 4 of 6, with {low} to {high}"),
    ],
)
def test_exact_binomial_intervals(alive, n, phrase):
    ci = binomtest(alive, n).proportion_ci(confidence_level=0.95, method="exact")
    assert phrase.format(low=f"{ci.low:.1%}", high=f"{ci.high:.1%}") in TEXT


def test_exact_intervals_values():
    # The values the prose quotes, pinned: Clopper-Pearson for 8/8, 7/8 and 4/6.
    expected = {(8, 8): (0.631, 1.0), (7, 8): (0.473, 0.997), (4, 6): (0.223, 0.957)}
    for (k, n), (low, high) in expected.items():
        ci = binomtest(k, n).proportion_ci(method="exact")
        assert (round(ci.low, 3), round(ci.high, 3)) == (low, high)


def test_regression_to_the_mean(lesson_outputs):
    reliability = 4.0**2 / (4.0**2 + 2.5**2)
    assert f"= {reliability:.2f}, and for normal" in TEXT
    printed = _printed(lesson_outputs)
    m = re.search(r"mean change (-?\d+\.\d+) \(predicted by the formula: (-?\d+\.\d+)\); (\d+)% of the enrolled",
                  printed)
    assert m, "the regression-to-the-mean output is missing"
    change, predicted, improved = float(m.group(1)), float(m.group(2)), int(m.group(3))
    # "falls on average by about the amount the formula predicts, most of them 'improve'"
    assert change < 0 and abs(change - predicted) < 0.15 and improved > 50
    p = float(re.search(r"paired t-test p = (\d+\.\d+)", printed).group(1))
    assert "finds a highly significant improvement" in TEXT and p < 0.01


def test_lesson_outputs_print_the_stanford_and_large_cohort_numbers(lesson_outputs, sweep):
    printed = _printed(lesson_outputs)
    naive = sweep[0.0, "none"].loc["naive", "estimate"]
    assert re.search(rf"\nnaive\s+{naive:.3f}\s", printed)
    heart = load_stanford_heart_transplants()
    per = heart.groupby("id").agg(ever=("transplant", "max"), death=("event", "max"))
    assert f"{len(per)} patients, {int(per['ever'].sum())} transplanted, {int(per['death'].sum())} deaths" in printed


def test_the_synthetic_cohort_is_not_stated_as_jia_et_als_data():
    assert "That is a property of the design, shown on synthetic patients" in TEXT
    assert "it does not tell us what Jia et al.'s own data contain" in TEXT
    assert "is therefore what this design produces even when there is nothing to find" not in TEXT


def test_the_infusion_schedule_simplification_is_stated():
    quotes = ("at 1, 2, 3, and 4 weeks after recruitment", "at 1, 2, 3, 4, 5, 6, 7, and 8 weeks after recruitment")
    seed = SEEDS / "004_d684ffe273e0e110.txt"
    if seed.exists():  # the quotes are Jia et al.'s words
        source = seed.read_text(encoding="utf-8").replace("\u2009", " ")  # thin spaces in the copy
        assert all(q in source for q in quotes)
    for q in quotes:
        assert f'"{q}"' in TEXT
    assert "A simplification of the schedule." in TEXT
    assert "its weeks 0–3 are the paper's weeks 1–4 and its decision at week 4 falls where the paper's fifth" in TEXT
    # the model as described: weekly from week 0, decision at week 4, 4 or up to 8 infusions
    p = COHORT_DEFAULTS
    assert (p.decision_week, p.standard_infusions, p.prolonged_infusions) == (4, 4, 8)
    # "a patient must be alive four weeks after the first infusion to receive a fifth"
    cohort = simulate_cohort(rng=COHORT_SEED)
    assert (cohort.loc[cohort["prolonged"] == 1, "time"] > p.decision_week).all()
    assert cohort.loc[cohort["prolonged"] == 0, "weeks_treated"].max() <= p.standard_infusions

