"""A synthetic retrospective cohort in which treatment duration defines the groups.

The cohort re-creates the *design* of Jia et al. 2020 (course copy ``shared/seeds/004_*.txt``):
patients with HBV-related liver failure or cirrhosis receive weekly UC-MSC infusions, and the
analysis compares those treated for more than 4 weeks ("prolonged") with those treated for 4
weeks or less. In the model, **the duration of treatment has no effect on death**. Two things
still make prolonged treatment look protective:

* **Immortal time.** To be treated for more than 4 weeks a patient must be alive at week 4, so
  the prolonged group's first 4 weeks are free of deaths by construction. Comparing the groups
  from the first infusion credits that guaranteed survival to the treatment.
* **Confounding by indication.** Clinicians decide at week 4 whom to continue. If they continue
  the patients who are doing better (``confounding > 0``), the prolonged group has a better
  prognosis even among week-4 survivors. The recorded severity score (MELD) captures only part of
  the prognosis, so adjusting for it removes only part of this bias.

:func:`counting_process` and :func:`landmark_cohort` give the data layouts of the two repairs of
immortal time (a time-varying Cox model and a landmark analysis at week 4);
:func:`duration_hazard_ratios` fits all three analyses at once.

Sources
-------
``Jia2020``
    Jia Y, Shu X, Yang X, et al. Enhanced therapeutic effects of umbilical cord mesenchymal stem
    cells after prolonged treatment for HBV-related liver failure and liver cirrhosis. Stem Cell
    Res Ther 2020;11:277. doi:10.1186/s13287-020-01787-4 (course copy ``shared/seeds/004_*.txt``).
``Moreau2013``
    Moreau R, Jalan R, Gines P, et al. Acute-on-chronic liver failure is a distinct syndrome that
    develops in patients with acute decompensation of cirrhosis. Gastroenterology
    2013;144:1426-1437. doi:10.1053/j.gastro.2013.02.042 (short-term mortality of ACLF: about a
    third within 28 days and about half within 90 days).
``Shi2021``
    The course's anchor trial (``shared/seeds/001_*.txt``), Table 1: MELD 10.0 +/- 4.2 and
    11.4 +/- 6.0 in HBV-related decompensated cirrhosis.
``Model``
    A modelling choice of this course, not a published figure. Each says why it was made.

The paper reports liver tests, not deaths; the cohort's outcome is death because immortal time
is easiest to see there. The data are synthetic: they follow the paper's design and group sizes,
not its patients.
"""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from scipy.optimize import brentq
from scipy.special import expit

from .errors import TrialkitInputError
from .results import HazardRatio
from .validation import (
    check_bool,
    check_columns,
    check_event_column,
    check_frame,
    check_names,
    check_numeric_column,
    check_real,
    check_rng,
    check_whole,
)

__all__ = [
    "GROUPS",
    "JIA2020",
    "COHORT_SEED",
    "CohortParameters",
    "COHORT_DEFAULTS",
    "COHORT_COLUMNS",
    "simulate_cohort",
    "counting_process",
    "landmark_cohort",
    "duration_hazard_ratios",
    "ANALYSES",
]

#: The two diagnostic groups of the cohort, in order.
GROUPS = ("liver failure", "cirrhosis")

#: Jia2020, Results ("Patient characteristics") and Methods: the published design figures.
#: Groups A and C were treated for more than 4 weeks, B and D for 4 weeks or less.
JIA2020 = {
    "treated": 513,
    "eligible": 123,
    "liver failure": 64,
    "cirrhosis": 59,
    "A": 37,
    "B": 27,
    "C": 28,
    "D": 31,
    "followup_weeks": 24,
    "decision_week": 4,
}

#: The seed of the course's paper-sized cohort: the first seed from 0 upward whose group sizes
#: equal Jia2020's (A 37, B 27, C 28, D 31) with the default parameters. Chosen on the group
#: sizes only, never on the hazard ratios it gives.
COHORT_SEED = 98

#: Columns of :func:`simulate_cohort`, in order (``prognosis`` is added with ``include_latent=True``).
COHORT_COLUMNS = ["patient_id", "group", "paper_group", "meld", "weeks_treated", "prolonged", "time", "death"]


