"""Clinical scores computed from laboratory values: MELD and Child-Pugh."""

import numpy as np

from .errors import TrialkitInputError

__all__ = ["meld_score", "child_pugh", "TBIL_UMOL_PER_MG_DL", "CR_UMOL_PER_MG_DL"]

#: Bilirubin: 1 mg/dL = 17.1 umol/L.
TBIL_UMOL_PER_MG_DL = 17.1
#: Creatinine: 1 mg/dL = 88.4 umol/L.
CR_UMOL_PER_MG_DL = 88.4


def _as_positive_array(value, name, example):
    arr = np.asarray(value, dtype=float) if not isinstance(value, str) else None
    if arr is None or np.isnan(arr).any() or (arr <= 0).any():
        raise TrialkitInputError(name, value, f"give positive numbers in the stated unit, e.g. {example}")
    return arr


def meld_score(tbil, inr, creatinine, decimals=1):
    """MELD score from bilirubin, INR and creatinine (the standard UNOS formula).

    ``MELD = 3.78 ln(bilirubin mg/dL) + 11.2 ln(INR) + 9.57 ln(creatinine mg/dL) + 6.43``,
    with each laboratory value set to 1.0 if it is below 1.0 and creatinine capped at 4.0 mg/dL
    (Kamath et al. 2001, Hepatology 33:464; the UNOS implementation). The score is left
    unrounded to an integer so that it keeps the resolution the trial reports (mean 10.0).

    Parameters
    ----------
    tbil : float or array-like
        Total bilirubin in umol/L (as in the trial's Table 1).
    inr : float or array-like
        International normalised ratio.
    creatinine : float or array-like
        Serum creatinine in umol/L.
    decimals : int, optional
        Decimals to round to (default 1).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> float(meld_score(tbil=34.2, inr=1.5, creatinine=88.4))
    13.6
    """
    tbil = _as_positive_array(tbil, "tbil", "34.2 (umol/L)")
    inr = _as_positive_array(inr, "inr", "1.3")
    creatinine = _as_positive_array(creatinine, "creatinine", "84.0 (umol/L)")
    bil_mg = np.maximum(tbil / TBIL_UMOL_PER_MG_DL, 1.0)
    cr_mg = np.clip(creatinine / CR_UMOL_PER_MG_DL, 1.0, 4.0)
    inr = np.maximum(inr, 1.0)
    score = 3.78 * np.log(bil_mg) + 11.2 * np.log(inr) + 9.57 * np.log(cr_mg) + 6.43
    return np.round(score, decimals)


def child_pugh(tbil, alb, inr, ascites_grade, encephalopathy_grade=1):
    """Child-Pugh score (5-15) and class (A, B, C).

    Points: bilirubin < 34 / 34-50 / > 50 umol/L; albumin > 35 / 28-35 / < 28 g/L;
    INR < 1.7 / 1.7-2.3 / > 2.3; ascites and encephalopathy graded 1 (none), 2 (mild),
    3 (moderate to severe). Class A is 5-6 points, B 7-9, C 10-15 (Pugh et al. 1973).

    Parameters
    ----------
    tbil, alb, inr : array-like
        Bilirubin (umol/L), albumin (g/L), INR.
    ascites_grade, encephalopathy_grade : array-like of int
        1, 2 or 3 points each.

    Returns
    -------
    score : numpy.ndarray of int
    klass : numpy.ndarray of str

    Examples
    --------
    >>> score, klass = child_pugh([20.0], [36.0], [1.2], [1])
    >>> int(score[0]), str(klass[0])
    (5, 'A')
    """
    tbil, alb, inr = (np.asarray(v, dtype=float) for v in (tbil, alb, inr))
    ascites_grade = np.asarray(ascites_grade)
    encephalopathy_grade = np.broadcast_to(np.asarray(encephalopathy_grade), ascites_grade.shape)
    for name, grade in (("ascites_grade", ascites_grade), ("encephalopathy_grade", encephalopathy_grade)):
        if not np.isin(grade, (1, 2, 3)).all():
            raise TrialkitInputError(name, grade, "grade it 1 (none), 2 (mild) or 3 (moderate to severe)")
    points = (
        1 + (tbil >= 34) + (tbil > 50)
        + 1 + (alb <= 35) + (alb < 28)
        + 1 + (inr >= 1.7) + (inr > 2.3)
        + ascites_grade + encephalopathy_grade
    ).astype(int)
    klass = np.where(points <= 6, "A", np.where(points <= 9, "B", "C"))
    return points, klass
