"""The immortal-time cohort at its boundaries (a death exactly at week 4 or at week 24), and its
stratified hazard ratio against lifelines fitted directly."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from trialkit.cohort import COHORT_SEED, CohortParameters, duration_hazard_ratios, landmark_cohort, simulate_cohort


def test_landmark_cohort_leaves_out_a_death_at_the_landmark():
    cohort = pd.DataFrame({"patient_id": ["S1", "S2", "S3", "S4"], "time": [4.0, 10.0, 24.0, 2.0],
                           "death": [1, 1, 0, 1], "prolonged": [0, 1, 0, 0]})
    lm = landmark_cohort(cohort)
    # By hand: S1 died at week 4, so is not alive after it; S4 died before. S2 and S3 remain.
    assert lm["patient_id"].tolist() == ["S2", "S3"]
    assert lm["time_from_landmark"].tolist() == [6.0, 20.0]


@pytest.fixture(scope="module")
def big():
    # 61,500 patients, times to 0.01 week: a few dozen deaths are recorded exactly at week 4.00.
    return simulate_cohort(rng=11, n_liver_failure=64 * 500, n_cirrhosis=59 * 500)


def test_a_death_recorded_at_the_decision_week_is_never_prolonged(big):
    at_decision = big[big["time"] == 4.0]
    assert len(at_decision) > 5 and (at_decision["death"] == 1).all()  # the boundary is exercised
    assert (at_decision["prolonged"] == 0).all()
    assert (at_decision["paper_group"].isin(["B", "D"])).all()


def test_a_death_recorded_at_week_24_is_censored_there():
    # Death rates of 1/24 per week after week 4 put the most deaths near week 24 (the density
    # r exp(-r t) peaks at r = 1/t): with 61,500 patients about ten are recorded at exactly 24.00.
    # Follow-up ends at 24 weeks: they are alive at the end of follow-up, censored, as the rest.
    params = CohortParameters(death_rate_late=(1 / 24, 1 / 24))
    cohort = simulate_cohort(rng=11, n_liver_failure=64 * 500, n_cirrhosis=59 * 500, params=params)
    assert (cohort.loc[cohort["death"] == 1, "time"] < 24).all()
    assert (cohort.loc[cohort["death"] == 0, "time"] == 24).all()


def test_naive_hazard_ratio_is_stratified_by_group_as_lifelines_fits_it():
    cohort = simulate_cohort(rng=COHORT_SEED)
    table = duration_hazard_ratios(cohort, analyses=["naive", "landmark"])
    direct = CoxPHFitter().fit(cohort[["time", "death", "prolonged", "group"]], "time", "death", strata=["group"])
    # Same model and optimiser: agreement to the convergence tolerance (rel 1e-6 is far above it).
    assert table.loc["naive", "estimate"] == pytest.approx(float(direct.hazard_ratios_["prolonged"]), rel=1e-6)
    alive = cohort[cohort["time"] > 4].assign(t=lambda d: d["time"] - 4)
    direct = CoxPHFitter().fit(alive[["t", "death", "prolonged", "group"]], "t", "death", strata=["group"])
    assert table.loc["landmark", "estimate"] == pytest.approx(float(direct.hazard_ratios_["prolonged"]), rel=1e-6)
    assert table.loc["landmark", "patients"] == len(alive)
    assert np.isfinite(table["p"]).all()
