"""Table 1 against independent truths: the skewness rule, levels given out of order, percentages of
the non-missing, the Fisher/chi-square choice, and signed SMDs computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import skew

from trialkit.table1 import BaselineTable, smd_binary

CONTROL, MSC = "control", "UC-MSC"

# Ten patients per arm. Sample skewness (bias-corrected, scipy's skew(bias=False), pandas' skew):
#   left:       control nine 10s and a 1: mean 9.1, SD 2.85 (< mean), skewness -3.16 -> skewed
#   moderate:   control skewness 1.52, SD 1.69 < mean 12.2                           -> skewed
#   spread:     symmetric (skewness 0) but SD 7.45 > mean 1 (control) and 2 (UC-MSC) -> skewed
#   symmetric:  skewness 0 and SD 1.49 < mean in both arms                           -> mean (SD)
COLUMNS = {
    "left": ([10] * 9 + [1], [10, 9] * 5),
    "moderate": ([11, 11, 11, 11, 11, 12, 12, 13, 14, 16], [11, 11, 11, 11, 12, 12, 13, 14, 15, 16]),
    "spread": ([-9, -4, 1, 6, 11] * 2, [-8, -3, 2, 7, 12] * 2),
    "symmetric": ([9, 10, 11, 12, 13] * 2, [8, 9, 10, 11, 12] * 2),
}
GRADE = (["C", "A", "B", "C", "A", "C", "B", "C", "A", "C"], ["B", "B", "A", "C", "B", "A", "B", "C", "B", "A"])
ASCITES = (["yes"] * 6 + ["no"] * 2 + [None] * 2, ["yes"] * 5 + ["no"] * 5)
MALE = ([1] + [0] * 9, [1] * 6 + [0] * 4)


@pytest.fixture(scope="module")
def df():
    data = {"arm": [CONTROL] * 10 + [MSC] * 10}
    for name, (a, b) in COLUMNS.items():
        data[name] = np.array(a + b, dtype=float)
    data["grade"] = GRADE[0] + GRADE[1]
    data["ascites"] = ASCITES[0] + ASCITES[1]
    data["male"] = MALE[0] + MALE[1]
    return pd.DataFrame(data)


def test_the_data_are_what_the_comments_say():
    # The comments' values are rounded to 3 decimals: abs=1e-3 is that rounding.
    assert skew(COLUMNS["left"][0], bias=False) == pytest.approx(-3.162, abs=1e-3)
    assert skew(COLUMNS["moderate"][0], bias=False) == pytest.approx(1.522, abs=1e-3)
    assert abs(skew(COLUMNS["moderate"][1], bias=False)) < 1
    assert np.std(COLUMNS["spread"][0], ddof=1) > np.mean(COLUMNS["spread"][0])


def test_auto_rule_flags_left_skew_moderate_skew_and_sd_above_mean(df):
    table = BaselineTable(df, continuous=list(COLUMNS), skewed="auto")
    assert set(table.skewed) == {"left", "moderate", "spread"}
    assert table.skewed["left"] == "|skewness| > 1 in control (-3.16)"
    assert table.skewed["moderate"] == "|skewness| > 1 in control (1.52)"
    assert table.skewed["spread"].startswith("SD > mean in control (7.45 > 1), UC-MSC (7.45 > 2)")
    frame = table.to_frame()
    assert frame.loc[frame.variable == "left", "statistic"].tolist() == ["median", "q1", "q3"]
    assert frame.loc[frame.variable == "symmetric", "statistic"].tolist() == ["mean", "sd"]
    # Quartiles of the control's left-skewed values by hand (linear interpolation): all 10.
    left = frame[frame.variable == "left"].set_index("statistic")[CONTROL]
    assert left.tolist() == [10.0, 10.0, 10.0]
    assert "|skewness| > 1" in str(table)


def test_text_levels_are_sorted_whatever_their_order_of_appearance(df):
    frame = BaselineTable(df, categorical=["grade"]).to_frame()
    rows = frame[(frame.variable == "grade") & (frame.statistic == "n")]
    assert rows.level.tolist() == ["A", "B", "C"]
    assert rows[CONTROL].tolist() == [3, 2, 5]
    assert rows[MSC].tolist() == [3, 5, 2]
    text = str(BaselineTable(df, categorical=["grade"]))
    assert text.index("  A ") < text.index("  B ") < text.index("  C ")


def test_a_categorical_keeps_its_category_order_and_drops_absent_levels(df):
    cats = df.assign(grade=pd.Categorical(df["grade"], categories=["C", "B", "A", "D"], ordered=True))
    frame = BaselineTable(cats, categorical=["grade"]).to_frame()
    rows = frame[(frame.variable == "grade") & (frame.statistic == "n")]
    assert rows.level.tolist() == ["C", "B", "A"]
    assert rows[CONTROL].tolist() == [5, 2, 3]


def test_percentages_are_of_the_non_missing_and_a_two_level_smd_is_of_the_second_level(df):
    table = BaselineTable(df, categorical=["ascites"])
    frame = table.to_frame()
    rows = frame[frame.variable == "ascites"]
    pct = rows[rows.statistic == "percent"].set_index("level")
    # control: 6 yes and 2 no of the 8 with a value (2 missing): 75% and 25%; UC-MSC 50%, 50%.
    assert pct.loc["yes", CONTROL] == pytest.approx(75.0)
    assert pct.loc["no", CONTROL] == pytest.approx(25.0)
    assert pct.loc["yes", MSC] == pytest.approx(50.0)
    assert rows[rows.statistic == "missing"][[CONTROL, MSC]].iloc[0].tolist() == [2, 0]
    # Levels no < yes: the SMD is of "yes", UC-MSC minus control, by hand
    # (0.50 - 0.75) / sqrt((0.75 * 0.25 + 0.5 * 0.5) / 2) = -0.25 / 0.4677 = -0.5345.
    assert table.smds["ascites"] == pytest.approx(-0.25 / math.sqrt((0.75 * 0.25 + 0.25) / 2))
    assert table.smds["ascites"] == pytest.approx(-0.5345, abs=1e-4)  # the hand value, rounded


def _fisher_two_sided(x, row_one, column, total):
    """Two-sided Fisher p by hand: hypergeometric probabilities no larger than the observed one."""
    def prob(k):
        return math.comb(row_one, k) * math.comb(total - row_one, column - k) / math.comb(total, column)

    observed = prob(x)
    return sum(prob(k) for k in range(0, min(row_one, column) + 1) if prob(k) <= observed * (1 + 1e-9))


def test_pvalue_of_a_2x2_table_with_one_small_expected_count_is_fishers(df):
    # male: 1 of 10 control, 6 of 10 UC-MSC; 7 ones in all, so 3.5 expected per arm (< 5) while the
    # zeros expect 6.5: Fisher's exact test (CONSORT explanation in the table's footnote).
    frame = BaselineTable(df, categorical=["male"], pvalues=True).to_frame()
    p = frame.loc[frame.variable == "male", "p_value"].iloc[0]
    assert p == pytest.approx(_fisher_two_sided(1, 7, 10, 20), rel=1e-9)  # floating-point sums only
    assert p == pytest.approx(0.0573, abs=1e-4)  # (the chi-square test would give 0.019)


def test_imbalanced_keeps_negative_smds_sorted_by_size(df):
    table = BaselineTable(df, continuous=["symmetric", "left"], categorical=["male"])
    # symmetric: (10 - 11) / 1.4907 = -0.671; left: (9.5 - 9.1) / sqrt((8.1 + 0.2778) / 2) = 0.195;
    # male: smd_binary(0.1, 0.6) = 0.5 / sqrt(0.165) = 1.231.
    assert table.smds["symmetric"] == pytest.approx(-1 / np.std([9, 10, 11, 12, 13] * 2, ddof=1))
    assert table.smds["male"] == pytest.approx(smd_binary(0.1, 0.6))
    assert table.smds["male"] == pytest.approx(0.5 / math.sqrt(0.165))
    result = table.imbalanced()
    assert result.index.tolist() == ["male", "symmetric", "left"]
    assert result["symmetric"] < 0
