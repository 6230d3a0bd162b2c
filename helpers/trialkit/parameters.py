"""Every number the virtual trial is built from, in one place, each with its source.

Sources
-------
``Shi2021``
    Shi M, Li YY, Xu RN, et al. Mesenchymal stem cell therapy in decompensated liver cirrhosis:
    a long-term follow-up analysis of the randomized controlled clinical trial. Hepatol Int
    2021;15:1431-1441. doi:10.1007/s12072-021-10199-2 (course copy: ``shared/seeds/001_*.txt``).
``Figures``
    The course's figures sheet ``shared/reference/published-figures.md``: the numbers read off
    Shi2021 with derivations (for example the deaths implied by each confidence interval).
``Model``
    A modelling choice of this course, not a published figure. Each says why it was made.

The published figures are *targets*. The generator draws patients from distributions built on
them; the canonical seed (``CANONICAL_SEED``) was then chosen so that the standard analyses of
the canonical dataset land near the published results (see :mod:`trialkit.calibration`).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

__all__ = [
    "ARMS",
    "CANONICAL_SEED",
    "ContinuousMarginal",
    "TABLE1_CONTINUOUS",
    "TABLE1_PROPORTIONS",
    "RECORDED_MELD",
    "SEVERITY_LOADINGS",
    "SurvivalModel",
    "HCCModel",
    "FollowUp",
    "Dropout",
    "LiverTrajectory",
    "LIVER_TRAJECTORIES",
    "PUBLISHED",
    "DEFAULTS",
    "TrialParameters",
]

#: The two arms, control first. The paper's hazard ratios are control relative to UC-MSC.
ARMS = ("control", "UC-MSC")

#: The seed of the canonical dataset shipped with the package (chosen by
#: :func:`trialkit.calibration.find_canonical_seed`: the first seed from 0 upward whose
#: standard analyses meet every target in :data:`trialkit.calibration.TARGETS`).
CANONICAL_SEED = 725


@dataclass(frozen=True)
class ContinuousMarginal:
    """A baseline variable's distribution in one arm: Table 1's mean and SD.

    ``dist`` is ``"normal"`` or ``"lognormal"`` (right-skewed: chosen where the SD is close to
    or above the mean, so that a normal distribution would put mass below zero). ``low`` and
    ``high`` bound the values to a physiologically possible range (values are redrawn, not
    clipped, so no pile-up at a bound). ``decimals`` is the precision the value is recorded to.
    ``offset`` shifts a lognormal: ``value - offset`` is lognormal (0, the default, for a plain
    lognormal; a positive offset gives a distribution above ``offset`` with a longer tail).
    """

    mean: float
    sd: float
    dist: str = "normal"
    low: float = float("-inf")
    high: float = float("inf")
    decimals: int = 1
    offset: float = 0.0

    def quantile(self, q):
        """The value below which a share ``q`` of the distribution lies (bounds not applied).

        Parameters
        ----------
        q : float or array-like
            Shares strictly between 0 and 1.

        Returns
        -------
        float or numpy.ndarray

        Examples
        --------
        >>> from trialkit.parameters import RECORDED_MELD
        >>> # the medians, below the means: 10.0 exp(-s2 / 2) and 5 + 6.4 exp(-s2 / 2), with
        >>> # s2 = ln(1 + (SD / (mean - offset))^2) = 0.162 and 0.631
        >>> [round(float(m.quantile(0.5)), 2) for m in RECORDED_MELD]
        [9.22, 9.67]
        """
        score = norm.ppf(q)
        if self.dist != "lognormal":
            return self.mean + self.sd * score
        above = self.mean - self.offset
        sigma2 = np.log1p((self.sd / above) ** 2)
        return self.offset + np.exp(np.log(above) - sigma2 / 2 + np.sqrt(sigma2) * score)


# Table 1 of Shi2021, per arm: (control, UC-MSC). Units as in the data dictionary.
TABLE1_CONTINUOUS = {
    # Age: the paper prints median (range) 47 (19-65) and 48 (21-65); inclusion 18-65.
    # Model: a normal with the median as mean and SD 10 (no SD is printed), bounded to 18-65.
    "age": (ContinuousMarginal(47.0, 10.0, low=18, high=65, decimals=0),
            ContinuousMarginal(48.0, 10.0, low=18, high=65, decimals=0)),
    "tp": (ContinuousMarginal(61.5, 7.4, low=30, high=100), ContinuousMarginal(62.8, 8.0, low=30, high=100)),
    "alb": (ContinuousMarginal(30.5, 6.2, low=12, high=55), ContinuousMarginal(30.9, 5.9, low=12, high=55)),
    # PLT as printed ("cells/mm3", evidently 10^9/L): SD > mean, so lognormal.
    "plt": (ContinuousMarginal(83, 95, "lognormal", low=5, high=900, decimals=0),
            ContinuousMarginal(90, 105, "lognormal", low=5, high=900, decimals=0)),
    "cr": (ContinuousMarginal(84.9, 62.6, "lognormal", low=20, high=900),
           ContinuousMarginal(82.5, 23.4, "lognormal", low=20, high=900)),
    "alt": (ContinuousMarginal(59.6, 79.4, "lognormal", low=5, high=2000, decimals=0),
            ContinuousMarginal(42.4, 49.16, "lognormal", low=5, high=2000, decimals=0)),
    "ast": (ContinuousMarginal(70.4, 61.5, "lognormal", low=8, high=2000, decimals=0),
            ContinuousMarginal(65.8, 43.7, "lognormal", low=8, high=2000, decimals=0)),
    "tbil": (ContinuousMarginal(33.2, 29.8, "lognormal", low=3, high=900),
             ContinuousMarginal(76.0, 127.9, "lognormal", low=3, high=900)),
    "pta": (ContinuousMarginal(62.4, 16.3, low=15, high=130, decimals=0),
            ContinuousMarginal(63.3, 16.5, low=15, high=130, decimals=0)),
    # CHE: SD/mean 0.40 and 0.55, positive: lognormal.
    "che": (ContinuousMarginal(3337, 1335, "lognormal", low=300, high=12000, decimals=0),
            ContinuousMarginal(2812, 1560, "lognormal", low=300, high=12000, decimals=0)),
    "inr": (ContinuousMarginal(1.32, 0.21, low=0.8, high=4.0, decimals=2),
            ContinuousMarginal(1.33, 0.26, low=0.8, high=4.0, decimals=2)),
}

# The MELD score as Table 1 prints it, per arm (control, UC-MSC): mean 10.0 (SD 4.2) and 11.4
# (6.0), MELD > 15 in 15/111 and 19/108. Shi2021 does not say which MELD formula it used, and
# the standard UNOS formula applied to Table 1's own bilirubin, INR and creatinine gives more
# (about 13 and 15; at the mean INR the constant and the INR term alone make 9.5). So the virtual
# trial keeps two scores: ``meld_unos`` from its labs, and ``meld`` on the paper's scale, the UNOS
# score mapped within each arm onto these distributions by rank (same order of patients, Table
# 1's mean and SD). The hazard of death rises with ``meld``, so that Table 1's MELD imbalance is also an
# imbalance in prognosis, as the lessons on adjustment assume. Model: lognormal shapes; in
# UC-MSC above an offset of 5 points, so that its larger SD comes with a long upper tail rather
# than many patients above 15 (a plain lognormal with its mean and SD would put about 23 of 108
# above 15, against the printed 19).
RECORDED_MELD = (ContinuousMarginal(10.0, 4.2, "lognormal"),
                 ContinuousMarginal(11.4, 6.0, "lognormal", offset=5.0))

# Table 1 of Shi2021: proportions per arm (control, UC-MSC).
TABLE1_PROPORTIONS = {
    "male": (96 / 111, 94 / 108),
    "hbeag": (28 / 111, 30 / 108),
    "ascites": (93 / 111, 86 / 108),
}

# Model: a single latent "severity" factor links the liver tests, so that a patient with a high
# bilirubin also tends to have a low albumin, cholinesterase and prothrombin activity, as in
# decompensated cirrhosis. Each value is the correlation of a variable's normal score with the
# factor (sign: direction in sicker patients). Without it the variables would be independent
# and MELD, Child-Pugh and the adjusted analyses would be unrealistic.
SEVERITY_LOADINGS = {
    "age": 0.0, "tp": -0.2, "alb": -0.5, "plt": -0.2, "cr": 0.2, "alt": 0.2, "ast": 0.3,
    "tbil": 0.6, "pta": -0.7, "che": -0.6, "inr": 0.7,
}


@dataclass(frozen=True)
class SurvivalModel:
    """Overall survival: a piecewise-exponential proportional-hazards model.

    The hazard of patient *i* at month *t* is
    ``base_rate(t) * exp(meld_log_hr * (meld_i - meld_centre)) * effect(t)``, where ``meld_i`` is
    the patient's MELD on the paper's scale (the column ``meld``, which Table 1's imbalance is
    about) and
    ``effect(t) = 1`` for control and, for UC-MSC, ``1 / hr_before`` before ``changepoint`` and
    ``1 / hr_after`` after it (hazard ratios are control relative to UC-MSC, as printed).
    """

    # Shi2021: the landmark is at 13 months; before it HR 0.97 (0.40-2.32), after it 3.68
    # (1.38-9.85). Model: the effect is 1 before and 3.7 after, the published pattern.
    changepoint: float = 13.0
    hr_before: float = 1.0
    hr_after: float = 3.7
    # Model, calibrated to Figures (about 10 control deaths in the first 13 months and 19
    # after, out of 111): deaths per patient-month for a control patient with MELD 10.
    rate_before: float = 0.0068
    rate_after: float = 0.0037
    # Model: log hazard ratio per MELD point. MELD was built to predict mortality; 0.08 per
    # point (HR 1.08) is a moderate version of its published prognostic gradient.
    meld_log_hr: float = 0.08
    # Model: the centre is Table 1's control mean.
    meld_centre: float = 10.0


@dataclass(frozen=True)
class HCCModel:
    """Hepatocellular carcinoma: cause-specific hazard, with death as the competing event.

    Shi2021: cumulative HCC 23/111 (20.7%) control and 13/108 (12.0%) UC-MSC; landmark at
    8 months with HR 1.09 before and 2.02 after (control relative to UC-MSC).
    """

    changepoint: float = 8.0
    hr_before: float = 1.0
    hr_after: float = 2.0
    # Model, calibrated to Figures: HCC per patient-month in control (about 23 in 111 patients
    # followed for a median of 57 months).
    rate: float = 0.0040
    # Model: HBeAg positivity raises HCC risk (a well-known association); log HR.
    hbeag_log_hr: float = 0.4


@dataclass(frozen=True)
class FollowUp:
    """Staggered entry and administrative censoring.

    Shi2021: patients recruited from 15 October 2010; follow-up to 30 October 2017; planned
    recruitment period 40 months; maximum follow-up 85 months (range 1-85 months).
    """

    study_start: str = "2010-10-15"
    data_cutoff: str = "2017-10-30"
    accrual_months: float = 40.0
    # Months per day, to turn calendar dates into months of follow-up.
    days_per_month: float = 365.25 / 12


@dataclass(frozen=True)
class Dropout:
    """Randomised patients who were not analysed (Shi2021, Fig. 2 CONSORT flow).

    Control: 10 withdrew consent, 4 lost to follow-up (125 randomised, 111 analysed).
    UC-MSC: 10 withdrew consent, 7 lost to follow-up (125 randomised, 108 analysed).
    Model: withdrawals happen in the first ``withdrawal_window`` months (around the
    infusions); losses at any time during follow-up. Their follow-up ends at that moment.
    """

    withdrawn: tuple = (10, 10)
    lost: tuple = (4, 7)
    withdrawal_window: float = 6.0


@dataclass(frozen=True)
class LiverTrajectory:
    """Liver function after baseline, at weeks 12, 24 and 48.

    ``change`` gives the true mean change from baseline per arm (control, UC-MSC) at each week:
    additive for ``scale="additive"``, a ratio for ``scale="ratio"``. ``reliability`` is the
    share of the between-patient variance that is true, not measurement noise: a baseline
    value regresses toward the pooled mean by ``1 - reliability`` at later visits (regression
    to the mean). Shi2021 prints directions only (Fig. 4): ALB rose in both arms, more in
    UC-MSC at weeks 24 and 48; PTA rose markedly in UC-MSC; CHE rose and TBIL fell in UC-MSC,
    not significantly different from control. The sizes are a Model choice that follows them.
    """

    scale: str
    change: tuple
    reliability: float = 0.7
    decimals: int = 1


LIVER_WEEKS = (12, 24, 48)

LIVER_TRAJECTORIES = {
    "alb": LiverTrajectory("additive", ((1.0, 1.3, 1.5), (2.0, 3.0, 3.5))),
    "pta": LiverTrajectory("additive", ((1.0, 1.5, 2.0), (5.0, 7.0, 8.0)), decimals=0),
    "che": LiverTrajectory("ratio", ((1.03, 1.05, 1.06), (1.08, 1.10, 1.12)), decimals=0),
    "tbil": LiverTrajectory("ratio", ((0.98, 0.97, 0.97), (0.95, 0.93, 0.92))),
}

#: Shi2021: 7 of 108 UC-MSC patients had a self-limiting fever after infusion; none in control.
FEVER_RATE = 7 / 108

#: The published results the canonical dataset is compared with (Shi2021; Figures).
PUBLISHED = {
    "n": (111, 108),
    "randomised": (125, 125),
    "deaths_implied": (28, 15),
    "hcc": (23, 13),
    "median_followup_months": (57, 61),
    "os_hr": (1.89, 1.01, 3.58, 0.051),
    "os_hr_0_13": (0.97, 0.40, 2.32, 0.930),
    "os_hr_13_75": (3.68, 1.38, 9.85, 0.005),
    "hcc_hr": (1.77, 0.91, 3.43, 0.104),
    "hcc_hr_0_8": (1.09, 0.24, 4.98, 0.907),
    "hcc_hr_8_75": (2.02, 0.91, 4.47, 0.078),
    "meld_mean_sd": tuple((m.mean, m.sd) for m in RECORDED_MELD),
    "meld_gt15": (15, 19),
    # Standardised mean differences (UC-MSC minus control) from Table 1's means and SDs
    # (reference/published-figures.md).
    "table1_smd": {"tbil": 0.46, "che": -0.36, "meld": 0.27},
    "child_pugh_abc": ((20, 73, 18), (14, 68, 26)),
}


@dataclass(frozen=True)
class TrialParameters:
    """All parameters of :func:`trialkit.simulate_trial`, with the published defaults."""

    table1_continuous: dict = field(default_factory=lambda: dict(TABLE1_CONTINUOUS))
    table1_proportions: dict = field(default_factory=lambda: dict(TABLE1_PROPORTIONS))
    severity_loadings: dict = field(default_factory=lambda: dict(SEVERITY_LOADINGS))
    recorded_meld: tuple = RECORDED_MELD
    survival: SurvivalModel = SurvivalModel()
    hcc: HCCModel = HCCModel()
    followup: FollowUp = FollowUp()
    dropout: Dropout = Dropout()
    liver: dict = field(default_factory=lambda: dict(LIVER_TRAJECTORIES))
    fever_rate: float = FEVER_RATE


DEFAULTS = TrialParameters()
