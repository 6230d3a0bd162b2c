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
