"""The library's one vocabulary: result names, p and CI printing, rng, arm coding, validation.

These tests check the conventions of helpers/README.md against the code, so that a new module
that breaks them fails here, and check the shared pieces (trialkit.results, trialkit.validation)
against independent computations.
"""

import ast
import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from scipy.stats import norm

import trialkit
from trialkit import TrialkitInputError
from trialkit.results import HazardRatio, InteractionEstimate, format_ci, format_p
from trialkit.validation import check_choice, check_real, check_rng, check_whole

PACKAGE = Path(trialkit.__file__).parent


def _modules():
    names = ["trialkit"] + [f"trialkit.{m.name}" for m in pkgutil.walk_packages([str(PACKAGE)])
                            if not m.name.startswith("_")]
    return [importlib.import_module(name) for name in names]


def _public_functions():
    seen = {}
    for module in _modules():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__.startswith("trialkit"):
                seen[f"{obj.__module__}.{name}"] = obj
            elif inspect.isclass(obj) and obj.__module__.startswith("trialkit"):
                for attr, member in vars(obj).items():
                    if isinstance(member, classmethod):
                        seen[f"{obj.__module__}.{name}.{attr}"] = member.__func__
    return seen


# ---------------------------------------------------------------------------------------------
# Results: the same names everywhere
# ---------------------------------------------------------------------------------------------

def test_every_result_class_names_its_estimate_interval_and_p_the_same_way():
    from trialkit.estimates import RMSTDifference, WaldRecovery

    for cls in (HazardRatio, InteractionEstimate, WaldRecovery, RMSTDifference):
        fields = {f.name for f in dataclasses.fields(cls)}
        assert {"estimate", "ci_lower", "ci_upper", "level"} <= fields, cls.__name__
        assert not fields & {"hr", "lower", "upper", "ratio", "difference", "se_log_hr"}, cls.__name__


def test_the_landmark_interaction_is_one_type_from_data_and_from_published_intervals():
    from trialkit.landmarks import interaction_from_ci

    from_data = trialkit.landmark_analysis(trialkit.load_trial(), 13, reference="UC-MSC").interaction
    from_paper = interaction_from_ci(trialkit.PUBLISHED["os_hr_0_13"][:3], trialkit.PUBLISHED["os_hr_13_75"][:3])
    assert type(from_data) is type(from_paper) is InteractionEstimate


def test_frames_name_their_limits_after_their_estimates():
    from trialkit.competing import incidence_table
    from trialkit.landmarks import landmark_table

    table = landmark_table(trialkit.load_trial(), [13], reference="UC-MSC")
    for name in ("hr_before", "hr_after", "ratio"):
        assert {f"{name}_ci_lower", f"{name}_ci_upper", f"{name}_p"} <= set(table.columns)
    incidence = incidence_table(trialkit.load_trial(), at=60)
    assert {"aalen_johansen_ci_lower", "aalen_johansen_ci_upper"} <= set(incidence.columns)


# ---------------------------------------------------------------------------------------------
# Printing p and intervals
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("p", "text", "cell"), [
    (0.0512, "p = 0.051", "0.051"),
    (0.001, "p = 0.001", "0.001"),
    (0.000999, "p < 0.001", "< 0.001"),
    (1.0, "p = 1.000", "1.000"),
])
def test_format_p_at_its_threshold(p, text, cell):
    assert format_p(p) == text
    assert format_p(p, name=None) == cell


def test_format_ci_uses_to_so_negative_limits_read_right():
    assert format_ci(-0.1, 1.6) == "95% CI -0.10 to 1.60"
    assert format_ci(1.014, 3.585, level=0.9, decimals=1) == "90% CI 1.0 to 3.6"


def test_no_module_formats_a_p_value_its_own_way():
    # One formatter: no other module prints "< 0.001" or a p with three decimals by hand.
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "results.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"""["']<\s?0\.001["']""", text) or re.search(r"p = \{[^}]*\.p:\.3f\}", text):
            offenders.append(path.name)
    assert not offenders


# ---------------------------------------------------------------------------------------------
# HazardRatio's constructors against independent computations
# ---------------------------------------------------------------------------------------------

def test_from_fitter_reads_the_lifelines_summary():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"t": rng.exponential(10, 80), "x": rng.integers(0, 2, 80)})
    df["e"] = (df["t"] < 12).astype(int)
    df["t"] = df["t"].clip(upper=12)
    fitter = CoxPHFitter().fit(df, "t", "e")
    hr = HazardRatio.from_fitter(fitter, "x", label="toy")
    beta, se = float(fitter.params_["x"]), float(fitter.standard_errors_["x"])
    assert hr.estimate == pytest.approx(math.exp(beta))
    assert hr.se == pytest.approx(se)
    # Wald interval and p written out here, not read from the same summary columns
    assert hr.ci_lower == pytest.approx(math.exp(beta - norm.ppf(0.975) * se))
    assert hr.ci_upper == pytest.approx(math.exp(beta + norm.ppf(0.975) * se))
    assert hr.p == pytest.approx(2 * norm.sf(abs(beta) / se))
    assert str(hr).startswith("toy: HR ")
    with pytest.raises(TrialkitInputError, match="^term: received 'y'"):
        HazardRatio.from_fitter(fitter, "y", label="toy")


