"""The instructor's workflow with the real nbgrader on a real (temporary) course folder.

Generate every assignment, submit a fake class, autograde, give feedback, export grades, and run
the item analysis; check exact scores.
"""

import copy
import dataclasses
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from coursegrader import reports

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
FIRST = "03_survival"  # the assignment the failure modes are tried on



def run(args, cwd):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def notebook_path(folder, assignment):
    (path,) = sorted((folder / assignment).glob("*.ipynb"))
    return path


def cells_by_id(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def replace_answer(nb, grade_id, source):
    cells_by_id(nb)[grade_id].source = source
    return nb


def alternatives(assignment):
    """The assignment's alternative correct answers (tests/alternatives/<assignment>.py), or None."""
    path = ROOT / "tests" / "alternatives" / f"{assignment}.py"
    if not path.exists():
        return None
    namespace = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace["ALTERNATIVE"]


def _alternative_for(assignment):
    def make(solution, release):
        nb = copy.deepcopy(release)
        for grade_id, source in alternatives(assignment).items():
            replace_answer(nb, grade_id, source)
        return nb
    return make


# Fake students for the first assignment: (name, how to make the notebook from (solution, release)).
def _alternative(solution, release):
    return _alternative_for(FIRST)(solution, release)


def _loop(solution, release):
    nb = copy.deepcopy(solution)
    return replace_answer(nb, "km_answer", "while True:\n    pass")


def _exception(solution, release):
    nb = copy.deepcopy(solution)
    return replace_answer(nb, "hr_answer", "raise RuntimeError('I give up')")


def _inverted(solution, release):
    nb = copy.deepcopy(solution)
    return replace_answer(nb, "hr_answer", "hr_control_vs_msc = tk.cox_by_arm(trial, reference='control').estimate\n"
                          "hr_msc_vs_control = hr_control_vs_msc")


def _edits_test(solution, release):
    nb = copy.deepcopy(release)  # no answers, and the tests emptied so that they 'pass'
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    return nb


def _deletes_test(solution, release):
    nb = copy.deepcopy(solution)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "logrank_p"]
    return nb


def _huge_output(solution, release):
    nb = copy.deepcopy(solution)
    cell = cells_by_id(nb)["logrank_answer"]
    cell.source += "\nfor i in range(200_000):\n    print('x' * 50, i)"
    return nb


CLASS = {
    "solution": lambda s, r: copy.deepcopy(s),
    "blank": lambda s, r: copy.deepcopy(r),
    "alternative": _alternative,
    "loop": _loop,
    "exception": _exception,
    "inverted": _inverted,
    "edits_test": _edits_test,
    "deletes_test": _deletes_test,
    "huge_output": _huge_output,
}
# Expected automatic scores on the first assignment (max 10: 2 + 1 + 2 + 2 + 1, and Part 6's
# proportional-hazards test and verdict, 1 + 1: each score below is 2 more than before Part 6, as
# every one of these students answers Part 6 as the solution does, except blank and edits_test).
EXPECTED_FIRST = {
    "solution": 10, "blank": 0, "alternative": 10,
    "loop": 8,  # only the KM part (2 points) is lost; the cells after the loop still run
    "exception": 7,  # the two HR parts (3 points) depend on the failed cell; Part 6 fits its own model
    "inverted": 8,  # the HR in the paper's direction is inverted (loses 2); the other direction is right
    "edits_test": 0,  # graded by the original tests, which the blank answers fail
    "deletes_test": 9,  # a deleted test cell scores zero on its part (1 point); the rest is graded
    "huge_output": 10,
}


@dataclasses.dataclass
class Mistake:
    """A fake student who makes one named mistake and answers everything else as the solution does.

    `answers` replaces answer cells (grade_id -> the student's code). The visible checks of the
    test cells `fails` catch it: `nbgrader validate` fails on exactly these cells with the hint
    (or each of the hints) in its output, and autograde scores zero on them, with the hint in the
    graded notebook, and full marks on every other part. A mistake with `visible=False` is caught
    by the hidden tests only: validate passes, autograde behaves as above.
    """

    assignment: str
    name: str
    answers: dict
    fails: tuple
    hint: str | tuple
    visible: bool = True  # False: a hidden test catches it (validate passes), a choice for example


