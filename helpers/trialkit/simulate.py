"""The virtual trial: a patient-level re-creation of Shi et al. 2021 from its published figures.

Every number used here lives in :mod:`trialkit.parameters`, with its source. The data are
synthetic: they reproduce the trial's published summaries, not its patients.
"""


import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .clinical import child_pugh, meld_score
from .errors import TrialkitInputError
from .parameters import ARMS, DEFAULTS, LIVER_WEEKS, TrialParameters
from .validation import check_bool, check_columns, check_frame, check_rng, check_whole

__all__ = ["simulate_trial", "liver_function_long", "COLUMNS"]

MONTHS_PER_WEEK = 12 / 52

#: Columns of the analysed data set, in order (the full form adds ``analysed`` and ``exclusion``).
COLUMNS = (
    ["patient_id", "arm", "entry_date", "age", "sex", "hbeag", "tp", "alb", "plt", "cr", "alt", "ast",
     "tbil", "pta", "che", "inr", "meld_unos", "meld", "meld_gt15", "ascites", "child_pugh_score", "child_pugh",
     "os_months", "death", "hcc_months", "hcc", "hcc_status", "fever"]
    + [f"{v}_w{w}" for v in ("alb", "pta", "che", "tbil") for w in LIVER_WEEKS]
)


def _draw_marginal(rng, marginal, score_loading, latent):
    """Draw one baseline variable for one arm, linked to the latent severity ``latent``."""
    n = latent.shape[0]
    own = np.sqrt(1.0 - score_loading**2)
    if marginal.dist == "lognormal":
        sigma2 = np.log1p((marginal.sd / marginal.mean) ** 2)
        centre, spread = np.log(marginal.mean) - sigma2 / 2, np.sqrt(sigma2)

        def transform(score):
            return np.exp(centre + spread * score)
    else:

        def transform(score):
            return marginal.mean + marginal.sd * score

    values = transform(score_loading * latent + own * rng.standard_normal(n))
    # Redraw (never clip) the patient-specific part where a value falls outside its range.
    for _ in range(200):
        bad = (values < marginal.low) | (values > marginal.high)
        if not bad.any():
            break
        values[bad] = transform(score_loading * latent[bad] + own * rng.standard_normal(bad.sum()))
    return np.round(np.clip(values, marginal.low, marginal.high), marginal.decimals)


def _on_paper_scale(unos, marginal):
    """Map UNOS scores onto the paper's MELD distribution by rank (ties get the same value).

    The patient with the k-th lowest of n UNOS scores gets the ``(k - 1/2) / n`` quantile of
    ``marginal``: the order of the patients is kept, the distribution becomes Table 1's.
    """
    ranks = rankdata(unos)  # average ranks: equal UNOS scores, equal MELD
    return np.round(marginal.quantile((ranks - 0.5) / unos.shape[0]), marginal.decimals)


def _baseline(rng, arm_index, n, params):
    """Baseline covariates for ``n`` patients of one arm (0 control, 1 UC-MSC)."""
    latent = rng.standard_normal(n)
    cols = {}
    for name, marginals in params.table1_continuous.items():
        cols[name] = _draw_marginal(rng, marginals[arm_index], params.severity_loadings[name], latent)
    props = params.table1_proportions
    cols["sex"] = np.where(rng.random(n) < props["male"][arm_index], "M", "F")
    cols["hbeag"] = (rng.random(n) < props["hbeag"][arm_index]).astype(int)
    cols["ascites"] = (rng.random(n) < props["ascites"][arm_index]).astype(int)
    # Model: ascites is moderate-to-severe (grade 3) rather than mild in sicker patients, and
    # overt encephalopathy is uncommon; both only enter the Child-Pugh score.
    ascites_grade = np.where(cols["ascites"] == 1, np.where(latent + rng.standard_normal(n) > 1.0, 3, 2), 1)
    enceph_grade = np.where(latent + rng.standard_normal(n) > 2.5, 2, 1)
    cols["meld_unos"] = meld_score(cols["tbil"], cols["inr"], cols["cr"])
    cols["meld"] = _on_paper_scale(cols["meld_unos"], params.recorded_meld[arm_index])
    cols["meld_gt15"] = (cols["meld"] > 15).astype(int)
    cols["child_pugh_score"], cols["child_pugh"] = child_pugh(
        cols["tbil"], cols["alb"], cols["inr"], ascites_grade, enceph_grade
    )
    return cols


def _piecewise_exponential(rng, rate_before, rate_after, changepoint):
    """Event times from a hazard that is ``rate_before`` until ``changepoint``, then ``rate_after``."""
    e = rng.exponential(size=rate_before.shape[0])
    early = rate_before * changepoint
    return np.where(e < early, e / rate_before, changepoint + (e - early) / rate_after)


