"""Tests of trialkit.randomization: allocation schemes and the chance-imbalance simulation."""

import itertools
import math
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trialkit import TrialkitInputError, load_trial, smd
from trialkit.randomization import (
    allocate,
    allocation_matrix,
    share_as_extreme,
    simulate_imbalance,
    smd_matrix,
)


@pytest.fixture(scope="module")
def baseline():
    """The 219 analysed patients of the virtual trial, both arms pooled, a few baseline columns."""
    trial = load_trial()
    return trial[["tbil", "meld", "che", "alb", "meld_gt15"]]


# ---------------------------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["simple", "blocked"])
def test_allocations_are_zeros_and_ones_of_the_right_shape(scheme):
    a = allocation_matrix(37, 5, scheme=scheme, rng=1)
    assert a.shape == (5, 37)
    assert set(np.unique(a)) <= {0, 1}
    one = allocate(37, scheme=scheme, rng=1)
    assert one.shape == (37,) and one.dtype == np.int8


def test_simple_randomisation_is_a_fair_coin():
    a = allocation_matrix(200, 500, "simple", rng=3)
    # 100,000 fair coins: the share of 1s has SD 0.5 / sqrt(1e5) = 0.0016; 4 SDs is 0.0063.
    assert abs(a.mean() - 0.5) < 0.0063
    # The arm sizes vary between trials (that is what blocking removes): SD sqrt(200) / 2 = 7.1.
    sizes = a.sum(axis=1)
    assert sizes.std() == pytest.approx(math.sqrt(200) / 2, rel=0.15)


