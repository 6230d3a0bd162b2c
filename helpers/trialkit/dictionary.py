"""The data dictionary of the virtual trial: each column's unit, meaning and source."""

import pandas as pd

__all__ = ["COLUMN_INFO", "data_dictionary", "dictionary_markdown"]

_T1 = "Shi2021 Table 1 (mean and SD per arm)"
_LIVER = "Shi2021 Fig. 4 (directions only; sizes are a model choice)"

#: (column, unit, meaning, source) for every column of the full data set.
COLUMN_INFO = (
    ("patient_id", "", "Synthetic patient identifier, in order of entry (P001 first)", "generator"),
    ("arm", "", "Randomised arm: 'control' (conventional treatment) or 'UC-MSC' (plus three UC-MSC infusions)",
     "Shi2021 Methods"),
    ("entry_date", "date", "Date of randomisation; entry is uniform over the 40-month planned recruitment "
     "from 2010-10-15", "Shi2021 Methods (sample size paragraph; recruitment dates)"),
    ("age", "years", "Age at entry (18-65, the inclusion range)", "Shi2021 Table 1 (median, range)"),
    ("sex", "", "'M' or 'F'", "Shi2021 Table 1 (96/15, 94/14)"),
    ("hbeag", "0/1", "HBeAg-positive at entry", "Shi2021 Table 1"),
    ("tp", "g/L", "Total protein", _T1),
    ("alb", "g/L", "Albumin at week 0", _T1),
    ("plt", "10^9/L", "Platelets (printed as cells/mm3 in the paper); right-skewed", _T1),
    ("cr", "umol/L", "Serum creatinine; right-skewed", _T1),
    ("alt", "U/L", "Alanine aminotransferase; right-skewed", _T1),
    ("ast", "U/L", "Aspartate aminotransferase; right-skewed", _T1),
    ("tbil", "umol/L", "Total bilirubin at week 0; right-skewed (SD > mean)", _T1),
    ("pta", "%", "Prothrombin activity at week 0", _T1),
    ("che", "U/L", "Cholinesterase at week 0; right-skewed", _T1),
    ("inr", "", "International normalised ratio", _T1),
    ("meld_unos", "points", "MELD computed from tbil, inr and cr with the standard UNOS formula (not drawn)",
     "Kamath 2001; see the MELD note"),
    ("meld", "points", "MELD on the paper's scale: meld_unos mapped by rank, within each arm, onto Table 1's "
     "MELD (same order of patients in each arm); the hazard of death rises with it",
     "Shi2021 Table 1; see the MELD note"),
    ("meld_gt15", "0/1", "meld > 15", "Shi2021 Table 1 (15/111, 19/108)"),
    ("ascites", "0/1", "Ascites present at entry", "Shi2021 Table 1 (93/18, 86/22)"),
    ("child_pugh_score", "points", "Child-Pugh score (5-15) from tbil, alb, inr, ascites and encephalopathy grades",
     "Pugh 1973; compared with Shi2021 Table 1"),
    ("child_pugh", "", "Child-Pugh class A (5-6), B (7-9), C (10-15)", "Shi2021 Table 1 (20/73/18, 14/68/26)"),
    ("os_months", "months", "Overall survival time: to death, or to censoring at the data cut-off (2017-10-30) "
     "or when the patient left the study", "Shi2021 Results (median follow-up 57 and 61 months)"),
    ("death", "0/1", "1 if the patient died at os_months, 0 if censored", "Figures (about 28 and 15 deaths)"),
    ("hcc_months", "months", "Time to HCC, or to death or censoring without HCC", "Shi2021 Results"),
    ("hcc", "0/1", "1 if HCC was diagnosed at hcc_months", "Shi2021 Results (23/111, 13/108)"),
    ("hcc_status", "0/1/2", "For competing risks: 0 censored, 1 HCC, 2 death before HCC", "generator"),
    ("fever", "0/1", "Self-limiting fever after infusion (UC-MSC only)", "Shi2021 Results (7 of 108)"),
    *[(f"{t}_w{w}", unit, f"{name} at week {w}; missing once the patient has died or left the study", _LIVER)
      for t, unit, name in (("alb", "g/L", "Albumin"), ("pta", "%", "Prothrombin activity"),
                            ("che", "U/L", "Cholinesterase"), ("tbil", "umol/L", "Total bilirubin"))
      for w in (12, 24, 48)],
    ("analysed", "bool", "Full form only: True for the 219 analysed patients, False for those randomised but "
     "not analysed", "Shi2021 Fig. 2 (CONSORT)"),
    ("exclusion", "", "Full form only: 'withdrew consent' or 'lost to follow-up' for patients not analysed",
     "Shi2021 Fig. 2 (10 and 10 withdrew; 4 and 7 lost)"),
)