def test_from_ci_recovers_the_published_standard_error():
    # Altman & Bland: SE = (ln 3.58 - ln 1.01) / (2 * 1.96) = 0.3228
    hr = HazardRatio.from_ci(1.89, 1.01, 3.58, p=0.051, label="OS", compare="control", reference="UC-MSC")
    assert hr.se == pytest.approx((math.log(3.58) - math.log(1.01)) / (2 * norm.ppf(0.975)))
    assert hr.p == 0.051
    assert str(hr) == "HR control vs UC-MSC (OS): 1.89 (95% CI 1.01 to 3.58), p = 0.051"


def test_from_log_is_the_wald_interval():
    hr = HazardRatio.from_log(math.log(2.0), 0.35, label="toy")
    assert (hr.ci_lower, hr.ci_upper) == pytest.approx((2 * math.exp(-1.959964 * 0.35), 2 * math.exp(1.959964 * 0.35)))
    ratio = InteractionEstimate.from_log(math.log(2.0), 0.35)
    assert (ratio.estimate, ratio.ci_lower, ratio.ci_upper, ratio.p) == pytest.approx(
        (hr.estimate, hr.ci_lower, hr.ci_upper, hr.p))
    assert ratio.z == pytest.approx(math.log(2.0) / 0.35)


def test_cox_by_arm_is_a_hazard_ratio_of_the_arm_with_its_reference():
    hr = trialkit.cox_by_arm(trialkit.load_trial(), reference="UC-MSC")
    assert isinstance(hr, HazardRatio)
    assert (hr.compare, hr.reference) == ("control", "UC-MSC")
    assert str(hr).startswith("HR control vs UC-MSC (overall): ")


# ---------------------------------------------------------------------------------------------
# Randomness: one argument, one policy
# ---------------------------------------------------------------------------------------------

SEEDS_AS_DATA = {"trialkit.widgets.rerun.rerun_hazard_ratios", "trialkit.data.canonical_csv_bytes",
                 "trialkit.dictionary.dictionary_markdown"}


def test_no_public_function_takes_a_seed_argument():
    # Random functions take rng; the two functions that name trials by their seeds take them as data.
    named = {name for name, f in _public_functions().items() if "seed" in inspect.signature(f).parameters}
    assert not named - SEEDS_AS_DATA


def test_rng_is_required_and_keyword_only_wherever_it_appears():
    with_rng = {name: inspect.signature(f).parameters["rng"] for name, f in _public_functions().items()
                if "rng" in inspect.signature(f).parameters and not name.startswith("trialkit.validation")}
    assert len(with_rng) >= 12  # the simulations, the bootstrap, the randomisation and the widgets
    for name, parameter in with_rng.items():
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameter.default is inspect.Parameter.empty, name


def test_a_seed_and_a_generator_from_it_give_the_same_trial():
    by_seed = trialkit.simulate_trial(rng=7)
    by_generator = trialkit.simulate_trial(rng=np.random.default_rng(7))
    pd.testing.assert_frame_equal(by_seed, by_generator)


def test_check_rng_refuses_what_is_not_a_seed_or_a_generator():
    assert isinstance(check_rng(0), np.random.Generator)
    generator = np.random.default_rng(1)
    assert check_rng(generator) is generator
    for bad in (None, -1, 1.5, "2021", True):
        with pytest.raises(TrialkitInputError, match="^rng: received"):
            check_rng(bad)


def test_forking_paths_spawn_the_same_children_as_before_the_rng_argument():
    # Trial i was drawn from SeedSequence(seed).spawn(n)[i]; a Generator's spawn gives the same children.
    from trialkit.engine import simulate_null_trials
    from trialkit.landmarks import simulate_forking_paths

    paths = simulate_forking_paths(3, [13], rng=11)
    child = np.random.SeedSequence(11).spawn(3)[2]
    time, event, group = simulate_null_trials(1, rng=np.random.default_rng(child))
    scan = trialkit.engine.logrank_scan(time, event, group, [13])
    assert paths.p_overall[2] == pytest.approx(float(scan.p_value(scan.overall)[0]))


# ---------------------------------------------------------------------------------------------
# Arms: one coding
# ---------------------------------------------------------------------------------------------

def test_arms_are_defined_once():
    definitions = [p.name for p in PACKAGE.rglob("*.py") if re.search(r"^ARMS\s*=", p.read_text(), re.M)]
    assert definitions == ["parameters.py"]