MISTAKES = [
    # Assignment 2.
    Mistake("02_trial_design", "design_risk_ratio", {"design_answer": (  # deaths by 60 months
        "hr_design = (1 - 0.85) / (1 - 0.60)\n"
        "events_schoenfeld = tk.sample_size(0.60, 0.85, method='schoenfeld').events\n"
        "events_freedman = tk.sample_size(0.60, 0.85, method='freedman').events")},
        ("design_hr",), "hr_design is a risk ratio, not a hazard ratio"),
    Mistake("02_trial_design", "share_complement", {"rerandomisation_answer": (  # |SMD| smaller
        "published_smd = {'tbil': tk.smd_from_summary(33.2, 29.8, 76.0, 127.9),\n"
        "                 'meld': tk.smd_from_summary(10.0, 4.2, 11.4, 6.0)}\n"
        "n_rerandomisations = 10_000\n"
        "smds = simulate_imbalance(trial[['tbil', 'meld']], 'simple', n_trials=n_rerandomisations, rng=8)\n"
        "share_as_large = {name: 1 - float(share_as_extreme(smds[name], value))\n"
        "                  for name, value in published_smd.items()}")},
        ("rerandomisation_share",), "did you count the smaller imbalances?"),
    Mistake("02_trial_design", "itt_inverted", {"itt_answer": (  # UC-MSC relative to control
        "hr_itt = tk.cox_by_arm(full, reference='control').estimate")},
        ("itt_hr",), "hr_itt is below 1: inverted, or the log hazard ratio?"),
    # Assignment 3 (its failure modes are tried on the class above).
    Mistake("03_survival", "hr_inverted", {"hr_answer": (  # as the "inverted" student above
        "hr_control_vs_msc = tk.cox_by_arm(trial, reference='control').estimate\n"
        "hr_msc_vs_control = hr_control_vs_msc")},
        ("hr_control_vs_msc",), "hr_control_vs_msc is below 1: inverted, or the log HR?"),
    Mistake("03_survival", "msc_log_hr", {"hr_answer": (  # coef instead of exp(coef)
        "hr_control_vs_msc = tk.cox_by_arm(trial, reference='UC-MSC').estimate\n"
        "hr_msc_vs_control = float(np.log(1 / hr_control_vs_msc))")},
        ("hr_msc_vs_control",), "hr_msc_vs_control is negative: is it the log hazard ratio (coef)?"),
    Mistake("03_survival", "msc_same_direction", {"hr_answer": (  # the paper's direction twice
        "hr_control_vs_msc = tk.cox_by_arm(trial, reference='UC-MSC').estimate\n"
        "hr_msc_vs_control = hr_control_vs_msc")},
        ("hr_msc_vs_control",), "hr_msc_vs_control is above 1: is it control relative to UC-MSC?"),
    Mistake("03_survival", "se_without_logs", {"wald_answer": (
        "from scipy.stats import norm\n"
        "se_log_hr = (3.58 - 1.01) / (2 * 1.96)\n"
        "p_wald = 2 * norm.sf(abs(np.log(1.89)) / ((np.log(3.58) - np.log(1.01)) / (2 * 1.96)))")},
        ("wald_from_ci",), "se_log_hr is on the hazard-ratio scale, not the log scale"),
    Mistake("03_survival", "printed_p", {"wald_answer": (
        "se_log_hr = tk.wald_from_ci(1.89, 1.01, 3.58).se\n"
        "p_wald = 0.051")},
        ("wald_from_ci",), "p_wald is the printed p (0.051), not the Wald p"),
    Mistake("03_survival", "km_cumulative_incidence", {"km_answer": (  # 1 - S(36)
        "surv_36 = {a: 1 - float(k.predict(36)) for a, k in tk.km_by_arm(trial).items()}")},
        ("km_36_months",), "surv_36 below 0.5: the probability of having died (1 - S)?"),
    Mistake("03_survival", "ph_test_statistic", {"ph_answer": (  # the chi-square, not its p
        "data = trial[['os_months', 'death']].assign(control=(trial['arm'] == 'control').astype(int))\n"
        "cox = CoxPHFitter().fit(data, duration_col='os_months', event_col='death')\n"
        "ph_test = proportional_hazard_test(cox, data, time_transform='rank')\n"
        "p_ph_rank = float(ph_test.summary.loc['control', 'test_statistic'])")},
        ("ph_test_p",), "p_ph_rank is not between 0 and 1: the test statistic?"),
    Mistake("03_survival", "ph_p_array", {"ph_answer": (  # lifelines' array of one p-value
        "data = trial[['os_months', 'death']].assign(control=(trial['arm'] == 'control').astype(int))\n"
        "cox = CoxPHFitter().fit(data, duration_col='os_months', event_col='death')\n"
        "p_ph_rank = proportional_hazard_test(cox, data, time_transform='rank').p_value")},
        ("ph_test_p",), "store the p-value as a number, e.g. float(result.p_value[0])"),
    Mistake("03_survival", "verdict_misspelt", {"verdict_answer": "one_hr_verdict = 'over time'"},
            ("hr_verdict",), "one_hr_verdict is not one of the four names"),
    # The judgement: each wrong option is named by the hidden test (the visible one checks the form
    # only, so that it does not give the answer away).
    Mistake("03_survival", "verdict_one_hr", {"verdict_answer": "one_hr_verdict = 'one_hr'"},
            ("hr_verdict",), "a test that does not reject does not show proportional hazards",
            visible=False),
    Mistake("03_survival", "verdict_stratify_arm", {"verdict_answer": "one_hr_verdict = 'stratify_arm'"},
            ("hr_verdict",), "stratifying by the arm removes the arm's hazard ratio", visible=False),
    Mistake("03_survival", "verdict_late_hr", {"verdict_answer": "one_hr_verdict = 'late_hr'"},
            ("hr_verdict",), "a window that starts where the curves separate is chosen by looking",
            visible=False),
    # Assignment 5.
    Mistake("05_baseline_imbalance", "smd_control_minus_msc", {"smd_published_answer": (
        "smd_published = {'tbil': tk.smd_from_summary(76.0, 127.9, 33.2, 29.8),\n"
        "                 'che': tk.smd_from_summary(2812, 1560, 3337, 1335),\n"
        "                 'meld': tk.smd_from_summary(11.4, 6.0, 10.0, 4.2)}")},
        ("smd_published",), "tbil: your SMD has the wrong sign"),
    Mistake("05_baseline_imbalance", "smd_control_sd", {"smd_published_answer": (  # not pooled
        "smd_published = {'tbil': (76.0 - 33.2) / 29.8, 'che': (2812 - 3337) / 1335,\n"
        "                 'meld': (11.4 - 10.0) / 4.2}")},
        ("smd_published",), "tbil: you divided by the control arm's SD alone"),
    Mistake("05_baseline_imbalance", "smd_virtual_control_minus_msc", {"smd_virtual_answer": (
        "smd_virtual = {v: tk.smd(trial.loc[trial['arm'] == 'UC-MSC', v],\n"
        "                         trial.loc[trial['arm'] == 'control', v])\n"
        "               for v in ('tbil', 'che', 'meld')}")},
        ("smd_virtual",), "tbil: your SMD has the wrong sign"),
    Mistake("05_baseline_imbalance", "adjusted_inverted", {"cox_answer": (  # UC-MSC vs control
        "data = trial.assign(log_tbil=np.log(trial['tbil']))\n"
        "fits = [tk.cox_by_arm(data, reference='control', covariates=c)\n"
        "        for c in ([], ['meld'], ['meld', 'log_tbil'])]\n"
        "hr_unadjusted, hr_meld, hr_meld_logtbil = (f.estimate for f in fits)\n"
        "se_unadjusted, se_meld = fits[0].se, fits[1].se")},
        ("cox_adjusted_hr",), "hr_unadjusted is below 1: inverted, or the log hazard ratio?"),
    Mistake("05_baseline_imbalance", "meld_left_out", {"cox_answer": (  # the MELD model fitted without meld
        "data = trial.assign(log_tbil=np.log(trial['tbil']))\n"
        "fits = [tk.cox_by_arm(data, reference='UC-MSC', covariates=c)\n"
        "        for c in ([], [], ['meld', 'log_tbil'])]\n"
        "hr_unadjusted, hr_meld, hr_meld_logtbil = (f.estimate for f in fits)\n"
        "se_unadjusted, se_meld = fits[0].se, fits[1].se")},
        ("cox_adjusted_hr", "cox_adjusted_se"),
        ("hr_meld equals hr_unadjusted: is a covariate missing?",
         "se_meld equals se_unadjusted: is meld missing from the model?")),
    Mistake("05_baseline_imbalance", "stratified_inverted", {"stratified_answer": (
        "stratified = tk.cox_by_arm(trial, reference='control', strata=['meld_gt15'])\n"
        "hr_stratified, p_stratified = stratified.estimate, stratified.p")},
        ("cox_stratified",), "hr_stratified is below 1: inverted, or the log hazard ratio?"),
    Mistake("05_baseline_imbalance", "ancova_filled_in", {"ancova_answer": (  # last value carried
        "filled = trial.assign(alb_w48=trial['alb_w48'].fillna(trial['alb']))\n"
        "X = np.column_stack([np.ones(len(filled)), (filled['arm'] == 'UC-MSC').astype(float),\n"
        "                     filled['alb']])\n"
        "y = filled['alb_w48'].to_numpy(dtype=float)\n"
        "coef, *_ = np.linalg.lstsq(X, y, rcond=None)\n"
        "residuals = y - X @ coef\n"
        "n_ancova = len(y)\n"
        "alb_ancova = coef[1]\n"
        "alb_ancova_se = np.sqrt(residuals @ residuals / (n_ancova - 3) * np.linalg.inv(X.T @ X)[1, 1])")},
        ("ancova_albumin",), "n_ancova counts every patient: were missing values filled in?"),
    # Assignment 4.
    Mistake("04_landmark", "landmark_inverted", {"landmark_answer": (  # UC-MSC relative to control
        "result = tk.landmark_analysis(trial, 13, reference='control')\n"
        "hr_before_13, hr_after_13 = result.before.estimate, result.after.estimate\n"
        "p_after_13 = result.after.p")},
        ("landmark_hrs",), "is your HR inverted?"),
    Mistake("04_landmark", "landmark_whole_follow_up", {"landmark_answer": (  # no window at all
        "whole = tk.cox_by_arm(trial, reference='UC-MSC')\n"
        "hr_before_13 = hr_after_13 = whole.estimate\n"
        "p_after_13 = whole.p")},
        ("landmark_hrs",), "hr_before_13 is the HR of the whole follow-up"),
    Mistake("04_landmark", "ratio_inverted", {"interaction_answer": (  # before / after
        "inter = tk.landmark_analysis(trial, 13, reference='UC-MSC').interaction\n"
        "ratio_hrs_13, p_interaction_13 = 1 / inter.estimate, inter.p")},
        ("interaction_model",), "is your ratio inverted?"),
    Mistake("04_landmark", "paper_ratio_inverted", {"paper_answer": (
        "from trialkit.landmarks import interaction_from_ci\n"
        "rec = interaction_from_ci((0.97, 0.40, 2.32), (3.68, 1.38, 9.85))\n"
        "ratio_paper, p_paper = 0.97 / 3.68, rec.p")},
        ("paper_interaction",), "is your ratio inverted?"),
    Mistake("04_landmark", "paper_p_printed", {"paper_answer": (
        "ratio_paper, p_paper = 3.68 / 0.97, 0.005")},
        ("paper_interaction",), "p_paper is the p printed for the window after month 13"),
    Mistake("04_landmark", "mcse_variance", {"null_answer": (  # p (1 - p) / n, not its square root
        "from trialkit.landmarks import simulate_forking_paths\n"
        "paths = simulate_forking_paths(3000, rng=7, landmarks=CANDIDATES)\n"
        "best = paths.rate('after')\n"
        "fp_best_landmark, n_null_trials = best.rate, best.n_trials\n"
        "mcse_best = fp_best_landmark * (1 - fp_best_landmark) / n_null_trials\n"
        "fp_fixed_13 = paths.rate('after', landmarks=[13]).rate")},
        ("null_best_landmark",), "is the variance p (1 - p) / n, not the standard error"),
    Mistake("04_landmark", "rmst_control_minus_msc", {"rmst_answer": (
        "boot = tk.rmst_difference(trial, 60, n_boot=1000, rng=3)\n"
        "rmst_diff_60 = -boot.estimate\n"
        "rmst_ci_60 = (boot.ci_lower, boot.ci_upper)")},
        ("rmst_60",), "did you take control minus UC-MSC?"),
    # Assignment 6.
    Mistake("06_observational", "naive_inverted", {"naive_answer": (  # standard relative to prolonged
        "data = cohort[['time', 'death', 'group']].assign(standard=1 - cohort['prolonged'])\n"
        "naive = CoxPHFitter().fit(data, duration_col='time', event_col='death', strata=['group'])\n"
        "hr_naive = float(naive.hazard_ratios_['standard'])")},
        ("naive_hr",), "hr_naive is above 1: is your HR inverted?"),
    Mistake("06_observational", "immortal_whole_follow_up", {"immortal_answer": (
        "is_prolonged = cohort['prolonged'] == 1\n"
        "immortal_weeks = float(cohort.loc[is_prolonged, 'time'].sum())\n"
        "early = (cohort['time'] <= 4) & (cohort['death'] == 1)\n"
        "early_deaths = {'prolonged': int(early[is_prolonged].sum()),\n"
        "                'standard': int(early[~is_prolonged].sum())}")},
        ("immortal_weeks",), "immortal_weeks is the prolonged group's whole follow-up"),
    Mistake("06_observational", "landmark_from_week_0", {"landmark_answer": (  # nobody left out
        "fit = CoxPHFitter().fit(cohort[['time', 'death', 'prolonged', 'group']], duration_col='time',\n"
        "                        event_col='death', strata=['group'])\n"
        "hr_landmark = float(fit.hazard_ratios_['prolonged'])")},
        ("landmark_hr",), "hr_landmark is the naive HR: the immortal time is still in"),
    Mistake("06_observational", "time_varying_fixed", {"time_varying_answer": (  # prolonged from week 0
        "episodes = counting_process(cohort).merge(cohort[['patient_id', 'prolonged']], on='patient_id')\n"
        "columns = ['patient_id', 'start', 'stop', 'death', 'prolonged', 'group']\n"
        "fit = CoxTimeVaryingFitter().fit(episodes[columns], id_col='patient_id', start_col='start',\n"
        "                                 stop_col='stop', event_col='death', strata=['group'])\n"
        "hr_time_varying = float(fit.hazard_ratios_['prolonged'])")},
        ("time_varying_hr",), "hr_time_varying is the naive HR: is prolonged fixed from week 0?"),
    Mistake("06_observational", "confounded_without_confounding", {"confounding_answer": (
        "survivors = landmark_cohort(cohort, landmark=4)  # the cohort without confounding\n"
        "columns = ['time_from_landmark', 'death', 'prolonged', 'group']\n"
        "fit = CoxPHFitter().fit(survivors[columns], 'time_from_landmark', 'death', strata=['group'])\n"
        "hr_landmark_confounded = float(fit.hazard_ratios_['prolonged'])\n"
        "confounded = simulate_cohort(rng=SEED, n_liver_failure=N_LIVER_FAILURE, n_cirrhosis=N_CIRRHOSIS,\n"
        "                             confounding=1.0)\n"
        "table = duration_hazard_ratios(confounded, covariates=['meld'], analyses=['landmark'])\n"
        "hr_landmark_meld = float(table.loc['landmark', 'estimate'])")},
        ("landmark_confounded_hr",), "hr_landmark_confounded is from the cohort without confounding"),
    Mistake("06_observational", "confounded_meld_left_out", {"confounding_answer": (
        "confounded = simulate_cohort(rng=SEED, n_liver_failure=N_LIVER_FAILURE, n_cirrhosis=N_CIRRHOSIS,\n"
        "                             confounding=1.0)\n"
        "survivors = landmark_cohort(confounded, landmark=4)\n"
        "columns = ['time_from_landmark', 'death', 'prolonged', 'group']\n"
        "fit = CoxPHFitter().fit(survivors[columns], 'time_from_landmark', 'death', strata=['group'])\n"
        "hr_landmark_confounded = hr_landmark_meld = float(fit.hazard_ratios_['prolonged'])")},
        ("landmark_meld_hr",), "hr_landmark_meld is the unadjusted HR: is meld missing?"),
    Mistake("06_observational", "heart_inverted", {"heart_naive_answer": (  # never relative to ever
        "per_patient = heart.groupby('id').agg(days=('stop', 'max'), death=('event', 'max'),\n"
        "                                      ever=('transplant', 'max'))\n"
        "per_patient['never'] = 1 - per_patient.pop('ever')\n"
        "fit = CoxPHFitter().fit(per_patient, duration_col='days', event_col='death')\n"
        "hr_heart_naive = float(fit.hazard_ratios_['never'])")},
        ("heart_naive_hr",), "hr_heart_naive is above 1: is your HR inverted?"),
    Mistake("06_observational", "heart_rows_as_patients", {"heart_naive_answer": (
        "fit = CoxPHFitter().fit(heart[['stop', 'event', 'transplant']], 'stop', 'event')\n"
        "hr_heart_naive = float(fit.hazard_ratios_['transplant'])")},
        ("heart_naive_hr",), "hr_heart_naive treats each row as a patient"),
    Mistake("06_observational", "normal_approximation", {"exact_ci_answer": (  # p +/- 1.96 SE
        "p = 8 / 8\n"
        "se = np.sqrt(p * (1 - p) / 8)\n"
        "ci_8_of_8 = (p - 1.96 * se, min(1.0, p + 1.96 * se))")},
        ("exact_ci",), "an interval of width 0: the normal approximation?"),
]
WRITTEN = "A written answer, in a few sentences."


