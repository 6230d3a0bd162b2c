"""Lesson 9 (reading the result): the numbers in the prose, recomputed.

Each number is recomputed here without the lesson's own functions: the SE from
the printed interval by hand, posteriors by numerical integration as well as
by the conjugate formula, Kaplan-Meier variances from lifelines' event table,
Holm's procedure by its step-down definition.
"""

import json
import math
import re

import numpy as np
import pytest
from lessons import ROOT, markdown
from lifelines import KaplanMeierFitter
from scipy.integrate import quad
from scipy.stats import norm

import trialkit as tk
from trialkit.engine import logrank_scan, simulate_null_trials
from trialkit.parameters import DEFAULTS

LESSON = ROOT / "notebooks" / "09_reading_the_result.ipynb"
NB = json.loads(LESSON.read_text(encoding="utf-8"))
TEXT = re.sub(r"\s+", " ", markdown(NB))  # prose, line breaks collapsed
CODE = "\n".join("".join(c["source"]) for c in NB["cells"]
                 if c["cell_type"] == "code")

HR, LOWER, UPPER, PRINTED_P = tk.PUBLISHED["os_hr"]  # control vs UC-MSC
BETA = math.log(1 / HR)  # log HR, UC-MSC vs control
SE = (math.log(UPPER) - math.log(LOWER)) / (2 * norm.ppf(0.975))
WALD_P = 2 * norm.sf(abs(BETA) / SE)
PRINTED = {  # the six printed results, in the lesson's order
    "OS, 0-75 months": tk.PUBLISHED["os_hr"],
    "OS, 0-13 months": tk.PUBLISHED["os_hr_0_13"],
    "OS, 13-75 months": tk.PUBLISHED["os_hr_13_75"],
    "HCC-free, 0-75 months": tk.PUBLISHED["hcc_hr"],
    "HCC-free, 0-8 months": tk.PUBLISHED["hcc_hr_0_8"],
    "HCC-free, 8-75 months": tk.PUBLISHED["hcc_hr_8_75"],
}


def says(*fragments):
    for fragment in fragments:
        assert fragment in TEXT, f"the prose should state {fragment!r}"


def pct(x, decimals=1):
    return f"{100 * x:.{decimals}f}%"


def p_for(h, beta=BETA, se=SE):
    return 2 * norm.sf(abs(beta - math.log(h)) / se)


def bits(p):
    return -math.log2(p)


def _printed(lesson_outputs):
    if LESSON.name not in lesson_outputs:
        pytest.skip("lesson 9 was not executed in this session (LESSONS)")
    nb = lesson_outputs[LESSON.name]
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                parts.append("".join(out["text"]))
            elif "text/plain" in out.get("data", {}):
                parts.append("".join(out["data"]["text/plain"]))
    return "\n".join(parts)


# --- the estimate, the interval, the p-value function --------------------

def test_the_result_turned_round():
    assert f"{SE:.3f}" == "0.323" and f"{WALD_P:.3f}" == "0.049"
    says(f"HR {1 / HR:.2f} (95% CI {1 / UPPER:.2f}–{1 / LOWER:.2f}): "
         f"log HR −{abs(BETA):.3f}, SE {SE:.3f}",
         f"implies a Wald p of {WALD_P:.3f}", f"p = {PRINTED_P:.3f}")


def test_no_effect_and_the_lower_limit_are_equally_compatible():
    p_null, p_limit = p_for(1), p_for(1 / UPPER)
    # "about equally compatible": both within rounding of 0.05 of each other
    assert abs(p_null - p_limit) < 0.002 and 0.045 < p_null < 0.05
    assert 0.70 < 1 - 1 / UPPER < 0.75  # "almost three quarters"
    says("a hazard cut by almost three quarters (HR 0.28)",
         f"peaks at the estimate, {1 / HR:.2f}")
    assert p_for(1 / HR) == pytest.approx(1)
    says(f"a 20% reduction (p = {p_for(0.8):.2f})",
         f"a halving (p = {p_for(0.5):.2f})")