@dataclass(frozen=True)
class CohortParameters:
    """Every number the cohort is built from; tuples are (liver failure, cirrhosis).

    The model, per patient *i* in group *g*:

    * a latent prognosis ``z_i ~ N(0, 1)`` (higher is sicker), which the clinicians see but the
      data do not;
    * a recorded severity score, MELD, ``meld_mean[g] + meld_sd[g] * (r z_i + sqrt(1 - r^2) e_i)``
      with ``r = meld_correlation`` and ``e_i ~ N(0, 1)``: MELD measures the prognosis with error;
    * the hazard of death per week, ``death_rate_early[g]`` before ``decision_week`` and
      ``death_rate_late[g]`` after it, times ``exp(prognosis_log_hr * z_i)``; treatment
      duration does not enter it;
    * weekly infusions from week 0; at ``decision_week`` the clinicians continue a patient who
      is still alive with probability ``expit(a_g - confounding * z_i)``. The intercept ``a_g``
      is solved so that the expected share of the group that ends up prolonged is
      ``prolonged_share[g]`` whatever ``confounding`` is: confounding changes *who* is continued,
      not how many;
    * administrative censoring at ``followup_weeks``.

    Attributes
    ----------
    followup_weeks : float
        Jia2020: "The patients were followed up for 24 weeks."
    decision_week : float
        Jia2020: groups are split at 4 weeks of treatment (> 4 weeks vs <= 4 weeks).
    standard_infusions, prolonged_infusions : int
        Jia2020: up to 4 weekly infusions in the standard course, up to 8 (weeks 1-8) in the
        prolonged one. Here the first infusion is week 0 of follow-up.
    prolonged_share : tuple of float
        Jia2020: 37 of 64 liver-failure patients (group A) and 28 of 59 cirrhosis patients
        (group C) were treated for more than 4 weeks.
    death_rate_early, death_rate_late : tuple of float
        Model: deaths per week for a patient of average prognosis (``z = 0``), before and after
        week 4. Chosen so that in liver failure (acute-on-chronic, with high short-term
        mortality, Moreau2013) about 18% die by week 4 and about 36% by week 24, and in
        decompensated cirrhosis about 2% and 8%: frequent early deaths in liver failure are
        what make immortal time matter.
    prognosis_log_hr : float
        Model: log hazard ratio of death per SD of latent prognosis (0.8, a hazard ratio of
        about 2.2 per SD), a strong but ordinary prognostic gradient.
    meld_mean, meld_sd : tuple of float
        Model: typical MELD of HBV-related acute-on-chronic liver failure (about 25) and of
        decompensated cirrhosis (about 11, close to Shi2021's Table 1). Jia2020's baseline
        tables are not in the course copy.
    meld_correlation : float
        Model: the correlation of the recorded MELD with the latent prognosis (0.6: MELD
        explains about a third of the prognostic variance). Below 1, so that adjusting for MELD
        removes only the measured part of confounding by indication.
    meld_floor : float
        The lowest possible MELD (about 6 with every laboratory value at its floor of 1).
        Values below it are redrawn, not clipped.
    confounding : float
        Model: log odds ratio of *not* continuing per SD of worse prognosis; 0 (the default)
        means clinicians decide without regard to how the patient is doing. 1 means a patient
        1 SD sicker has e^-1, about a third, of the odds of being continued.
    """

    followup_weeks: float = 24.0
    decision_week: float = 4.0
    standard_infusions: int = 4
    prolonged_infusions: int = 8
    prolonged_share: tuple = (37 / 64, 28 / 59)
    death_rate_early: tuple = (0.040, 0.0040)
    death_rate_late: tuple = (0.012, 0.0025)
    prognosis_log_hr: float = 0.8
    meld_mean: tuple = (25.0, 11.0)
    meld_sd: tuple = (6.0, 5.0)
    meld_correlation: float = 0.6
    meld_floor: float = 6.0
    confounding: float = 0.0


#: The default parameters (the published design, the model choices above, no confounding).
COHORT_DEFAULTS = CohortParameters()

# Gauss-Hermite nodes for expectations over a standard normal prognosis.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _check_confounding(value):
    return check_real(value, "confounding", low=0,
                      example="0 (no confounding by indication) or 1 (a strong one, log odds per SD)")