def student_version(solution, release, answers=None):
    """The student version as a student who knew the solution would fill it in (without
    nbgrader's markers; a sentence in each written answer), then `answers` (grade_id -> code)."""
    nb = copy.deepcopy(release)
    known = cells_by_id(solution)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if cell.cell_type == "markdown":
            cell.source = WRITTEN
        else:
            lines = known[meta["grade_id"]].source.splitlines()
            cell.source = "\n".join(line for line in lines
                                    if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    for grade_id, source in (answers or {}).items():
        replace_answer(nb, grade_id, source)
    return nb


def autograded_parts(solution):
    """{grade_id: points} of the parts autograde scores (the test cells)."""
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in solution.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    # A short cell timeout here, so that the infinite loop costs seconds (the course uses 90 s).
    with open(folder / "nbgrader_config.py", "a") as handle:
        handle.write("\nc.Execute.timeout = 15\n")
    shutil.copytree(ROOT / "solutions", folder / "solutions")
    for assignment in ASSIGNMENTS:
        result = run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], folder)
        assert result.returncode == 0, result.stderr[-3000:]
    for assignment in ASSIGNMENTS:
        solution = nbformat.read(notebook_path(folder / "solutions", assignment), as_version=4)
        release_path = notebook_path(folder / "exercises", assignment)
        release = nbformat.read(release_path, as_version=4)
        students = CLASS if assignment == FIRST else {k: CLASS[k] for k in ("solution", "blank")}
        if assignment != FIRST and alternatives(assignment) is not None:
            students = {**students, "alternative": _alternative_for(assignment)}
        for student, make in students.items():
            target = folder / "submitted" / student / assignment / release_path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(make(solution, release), target)
        if assignment == FIRST:  # a submission that is not valid JSON
            broken = folder / "submitted" / "broken_json" / assignment / release_path.name
            broken.parent.mkdir(parents=True)
            broken.write_text('{"cells": [', encoding="utf-8")
    results = {}
    for assignment in ASSIGNMENTS:
        results[assignment] = run([sys.executable, "-m", "coursegrader", "autograde", assignment], folder)
    return folder, results