def test_s_values():
    says(f"the result carries {bits(WALD_P):.1f} bits",
         f"(p = {p_for(0.8):.2f}) it carries {bits(p_for(0.8)):.1f} bits",
         f"against a halving {bits(p_for(0.5)):.1f} bits")
    assert round(bits(WALD_P)) == 4 and 2**4 == 16
    says("four heads in a row", "once in 16 sets of four tosses")
    s049, s051 = bits(0.049), bits(0.051)
    says(f"p = 0.049 is {s049:.2f} bits and p = 0.051 is {s051:.2f} bits",
         f"they differ by {s049 - s051:.2f} bits",
         f"{s049:.2f} against {s051:.2f} bits",
         f"p = 0.049 and p = 0.051 are {s049:.2f} and {s051:.2f} bits")
    assert s049 - s051 < 0.1  # "less than a tenth of a coin toss"
    says("less than a tenth of a coin toss")
    # "between 4.3 and 4.4 bits whichever p is used"
    values = [f"{s:.1f}" for s in (s049, s051, bits(WALD_P))]
    assert set(values) == {"4.3", "4.4"}
    says("between 4.3 and 4.4 bits whichever p is used")
    landmark_p = tk.PUBLISHED["os_hr_13_75"][3]
    says(f"p = {landmark_p} would be {bits(landmark_p):.1f} bits")


# --- the Bayesian reading ------------------------------------------------

DESIGN_HR = math.log(0.85) / math.log(0.60)  # Lesson 2: 60% vs 85% at 60 months
TAUS = {"sceptical": -math.log(DESIGN_HR) / norm.isf(0.05),
        "more sceptical": -math.log(0.5) / norm.isf(0.05)}


def _posterior(beta, se, tau):
    # precision-weighted form of the normal-normal update
    if tau is None:
        return beta, se
    precision = 1 / tau**2 + 1 / se**2
    return beta / se**2 / precision, math.sqrt(1 / precision)


def _by_integration(threshold, beta, se, tau):
    # P(true HR < threshold | data) by integrating prior x likelihood
    def dens(b):
        return norm.pdf(beta, b, se) * norm.pdf(b, 0, tau)
    cut = math.log(threshold)
    below = quad(dens, -10, cut, epsabs=1e-13)[0]
    above = quad(dens, cut, 10, epsabs=1e-13)[0]
    return below / (below + above)


def _probs(beta=BETA, se=SE):
    out = {}
    for name, tau in (("flat", None), *TAUS.items()):
        mean, sd = _posterior(beta, se, tau)
        out[name] = tuple(norm.cdf((math.log(t) - mean) / sd)
                          for t in (1, 0.8))
    return out


def test_prior_sds():
    assert f"{DESIGN_HR:.3f}" == "0.318"
    says(f"$\\tau = -\\ln(0.318)/{norm.isf(0.05):.3f} = "
         f"{TAUS['sceptical']:.2f}$",
         f"(HR 0.5), $\\tau = {TAUS['more sceptical']:.2f}$")


def test_posterior_probabilities():
    probs = _probs()
    for name, tau in TAUS.items():  # the formula agrees with integration
        for value, threshold in zip(probs[name], (1, 0.8), strict=True):
            exact = _by_integration(threshold, BETA, SE, tau)
            assert value == pytest.approx(exact, abs=1e-6)
    flat, sceptic, more = probs["flat"], probs["sceptical"], \
        probs["more sceptical"]
    # flat prior: one minus half the two-sided p
    assert flat[0] == pytest.approx(1 - WALD_P / 2)
    says(f"lowers the hazard (HR < 1) is {pct(flat[0])}, and that it lowers "
         f"it by at least 20% (HR < 0.8) is {pct(flat[1])}",
         f"The sceptical prior gives {pct(sceptic[0])} and {pct(sceptic[1])}, "
         f"the more sceptical {pct(more[0])} and {pct(more[1])}",
         f"any benefit is {pct(flat[0])} (flat), {pct(sceptic[0])} "
         f"(sceptical) and {pct(more[0])} (more sceptical); of at least "
         f"20%, {pct(flat[1])}, {pct(sceptic[1])} and {pct(more[1])}")
    assert min(flat[0], sceptic[0], more[0]) > 0.9  # "probable under all"
    assert flat[1] - more[1] > 0.1  # "depends visibly on the prior"