def _continuation_intercept(share, rate_early, decision_week, log_hr, confounding):
    """The intercept ``a`` with E[P(alive at decision) * expit(a - confounding z)] = share."""
    alive = np.exp(-rate_early * decision_week * np.exp(log_hr * _NODES))
    reachable = float(_WEIGHTS @ alive)
    if not 0 < share < reachable:
        raise TrialkitInputError(
            "params", f"prolonged_share {share:.3f}",
            f"the share prolonged must be between 0 and the share alive at the decision ({reachable:.3f})",
        )

    def gap(a):
        return float(_WEIGHTS @ (alive * expit(a - confounding * _NODES))) - share

    return brentq(gap, -60.0, 60.0, xtol=1e-12)


def simulate_cohort(*, rng, n_liver_failure=64, n_cirrhosis=59, confounding=None, include_latent=False,
                    params=COHORT_DEFAULTS):
    """Simulate a retrospective cohort in which treatment duration has no effect on death.

    Each patient receives weekly infusions from week 0. At week 4 the clinicians decide, for
    each patient still alive, whether to continue (up to 8 infusions, "prolonged") or stop
    (4 infusions, "standard"). Follow-up ends with death or at 24 weeks. The model is described
    in :class:`CohortParameters`; the defaults follow Jia et al. 2020's design and group sizes.

    Parameters
    ----------
    rng : int or numpy.random.Generator
        Seed (e.g. :data:`COHORT_SEED`) or generator; required. The same seed gives the same
        cohort, byte for byte. The patients, their MELD and their death times depend only on the
        seed and the group sizes, so two cohorts with the same seed and different
        ``confounding`` differ only in who was continued (``prolonged``, ``weeks_treated`` and
        ``paper_group``).
    n_liver_failure, n_cirrhosis : int, optional
        Patients per diagnostic group (defaults: the paper's 64 and 59). Larger values give a
        larger cohort for simulation studies.
    confounding : float, optional
        Confounding by indication (see :class:`CohortParameters`); None uses
        ``params.confounding`` (0: clinicians' decisions ignore prognosis).
    include_latent : bool, optional
        If True, add the column ``prognosis``: the latent prognosis that the clinicians see but
        a real data set does not record (to show what adjusting for it would achieve).
    params : CohortParameters, optional
        Model parameters.

    Returns
    -------
    pandas.DataFrame
        One row per patient, columns :data:`COHORT_COLUMNS`: ``patient_id``; ``group``
        ("liver failure" or "cirrhosis"); ``paper_group`` (A/B liver failure prolonged/standard,
        C/D cirrhosis prolonged/standard, as in the paper); ``meld`` (baseline severity score);
        ``weeks_treated`` (number of weekly infusions received, 1-8); ``prolonged`` (1 if treated
        for more than 4 weeks); ``time`` (weeks from the first infusion to death or censoring at
        24, to 0.01 week); ``death`` (1 died, 0 censored).

    Examples
    --------
    >>> from trialkit.cohort import simulate_cohort
    >>> cohort = simulate_cohort(rng=4)
    >>> cohort["group"].value_counts().to_dict()
    {'liver failure': 64, 'cirrhosis': 59}
    >>> bool((cohort.loc[cohort["prolonged"] == 1, "time"] > 4).all())  # alive at week 4
    True
    >>> sorted(cohort["paper_group"].unique().tolist())
    ['A', 'B', 'C', 'D']
    """
    rng = check_rng(rng)
    sizes = (check_whole(n_liver_failure, "n_liver_failure", example=64),
             check_whole(n_cirrhosis, "n_cirrhosis", example=59))
    if sum(sizes) < 2:
        raise TrialkitInputError("n_liver_failure", sizes[0], "the cohort needs at least 2 patients in all")
    if not isinstance(params, CohortParameters):
        raise TrialkitInputError(
            "params", type(params).__name__, "pass a trialkit.cohort.CohortParameters, e.g. the default"
        )
    confounding = _check_confounding(params.confounding if confounding is None else confounding)
    include_latent = check_bool(include_latent, "include_latent")
    p = replace(params, confounding=confounding)

    # Independent streams: prognosis, MELD, death and the week-4 decision. Changing
    # ``confounding`` only changes how the decision stream is used.
    streams = rng.spawn(4)
    g = np.repeat([0, 1], sizes)
    n = g.shape[0]

    z = streams[0].standard_normal(n)

    r = p.meld_correlation
    mean, sd = np.array(p.meld_mean)[g], np.array(p.meld_sd)[g]

    def meld_of(idx):
        return mean[idx] + sd[idx] * (r * z[idx] + np.sqrt(1 - r**2) * streams[1].standard_normal(idx.shape[0]))

    meld = meld_of(np.arange(n))
    for _ in range(200):  # redraw the measurement error, never clip
        low = np.flatnonzero(meld < p.meld_floor)
        if low.shape[0] == 0:
            break
        meld[low] = meld_of(low)
    meld = np.round(np.maximum(meld, p.meld_floor), 1)

    risk = np.exp(p.prognosis_log_hr * z)
    rate_early = np.array(p.death_rate_early)[g] * risk
    rate_late = np.array(p.death_rate_late)[g] * risk
    e = streams[2].exponential(size=n)
    cut = rate_early * p.decision_week
    death_time = np.where(e < cut, e / rate_early, p.decision_week + (e - cut) / rate_late)
    death_time = np.maximum(np.round(death_time, 2), 0.01)  # recorded to 0.01 week
    death = (death_time < p.followup_weeks).astype(int)
    time = np.minimum(death_time, p.followup_weeks)

    intercept = np.array([
        _continuation_intercept(p.prolonged_share[k], p.death_rate_early[k], p.decision_week,
                                p.prognosis_log_hr, confounding)
        for k in (0, 1)
    ])[g]
    u = streams[3].random(n)
    continued = u < expit(intercept - confounding * z)
    prolonged = ((time > p.decision_week) & continued).astype(int)

    planned = np.where(prolonged == 1, p.prolonged_infusions, p.standard_infusions)
    weeks_treated = np.minimum(planned, np.ceil(time).astype(int))  # an infusion at week k needs time > k

    width = max(3, len(str(n)))
    frame = pd.DataFrame({
        "patient_id": [f"S{i:0{width}d}" for i in range(1, n + 1)],
        "group": np.array(GROUPS, dtype=object)[g],
        "paper_group": np.array([["B", "A"], ["D", "C"]], dtype=object)[g, prolonged],
        "meld": meld,
        "weeks_treated": weeks_treated,
        "prolonged": prolonged,
        "time": time,
        "death": death,
    })
    if include_latent:
        frame["prognosis"] = np.round(z, 3)
    return frame