def auto_scores(folder, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        out = {}
        for sub in gb.assignment_submissions(assignment):
            out[sub.student.id] = (sub.code_score, sub.max_code_score)
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_marks_and_blank_gets_zero(course, assignment):
    folder, results = course
    scores = auto_scores(folder, assignment)
    log = results[assignment].stdout[-4000:]  # the autograde run's lines: why a student was not graded
    expected = {"solution", "blank"} | ({"alternative"} if alternatives(assignment) is not None else set())
    assert expected <= set(scores), log
    score, maximum = scores["solution"]
    assert maximum > 0 and score == maximum, log
    assert scores["blank"][0] == 0, log
    if alternatives(assignment) is not None:
        assert scores["alternative"][0] == maximum, "a correct answer written differently lost points\n" + log


def test_failure_modes_score_exactly(course):
    folder, _ = course
    scores = {student: s for student, (s, _) in auto_scores(folder, FIRST).items()}
    assert {k: scores[k] for k in EXPECTED_FIRST} == EXPECTED_FIRST


def test_feedback_names_the_misconception(course):
    folder, _ = course
    graded = nbformat.read(notebook_path(folder / "autograded" / "inverted", FIRST), as_version=4)
    errors = [o for c in graded.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    # The visible check names it now (the student sees it before submitting, too).
    assert any("hr_control_vs_msc is below 1: inverted" in o.evalue for o in errors)


def test_broken_submission_is_reported_by_name_and_not_graded(course):
    folder, results = course
    result = results[FIRST]
    assert result.returncode == 1
    assert "NOT GRADED: broken_json" in result.stdout
    assert "broken_json" not in auto_scores(folder, FIRST)
    assert (folder / "autograded" / "solution" / FIRST).is_dir()


def test_huge_output_is_limited(course):
    folder, _ = course
    graded = notebook_path(folder / "autograded" / "huge_output", FIRST)
    assert graded.stat().st_size < 2_000_000


def test_feedback_for_every_graded_student(course):
    folder, _ = course
    for assignment in ASSIGNMENTS:
        result = run([str(BIN / "nbgrader"), "generate_feedback", assignment, "--force"], folder)
        assert result.returncode == 0, result.stderr[-3000:]
        graded = {p.name for p in (folder / "autograded").iterdir() if (p / assignment).is_dir()}
        with_feedback = {p.parts[-3] for p in (folder / "feedback").glob(f"*/{assignment}/*.html")}
        assert graded == with_feedback and graded


def test_export_has_one_row_per_student_and_assignment(course):
    import pandas as pd

    folder, _ = course
    result = run([str(BIN / "nbgrader"), "export", "--to", str(folder / "grades.csv")], folder)
    assert result.returncode == 0, result.stderr[-3000:]
    grades = pd.read_csv(folder / "grades.csv")
    assert not grades.duplicated(["assignment", "student_id"]).any()
    first = grades[grades["assignment"] == FIRST].set_index("student_id")
    for student, expected in EXPECTED_FIRST.items():
        # The written part is not graded yet: the export's score is the automatic score.
        assert first.loc[student, "score"] == expected, student
    assert (first["max_score"] == 15).all()  # 10 automatic + 3 + 2 written (Parts 5 and 6c)


def test_item_analysis_matches_a_hand_computation(course):
    import numpy as np

    folder, _ = course
    scores, maxima = reports.item_scores(FIRST, root=folder)
    table = reports.item_analysis(scores.astype(float), maxima)
    # By hand, from the expected class results: the KM part (2 points) has full marks for
    # solution, alternative, exception, inverted, deletes_test, huge_output: 6 of the 9 students.
    assert table.loc["km_36_months", "full_marks"] == pytest.approx(6 / 9)
    km = scores["km_36_months"].astype(float)
    rest = scores.drop(columns="km_36_months").astype(float).sum(axis=1)
    assert table.loc["km_36_months", "discrimination"] == pytest.approx(np.corrcoef(km, rest)[0, 1])
    assert list(table.index) == list(maxima.index)


def test_committed_exercises_are_what_nbgrader_generates():
    result = run([sys.executable, "-m", "coursegrader", "check-exercises"], ROOT)
    assert result.returncode == 0, result.stderr


def test_exercises_contain_no_solutions_or_hidden_tests():
    for path in (ROOT / "exercises").rglob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "MARK SCHEME", "expected = tk."):
            assert marker not in text, f"{path}: {marker}"
        json.loads(text)


def test_students_can_validate_their_work_with_a_command(tmp_path):
    """`nbgrader validate` (the command behind JupyterLab's Validate button) on a student's copy."""
    release = notebook_path(ROOT / "exercises", FIRST)
    answered = tmp_path / "answered" / release.name
    answered.parent.mkdir()
    nb = _alternative(None, nbformat.read(release, as_version=4))
    replace_answer(nb, "interpretation", "The HR compares control with UC-MSC; ...")
    nbformat.write(replace_answer(nb, "verdict_justification", "The curves overlap for three years; ..."),
                   answered)
    result = run([str(BIN / "nbgrader"), "validate", str(answered)], tmp_path)
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout[-3000:]

    unwritten = tmp_path / "unwritten" / release.name  # every code answer right, the two written ones empty
    unwritten.parent.mkdir()
    nbformat.write(_alternative(None, nbformat.read(release, as_version=4)), unwritten)
    result = run([str(BIN / "nbgrader"), "validate", str(unwritten)], tmp_path)
    assert "VALIDATION FAILED ON 2 CELL(S)" in result.stdout and "You did not provide a response" in result.stdout

    blank = tmp_path / "blank" / release.name
    blank.parent.mkdir()
    shutil.copy(release, blank)
    result = run([str(BIN / "nbgrader"), "validate", str(blank)], tmp_path)
    graded = sum(1 for c in nbformat.read(release, as_version=4).cells if c.metadata.get("nbgrader", {}).get("grade"))
    assert f"VALIDATION FAILED ON {graded} CELL(S)" in result.stdout, result.stdout[-3000:]  # every part unanswered


def validate(nb, folder):
    """`nbgrader validate` (the visible tests only) on a student's notebook: its output, without
    the terminal's colour codes."""
    path = folder / "student.ipynb"
    nbformat.write(nb, path)
    result = run([str(BIN / "nbgrader"), "validate", str(path)], folder)
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.assignment}-{m.name}")
def test_visible_tests_name_the_mistake_before_submission(mistake, tmp_path):
    solution = nbformat.read(notebook_path(ROOT / "solutions", mistake.assignment), as_version=4)
    release = nbformat.read(notebook_path(ROOT / "exercises", mistake.assignment), as_version=4)
    out = validate(student_version(solution, release, mistake.answers), tmp_path)
    if not mistake.visible:
        assert "Success! Your notebook passes all the tests." in out, out[-3000:]
        return
    assert f"VALIDATION FAILED ON {len(mistake.fails)} CELL(S)" in out, out[-3000:]
    for hint in [mistake.hint] if isinstance(mistake.hint, str) else mistake.hint:
        # In the first line of the message raised, which validate does not cut (it cuts lines at
        # 87 characters), not only in the test cell's source (which validate prints too).
        assert re.search(rf"AssertionError: [^\n]*{re.escape(hint)}", out), out[-3000:]