_PREAMBLE = """# Data dictionary: the virtual UC-MSC trial

**These data are synthetic.** No row is a real patient. They were simulated by
`trialkit.simulate_trial` to re-create the published summaries of Shi et al. 2021 (Hepatol Int
15:1431-1441; the course's figures sheet `shared/reference/published-figures.md`): Table 1's
means, SDs and proportions per arm (with the UC-MSC arm's higher bilirubin and MELD and lower
cholinesterase), the deaths and HCC cases per arm, the hazard ratios overall and before and after
the 13-month landmark, and the median follow-up. Every parameter, with its source, is in
`trialkit/parameters.py`. Use them to learn the methods; quote the paper, not these data, for
facts about UC-MSC.

**How the seed was chosen.** Seeds 0-1999 were simulated; among the trials whose standard
analyses met every calibration target (`trialkit.calibration.TARGETS`: deaths and HCC cases per
arm, the overall, HCC and landmark hazard ratios, the median follow-up, the baseline
imbalance in TBIL, CHE and MELD as standardised mean differences, and MELD's mean, SD and count
above 15 per arm), the seed whose statistics were closest to the published ones
(root-mean-square distance in sampling SDs, over the targets that the generator does not fix by
construction: not the MELD ones, which the rank map sets) was kept: seed {seed}. The search is
deterministic (`python -m trialkit choose-seed`) and a test regenerates the shipped file from
the seed and compares bytes.

**MELD.** Two columns. `meld_unos` is computed from bilirubin, INR and creatinine with the
standard UNOS formula (values below 1 set to 1, creatinine capped at 4 mg/dL). Table 1's own labs
put that formula above the printed mean of 10.0: at the mean INR (1.32) the constant and the INR
term alone come to 6.43 + 11.2 ln 1.32 = 9.5, before bilirubin adds its share (Lesson 1 shows the
computation and compares the two columns). The paper does not say which MELD formula it used.
So `meld`, the score the lessons use, is on the paper's scale: within each arm, the patients'
UNOS scores are mapped by rank onto a distribution with Table 1's mean and SD (lognormal; in
UC-MSC above an offset of 5 points, so that its larger SD comes with a long upper tail), which
keeps every patient's place in the order of severity within the arm. Its means, SDs and counts
above 15 are checked against Table 1 in the calibration below. The hazard of death rises with
`meld` (`trialkit.parameters.SurvivalModel`), so Table 1's MELD imbalance is an imbalance in
prognosis here too.

**Files.** `trial.csv` holds all 250 randomised patients; `trialkit.load_trial()` returns the
219 analysed (as in the paper), `load_trial(include_excluded=True)` all 250 with the columns
`analysed` and `exclusion`.

## Calibration: published versus simulated

{calibration}

## Columns

"""


def data_dictionary():
    """The data dictionary as a table: one row per column of the virtual trial.

    Returns
    -------
    pandas.DataFrame
        Columns ``column``, ``unit``, ``meaning`` and ``source``.

    Examples
    --------
    >>> from trialkit import data_dictionary
    >>> dd = data_dictionary()
    >>> dd.set_index("column").loc["tbil", "unit"]
    'umol/L'
    """
    return pd.DataFrame(list(COLUMN_INFO), columns=["column", "unit", "meaning", "source"])


def _markdown_table(frame):
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def dictionary_markdown(seed, calibration):
    """The data dictionary as Markdown (the file shipped beside the data).

    Parameters
    ----------
    seed : int
        The canonical seed.
    calibration : pandas.DataFrame
        :func:`trialkit.calibration.calibration_report` of the canonical data.
    """
    cal = calibration.reset_index()[["target", "published", "simulated", "low", "high", "source"]].copy()
    cal["simulated"] = cal["simulated"].map(lambda v: f"{v:.2f}")
    text = _PREAMBLE.format(seed=seed, calibration=_markdown_table(cal))
    return text + _markdown_table(data_dictionary()) + "\n"