def test_the_engine_codes_uc_msc_as_1_like_randomization():
    from trialkit.engine import simulate_null_trials
    from trialkit.randomization import allocate

    _, _, group = simulate_null_trials(1, rng=0, n_control=5, n_msc=3)
    assert group[0].tolist() == [0] * 5 + [1] * 3  # index in ARMS: control 0, UC-MSC 1
    assert trialkit.ARMS[1] == "UC-MSC"
    assert set(allocate(8, rng=0).tolist()) <= {0, 1}


def test_forking_paths_keep_a_positive_z_for_more_control_deaths():
    from trialkit.landmarks import simulate_forking_paths

    paths = simulate_forking_paths(400, [13], rng=3)
    # under the null the sign is a coin flip, and p after is symmetric in it
    assert 0.4 < float((paths.z_after[:, 0] > 0).mean()) < 0.6


def test_published_numbers_live_in_parameters():
    # Numbers in the code (not prose or examples): Table 1's SMDs and the published hazard ratios
    # appear as literals only in parameters.py; every other module reads PUBLISHED.
    # (1.01 and 0.97 are left out: they are also axis limits and figure margins)
    published = {1.89, 3.58, 0.40, 2.32, 3.68, 1.38, 9.85, 1.77, 0.46, -0.36, 0.27}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "parameters.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            value = node.value if isinstance(node, ast.Constant) else None
            negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            if negative and isinstance(node.operand, ast.Constant):
                value = -node.operand.value if isinstance(node.operand.value, float) else None
            if isinstance(value, float) and value in published:
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders


# ---------------------------------------------------------------------------------------------
# Validation: one module of checks
# ---------------------------------------------------------------------------------------------

def test_no_module_keeps_its_own_copy_of_a_check():
    copies = [p.name for p in PACKAGE.rglob("*.py")
              if re.search(r"def _check_(seed|rng|whole|positive_real|count|size)\b", p.read_text())]
    assert not copies


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_whole(2.5, "n"), "n: received 2.5; give a whole number >= 0"),
    (lambda: check_whole(7, "n", minimum=1, maximum=6), "n: received 7; give a whole number from 1 to 6"),
    (lambda: check_real(0, "alpha", low=0, high=1, inclusive=False),
     "alpha: received 0; give a number with 0 < alpha < 1"),
    (lambda: check_real(float("nan"), "x"), "x: received nan; give a finite number"),
    (lambda: check_choice("weibull", "method", ("observed", "reverse_km")), "method: received 'weibull'; use one of"),
])
def test_checks_name_the_argument_the_value_and_the_fix(call, message):
    with pytest.raises(TrialkitInputError) as info:
        call()
    assert str(info.value).startswith(message)


def test_choices_ignore_case_and_return_the_canonical_spelling():
    assert check_choice("Reverse_KM", "method", ("observed", "reverse_km")) == "reverse_km"


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier by any column
# ---------------------------------------------------------------------------------------------

def test_km_by_any_column_matches_lifelines_per_level():
    trial = trialkit.load_trial()
    curves = trialkit.km_by_arm(trial, by="child_pugh")
    assert list(curves) == ["A", "B", "C"]
    for level, fitted in curves.items():
        part = trial[trial["child_pugh"] == level]
        direct = KaplanMeierFitter().fit(part["os_months"], part["death"])
        pd.testing.assert_series_equal(fitted.survival_function_.iloc[:, 0], direct.survival_function_.iloc[:, 0],
                                       check_names=False)


def test_km_by_a_categorical_keeps_its_order_not_the_alphabet():
    trial = trialkit.load_trial().assign(
        child_pugh=lambda d: pd.Categorical(d["child_pugh"], categories=["C", "B", "A"], ordered=True))
    assert list(trialkit.km_by_arm(trial, by="child_pugh")) == ["C", "B", "A"]


def test_plot_km_by_a_column_draws_each_level_s_curve():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from trialkit.plots import plot_km

    trial = trialkit.load_trial()
    ax = plot_km(trial, by="meld_gt15", labels={0: "low", 1: "high"}, ci=False, at_risk=False)
    lines = [line for line in ax.get_lines() if line.get_label() in ("low", "high")]
    assert [line.get_label() for line in lines] == ["low", "high"]
    high = trial[trial["meld_gt15"] == 1]
    expected = KaplanMeierFitter().fit(high["os_months"], high["death"]).survival_function_
    # the drawn steps are lifelines' curve for that level: its times and its survival values
    x, y = lines[1].get_data()
    np.testing.assert_allclose(np.asarray(x, dtype=float), expected.index.to_numpy(dtype=float))
    np.testing.assert_allclose(np.asarray(y, dtype=float), expected.iloc[:, 0].to_numpy())
    plt.close(ax.figure)
    with pytest.raises(TrialkitInputError, match="^colours: received"):
        plot_km(trial, by="meld_gt15", colours={0: "red"}, at_risk=False)
    plt.close("all")