@pytest.fixture(scope="module")
def mistakes_course(tmp_path_factory):
    """A second course folder. `graded(assignment)` submits the student version answered right
    ("answered") and one fake student per mistake of the assignment, autogrades them (once), and
    returns the folder."""
    folder = tmp_path_factory.mktemp("mistakes")
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions", folder / "solutions")
    done = set()

    def graded(assignment):
        if assignment in done:
            return folder
        result = run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"], folder)
        assert result.returncode == 0, result.stderr[-3000:]
        solution = nbformat.read(notebook_path(folder / "solutions", assignment), as_version=4)
        release_path = notebook_path(folder / "exercises", assignment)
        release = nbformat.read(release_path, as_version=4)
        students = {"answered": {}, **{m.name: m.answers for m in MISTAKES if m.assignment == assignment}}
        for student, answers in students.items():
            target = folder / "submitted" / student / assignment / release_path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(student_version(solution, release, answers), target)
        result = run([sys.executable, "-m", "coursegrader", "autograde", assignment], folder)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        done.add(assignment)
        return folder

    return graded


def part_scores(folder, assignment, student):
    """{grade_id: automatic score} of one student's autograded parts."""
    solution = nbformat.read(notebook_path(ROOT / "solutions", assignment), as_version=4)
    scores, _ = reports.item_scores(assignment, root=folder)
    return {part: float(scores.loc[student, part]) for part in autograded_parts(solution)}


