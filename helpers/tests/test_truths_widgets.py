"""Widgets show the right numbers: compared with hand computations and with lifelines fitted directly."""

import math
import re

import numpy as np
import pytest
from lifelines import CoxPHFitter
from scipy.stats import norm

from trialkit import simulate_trial
from trialkit.cohort import simulate_cohort
from trialkit.widgets import rerun_hazard_ratios, rerun_trial_explorer, sample_size_explorer
from trialkit.widgets.base import _nice_ceiling
from trialkit.widgets.immortal_time import _ImmortalTimeView


def _table_rows(html):
    """{row label: [cells]} of the HTML table a widget shows."""
    cell = r"<t[hd][^>]*>([^<]*)</t[hd]>"  # the row label is a header or a plain cell
    return {label: cells for label, *cells in re.findall(rf"<tr>{cell}\s*{cell}\s*{cell}</tr>", html) if label}


@pytest.mark.parametrize(("value", "ceiling"), [
    (0.3, 5), (5, 5), (5.01, 10), (10, 10), (11, 20), (20, 20), (21, 50), (50, 50), (51, 100), (100, 100),
    (120, 200), (1999, 2000), (2000, 2000),
])
def test_nice_ceiling_by_hand(value, ceiling):
    assert _nice_ceiling(value) == ceiling


def test_sample_size_widget_shows_the_hand_computed_design():
    # Hand values (see test_truths_samplesize): HR 0.318; events 23.94 and 29.33; patients per arm
    # 44 and 54 (followed to 60 months), 42 and 51 (accrual 40, follow-up 45); 64.26 expected deaths
    # at 111 + 108 patients; power 0.99573 and 0.98561.
    w = sample_size_explorer()
    assert "<b>0.318</b>" in w.result.value
    rows = _table_rows(w.result.value)
    assert rows["events needed"] == ["23.9", "29.3"]
    assert rows["patients per arm (followed to horizon)"] == ["44", "54"]  # whole patients
    assert rows["patients per arm (with accrual and follow-up)"] == ["42", "51"]
    assert rows["expected events at trial size"] == ["64.3", "64.3"]
    assert rows["power at trial size"] == ["0.996", "0.986"]
    view = w.compute
    assert list(view.marker.get_xdata()) == pytest.approx([math.log(0.85) / math.log(0.60)] * 2, rel=1e-12)
    # The curve: Schoenfeld's events 4 (z_0.975 + z_0.8)^2 / ln(HR)^2 at every HR of the x axis.
    z2 = (norm.ppf(0.975) + norm.ppf(0.8)) ** 2
    np.testing.assert_allclose(view.curve.get_ydata(), 4 * z2 / np.log(view.HRS) ** 2, rtol=1e-12)


def test_sample_size_widget_at_a_shorter_accrual_by_hand():
    # Accrual 12 months, no further follow-up: deaths seen are those within 0-12 months of entry,
    # P = 1 - (1 - exp(-12 h)) / (12 h) with h = -ln(S) / 60. Control: h = 0.0085138, P = 0.049386;
    # UC-MSC: h = 0.0027086, P = 0.016077. Deaths at 111 + 108: 5.4819 + 1.7363 = 7.2182.
    # Schoenfeld power: Phi(sqrt(7.2182 * a (1 - a)) * 1.145234 - 1.959964), a = 108/219, = Phi(-0.4217) = 0.337.
    w = sample_size_explorer()
    w.controls["accrual"].value = 12
    w.controls["followup"].value = 0
    rows = _table_rows(w.result.value)
    assert rows["expected events at trial size"] == ["7.2", "7.2"]
    assert rows["power at trial size"][0] == "0.337"


def test_rerun_widget_reports_the_hazard_ratios_lifelines_gives():
    hrs = []
    for seed in (1, 2, 3):
        trial = simulate_trial(rng=seed)
        data = trial[["os_months", "death"]].assign(control=(trial["arm"] == "control").astype(int))
        hrs.append(float(CoxPHFitter().fit(data, "os_months", "death").hazard_ratios_["control"]))
    # The default reference arm is UC-MSC: the HR is control relative to UC-MSC, as in the paper.
    # same model and optimiser on the same data: agreement to its convergence tolerance
    np.testing.assert_allclose(rerun_hazard_ratios([1, 2, 3]), hrs, rtol=1e-6)
    w = rerun_trial_explorer(batch=3, rng=1)
    text = w.result.value
    assert f"Median HR {np.median(hrs):.2f}" in text
    low, high = np.quantile(hrs, [0.025, 0.975])
    assert f"middle 95% {low:.2f} to {high:.2f}" in text
    assert f"{np.mean(np.asarray(hrs) >= 1.89):.0%} of the trials" in text


def test_immortal_time_widget_plots_the_hazard_ratios_it_prints():
    # The widget's view (immortal_time_explorer(rng=COHORT_SEED) builds it for weeks 1-12; week 4 alone is enough).
    view = _ImmortalTimeView(98, 5, [4])
    text, _ = view(4)
    printed = {name: (float(hr), float(lo), float(hi)) for name, hr, lo, hi in
               re.findall(r"<td[^>]*>([a-z-]+)</td><td[^>]*>([0-9.]+)</td><td[^>]*>([0-9.]+) to ([0-9.]+)</td>", text)}
    assert list(printed) == list(view.ANALYSES)
    points = dict(zip(view.ANALYSES, view.points.get_xdata(), strict=True))
    for name, (hr, _, _) in printed.items():
        assert points[name] == pytest.approx(hr, abs=0.005)  # printed to 2 decimals
    # The naive HR at week 4, by lifelines on the widget's cohort (5 x the paper's size, seed 98),
    # stratified by diagnostic group.
    cohort = simulate_cohort(rng=98, n_liver_failure=64 * 5, n_cirrhosis=59 * 5)
    direct = CoxPHFitter().fit(cohort[["time", "death", "prolonged", "group"]], "time", "death", strata=["group"])
    assert printed["naive"][0] == pytest.approx(float(direct.hazard_ratios_["prolonged"]), abs=0.005)
    segments = view.intervals.get_segments()
    for (name, (_, lo, hi)), segment in zip(printed.items(), segments, strict=True):
        assert segment[0][0] == pytest.approx(lo, abs=0.005) and segment[1][0] == pytest.approx(hi, abs=0.005), name