def _liver_followup(rng, base, arm_index, os_months, params):
    """Liver tests at weeks 12, 24, 48 (NaN once a patient has died or left follow-up)."""
    out = {}
    for name, traj in params.liver.items():
        ratio = traj.scale == "ratio"
        b = np.log(base[name]) if ratio else base[name].astype(float)
        centre = b.mean()
        true = centre + traj.reliability * (b - centre)
        noise_sd = np.sqrt((1 - traj.reliability) * b.var())
        for k, week in enumerate(LIVER_WEEKS):
            change = np.array([traj.change[a][k] for a in (0, 1)])[arm_index]
            value = true + (np.log(change) if ratio else change) + noise_sd * rng.standard_normal(b.shape[0])
            value = np.exp(value) if ratio else np.maximum(value, 1.0)
            value = np.round(value, traj.decimals)
            out[f"{name}_w{week}"] = np.where(os_months >= week * MONTHS_PER_WEEK, value, np.nan)
    return out


def simulate_trial(*, rng, n_control=111, n_msc=108, include_excluded=False, params=DEFAULTS):
    """Simulate one virtual trial of UC-MSC versus control, patient by patient.

    The trial re-creates Shi et al. 2021 from its published figures (all in
    :mod:`trialkit.parameters`): baseline covariates with Table 1's means, SDs and proportions
    per arm (including its chance imbalance); MELD computed from bilirubin, INR and creatinine
    with the UNOS formula (``meld_unos``) and, on the paper's scale, mapped by rank onto Table 1's
    MELD (``meld``); overall survival whose hazard rises with ``meld`` and whose treatment effect
    starts at month 13;
    HCC with death as a competing event; staggered entry from October 2010 and administrative
    censoring at October 2017; liver tests at weeks 12, 24 and 48; infusion fever; and the
    randomised patients who withdrew or were lost and were not analysed.

    Parameters
    ----------
    rng : int or numpy.random.Generator
        Seed (e.g. :data:`trialkit.CANONICAL_SEED`) or generator; required. The same seed gives
        the same trial, byte for byte.
    n_control, n_msc : int, optional
        Analysed patients per arm (defaults: the trial's 111 and 108).
    include_excluded : bool, optional
        If True, also return the randomised patients who were not analysed (withdrew consent
        or were lost to follow-up), flagged by the columns ``analysed`` and ``exclusion``;
        their follow-up ends when they left. Useful to contrast intention to treat with the
        published analysis. The analysed patients are the same either way.
    params : trialkit.parameters.TrialParameters, optional
        Model parameters; the defaults are the published figures.

    Returns
    -------
    pandas.DataFrame
        One row per patient; columns described in ``trialkit.data_dictionary()``.

    Examples
    --------
    >>> from trialkit import simulate_trial
    >>> trial = simulate_trial(rng=1)
    >>> trial["arm"].value_counts().to_dict()
    {'control': 111, 'UC-MSC': 108}
    >>> full = simulate_trial(rng=1, include_excluded=True)
    >>> len(full), int(full["analysed"].sum())
    (250, 219)
    """
    include_excluded = check_bool(include_excluded, "include_excluded")
    rng = check_rng(rng)
    n_analysed = (check_whole(n_control, "n_control", minimum=2, example=111),
                  check_whole(n_msc, "n_msc", minimum=2, example=108))
    if not isinstance(params, TrialParameters):
        raise TrialkitInputError(
            "params", type(params).__name__, "pass a trialkit.parameters.TrialParameters, e.g. the default"
        )
    drop, fu, surv, hccm = params.dropout, params.followup, params.survival, params.hcc

    arm_parts, exclusion_parts, baseline_parts = [], [], []
    for a in (0, 1):
        n_arm = n_analysed[a] + drop.withdrawn[a] + drop.lost[a]
        baseline_parts.append(_baseline(rng, a, n_arm, params))
        arm_parts.append(np.full(n_arm, a))
        exclusion_parts.append(
            np.array([""] * n_analysed[a] + ["withdrew consent"] * drop.withdrawn[a]
                     + ["lost to follow-up"] * drop.lost[a], dtype=object)
        )
    arm_index = np.concatenate(arm_parts)
    exclusion = np.concatenate(exclusion_parts)
    base = {k: np.concatenate([p[k] for p in baseline_parts]) for k in baseline_parts[0]}
    n = arm_index.shape[0]

    # Staggered entry and administrative censoring.
    entry_months = rng.uniform(0.0, fu.accrual_months, n)
    start, cutoff = pd.Timestamp(fu.study_start), pd.Timestamp(fu.data_cutoff)
    entry_days = np.floor(entry_months * fu.days_per_month).astype(int)
    entry_date = (start + pd.to_timedelta(entry_days, unit="D")).strftime("%Y-%m-%d").to_numpy()
    admin = ((cutoff - start).days - entry_days) / fu.days_per_month

    # Overall survival: piecewise-exponential hazard, rising with MELD, effect from month 13.
    is_msc = arm_index == 1
    risk = np.exp(surv.meld_log_hr * (base["meld"] - surv.meld_centre))
    death_time = _piecewise_exponential(
        rng,
        surv.rate_before * risk / np.where(is_msc, surv.hr_before, 1.0),
        surv.rate_after * risk / np.where(is_msc, surv.hr_after, 1.0),
        surv.changepoint,
    )
    # HCC: cause-specific hazard, effect from month 8; death competes.
    hcc_risk = hccm.rate * np.exp(hccm.hbeag_log_hr * base["hbeag"])
    hcc_time = _piecewise_exponential(
        rng,
        hcc_risk / np.where(is_msc, hccm.hr_before, 1.0),
        hcc_risk / np.where(is_msc, hccm.hr_after, 1.0),
        hccm.changepoint,
    )
    # Leaving the study: withdrawals early, losses at any time before the cutoff.
    leave = np.where(
        exclusion == "withdrew consent",
        rng.uniform(0.0, drop.withdrawal_window, n),
        rng.uniform(0.0, 1.0, n) * admin,
    )
    excluded = exclusion != ""
    censor = np.where(excluded, np.minimum(leave, admin), admin)
    death_time = np.where(excluded, np.inf, death_time)  # they left before any recorded event
    hcc_time = np.where(excluded, np.inf, hcc_time)

    def months(x):
        return np.maximum(np.round(x, 2), 0.03)  # recorded to 0.01 month; at least one day

    os_months = months(np.minimum(death_time, censor))
    death = (death_time <= censor).astype(int)
    hcc_end = np.minimum.reduce([hcc_time, death_time, censor])
    hcc = (hcc_time == hcc_end).astype(int)
    hcc_status = np.where(hcc == 1, 1, np.where(death_time == hcc_end, 2, 0))

    fever = np.zeros(n, dtype=int)
    eligible = np.flatnonzero(is_msc & ~excluded)
    n_fever = int(round(params.fever_rate * eligible.shape[0]))
    fever[rng.choice(eligible, size=n_fever, replace=False)] = 1

    liver = _liver_followup(rng, base, arm_index, os_months, params)

    frame = pd.DataFrame({
        "arm": np.array(ARMS, dtype=object)[arm_index],
        "entry_date": entry_date,
        **{k: base[k] for k in ("age", "sex", "hbeag", "tp", "alb", "plt", "cr", "alt", "ast", "tbil",
                                "pta", "che", "inr", "meld_unos", "meld", "meld_gt15", "ascites", "child_pugh_score",
                                "child_pugh")},
        "os_months": os_months,
        "death": death,
        "hcc_months": months(hcc_end),
        "hcc": hcc,
        "hcc_status": hcc_status,
        "fever": fever,
        **liver,
        "analysed": ~excluded,
        "exclusion": exclusion,
    })
    for col in ("age", "plt", "alt", "ast", "pta", "che"):
        frame[col] = frame[col].astype(int)
    order = np.lexsort((np.arange(n), entry_days))  # by date of entry, stable
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "patient_id", [f"P{i:03d}" for i in range(1, n + 1)])
    if include_excluded:
        return frame
    return frame[frame["analysed"]].drop(columns=["analysed", "exclusion"]).reset_index(drop=True)


def liver_function_long(df):
    """Reshape the liver tests (weeks 0, 12, 24, 48) to one row per patient, test and week.

    Parameters
    ----------
    df : pandas.DataFrame
        A virtual trial from :func:`simulate_trial` or :func:`trialkit.load_trial`.

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id``, ``arm``, ``test`` (alb, pta, che, tbil), ``week`` and ``value``
        (missing once a patient has died or left follow-up).

    Examples
    --------
    >>> from trialkit import load_trial, liver_function_long
    >>> long = liver_function_long(load_trial())
    >>> sorted(long["week"].unique().tolist())
    [0, 12, 24, 48]
    """
    check_frame(df)
    tests = ("alb", "pta", "che", "tbil")
    wide = {(t, 0): t for t in tests} | {(t, w): f"{t}_w{w}" for t in tests for w in LIVER_WEEKS}
    check_columns(df, ["patient_id", "arm", *wide.values()])
    parts = [
        pd.DataFrame({"patient_id": df["patient_id"], "arm": df["arm"], "test": t, "week": w,
                      "value": df[col].astype(float)})
        for (t, w), col in wide.items()
    ]
    return pd.concat(parts, ignore_index=True).sort_values(["patient_id", "test", "week"], ignore_index=True)