@pytest.mark.parametrize("assignment", sorted({m.assignment for m in MISTAKES}))
def test_the_student_version_answered_right_gets_full_marks(mistakes_course, assignment):
    solution = nbformat.read(notebook_path(ROOT / "solutions", assignment), as_version=4)
    folder = mistakes_course(assignment)
    assert part_scores(folder, assignment, "answered") == autograded_parts(solution)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.assignment}-{m.name}")
def test_a_mistake_costs_only_its_parts(mistakes_course, mistake):
    solution = nbformat.read(notebook_path(ROOT / "solutions", mistake.assignment), as_version=4)
    expected = {part: 0 if part in mistake.fails else points
                for part, points in autograded_parts(solution).items()}
    folder = mistakes_course(mistake.assignment)
    assert part_scores(folder, mistake.assignment, mistake.name) == expected


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.assignment}-{m.name}")
def test_the_graded_notebook_names_the_mistake(mistakes_course, mistake):
    folder = mistakes_course(mistake.assignment)
    graded = nbformat.read(notebook_path(folder / "autograded" / mistake.name, mistake.assignment), as_version=4)
    errors = {c.metadata["nbgrader"]["grade_id"]: [o.evalue for o in c.outputs if o.output_type == "error"]
              for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") in mistake.fails}
    for hint in [mistake.hint] if isinstance(mistake.hint, str) else mistake.hint:
        assert any(hint in e for found in errors.values() for e in found), errors