def _check_cohort(cohort, extra=()):
    check_frame(cohort, "cohort")
    check_columns(cohort, ["patient_id", "time", "death", "prolonged", *extra], "cohort")
    check_numeric_column(cohort, "time", "cohort", minimum=0)
    check_event_column(cohort, "death", "cohort")
    check_event_column(cohort, "prolonged", "cohort")
    if not cohort["patient_id"].is_unique:
        raise TrialkitInputError(
            "cohort", "a DataFrame with repeated patient_id values",
            "pass one row per patient, as simulate_cohort returns (counting-process rows are made here)",
        )


def _check_week(value, name, low, high, example):
    value = check_real(value, name, example=example, unit="weeks")
    if not low <= value < high:
        raise TrialkitInputError(name, value, f"give a week with {low:g} <= {name} < {high:g}, e.g. {example}")
    return value


def _check_decision(cohort, decision_week):
    early = cohort[(cohort["prolonged"] == 1) & (cohort["time"] <= decision_week)]
    if len(early):
        raise TrialkitInputError(
            "decision_week", decision_week,
            f"{len(early)} prolonged patient(s) left follow-up by then (first: {early['patient_id'].iloc[0]!r}); "
            "a patient is continued at the decision week only if still alive, so use the week of the decision",
        )


def counting_process(cohort, decision_week=4.0):
    """The cohort in counting-process form, with the time-varying indicator ``prolonged_now``.

    Prolonged treatment starts at the decision week, so a prolonged patient contributes two
    episodes: (0, 4] untreated-beyond-standard (``prolonged_now = 0``) and (4, time] prolonged
    (``prolonged_now = 1``); every other patient one episode (0, time]. The death, if any, is
    in the last episode. This is the layout of lifelines' ``CoxTimeVaryingFitter``: the weeks
    before the decision count as standard treatment, which is what they were.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A cohort from :func:`simulate_cohort` (at least ``patient_id``, ``time``, ``death`` and
        ``prolonged``; ``group``, ``meld`` and ``prognosis`` are carried over if present).
    decision_week : float, optional
        The week at which prolonged treatment starts (the paper's 4).

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id``, the carried-over covariates, ``start``, ``stop``,
        ``prolonged_now`` and ``death`` (1 if the episode ends in death); sorted by patient and
        start.

    Examples
    --------
    >>> import pandas as pd
    >>> from trialkit.cohort import counting_process
    >>> cohort = pd.DataFrame({"patient_id": ["S1", "S2"], "time": [2.5, 10.0], "death": [1, 1],
    ...                        "prolonged": [0, 1]})
    >>> counting_process(cohort)
      patient_id  start  stop  prolonged_now  death
    0         S1    0.0   2.5              0      1
    1         S2    0.0   4.0              0      0
    2         S2    4.0  10.0              1      1
    """
    _check_cohort(cohort)
    decision_week = _check_week(decision_week, "decision_week", 0.01, np.inf, 4)
    _check_decision(cohort, decision_week)
    keep = ["patient_id"] + [c for c in ("group", "meld", "prognosis") if c in cohort.columns]
    base = cohort[keep].reset_index(drop=True)
    t = cohort["time"].to_numpy(dtype=float)
    died = cohort["death"].to_numpy(dtype=int)
    switch = cohort["prolonged"].to_numpy(dtype=int) == 1
    first = base.assign(start=0.0, stop=np.where(switch, decision_week, t), prolonged_now=0,
                        death=np.where(switch, 0, died), _order=0)
    second = base[switch].assign(start=decision_week, stop=t[switch], prolonged_now=1, death=died[switch], _order=1)
    out = pd.concat([first, second], ignore_index=True)
    out["_row"] = np.concatenate([np.arange(len(base)), np.flatnonzero(switch)])
    out = out.sort_values(["_row", "_order"], kind="stable").drop(columns=["_row", "_order"])
    return out.reset_index(drop=True)