@pytest.mark.parametrize("block_size", [2, 4, 6, 8])
def test_blocked_arms_are_exactly_equal_when_n_is_a_multiple_of_the_block(block_size):
    n = 12 * block_size
    a = allocation_matrix(n, 300, "blocked", rng=5, block_size=block_size)
    assert (a.sum(axis=1) == n // 2).all()
    blocks = a.reshape(300, n // block_size, block_size)
    assert (blocks.sum(axis=2) == block_size // 2).all()


@pytest.mark.parametrize("n", [219, 10, 7, 1])
def test_blocked_arms_differ_by_at_most_half_a_block(n):
    a = allocation_matrix(n, 500, "blocked", rng=8, block_size=6)
    difference = np.abs(2 * a.sum(axis=1) - n)
    assert difference.max() <= 3
    # every prefix that ends a block is balanced
    ends = np.arange(6, n + 1, 6)
    if len(ends):
        assert (np.cumsum(a, axis=1)[:, ends - 1] == ends // 2).all()


def test_every_arrangement_of_a_block_is_equally_likely():
    a = allocation_matrix(4, 6000, "blocked", rng=11, block_size=4)
    patterns = [tuple(p) for p in set(itertools.permutations([0, 0, 1, 1]))]
    counts = [int((a == np.array(p)).all(axis=1).sum()) for p in patterns]
    assert sum(counts) == 6000
    # Six arrangements, 1000 expected each; with a fixed seed this is a fixed number, and a
    # biased shuffle (e.g. one arrangement at 1/4) would give a p-value far below 1e-4.
    assert stats.chisquare(counts).pvalue > 1e-4


def test_stratified_balances_within_each_stratum(baseline):
    strata = (baseline["meld"] > 15).to_numpy()
    a = allocation_matrix(len(baseline), 400, "stratified", rng=21, block_size=4, strata=strata)
    for level in (False, True):
        members = strata == level
        size = int(members.sum())
        treated = a[:, members].sum(axis=1)
        assert np.abs(2 * treated - size).max() <= 2
        # within the stratum, in order of entry, every completed block is balanced
        ends = np.arange(4, size + 1, 4)
        assert (np.cumsum(a[:, members], axis=1)[:, ends - 1] == ends // 2).all()


def test_stratified_with_exact_multiples_is_exactly_balanced():
    strata = np.repeat(["a", "b", "c"], [8, 12, 4])
    rng = np.random.default_rng(0)
    strata = strata[rng.permutation(len(strata))]  # strata interleaved in order of entry
    a = allocation_matrix(len(strata), 200, "stratified", rng=2, block_size=4, strata=strata)
    for level, size in (("a", 8), ("b", 12), ("c", 4)):
        assert (a[:, strata == level].sum(axis=1) == size // 2).all()


def test_same_seed_same_allocation_and_different_seeds_differ():
    strata = np.arange(60) % 3
    for scheme, kwargs in (("simple", {}), ("blocked", {}), ("stratified", {"strata": strata})):
        first = allocation_matrix(60, 20, scheme, rng=2021, **kwargs)
        again = allocation_matrix(60, 20, scheme, rng=np.random.default_rng(2021), **kwargs)
        other = allocation_matrix(60, 20, scheme, rng=2022, **kwargs)
        np.testing.assert_array_equal(first, again)
        assert (first != other).any()
        single = allocation_matrix(60, 1, scheme, rng=2021, **kwargs)[0]
        np.testing.assert_array_equal(allocate(60, scheme, rng=2021, **kwargs), single)


# ---------------------------------------------------------------------------------------------
# SMDs of many allocations
# ---------------------------------------------------------------------------------------------


def test_vectorised_smds_agree_with_table1_smd(baseline):
    a = allocation_matrix(len(baseline), 6, "blocked", rng=4)
    fast = smd_matrix(baseline, a)
    assert list(fast.columns) == list(baseline.columns) and fast.index.name == "trial"
    for t in range(6):
        arm = a[t] == 1
        for column in baseline.columns:
            values = baseline[column]
            expected = smd(values[~arm], values[arm])
            assert fast.loc[t, column] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_vectorised_smds_drop_missing_values_like_table1_smd():
    rng = np.random.default_rng(9)
    x = pd.DataFrame({"v": rng.lognormal(8, 0.5, 40), "w": rng.normal(0, 1, 40)})
    x.loc[[1, 5, 6, 30], "v"] = np.nan
    a = allocation_matrix(40, 4, "simple", rng=6)
    fast = smd_matrix(x, a)
    for t in range(4):
        arm = a[t] == 1
        assert fast.loc[t, "v"] == pytest.approx(smd(x.v[~arm], x.v[arm]), rel=1e-9)


def test_smd_is_nan_when_undefined():
    x = pd.DataFrame({"constant": [3.0] * 6, "binary": [0, 0, 0, 1, 1, 1], "v": [1.0, 2, 3, 4, 5, 6]})
    out = smd_matrix(x, [[0, 0, 0, 1, 1, 1], [1, 0, 0, 0, 0, 0]])
    assert out["constant"].isna().all()
    # both arms constant (0s vs 1s): the pooled SD is 0, as in table1.smd
    assert np.isnan(out.loc[0, "binary"]) and math.isnan(smd([0, 0, 0], [1, 1, 1]))
    # an arm of one patient has no SD
    assert out.loc[1].isna().all()
    assert out.loc[0, "v"] == pytest.approx(smd([1, 2, 3], [4, 5, 6]))


def test_simulate_imbalance_is_smd_matrix_of_allocation_matrix(baseline):
    smds = simulate_imbalance(baseline, "stratified", 50, rng=7, strata_column="meld_gt15")
    alloc = allocation_matrix(len(baseline), 50, "stratified", rng=np.random.default_rng(7),
                              strata=baseline["meld_gt15"])
    pd.testing.assert_frame_equal(smds, smd_matrix(baseline, alloc))
    pd.testing.assert_frame_equal(
        smds, simulate_imbalance(baseline, "stratified", 50, rng=7, strata_column="meld_gt15")
    )


def test_sd_of_the_smd_under_simple_randomisation_is_about_sqrt_2_over_n_per_arm():
    # A normal covariate in a fixed population of 2m = 200 patients. Under 1:1 randomisation the
    # difference in means has variance S^2 (1/n1 + 1/n0) = S^2 * 2/m with m = 100 per arm, so
    # the SMD has SD close to sqrt(2/m) = 0.1414 (slightly more under simple randomisation,
    # whose arm sizes vary: E[1/n1 + 1/n0] exceeds 2/m by about 1/m^2 in relative terms, i.e.
    # 0.005% here; and the SMD divides by the sample pooled SD, a relative correction of order
    # 1/(2m), 0.25%).
    # Monte Carlo error: the SD of R = 20,000 near-normal draws has relative standard error
    # 1/sqrt(2(R-1)) = 0.5%. A tolerance of 2.5% is 5 standard errors of Monte Carlo error
    # (a false alarm less than once in a million runs) plus the 0.25% approximation error; an
    # error of the formula, e.g. using n = 200 instead of the per-arm size (SD 0.1000), or a
    # lost factor of 2 in the pooled variance, is off by 30% or more.
    m = 100
    rng = np.random.default_rng(12)
    x = pd.DataFrame({"x": rng.normal(50, 10, 2 * m)})
    smds = simulate_imbalance(x, "simple", 20_000, rng=13)["x"]
    assert smds.std() == pytest.approx(math.sqrt(2 / m), rel=0.025)
    # and centred on 0 (Monte Carlo SE 0.141 / sqrt(20,000) = 0.001; 5 SEs)
    assert abs(smds.mean()) < 0.005


def test_stratification_reduces_the_imbalance_of_the_stratifying_variable(baseline):
    simple = simulate_imbalance(baseline, "simple", 4000, rng=1)
    blocked = simulate_imbalance(baseline, "blocked", 4000, rng=1)
    strat = simulate_imbalance(baseline, "stratified", 4000, rng=1, strata_column="meld_gt15")
    # MELD > 15 is balanced up to an incomplete block per stratum: its SMD is tiny
    assert strat["meld_gt15"].abs().max() < 0.06
    assert strat["meld_gt15"].std() < 0.2 * simple["meld_gt15"].std()
    assert strat["meld_gt15"].std() < 0.2 * blocked["meld_gt15"].std()
    # MELD itself, which defines the strata, is better balanced too
    assert strat["meld"].std() < 0.8 * simple["meld"].std()


def test_simple_and_blocked_are_fast(baseline):
    # The widget redraws 10,000 re-randomisations of 219 patients; the target is well under a
    # second (about 0.15 s on a laptop). The bound leaves room for a busy test machine.
    for scheme in ("simple", "blocked"):
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            simulate_imbalance(baseline, scheme, 10_000, rng=0)
            best = min(best, time.perf_counter() - start)
        assert best < 1.0, f"{scheme}: {best:.2f} s"


# ---------------------------------------------------------------------------------------------
# Share as extreme
# ---------------------------------------------------------------------------------------------


def test_share_as_extreme_counts_both_tails_and_ties():
    assert share_as_extreme([-0.5, -0.2, 0.0, 0.1, 0.2, 0.3], 0.2) == pytest.approx(4 / 6)
    assert share_as_extreme([-0.5, -0.2, 0.0, 0.1, 0.2, 0.3], -0.2) == pytest.approx(4 / 6)
    assert share_as_extreme(np.array([0.1, 0.2, 0.3]), 0.1 + 0.2) == pytest.approx(1 / 3)  # 0.30000000000000004
    assert share_as_extreme(pd.Series([0.1, np.nan, 0.5]), 0.4) == pytest.approx(0.5)
    assert share_as_extreme([0.1, 0.2], 0.9) == 0.0


def test_share_as_extreme_by_column(baseline):
    smds = simulate_imbalance(baseline, "simple", 2000, rng=3)
    shares = share_as_extreme(smds, {"tbil": 0.46, "meld": 0.27})
    assert list(shares.index) == ["tbil", "meld"]
    assert shares["tbil"] == share_as_extreme(smds["tbil"], 0.46)
    assert shares["tbil"] < shares["meld"] < 0.2


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"n": 0}, "n"),
        ({"n": 10.5}, "n"),
        ({"n": True}, "n"),
        ({"scheme": "minimisation"}, "scheme"),
        ({"scheme": None}, "scheme"),
        ({"block_size": 3}, "block_size"),
        ({"block_size": 0}, "block_size"),
        ({"rng": -1}, "rng"),
        ({"rng": "2021"}, "rng"),
        ({"scheme": "stratified"}, "strata"),
        ({"scheme": "blocked", "strata": [0, 1] * 5}, "strata"),
        ({"scheme": "stratified", "strata": [0, 1] * 4}, "strata"),
        ({"scheme": "stratified", "strata": [0, 1, None, 1, 0, 1, 0, 1, 0, 1]}, "strata"),
        ({"scheme": "stratified", "strata": np.linspace(0, 1, 10)}, "strata"),
        ({"scheme": "stratified", "strata": "meld"}, "strata"),
    ],
)
def test_allocate_rejects_bad_input(kwargs, argument):
    options = {"n": 10, "rng": 1}
    options.update(kwargs)
    with pytest.raises(TrialkitInputError) as info:
        allocate(**options)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: received ")


def test_bad_input_messages_say_what_was_received_and_how_to_fix_it(baseline):
    with pytest.raises(TrialkitInputError, match=r"scheme: received 'minimisation'; choose one of"):
        allocate(10, scheme="minimisation", rng=1)
    with pytest.raises(TrialkitInputError, match=r"block_size: received 5; give an even whole number"):
        allocate(10, scheme="blocked", rng=1, block_size=5)
    with pytest.raises(TrialkitInputError, match=r"strata_column: received None; .*strata_column='meld_gt15'"):
        simulate_imbalance(baseline, "stratified", 10, rng=1)
    with pytest.raises(TrialkitInputError, match=r"strata_column: received 'meld>15'; name a column"):
        simulate_imbalance(baseline, "stratified", 10, rng=1, strata_column="meld>15")
    with pytest.raises(TrialkitInputError, match=r"covariates: received .*'arm'"):
        simulate_imbalance(load_trial()[["arm", "tbil"]], "simple", 10, rng=1)
    with pytest.raises(TrialkitInputError, match=r"covariates: received 'list'; pass a pandas DataFrame"):
        simulate_imbalance([1.0, 2.0, 3.0], "simple", 10, rng=1)
    with pytest.raises(TrialkitInputError, match=r"rng: received -3"):
        simulate_imbalance(baseline, "simple", 10, rng=-3)
    with pytest.raises(TrialkitInputError, match=r"n_trials: received 0"):
        simulate_imbalance(baseline, "simple", 0, rng=1)
    with pytest.raises(TrialkitInputError, match=r"allocations: received .*shape \(2, 3\)"):
        smd_matrix(baseline, np.zeros((2, 3)))
    with pytest.raises(TrialkitInputError, match=r"allocations: received 'values \[2\]'; code UC-MSC"):
        smd_matrix(pd.DataFrame({"x": [1.0, 2, 3]}), [[0, 1, 2]])
    with pytest.raises(TrialkitInputError, match=r"observed: received nan"):
        share_as_extreme([0.1, 0.2], float("nan"))
    with pytest.raises(TrialkitInputError, match=r"observed: received 0.46; with a DataFrame"):
        share_as_extreme(pd.DataFrame({"tbil": [0.1]}), 0.46)
    with pytest.raises(TrialkitInputError, match=r"observed: received \['bili'\]; these are not columns"):
        share_as_extreme(pd.DataFrame({"tbil": [0.1]}), {"bili": 0.46})
    with pytest.raises(TrialkitInputError, match=r"smds: received 'no defined \(non-NaN\) SMD'"):
        share_as_extreme([np.nan, np.nan], 0.2)
    with pytest.raises(TrialkitInputError, match=r"smds: received 'abc'"):
        share_as_extreme("abc", 0.2)
