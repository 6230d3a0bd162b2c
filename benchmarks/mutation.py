"""Mutation run: do trialkit's own tests catch the small bugs a maintainer would make?

Each mutant below is one realistic bug (a ``<=`` turned into ``<``, a floor or cap removed, a
threshold moved, an order lost, a sign flipped, a wrong column or unit) written as an exact
substring replacement in one file of ``helpers/trialkit``. For each mutant the script copies
``helpers/`` (and ``pytest.ini``) to a temporary directory, applies the replacement there, and runs
the library's own tests on the copy (``helpers/tests`` and the doctests of ``helpers/trialkit``,
``-x -q -p no:cacheprovider``, with ``PYTHONPATH`` pointing at the copy). A mutant is *caught* when
the tests fail (or time out: reported separately, since a busy machine can cause it), and
*survives* when they pass. The working tree is never modified.

Before any test runs, every mutant's old text must occur exactly once in its file, and the mutated
file must still compile: otherwise the script stops and names the mutants to re-point (after a
refactor moves the code a mutant targets, update its ``old``/``new`` texts). An unmutated copy is
also tested first: it must pass, and must be the trialkit that the tests import.

Prints one ``name: value`` line per figure (``mutants``, ``mutants_caught``, ``mutants_survived``,
``mutants_timed_out``, ``mutation_score_pct``, ``baseline_tests_s``, ``wall_s``), then one
``survived:`` line per survivor (and a ``timed_out:`` line per mutant stopped for time).
Progress, with the test that caught each mutant, goes to stderr. Not part of ``make test``.

Run: .venv/bin/python benchmarks/mutation.py [--jobs 2] [--only NAME ...] [--tests PATH ...] [--list] [--check]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "helpers"
PACKAGE = HELPERS / "trialkit"
TEST_PATHS = ["helpers/tests", "helpers/trialkit"]
PYTEST_OPTIONS = ["-x", "-q", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to helpers/trialkit
    old: str
    new: str
    description: str


M = Mutant

MUTANTS = [
    # --- analysis.py ------------------------------------------------------------------------
    M("landmark_split_death_at_landmark", "analysis.py",
      "event_in_period=((t <= landmark) & (base[event] == 1))",
      "event_in_period=((t < landmark) & (base[event] == 1))",
      "landmark_split: a death exactly at the landmark is lost from the first period (<= -> <)"),
    M("landmark_split_second_episode_at_landmark", "analysis.py",
      "later = base[t > landmark]",
      "later = base[t >= landmark]",
      "landmark_split: a patient whose follow-up ends at the landmark gets an empty second episode (> -> >=)"),
    M("landmark_before_window_death_at_landmark", "analysis.py",
      "event: ((t <= landmark) & (df[event] == 1))",
      "event: ((t < landmark) & (df[event] == 1))",
      "landmark_analysis: a death at the landmark is censored in the window before it (<= -> <)"),
    M("landmark_at_risk_counts_deaths_at_landmark", "analysis.py",
      "(t > landmark)).sum()) for name in ARMS}",
      "(t >= landmark)).sum()) for name in ARMS}",
      "landmark_analysis: patients who die at the landmark are counted at risk there (> -> >=)"),
    M("cox_reference_flipped", "analysis.py",
      "term: (df[arm] == compare).astype(int)})",
      "term: (df[arm] == reference).astype(int)})",
      "cox_by_arm: the indicator marks the reference arm, so the HR is inverted (sign of the log HR)"),
    M("fast_interaction_one_sided_p", "results.py",
      "float(2 * norm.sf(abs(log_estimate) / se))",
      "float(norm.sf(abs(log_estimate) / se))",
      "landmark_analysis(interaction_model=False): one-sided p-value for the interaction"),
    M("median_followup_of_censored_only", "analysis.py",
      "out[name] = float(part[time].median())",
      "out[name] = float(part.loc[part[event] == 0, time].median())",
      "median_followup('observed'): the median of the censored times only, not of everyone's"),
    M("format_p_threshold_moved", "results.py",
      "small = p < 0.001",
      "small = p < 0.0005",
      "format_p: p = 0.0007 printed as p = 0.001 (threshold moved to where it rounds to zero)"),
    # --- landmarks.py -----------------------------------------------------------------------
    M("at_risk_profile_boundary", "landmarks.py",
      "at_risk = df[time] > landmark",
      "at_risk = df[time] >= landmark",
      "at_risk_profile: a patient who died at the landmark is counted at risk (> -> >=)"),
    M("interaction_from_ci_one_sided_critical_value", "results.py",
      "return float(norm.ppf((1 + level) / 2))",
      "return float(norm.ppf(level))",
      "interaction_from_ci: one-sided critical value for the interval"),
    M("overall_or_any_rule_and", "landmarks.py",
      'return (self.p_overall < alpha) | (self.min_p("either", landmarks) < alpha)',
      'return (self.p_overall < alpha) & (self.min_p("either", landmarks) < alpha)',
      "ForkingPaths.significant('overall_or_any'): 'and' instead of 'or'"),
    M("response_cohort_dead_patients_respond", "landmarks.py",
      "responded = would_respond & (response_month < death)",
      "responded = would_respond",
      "simulate_response_cohort: a patient can respond after death (the guard is lost)"),
    # --- engine.py --------------------------------------------------------------------------
    M("logrank_scan_event_at_landmark_goes_after", "engine.py",
      "counts = (t[:, :, None] <= landmarks[None, None, :]).sum(axis=1)",
      "counts = (t[:, :, None] < landmarks[None, None, :]).sum(axis=1)",
      "logrank_scan: an event at the landmark is put in the window after it (<= -> <)"),
    M("logrank_scan_no_tie_correction", "engine.py",
      "d * share * (1 - share) * (at_risk - d) / (at_risk - 1)",
      "d * share * (1 - share)",
      "logrank_scan: hypergeometric variance without the correction for ties"),
    # --- competing.py -----------------------------------------------------------------------
    M("incidence_read_just_before_event_time", "competing.py",
      'grid, side="right") - 1',
      'grid, side="left") - 1',
      "cumulative_incidence_at: at an event time, the step before it is read (side right -> left)"),
    M("incidence_table_event_at_horizon", "competing.py",
      "events = int((hit & (part[time] <= at).to_numpy()).sum())",
      "events = int((hit & (part[time] < at).to_numpy()).sum())",
      "incidence_table: an event exactly at 'at' is not counted in 'events' and 'crude' (<= -> <)"),
    M("break_ties_moves_events_later", "competing.py",
      "out[rows] = tied - float(scale) * np.arange(1, k + 1) / (k + 1)",
      "out[rows] = tied + float(scale) * np.arange(1, k + 1) / (k + 1)",
      "break_ties: tied events moved later, after the censorings at the same time (sign flipped)"),
    M("incidence_lower_limit_by_name", "competing.py",
      '"ci_lower": np.fmin(chosen[:, 0], chosen[:, 1])',
      '"ci_lower": chosen[:, 1]',
      "cumulative_incidence_at: the lower limit taken from lifelines' column named lower (swapped names)"),
    M("cause_specific_composite_event", "competing.py",
      "data = df[[time, arm]].assign(**{event: (df[status] == cause).astype(int)})",
      "data = df[[time, arm]].assign(**{event: (df[status] > 0).astype(int)})",
      "cause_specific_cox: every event type counted, not only the cause"),
    # --- clinical.py ------------------------------------------------------------------------
    M("meld_creatinine_cap_removed", "clinical.py",
      "cr_mg = np.clip(creatinine / CR_UMOL_PER_MG_DL, 1.0, 4.0)",
      "cr_mg = np.maximum(creatinine / CR_UMOL_PER_MG_DL, 1.0)",
      "meld_score: creatinine no longer capped at 4.0 mg/dL"),
    M("meld_bilirubin_floor_removed", "clinical.py",
      "bil_mg = np.maximum(tbil / TBIL_UMOL_PER_MG_DL, 1.0)",
      "bil_mg = tbil / TBIL_UMOL_PER_MG_DL",
      "meld_score: bilirubin below 1.0 mg/dL no longer set to 1.0"),
    M("meld_inr_floor_removed", "clinical.py",
      "inr = np.maximum(inr, 1.0)",
      "inr = np.asarray(inr, dtype=float)",
      "meld_score: INR below 1.0 no longer set to 1.0"),
    M("child_pugh_bilirubin_boundary", "clinical.py",
      "1 + (tbil >= 34) + (tbil > 50)",
      "1 + (tbil > 34) + (tbil > 50)",
      "child_pugh: bilirubin of exactly 34 umol/L scores 1 point, not 2 (>= -> >)"),
    M("child_pugh_albumin_boundary", "clinical.py",
      "1 + (alb <= 35) + (alb < 28)",
      "1 + (alb < 35) + (alb < 28)",
      "child_pugh: albumin of exactly 35 g/L scores 1 point, not 2 (<= -> <)"),
    M("child_pugh_class_c_from_9", "clinical.py",
      'np.where(points <= 9, "B", "C")',
      'np.where(points < 9, "B", "C")',
      "child_pugh: 9 points is class C, not B (<= -> <)"),
    # --- table1.py --------------------------------------------------------------------------
    M("skew_rule_right_tail_only", "table1.py",
      "if np.isfinite(skew) and abs(skew) > _SKEW_LIMIT:",
      "if np.isfinite(skew) and skew > _SKEW_LIMIT:",
      "TableOne(skewed='auto'): a left-skewed variable is not flagged (abs lost)"),
    M("skew_limit_moved", "table1.py",
      "_SKEW_LIMIT = 1.0",
      "_SKEW_LIMIT = 2.0",
      "TableOne(skewed='auto'): skewness threshold moved from 1 to 2"),
    M("categorical_levels_unsorted", "table1.py",
      "        return sorted(unique)\n",
      "        return unique\n",
      "TableOne: levels of a text column in order of appearance, not sorted"),
    M("categorical_category_order_lost", "table1.py",
      "return [c for c in values.cat.categories if c in present]",
      "return sorted(present)",
      "TableOne: a pandas Categorical's levels sorted alphabetically, not in category order"),
    M("categorical_percent_of_everyone", "table1.py",
      "total = {a: len(observed[a]) for a in ARMS}",
      "total = {a: len(parts[a]) for a in ARMS}",
      "TableOne: percentages of all patients, missing ones included (denominator)"),
    M("fisher_only_when_all_expected_small", "table1.py",
      "if table.shape == (2, 2) and (expected < 5).any():",
      "if table.shape == (2, 2) and (expected < 5).all():",
      "TableOne(pvalues=True): Fisher's test only when every expected count is below 5 (any -> all)"),
    M("imbalanced_drops_negative_smds", "table1.py",
      "values = self.smds[self.smds.abs() > threshold]",
      "values = self.smds[self.smds > threshold]",
      "TableOne.imbalanced: negative SMDs are never flagged (abs lost)"),
    M("two_level_smd_of_first_level", "table1.py",
      "value = smd_binary(float(props[ARMS[0]][1]), float(props[ARMS[1]][1]))",
      "value = smd_binary(float(props[ARMS[0]][0]), float(props[ARMS[1]][0]))",
      "TableOne: the SMD of a two-level variable is that of its first level (sign flipped)"),
    # --- samplesize.py ----------------------------------------------------------------------
    M("design_table_total_not_per_arm", "samplesize.py",
      "math.ceil(round(plan.events / p_event / 2, 9))",
      "math.ceil(round(plan.events / p_event, 9))",
      "design_table: patients with accrual and follow-up in total, labelled per arm"),
    M("design_table_freedman_power_events_halved", "samplesize.py",
      "float(norm.cdf(math.sqrt(events_at_n) * abs(1 - hr)",
      "float(norm.cdf(math.sqrt(events_at_n / 2) * abs(1 - hr)",
      "design_table: Freedman's power computed from the events per arm"),
    M("n_per_arm_rounded_not_ceiled", "samplesize.py",
      "n_per_arm = math.ceil(round(n_total / 2, 9))",
      "n_per_arm = round(n_total / 2)",
      "sample_size: patients per arm rounded to the nearest, not up"),
    # --- estimates.py -----------------------------------------------------------------------
    M("rmst_horizon_at_longest_followup_refused", "estimates.py",
      "if horizon > shortest:",
      "if horizon >= shortest:",
      "rmst: a horizon equal to the longest follow-up is refused (> -> >=)"),
    M("rmst_ci_quantiles", "estimates.py",
      "[(1 - level) / 2, (1 + level) / 2]",
      "[1 - level, level]",
      "rmst_difference: the bootstrap interval takes one-sided quantiles"),
    M("wald_symmetry_tolerance_loosened", "estimates.py",
      "abs(f(estimate) - midpoint) <= 0.05 * se",
      "abs(f(estimate) - midpoint) <= 0.5 * se",
      "wald_from_ci: an estimate 0.3 SE off the CI midpoint still called symmetric (tolerance moved)"),
    M("km_rmst_censored_not_at_risk", "estimates.py",
      "at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]",
      "at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1] - (weights * (1 - event)) @ onehot",
      "bootstrap KM: patients censored at t are no longer at risk at t (tie order)"),
    # --- randomization.py -------------------------------------------------------------------
    M("blocks_permuted_across_blocks", "randomization.py",
      "(n_trials, n_blocks, block_size)), axis=-1)",
      "(n_trials, n_blocks, block_size)), axis=1)",
      "blocked randomisation: positions shuffled across blocks, not within each block"),
    M("share_as_extreme_one_sided", "randomization.py",
      "np.mean(np.abs(values) >= threshold",
      "np.mean(values >= threshold",
      "share_as_extreme: only imbalances in the observed direction count (abs lost)"),
    M("smd_matrix_population_variance", "randomization.py",
      "var1 = (q1 - n1 * mean1**2) / (n1 - 1)",
      "var1 = (q1 - n1 * mean1**2) / n1",
      "smd_matrix: UC-MSC arm's variance with ddof=0"),
    M("stratified_last_stratum_skipped", "randomization.py",
      "for level in range(codes.max() + 1):",
      "for level in range(codes.max()):",
      "stratified randomisation: the last stratum is never allocated (off by one)"),
    # --- simulate.py ------------------------------------------------------------------------
    M("meld_gt15_boundary", "simulate.py",
      'cols["meld_gt15"] = (cols["meld"] > 15).astype(int)',
      'cols["meld_gt15"] = (cols["meld"] >= 15).astype(int)',
      "simulate_trial: MELD of exactly 15 counted as MELD > 15"),
    M("meld_rank_ties_split", "simulate.py",
      "ranks = rankdata(unos)  # average ranks",
      'ranks = rankdata(unos, method="ordinal")  # average ranks',
      "simulate_trial: patients with equal UNOS scores get different paper-scale MELD"),
    M("meld_hazard_on_unos", "simulate.py",
      'risk = np.exp(surv.meld_log_hr * (base["meld"] - surv.meld_centre))',
      'risk = np.exp(surv.meld_log_hr * (base["meld_unos"] - surv.meld_centre))',
      "simulate_trial: the hazard of death follows the UNOS MELD, not the paper-scale MELD"),
    # --- parameters.py ----------------------------------------------------------------------
    M("lognormal_offset_dropped", "parameters.py",
      "return self.offset + np.exp(",
      "return np.exp(",
      "ContinuousMarginal.quantile: a shifted lognormal loses its offset"),
    M("liver_tests_week_not_month", "simulate.py",
      "np.where(os_months >= week * MONTHS_PER_WEEK, value, np.nan)",
      "np.where(os_months >= week, value, np.nan)",
      "simulate_trial: a liver test kept if alive at 'week' months (units mixed up)"),
    # --- cohort.py --------------------------------------------------------------------------
    M("prolonged_if_dead_at_decision_week", "cohort.py",
      "prolonged = ((time > p.decision_week) & continued).astype(int)",
      "prolonged = ((time >= p.decision_week) & continued).astype(int)",
      "simulate_cohort: a patient who dies exactly at week 4 can be 'prolonged' (> -> >=)"),
    M("death_at_end_of_followup", "cohort.py",
      "death = (death_time < p.followup_weeks).astype(int)",
      "death = (death_time <= p.followup_weeks).astype(int)",
      "simulate_cohort: a death recorded at week 24.00 counted inside follow-up (< -> <=)"),
    M("landmark_cohort_boundary", "cohort.py",
      'out = cohort[cohort["time"] > landmark].copy()',
      'out = cohort[cohort["time"] >= landmark].copy()',
      "landmark_cohort: a patient who died at the landmark enters it with 0 time (> -> >=)"),
    M("counting_process_death_twice", "cohort.py",
      "death=np.where(switch, 0, died), _order=0)",
      "death=died, _order=0)",
      "counting_process: a prolonged patient's death also ends the first episode"),
    M("cohort_never_stratified", "cohort.py",
      'cohort["group"].nunique() > 1 else []',
      'cohort["group"].nunique() > 2 else []',
      "duration_hazard_ratios: the two diagnostic groups are never stratified (threshold moved)"),
    # --- calibration.py ---------------------------------------------------------------------
    M("calibration_windows_swapped", "calibration.py",
      '"os_hr_before_13": lm.before.estimate,',
      '"os_hr_before_13": lm.after.estimate,',
      "calibration: the HR after month 13 reported as the one before it"),
    M("seed_distance_hr_not_on_log_scale", "calibration.py",
      "return float((np.log(value) - np.log(self.published)) / self.scale)",
      "return float((value - self.published) / self.scale)",
      "calibration: a hazard ratio's distance from the published one not on the log scale"),
    # --- plots.py ---------------------------------------------------------------------------
    M("plot_km_ignores_event_column", "plots.py",
      "curves = km_by_arm(df, time, event, arm, by=by)",
      'curves = km_by_arm(df, time, "death", arm, by=by)',
      "plot_km: the event column argument is ignored (an HCC plot shows deaths)"),
    M("plot_km_landmark_in_years", "plots.py",
      'ax.axvline(landmark, color="0.3"',
      'ax.axvline(landmark / 12, color="0.3"',
      "plot_km: the landmark line drawn at landmark / 12 (units mixed up)"),
    # --- widgets, their views, rerun --------------------------------------------------------
    M("nice_ceiling_strict", "widgets/base.py",
      "if nice >= value:",
      "if nice > value:",
      "widgets._nice_ceiling: a value on a nice number goes to the next one (>= -> >)"),
    M("sample_size_widget_horizon_48", "widgets/sample_size.py",
      "def __init__(self, horizon=60.0):",
      "def __init__(self, horizon=48.0):",
      "sample-size widget: survival read at 48 months although the sliders say 60"),
    M("sample_size_widget_marker_inverted", "widgets/sample_size.py",
      "self.marker.set_xdata([hazard_ratio_from_survival(s_control, s_treatment)] * 2)",
      "self.marker.set_xdata([hazard_ratio_from_survival(s_treatment, s_control)] * 2)",
      "sample-size widget: the marker drawn at 1/HR (arguments swapped)"),
    M("immortal_time_points_at_lower_limit", "widgets/immortal_time.py",
      'self.points.set_xdata(table["estimate"].to_numpy())',
      'self.points.set_xdata(table["ci_lower"].to_numpy())',
      "immortal-time widget: the points drawn at the lower limits, not the HRs"),
    M("rerun_interval_90_percent", "widgets/rerun.py",
      "np.quantile(hrs, 0.975)",
      "np.quantile(hrs, 0.95)",
      "re-run widget: the 'middle 95%' ends at the 95th percentile"),
    M("landmark_view_steps_pre", "widgets/landmark.py",
      'where="post", color=ARM_COLOURS[name]',
      'where="pre", color=ARM_COLOURS[name]',
      "landmark explorer: KM curves drawn as steps-pre (each drop drawn before its time)"),
    M("rerun_reference_control", "widgets/rerun.py",
      'def rerun_hazard_ratios(seeds, reference="UC-MSC", **simulate_kwargs):',
      'def rerun_hazard_ratios(seeds, reference="control", **simulate_kwargs):',
      "rerun_hazard_ratios: default reference arm flipped (the histogram shows 1/HR)"),
]


def check_mutants(mutants):
    """Every old text must occur exactly once and every mutated file must compile; raise otherwise."""
    problems = []
    names = [m.name for m in mutants]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(f"duplicate mutant names: {duplicated}")
    for m in mutants:
        path = PACKAGE / m.file
        if not path.is_file():
            problems.append(f"{m.name}: no file helpers/trialkit/{m.file}")
            continue
        text = path.read_text(encoding="utf-8")
        count = text.count(m.old)
        if count != 1:
            problems.append(f"{m.name}: old text occurs {count} times in helpers/trialkit/{m.file} "
                            f"(must be exactly once): {m.old!r}")
            continue
        if m.old == m.new:
            problems.append(f"{m.name}: old and new texts are the same")
            continue
        try:
            compile(text.replace(m.old, m.new), str(path), "exec")
        except SyntaxError as error:
            problems.append(f"{m.name}: the mutated file does not compile: {error}")
    if problems:
        raise SystemExit("mutation.py: mutants to re-point before running:\n  " + "\n  ".join(problems))


def _copy(workdir):
    shutil.copytree(HELPERS, workdir / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache", "build"))
    shutil.copy2(ROOT / "pytest.ini", workdir / "pytest.ini")


def _env(workdir):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(workdir / "helpers"), str(ROOT / "grading")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def _first_failure(output):
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0]
    match = re.search(r"^(Timeout|Interrupted).*$", output, re.MULTILINE)
    return match.group(0) if match else output.strip().splitlines()[-1] if output.strip() else "(no output)"


def run_tests(mutant, timeout, test_paths=TEST_PATHS):
    """Copy helpers/, apply the mutant (None: unmodified), run the tests; return (status, seconds, detail)."""
    with tempfile.TemporaryDirectory(prefix="trialkit-mutant-") as tmp:
        workdir = Path(tmp)
        _copy(workdir)
        if mutant is not None:
            path = workdir / "helpers" / "trialkit" / mutant.file
            text = path.read_text(encoding="utf-8")
            assert text.count(mutant.old) == 1, mutant.name
            path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        start = time.perf_counter()
        try:
            result = subprocess.run([sys.executable, "-m", "pytest", *test_paths, *PYTEST_OPTIONS], cwd=workdir,
                                    env=_env(workdir), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - start, f"timeout after {timeout:g} s"
        seconds = time.perf_counter() - start
        output = result.stdout + result.stderr
        if result.returncode == 0:
            return "survived", seconds, ""
        if result.returncode in (1, 2):  # tests failed / a module failed to import or collect
            return "caught", seconds, _first_failure(output)
        raise RuntimeError(f"pytest exited with {result.returncode} for {mutant.name if mutant else 'baseline'}:\n"
                           + output[-3000:])


def check_isolation():
    """The tests of a copy must import the copy's trialkit, not the editable install's."""
    with tempfile.TemporaryDirectory(prefix="trialkit-mutant-") as tmp:
        workdir = Path(tmp)
        _copy(workdir)
        found = subprocess.run([sys.executable, "-c", "import trialkit; print(trialkit.__file__)"], cwd=workdir,
                               env=_env(workdir), capture_output=True, text=True, check=True).stdout.strip()
        if not Path(found).resolve().is_relative_to(workdir.resolve()):
            raise SystemExit(f"mutation.py: the copy's tests would import {found}, not the mutated copy")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--check", action="store_true", help="only check that every mutant applies, and exit")
    parser.add_argument("--tests", nargs="+", metavar="PATH", default=TEST_PATHS,
                        help="test paths, relative to the repository (default: helpers/tests helpers/trialkit); "
                        "e.g. only the new tests, to see which mutants they catch on their own")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds before a mutant's run is stopped and counted as caught "
                        "(default: 20 x the unmutated run, at least 600)")
    args = parser.parse_args()

    mutants = MUTANTS
    if args.only:
        unknown = sorted(set(args.only) - {m.name for m in MUTANTS})
        if unknown:
            raise SystemExit(f"mutation.py: unknown mutants {unknown}")
        mutants = [m for m in MUTANTS if m.name in args.only]
    check_mutants(mutants)
    if args.list:
        for m in mutants:
            print(f"{m.name} ({m.file}): {m.description}")
        return
    if args.check:
        print(f"mutants_applicable: {len(mutants)}")
        return

    wall = time.perf_counter()
    check_isolation()
    status, baseline_s, detail = run_tests(None, timeout=None, test_paths=args.tests)
    if status != "survived":
        raise SystemExit(f"mutation.py: the unmutated library fails its own tests ({detail}); fix that first")
    print(f"baseline: tests pass in {baseline_s:.1f} s; {len(mutants)} mutants, {args.jobs} at a time",
          file=sys.stderr, flush=True)
    # Generous: on a busy machine a run can take several times the baseline, and a run stopped for
    # being slow is reported (timed_out lines), since it may be the machine rather than the mutant.
    timeout = args.timeout or max(600.0, 20 * baseline_s)

    def one(mutant):
        result = run_tests(mutant, timeout, test_paths=args.tests)
        status, seconds, detail = result
        print(f"{status:8} {mutant.name} ({seconds:.1f} s) {detail}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, mutants))

    survivors = [m for m, (status, _, _) in zip(mutants, results, strict=True) if status == "survived"]
    timed_out = [m for m, (status, _, _) in zip(mutants, results, strict=True) if status == "timeout"]
    caught = len(mutants) - len(survivors)
    print(f"mutants: {len(mutants)}")
    print(f"mutants_caught: {caught}")
    print(f"mutants_survived: {len(survivors)}")
    print(f"mutants_timed_out: {len(timed_out)}")
    print(f"mutation_score_pct: {100 * caught / len(mutants):.1f}")
    print(f"baseline_tests_s: {baseline_s:.1f}")
    print(f"wall_s: {time.perf_counter() - wall:.0f}")
    for m in survivors:
        print(f"survived: {m.name} ({m.file}): {m.description}")
    for m in timed_out:
        print(f"timed_out: {m.name} ({m.file}): counted as caught; rerun it alone with --only {m.name}")


if __name__ == "__main__":
    main()