@pytest.fixture(scope="module")
def kept():
    # the lesson's simulation, redone: draws from the sceptical prior, kept
    # when the simulated estimate is within 0.02 of the published one
    rng = np.random.default_rng(2021)
    truth = rng.normal(0.0, TAUS["sceptical"], 2_000_000)
    estimate = rng.normal(truth, SE)
    return truth[np.abs(estimate - BETA) < 0.02]


def test_rejection_sampling_agrees_with_the_formula(kept):
    formula = _probs()["sceptical"]
    for threshold, expected in zip((1, 0.8), formula, strict=True):
        share = np.mean(kept < math.log(threshold))
        # Monte Carlo SE at most 0.0021 with ~30,000 kept: 0.007 is over 3 SE
        assert share == pytest.approx(expected, abs=0.007)
    says(f"{pct(np.mean(kept < 0))} had a true HR below 1 and "
         f"{pct(np.mean(kept < math.log(0.8)))} one below 0.8",
         "a real benefit 96 times in 100")
    assert round(100 * np.mean(kept < 0)) == 96


def test_rejection_sampling_output(kept, lesson_outputs):
    out = _printed(lesson_outputs)
    assert f"simulated trials kept: {kept.size:,} of 2,000,000" in out
    for threshold, expected in zip((1, 0.8), _probs()["sceptical"],
                                   strict=True):
        share = np.mean(kept < math.log(threshold))
        assert (f"share with a true HR < {threshold}: {share:.3f} "
                f"(formula: {expected:.3f})") in out


def test_p_049_and_p_051_give_the_same_posteriors():
    results = {}
    for p in (0.049, 0.051):
        se_p = abs(BETA) / norm.isf(p / 2)
        results[p] = _probs(se=se_p)
    says(f"P(HR < 1) is {pct(results[0.049]['flat'][0], 2)} with p = 0.049 "
         f"and {pct(results[0.051]['flat'][0], 2)} with p = 0.051",
         f"under the sceptical prior {pct(results[0.049]['sceptical'][0])} "
         f"and {pct(results[0.051]['sceptical'][0])}")
    for name in ("flat", "sceptical"):
        for a, b in zip(results[0.049][name], results[0.051][name],
                        strict=True):
            assert 0 < a - b < 0.005  # "move in the third decimal"


# --- absolute effects ----------------------------------------------------