def landmark_cohort(cohort, landmark=4.0, decision_week=4.0):
    """The landmark data set: patients alive at the landmark, timed from it.

    A landmark analysis asks a question that can be answered without immortal time: among the
    patients still alive at week 4, does what happens next (prolonged or standard treatment)
    predict survival from week 4 on? The groups are fixed by the landmark, so nobody's group
    depends on the future.

    Parameters
    ----------
    cohort : pandas.DataFrame
        A cohort from :func:`simulate_cohort`.
    landmark : float, optional
        The landmark week; at least the decision week (before it, the group is not yet known).
    decision_week : float, optional
        The week at which prolonged treatment starts (the paper's 4).

    Returns
    -------
    pandas.DataFrame
        The rows of ``cohort`` with ``time > landmark``, plus ``time_from_landmark``
        (``time - landmark``).

    Examples
    --------
    >>> from trialkit.cohort import simulate_cohort, landmark_cohort
    >>> cohort = simulate_cohort(rng=4)
    >>> at_week_4 = landmark_cohort(cohort)
    >>> bool((at_week_4["time_from_landmark"] > 0).all()), len(at_week_4) < len(cohort)
    (True, True)
    """
    _check_cohort(cohort)
    decision_week = _check_week(decision_week, "decision_week", 0.01, np.inf, 4)
    _check_decision(cohort, decision_week)
    top = float(cohort["time"].max())
    landmark = _check_week(landmark, "landmark", decision_week, top, 4)
    out = cohort[cohort["time"] > landmark].copy()
    out["time_from_landmark"] = np.round(out["time"] - landmark, 6)
    return out.reset_index(drop=True)


def _hr_row(fitter, term, analysis, data_events, patients):
    hr = HazardRatio.from_fitter(fitter, term, label=analysis)
    return {"analysis": analysis, "estimate": hr.estimate, "ci_lower": hr.ci_lower, "ci_upper": hr.ci_upper,
            "p": hr.p, "deaths": int(data_events), "patients": int(patients)}


