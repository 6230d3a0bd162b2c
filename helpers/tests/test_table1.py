"""Tests of trialkit.table1: SMDs and the Table 1 object."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from trialkit.errors import TrialkitInputError
from trialkit.table1 import BaselineTable, smd, smd_binary, smd_categorical, smd_from_summary

N_CONTROL, N_MSC = 111, 108


@pytest.fixture(scope="module")
def trial():
    """Synthetic baseline data shaped like Shi et al. 2021, Table 1 (fixed seed)."""
    rng = np.random.default_rng(2021)
    n = N_CONTROL + N_MSC
    arm = np.array(["control"] * N_CONTROL + ["UC-MSC"] * N_MSC)
    tbil = np.r_[rng.lognormal(3.2, 1.1, N_CONTROL), rng.lognormal(3.6, 1.2, N_MSC)]
    alb = rng.normal(30.5, 6.0, n)
    male = np.r_[np.repeat([1, 0], [96, 15]), np.repeat([1, 0], [94, 14])]
    child_pugh = np.r_[np.repeat(list("ABC"), [20, 73, 18]), np.repeat(list("ABC"), [14, 68, 26])]
    df = pd.DataFrame({"arm": arm, "tbil": tbil, "alb": alb, "male": male, "child_pugh": child_pugh})
    df.loc[[5, 7, 150], "alb"] = np.nan  # two missing in control, one in UC-MSC
    return df


def make(df, **kwargs):
    options = dict(continuous=["tbil", "alb"], categorical=["male", "child_pugh"], skewed="auto")
    options.update(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return BaselineTable(df, **options)


# ---------------------------------------------------------------------------------------------
# SMD functions
# ---------------------------------------------------------------------------------------------


def test_smd_matches_hand_computation():
    a = [10.0, 12.0, 14.0, 16.0]  # mean 13, variance 20/3
    b = [11.0, 15.0, 19.0, 23.0]  # mean 17, variance 80/3
    expected = (17 - 13) / math.sqrt((20 / 3 + 80 / 3) / 2)
    assert smd(a, b) == pytest.approx(expected)
    assert smd(b, a) == pytest.approx(-expected)


def test_smd_drops_missing_values():
    assert smd([10, 12, np.nan, 14, 16], pd.Series([11, 15, 19, 23, np.nan])) == pytest.approx(
        smd([10, 12, 14, 16], [11, 15, 19, 23])
    )


@pytest.mark.parametrize(
    "control, msc, published",
    [
        ((33.2, 29.8), (76.0, 127.9), 0.46),  # TBIL
        ((3337, 1335), (2812, 1560), -0.36),  # CHE
        ((10.0, 4.2), (11.4, 6.0), 0.27),  # MELD
        ((59.6, 79.4), (42.4, 49.16), -0.26),  # ALT
        ((30.5, 6.2), (30.9, 5.9), 0.07),  # ALB
    ],
)
def test_smd_from_summary_reproduces_published_derived_smds(control, msc, published):
    assert smd_from_summary(*control, *msc) == pytest.approx(published, abs=0.01)


def test_smd_binary_matches_formula_and_sign():
    p_a, p_b = 15 / 111, 19 / 108
    expected = (p_b - p_a) / math.sqrt((p_a * (1 - p_a) + p_b * (1 - p_b)) / 2)
    assert smd_binary(p_a, p_b) == pytest.approx(expected)
    assert smd_binary(p_b, p_a) == pytest.approx(-expected)


def test_smd_categorical_two_levels_equals_abs_binary():
    assert smd_categorical([96, 15], [94, 14]) == pytest.approx(abs(smd_binary(15 / 111, 14 / 108)))
    assert smd_categorical([20, 73, 18], [14, 68, 26]) >= 0


def test_smd_bad_inputs():
    with pytest.raises(TrialkitInputError, match="^a:"):
        smd(["x", "y"], [1, 2])
    with pytest.raises(TrialkitInputError, match="^b:"):
        smd([1, 2], [3])
    with pytest.raises(TrialkitInputError, match="p_b"):
        smd_binary(0.2, 17.6)
    with pytest.raises(TrialkitInputError, match="sd_a"):
        smd_from_summary(1.0, 0.0, 2.0, 1.0)
    with pytest.raises(TrialkitInputError, match="counts_b"):
        smd_categorical([1, 2, 3], [1, 2])


# ---------------------------------------------------------------------------------------------
# BaselineTable
# ---------------------------------------------------------------------------------------------


def test_to_frame_layout_and_no_pvalues_by_default(trial):
    frame = make(trial).to_frame()
    assert list(frame.columns) == ["variable", "level", "statistic", "control", "UC-MSC", "smd"]
    assert "p" not in str(make(trial)).splitlines()[2].split()
    n_row = frame[frame.variable == "n"].iloc[0]
    assert (n_row["control"], n_row["UC-MSC"]) == (N_CONTROL, N_MSC)


def test_counts_and_percentages(trial):
    frame = make(trial).to_frame()
    male = frame[frame.variable == "male"]
    assert len(male) == 2  # a 0/1 column is one level (the 1s): n and percent
    assert male.level.tolist() == [1, 1]
    counts = male[male.statistic == "n"].iloc[0]
    pct = male[male.statistic == "percent"].iloc[0]
    assert (counts["control"], counts["UC-MSC"]) == (96, 94)
    assert pct["control"] == pytest.approx(100 * 96 / 111)
    assert pct["UC-MSC"] == pytest.approx(100 * 94 / 108)
    cp = frame[(frame.variable == "child_pugh") & (frame.statistic == "n")]
    assert cp.level.tolist() == ["A", "B", "C"]
    assert cp["control"].tolist() == [20, 73, 18]
    assert cp["UC-MSC"].tolist() == [14, 68, 26]


def test_smds_in_table_match_functions(trial):
    table = make(trial)
    control, msc = trial[trial.arm == "control"], trial[trial.arm == "UC-MSC"]
    assert table.smds["tbil"] == pytest.approx(smd(control.tbil, msc.tbil))
    assert table.smds["alb"] == pytest.approx(smd(control.alb, msc.alb))
    assert table.smds["male"] == pytest.approx(smd_binary(96 / 111, 94 / 108))
    assert table.smds["child_pugh"] == pytest.approx(smd_categorical([20, 73, 18], [14, 68, 26]))


def test_auto_skew_uses_median_iqr_for_lognormal_only(trial):
    table = make(trial)
    assert set(table.skewed) == {"tbil"}
    assert "SD > mean" in table.skewed["tbil"]
    frame = table.to_frame()
    tbil = frame[frame.variable == "tbil"]
    assert tbil.statistic.tolist() == ["median", "q1", "q3"]
    control = trial.loc[trial.arm == "control", "tbil"]
    assert tbil.iloc[0]["control"] == pytest.approx(control.median())
    assert tbil.iloc[1]["control"] == pytest.approx(control.quantile(0.25))
    alb = frame[frame.variable == "alb"]
    assert alb.statistic.tolist() == ["mean", "sd", "missing"]
    msc = trial.loc[trial.arm == "UC-MSC", "alb"]
    assert alb.iloc[0]["UC-MSC"] == pytest.approx(msc.mean())
    assert alb.iloc[1]["UC-MSC"] == pytest.approx(msc.std())
    assert alb.iloc[2][["control", "UC-MSC"]].tolist() == [2, 1]
    text = str(table)
    assert "median [Q1, Q3]" in text and "mean (SD)" in text and "missing" in text


def test_skewed_list_and_none(trial):
    assert make(trial, skewed=None).skewed == {}
    assert set(make(trial, skewed=["alb"]).skewed) == {"alb"}
    frame = make(trial, skewed=None).to_frame()
    assert frame[frame.variable == "tbil"].statistic.tolist() == ["mean", "sd"]


def test_html_has_arm_headers_with_n_and_footnotes(trial):
    html = make(trial, labels={"tbil": "TBIL (µmol/L)"})._repr_html_()
    assert html.lstrip().startswith("<table")
    assert "control (n=111)" in html and "UC-MSC (n=108)" in html
    assert "<caption" in html and "TBIL (µmol/L)" in html
    assert "median [Q1, Q3]" in html and "Yang &amp; Dalton" in html
    assert "<strong>" in html  # |SMD| > 0.1 flagged


def test_text_repr(trial):
    text = repr(make(trial))
    assert text == str(make(trial))
    assert "control (n=111)" in text and "SMD" in text and "*" in text


def test_order_swaps_columns_not_smd_sign(trial):
    table = make(trial, order=("UC-MSC", "control"))
    assert list(table.to_frame().columns[3:5]) == ["UC-MSC", "control"]
    assert table.smds["tbil"] == pytest.approx(make(trial).smds["tbil"])


def test_imbalanced_sorted_by_absolute_smd(trial):
    table = make(trial)
    result = table.imbalanced()
    assert (result.abs() > 0.1).all()
    assert list(result.abs()) == sorted(result.abs(), reverse=True)
    assert set(result.index) == set(table.smds.index[table.smds.abs() > 0.1])
    assert list(table.imbalanced(0).index)[0] == table.smds.abs().idxmax()
    assert table.imbalanced(10).empty


def test_pvalues_opt_in_adds_column_and_footnote(trial):
    table = make(trial, pvalues=True)
    frame = table.to_frame()
    assert "p_value" in frame.columns
    assert frame.loc[frame.variable != "n", "p_value"].between(0, 1).all()
    for text in (repr(table), table._repr_html_()):
        assert "Altman 1985" in text and "Senn 1994" in text and "CONSORT 2010" in text
    assert "Altman 1985" not in repr(make(trial))


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(df=[1, 2, 3]), "df"),
        (dict(continuous=["tbil", "bilirubin"]), "continuous"),
        (dict(categorical=["sex"]), "categorical"),
        (dict(arm="group"), "arm"),
        (dict(continuous=["tbil", "child_pugh"], categorical=["male"], skewed=None), "continuous"),
        (dict(continuous=["tbil"], categorical=["tbil", "male"]), "categorical"),
        (dict(continuous=[], categorical=[]), "continuous"),
        (dict(skewed=["male"]), "skewed"),
        (dict(skewed="yes"), "skewed"),
        (dict(order=("control", "MSC")), "order"),
        (dict(labels=["TBIL"]), "labels"),
    ],
)
def test_bad_inputs_raise_with_argument_name(trial, kwargs, argument):
    kwargs = dict(kwargs)
    df = kwargs.pop("df", trial)
    with pytest.raises(TrialkitInputError, match=f"^{argument}:"):
        make(df, **kwargs)


def test_unknown_arm_labels_and_missing_columns_message(trial):
    bad = trial.assign(arm=trial.arm.replace({"UC-MSC": "MSC"}))
    with pytest.raises(TrialkitInputError, match=r"^arm:.*'MSC'"):
        make(bad)
    with pytest.raises(TrialkitInputError, match="available columns are.*'tbil'"):
        make(trial, continuous=["bilirubin"])


def test_imbalanced_bad_threshold(trial):
    with pytest.raises(TrialkitInputError, match="^threshold:"):
        make(trial).imbalanced(-0.1)


def test_no_warnings_in_normal_use(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for options in (dict(), dict(pvalues=True), dict(skewed=None), dict(skewed=["tbil", "alb"])):
            table = BaselineTable(trial, continuous=["tbil", "alb"], categorical=["male", "child_pugh"], **options)
            str(table)
            table._repr_html_()
            table.to_frame()
            table.imbalanced()
        smd(trial.tbil[:111], trial.tbil[111:])
