"""The numbers that assignments 7 and 8 state, recomputed.

Graders compare students' answers with the mark schemes, so the numbers a
mark scheme quotes must be what the solution computes: the virtual trial's
results (assignment 7) and numbers derived from the papers (both). As for the
lessons (tests/test_lesson_NN_numbers.py), prose and code cannot drift apart.
"""

import pathlib

import nbformat
from lifelines import KaplanMeierFitter
from scipy.stats import binomtest

import trialkit as tk
from trialkit.cohort import JIA2020
from trialkit.competing import cause_specific_cox, incidence_table

ROOT = pathlib.Path(__file__).resolve().parent.parent


def cell_text(name, grade_id):
    """One cell of a solution notebook, its whitespace collapsed."""
    path = ROOT / "solutions" / name / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return " ".join(cell.source.split())


def pct(value):
    return f"{100 * value:.1f}%"


def test_competing_risks_intro_quotes_the_paper():
    text = cell_text("07_competing_risks", "intro")
    (hcc_control, hcc_msc) = tk.PUBLISHED["hcc"]
    (n_control, n_msc) = tk.PUBLISHED["n"]
    assert f"{pct(hcc_control / n_control)} ({hcc_control}/{n_control})" in text
    assert f"{pct(hcc_msc / n_msc)} ({hcc_msc}/{n_msc})" in text
    hr, lower, upper, p = tk.PUBLISHED["hcc_hr"]
    assert f"HR {hr} (95% CI {lower}-{upper}, p = {p})" in text


def test_competing_risks_mark_scheme_numbers():
    text = cell_text("07_competing_risks", "interpretation")
    trial = tk.load_trial()
    hcc = incidence_table(trial, at=60, event_of_interest=1)
    death = incidence_table(trial, at=60, event_of_interest=2)
    for label, table in (("HCC", hcc), ("death before HCC", death)):
        control, msc = table.loc["control"], table.loc["UC-MSC"]
        assert (f"{label} {pct(control['one_minus_km'])} vs "
                f"{pct(control['aalen_johansen'])} (control) and "
                f"{pct(msc['one_minus_km'])} vs "
                f"{pct(msc['aalen_johansen'])} (UC-MSC)") in text

    free = {}
    for arm, group in trial.groupby("arm"):
        kmf = KaplanMeierFitter().fit(group["hcc_months"],
                                      group["hcc_status"] > 0)
        free[arm] = float(kmf.predict(60))
    assert (f"({pct(free['control'])} control, "
            f"{pct(free['UC-MSC'])} UC-MSC)") in text
    sums = {}
    for arm in free:
        aj = hcc.loc[arm, "aalen_johansen"] + death.loc[arm, "aalen_johansen"]
        assert abs(aj + free[arm] - 1) < 1e-12  # exactly 1, as stated
        km = hcc.loc[arm, "one_minus_km"] + death.loc[arm, "one_minus_km"]
        sums[arm] = km + free[arm]
    assert (f"{sums['control']:.3f} (control) and "
            f"{sums['UC-MSC']:.3f} (UC-MSC)") in text
    gap = {k: 100 * (hcc.loc["control", k] - hcc.loc["UC-MSC", k])
           for k in ("one_minus_km", "aalen_johansen")}
    assert (f"({gap['one_minus_km']:.1f} vs {gap['aalen_johansen']:.1f} "
            "percentage points for HCC)") in text

    counts = trial.groupby("arm")["hcc_status"].value_counts().unstack()
    deaths = (counts.loc["control", 2], counts.loc["UC-MSC", 2])
    cases = (counts.loc["control", 1], counts.loc["UC-MSC", 1])
    assert (f"({deaths[0]} vs {deaths[1]} over the whole follow-up) and "
            f"more HCC ({cases[0]} vs {cases[1]})") in text

    hcc_hr = cause_specific_cox(trial, 1, reference="UC-MSC")
    death_hr = cause_specific_cox(trial, 2, reference="UC-MSC")
    assert (f"about {hcc_hr.estimate:.2f}, 95% CI {hcc_hr.ci_lower:.2f}-"
            f"{hcc_hr.ci_upper:.2f})") in text
    assert f"the virtual {hcc_hr.estimate:.2f} (p = {hcc_hr.p:.3f})" in text
    assert f"HR about {death_hr.estimate:.2f})" in text
    aj = hcc["aalen_johansen"]
    assert (f"{aj['control']:.3f} / {aj['UC-MSC']:.3f} = "
            f"{aj['control'] / aj['UC-MSC']:.2f} at 60 months") in text

    hr, lower, upper, p = tk.PUBLISHED["hcc_hr"]
    assert f"HR {hr} ({lower}-{upper}, p = {p})" in text
    assert f"about {1 / hr:.2f}, {1 / upper:.2f}-{1 / lower:.2f})" in text


def test_appraisal_mark_scheme_numbers():
    text = cell_text("08_appraisal", "robins_assessment")
    treated, analysed = JIA2020["treated"], JIA2020["eligible"]
    share = 100 * analysed / treated
    assert f"{analysed} of {treated} treated ({share:.0f}%, Part 4)" in text
    n_liver_failure = JIA2020["liver failure"]
    ci = binomtest(0, n_liver_failure).proportion_ci(method="exact")
    assert (f"0 deaths in {n_liver_failure} patients would put the 24-week "
            f"mortality below {pct(ci.high)}") in text
    n = 5 * 4 * 4  # outcomes x pairs of groups x windows
    assert f"{n} comparisons (Part 3)" in text
    assert (f"about {0.05 * n:.0f} would reach p < 0.05 and at least one "
            f"almost surely ({1 - 0.95**n:.2f})") in text
    single_arm = cell_text("08_appraisal", "single_arm")
    assert f"{analysed} of {treated} treated patients" in single_arm