@pytest.fixture(scope="module")
def km():
    """{arm: (times, survival, Greenwood variance)} from lifelines."""
    trial = tk.load_trial()
    out = {}
    for arm in tk.ARMS:
        part = trial[trial["arm"] == arm]
        kmf = KaplanMeierFitter().fit(part["os_months"], part["death"])
        table = kmf.event_table
        n, d = table["at_risk"].to_numpy(), table["observed"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(d > 0, d / (n * (n - d)), 0.0)
        surv = kmf.survival_function_.iloc[:, 0].to_numpy()
        out[arm] = (table.index.to_numpy(), surv, surv**2 * np.cumsum(terms))
    return out


def _at(km, arm, t):
    times, surv, var = km[arm]
    i = np.searchsorted(times, t, side="right") - 1
    return surv[i], math.sqrt(var[i])


def _route1(s_c, h_limits):
    gains = sorted(s_c**h - s_c for h in h_limits)
    return gains


def test_absolute_effects_at_60_months(km):
    s_c, se_c = _at(km, "control", 60)
    s_u, se_u = _at(km, "UC-MSC", 60)
    gain = s_c ** (1 / HR) - s_c
    worst, best = _route1(s_c, (1 / UPPER, 1 / LOWER))
    diff = s_u - s_c
    half = norm.ppf(0.975) * math.hypot(se_c, se_u)
    assert 0.11 < diff < gain < 0.12  # "about 11 to 12 more per 100"
    assert 8 < 1 / gain < 1 / diff < 9  # "an NNT of 8 to 9"
    says("about 11 to 12 more patients alive per 100 treated, an NNT of "
         "8 to 9", f"route 1: {1 / best:.1f} to {1 / worst:.1f}",
         f"route 2: {1 / (diff + half):.1f} to {1 / (diff - half):.1f}",
         f"interval {1 / best:.1f} to {1 / worst:.1f}",
         f"the HR's upper limit, {1 / LOWER:.2f}, is barely below 1")


def test_absolute_effects_table(km, lesson_outputs):
    out = _printed(lesson_outputs)
    for t in (12, 36, 60):
        s_c, se_c = _at(km, "control", t)
        s_u, se_u = _at(km, "UC-MSC", t)
        worst, best = _route1(s_c, (1 / UPPER, 1 / LOWER))
        half = norm.ppf(0.975) * math.hypot(se_c, se_u)
        diff = s_u - s_c
        assert f"NNTB {1 / best:.1f} to {1 / worst:.1f}" in out
        assert (f"{100 * diff:.1f} ({100 * (diff - half):.1f} to "
                f"{100 * (diff + half):.1f}) points") in out


def test_absolute_effects_at_12_months(km):
    s_c, se_c = _at(km, "control", 12)
    s_u, se_u = _at(km, "UC-MSC", 12)
    says(f"gives an NNT of {1 / (s_c ** (1 / HR) - s_c):.0f}")
    diff = s_u - s_c
    half = norm.ppf(0.975) * math.hypot(se_c, se_u)
    assert diff - half < 0 < diff + half and abs(diff) < 0.01
    says(f"(NNTB {1 / (diff + half):.1f} to ∞ to NNTH "
         f"{1 / -(diff - half):.1f})")
    # "the virtual trial, built with no effect in the first 13 months"
    assert DEFAULTS.survival.hr_before == 1.0
    assert DEFAULTS.survival.changepoint == 13
    says("built with no effect in the first 13 months")


def test_the_nnt_interval_through_infinity_with_p_051(km):
    se_051 = abs(BETA) / norm.isf(0.051 / 2)
    z = norm.ppf(0.975)
    upper_051 = math.exp(BETA + z * se_051)
    assert 1 < upper_051 < 1.005
    s_c, _ = _at(km, "control", 60)
    worst, best = _route1(s_c, (math.exp(BETA - z * se_051), upper_051))
    assert worst < 0 < best
    says(f"from 0.99 to {upper_051:.3f}",
         f"\"NNTB {1 / best:.1f} to ∞ to NNTH {1 / -worst:.1f}\"")


def test_virtual_numbers_are_labelled():
    says("an illustration, not the real trial's NNT",
         "The paper prints no survival proportions at fixed times",
         "the synthetic virtual trial")
    assert '"control S(t), virtual"' in CODE
    assert '"2: difference, virtual"' in CODE


# --- multiplicity --------------------------------------------------------

def test_family_wise_error_rates():
    fwer = {k: 1 - (1 - 0.05) ** k for k in (2, 6, 12)}
    says(f"to {pct(fwer[2])}; the six printed tests give {pct(fwer[6])}",
         f"twelve (each with and without MELD adjustment) {pct(fwer[12])}")
    assert fwer[2] / 0.05 < 2  # "almost double"


def _independent_share():
    rng = np.random.default_rng(2021)
    return np.mean((rng.uniform(size=(100_000, 6)) < 0.05).any(axis=1))


def test_independent_tests_simulation():
    # binomial SE 0.0014 with 100,000 sets: 0.005 is more than 3 SE
    assert _independent_share() == pytest.approx(1 - 0.95**6, abs=0.005)


def test_independent_tests_output(lesson_outputs):
    share = _independent_share()
    assert (f"at least one p < 0.05 among six: {share:.3f}"
            in _printed(lesson_outputs))


@pytest.fixture(scope="module")
def null_p_values():
    os_scan = logrank_scan(*simulate_null_trials(5_000, rng=2021), [13.0])
    hcc_scan = logrank_scan(*simulate_null_trials(
        5_000, rng=2022, rate_before=0.003, rate_after=0.003,
        changepoint=8.0), [8.0])
    return np.column_stack([
        s.p_value(x) for s in (os_scan, hcc_scan)
        for x in (s.overall, s.before[:, 0], s.after[:, 0])])


def test_trial_shaped_simulation(null_p_values):
    each = (null_p_values < 0.05).mean(axis=0)
    # "each test alone keeps its 5%": binomial SE 0.003 with 5,000 trials
    assert np.all(np.abs(each - 0.05) < 0.01)
    fwer = np.mean((null_p_values < 0.05).any(axis=1))
    assert 4 * 0.05 < fwer < 1 - 0.95**6  # "less than 26.5%, ... four times"
    says(f"in {pct(fwer)} of trials with no effect",
         f"{pct(fwer)} in trials shaped like this one")
    hcc = simulate_null_trials(5_000, rng=2022, rate_before=0.003,
                               rate_after=0.003, changepoint=8.0)[1]
    assert 33 < hcc.sum(axis=1).mean() < 42  # "about the paper's 36 cases"
    assert sum(tk.PUBLISHED["hcc"]) == 36


def _holm(p_values, alpha=0.05):
    # step-down by definition: reject while p_(i) <= alpha / (k - i + 1)
    k = len(p_values)
    rejected = set()
    for step, (name, p) in enumerate(sorted(p_values.items(),
                                            key=lambda x: x[1])):
        if p > alpha / (k - step):
            break
        rejected.add(name)
    return rejected


def test_holm_rate_under_the_null(null_p_values):
    names = [str(i) for i in range(6)]
    rate = np.mean([bool(_holm(dict(zip(names, row, strict=True))))
                    for row in null_p_values])
    assert rate <= 0.05
    says(f"Holm rejects something in {pct(rate)}, within the promised 5%")


def test_holm_on_the_printed_and_wald_p_values():
    printed = {name: v[3] for name, v in PRINTED.items()}
    wald = {name: 2 * norm.sf(abs(math.log(v[0])) / (
        (math.log(v[2]) - math.log(v[1])) / (2 * norm.ppf(0.975))))
        for name, v in PRINTED.items()}
    assert _holm(printed) == {"OS, 13-75 months"}
    assert _holm(wald) == set()
    k = len(PRINTED)
    late = printed["OS, 13-75 months"]
    says(f"(adjusted p = {k * late:.3f}, six times {late})",
         f"(six times {wald['OS, 13-75 months']:.4f} is "
         f"{k * wald['OS, 13-75 months']:.3f})",
         f"0.05/12 = {0.05 / 12:.4f}, which {late} does not clear")
    assert late > 0.05 / 12


def _sequence(p_values, order, alpha=0.05):
    rejected = []
    for name in order:
        if p_values[name] > alpha:
            break
        rejected.append(name)
    return rejected


def test_fixed_sequence_verdicts():
    order = ["OS, 0-75 months", "HCC-free, 0-75 months", "OS, 13-75 months"]
    printed = {name: v[3] for name, v in PRINTED.items()}
    wald = {name: tk.wald_from_ci(*v[:3]).p for name, v in PRINTED.items()}
    assert _sequence(printed, order) == []
    assert _sequence(wald, order) == ["OS, 0-75 months"]
    says("With the printed p = 0.051 the sequence stops at its first step",
         f"HCC-free p = {wald['HCC-free, 0-75 months']:.3f}")
    # two primary endpoints under Holm: the smaller p must be below 0.025
    for p_values in (printed, wald):
        assert min(p_values["OS, 0-75 months"],
                   p_values["HCC-free, 0-75 months"]) > 0.05 / 2
    says("requires the smaller p-value to be below 0.025")
    # question 3: the landmark first, then overall survival
    assert _sequence(printed, ["OS, 13-75 months", "OS, 0-75 months"]) == \
        ["OS, 13-75 months"]
    says("Step 1 (p = 0.005) is rejected; step 2 (p = 0.051) is not")


# --- form ----------------------------------------------------------------

def test_a_prediction_before_each_simulation():
    cells = NB["cells"]
    simulations = [i for i, c in enumerate(cells) if c["cell_type"] == "code"
                   and re.search(r"default_rng\(|simulate_null_trials\(",
                                 "".join(c["source"]))]
    assert len(simulations) == 3
    for i in simulations:
        guess, prompt = cells[i - 1], cells[i - 2]
        assert "".join(guess["source"]).startswith("my_guess = None  # ")
        assert "**Predict, then check.**" in "".join(prompt["source"])


def test_length_and_sections():
    texts = ["".join(c["source"]) for c in NB["cells"]
             if c["cell_type"] == "markdown"]
    # the lessons' order: ..., Summary, Going further, References (AUTHORING.md)
    assert texts[-1].startswith("## References")
    assert texts[-2].startswith("## Going further")
    before = "\n\n".join(texts[:-2])
    # "about an hour": at most about 3,500 words before Going further
    assert len(before.split()) <= 3550
    assert before.count("**Check your understanding.**") == 3
    headings = re.findall(r"^## (.+)$", before, flags=re.M)
    assert headings[0] == "Learning objectives"
    assert headings[-1] == "Summary"


def test_every_source_cited_is_in_the_references():
    references = TEXT.split("## References", 1)[1].split("## Going", 1)[0]
    cited = {"Altman and Andersen 1999": "Altman DG, Andersen PK.",
             "Altman 1998": "Altman DG. Confidence intervals for the number",
             "Altman and Bland 2011": "Altman DG, Bland JM.",
             "Amrhein, Greenland and McShane (2019)": "Amrhein V, Greenland S",
             "Greenland et al. (2016)": "Greenland S, Senn SJ",
             "Greenland (2019)": "Greenland S. Valid P-values",
             "Rafi and Greenland (2020)": "Rafi Z, Greenland S.",
             "Spiegelhalter, Freedman and Parmar 1994":
                 "Spiegelhalter DJ, Freedman LS, Parmar MKB.",
             "Holm 1979": "Holm S.", "Dmitrienko and Tamhane 2007":
                 "Dmitrienko A, Tamhane AC.",
             "CPMP 2002": "CPMP/EWP/908/99", "EMA 2017": "EMA/CHMP/44762/2017"}
    for citation, entry in cited.items():
        assert citation in TEXT, citation
        assert entry in references, entry


def test_printed_outputs(lesson_outputs):
    out = _printed(lesson_outputs)
    assert "Wald p from the interval 0.049; printed p 0.051" in out
    assert "difference: 0.06 bits" in out
    assert "printed p: rejected nothing" in out
    assert "Wald p of the CI: rejected ['OS, 0-75 months']" in out
    assert "HR 0.53 with p = 0.051: 95% CI 0.279-1.003" in out
    assert "NNT at 60 months (virtual baseline): NNTB 5.3 to ∞" in out
    assert "at least one of the six p < 0.05: 0.214" in out
