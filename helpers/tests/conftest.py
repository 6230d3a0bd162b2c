import pytest

from trialkit import load_trial, simulate_trial

# Several seeds for the generator's properties: enough to catch a seed-dependent failure,
# few enough to keep the suite fast (a trial takes about 15 ms).
PROPERTY_SEEDS = (0, 1, 7, 42, 2021)


@pytest.fixture(scope="session")
def trial():
    return load_trial()


@pytest.fixture(scope="session", params=PROPERTY_SEEDS)
def full_trial(request):
    return request.param, simulate_trial(rng=request.param, include_excluded=True)


@pytest.fixture(scope="session")
def without_end_deaths(trial):
    """The virtual trial with its UC-MSC deaths in the first month and after month 40 censored:
    no UC-MSC event before a 1-month landmark or after a 48-month one (the ends of the landmark
    widget's slider)."""
    ends = (trial["arm"] == "UC-MSC") & ((trial["os_months"] <= 1) | (trial["os_months"] > 40))
    return trial.assign(death=trial["death"].where(~ends, 0))