ANALYSES = ("naive", "landmark", "time-varying")


def duration_hazard_ratios(cohort, covariates=(), landmark=4.0, decision_week=4.0, analyses=ANALYSES):
    """Hazard ratio of death, prolonged vs standard treatment, by three analyses.

    * ``naive``: Cox model from the first infusion, with the group fixed by the *whole*
      treatment history (prolonged or not): the analysis with immortal time.
    * ``landmark``: Cox model among the patients alive at the landmark, timed from it.
    * ``time-varying``: lifelines ``CoxTimeVaryingFitter`` on :func:`counting_process`, with
      ``prolonged_now`` switching on at the decision week.

    When the cohort has both diagnostic groups the baseline hazard is stratified by ``group``
    (liver failure and cirrhosis have very different death rates and different shares
    prolonged, so pooling them unstratified would add confounding by diagnosis).

    Parameters
    ----------
    cohort : pandas.DataFrame
        A cohort from :func:`simulate_cohort`.
    covariates : sequence of str, optional
        Numeric baseline covariates to adjust for in all three models, e.g. ``["meld"]``.
    landmark, decision_week : float, optional
        As in :func:`landmark_cohort`.
    analyses : sequence of str, optional
        Which of ``"naive"``, ``"landmark"`` and ``"time-varying"`` to fit (default: all three,
        in that order). The time-varying model is the slowest; leave it out of large
        simulation loops when the landmark gives the same answer.

    Returns
    -------
    pandas.DataFrame
        One row per requested analysis (index ``analysis``) with the hazard ratio (``estimate``),
        ``ci_lower``, ``ci_upper`` (95% Wald), ``p``, ``deaths`` and ``patients`` in the analysed
        data.

    Examples
    --------
    >>> from trialkit.cohort import simulate_cohort, duration_hazard_ratios
    >>> table = duration_hazard_ratios(simulate_cohort(rng=4, n_liver_failure=640, n_cirrhosis=590))
    >>> table.index.tolist()
    ['naive', 'landmark', 'time-varying']
    >>> bool(table.loc["naive", "estimate"] < 0.5 < table.loc["landmark", "estimate"])
    True
    """
    covariates = check_names(covariates, "covariates")
    wanted = check_names(analyses, "analyses")
    if not wanted or any(a not in ANALYSES for a in wanted):
        raise TrialkitInputError("analyses", analyses, f"choose one or more of {list(ANALYSES)}")
    _check_cohort(cohort, covariates)
    for c in covariates:
        check_numeric_column(cohort, c, "covariates")
    strata = ["group"] if "group" in cohort.columns and cohort["group"].nunique() > 1 else []
    landmark_data = landmark_cohort(cohort, landmark, decision_week)
    rows = []

    if "naive" in wanted:
        cols = ["time", "death", "prolonged", *covariates, *strata]
        naive = CoxPHFitter().fit(cohort[cols], duration_col="time", event_col="death", strata=strata or None)
        rows.append(_hr_row(naive, "prolonged", "naive", cohort["death"].sum(), len(cohort)))
    if "landmark" in wanted:
        cols = ["time_from_landmark", "death", "prolonged", *covariates, *strata]
        lm = CoxPHFitter().fit(landmark_data[cols], duration_col="time_from_landmark", event_col="death",
                               strata=strata or None)
        rows.append(_hr_row(lm, "prolonged", "landmark", landmark_data["death"].sum(), len(landmark_data)))
    if "time-varying" in wanted:
        cp = counting_process(cohort, decision_week)
        by_id = cohort.set_index("patient_id")
        for c in covariates:  # carry any baseline covariate, not only the ones counting_process keeps
            cp[c] = by_id.loc[cp["patient_id"], c].to_numpy()
        cols = ["patient_id", "start", "stop", "death", "prolonged_now", *covariates, *strata]
        tv = CoxTimeVaryingFitter().fit(cp[cols], id_col="patient_id", event_col="death", start_col="start",
                                        stop_col="stop", strata=strata or None)
        rows.append(_hr_row(tv, "prolonged_now", "time-varying", cp["death"].sum(), cohort.shape[0]))
    order = [a for a in ANALYSES if a in wanted]
    return pd.DataFrame(rows).set_index("analysis").loc[order]
