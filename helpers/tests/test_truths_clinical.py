"""MELD and Child-Pugh against the published definitions, at every floor, cap and class boundary.

MELD is checked against the UNOS formula written out here in its own form,
``10 * (0.957 ln(creatinine) + 0.378 ln(bilirubin) + 1.120 ln(INR) + 0.643)`` with the laboratory
values in mg/dL, each set to 1.0 below 1.0 and creatinine capped at 4.0 mg/dL (Kamath et al. 2001;
UNOS). The unit conversions are the usual 17.1 umol/L per mg/dL of bilirubin and 88.4 umol/L per
mg/dL of creatinine.
"""

import math

import numpy as np
import pytest

from trialkit import child_pugh, meld_score


def unos_meld(bilirubin_mg, inr, creatinine_mg):
    """The UNOS MELD from values already floored and capped by the caller (mg/dL)."""
    return 10 * (0.957 * math.log(creatinine_mg) + 0.378 * math.log(bilirubin_mg) + 1.120 * math.log(inr) + 0.643)


# (bilirubin umol/L, INR, creatinine umol/L) -> the values the UNOS rules put in the formula.
CASES = [
    # every value below its floor: all three set to 1.0, the lowest possible MELD (6.43)
    ((8.55, 0.9, 44.2), (1.0, 1.0, 1.0)),
    # every value exactly at its floor
    ((17.1, 1.0, 88.4), (1.0, 1.0, 1.0)),
    # bilirubin below its floor only
    ((8.55, 2.0, 176.8), (1.0, 2.0, 2.0)),
    # INR below its floor only
    ((34.2, 0.8, 176.8), (2.0, 1.0, 2.0)),
    # creatinine below its floor only
    ((34.2, 1.5, 70.0), (2.0, 1.5, 1.0)),
    # creatinine exactly at the cap (4.0 mg/dL = 353.6 umol/L), and far above it
    ((34.2, 1.5, 353.6), (2.0, 1.5, 4.0)),
    ((34.2, 1.5, 884.0), (2.0, 1.5, 4.0)),
    # creatinine just below the cap is not capped
    ((34.2, 1.5, 300.0), (2.0, 1.5, 300.0 / 88.4)),
    # nothing floored or capped
    ((85.5, 2.5, 132.6), (5.0, 2.5, 1.5)),
]


@pytest.mark.parametrize(("given", "used"), CASES)
def test_meld_is_the_unos_formula_at_floors_and_caps(given, used):
    # decimals=6: the score rounded to 6 decimals is within 5e-7 of the formula.
    assert float(meld_score(*given, decimals=6)) == pytest.approx(unos_meld(*used), abs=1e-6)


def test_meld_hand_values():
    # At every floor: 10 * 0.643 = 6.43 -> 6.4. Creatinine at the cap with bilirubin 2 mg/dL and
    # INR 1.5: 6.43 + 3.78 ln 2 + 11.2 ln 1.5 + 9.57 ln 4 = 6.43 + 2.620 + 4.541 + 13.267 = 26.86.
    assert float(meld_score(8.55, 0.9, 44.2)) == 6.4
    assert float(meld_score(34.2, 1.5, 884.0)) == 26.9
    assert float(meld_score(34.2, 1.5, 353.6)) == 26.9


def test_meld_bounds_over_a_grid():
    # The floors make 6.43 the lowest score; the creatinine cap makes 9.57 ln 4 = 13.27 the most
    # creatinine can add. Checked over a grid that crosses every floor and the cap.
    tbil, inr, cr = np.meshgrid([3.0, 10.0, 17.1, 40.0, 300.0], [0.8, 1.0, 1.3, 3.0], [20.0, 88.4, 200.0, 353.6, 900.0])
    scores = meld_score(tbil.ravel(), inr.ravel(), cr.ravel(), decimals=6)
    assert scores.min() == pytest.approx(6.43, abs=1e-6)
    no_creatinine = meld_score(tbil.ravel(), inr.ravel(), np.full(tbil.size, 88.4), decimals=6)
    # Two scores each rounded to 6 decimals: their difference is within 1e-6 of the exact one.
    assert (scores - no_creatinine).max() == pytest.approx(9.57 * math.log(4.0), abs=1e-6)
    assert ((scores - no_creatinine) >= -1e-6).all()


# Child-Pugh (Pugh et al. 1973, with the trial's units): bilirubin < 34 / 34-50 / > 50 umol/L,
# albumin > 35 / 28-35 / < 28 g/L, INR < 1.7 / 1.7-2.3 / > 2.3, ascites and encephalopathy 1-3.
# The base patient scores 1 point on each of the five: 5 points, class A.
BASE = {"tbil": 20.0, "alb": 40.0, "inr": 1.0, "ascites_grade": 1, "encephalopathy_grade": 1}


@pytest.mark.parametrize(("change", "points"), [
    ({"tbil": 33.9}, 5), ({"tbil": 34.0}, 6), ({"tbil": 50.0}, 6), ({"tbil": 50.1}, 7),
    ({"alb": 35.1}, 5), ({"alb": 35.0}, 6), ({"alb": 28.0}, 6), ({"alb": 27.9}, 7),
    ({"inr": 1.69}, 5), ({"inr": 1.7}, 6), ({"inr": 2.3}, 6), ({"inr": 2.31}, 7),
    ({"ascites_grade": 3}, 7), ({"encephalopathy_grade": 2}, 6),
])
def test_child_pugh_points_at_each_boundary(change, points):
    values = {**BASE, **change}
    score, _ = child_pugh([values["tbil"]], [values["alb"]], [values["inr"]], [values["ascites_grade"]],
                          [values["encephalopathy_grade"]])
    assert int(score[0]) == points


@pytest.mark.parametrize(("change", "points", "klass"), [
    ({}, 5, "A"),
    ({"tbil": 40.0}, 6, "A"),
    ({"tbil": 40.0, "alb": 30.0}, 7, "B"),
    ({"tbil": 60.0, "alb": 30.0, "ascites_grade": 2}, 9, "B"),
    ({"tbil": 60.0, "alb": 30.0, "ascites_grade": 3}, 10, "C"),
    ({"tbil": 60.0, "alb": 20.0, "inr": 2.5, "ascites_grade": 3, "encephalopathy_grade": 3}, 15, "C"),
])
def test_child_pugh_class_at_each_boundary(change, points, klass):
    values = {**BASE, **change}
    score, klasses = child_pugh([values["tbil"]], [values["alb"]], [values["inr"]], [values["ascites_grade"]],
                                [values["encephalopathy_grade"]])
    assert (int(score[0]), str(klasses[0])) == (points, klass)
