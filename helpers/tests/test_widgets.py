"""Each widget: created by one call, its outputs change when its controls move, ends of ranges work."""

import re

import numpy as np
import pytest

from trialkit.samplesize import design_table
from trialkit.widgets import landmark_explorer, rerun_trial_explorer, sample_size_explorer


def test_landmark_explorer_updates_with_the_slider():
    from trialkit import landmark_analysis, load_trial

    w = landmark_explorer()
    at_13 = (w.result.value, w.figure.value)
    result = landmark_analysis(load_trial(), 13, reference="UC-MSC")
    for window in (result.before, result.after):  # the canonical trial's windows at 13 months
        assert f"<td>{window.estimate:.2f}</td>" in at_13[0]
    w.controls["landmark"].value = 24
    assert w.result.value != at_13[0] and w.figure.value != at_13[1]
    assert "after 24 months" in w.result.value


@pytest.mark.parametrize("month", [1, 48])
def test_landmark_explorer_ends_of_range_explain_instead_of_failing(month, without_end_deaths):
    w = landmark_explorer(without_end_deaths)
    w.controls["landmark"].value = month
    assert "not estimable" in w.result.value
    assert f"landmark: received {month};" in w.result.value  # a whole-number slider: 48, not 48.0
    assert w.figure.value  # the curves are still shown


def test_landmark_explorer_table_reads_as_the_lesson_prints_it():
    from trialkit import landmark_analysis, load_trial

    text = landmark_explorer().result.value
    result = landmark_analysis(load_trial(), 13, reference="UC-MSC")
    cells = re.findall(r"<td>(.*?)</td>", text)
    after = result.after
    assert cells[4:] == ["after 13 months", f"{after.estimate:.2f}", f"{after.ci_lower:.2f} to {after.ci_upper:.2f}",
                         f"{after.p:.3f}"]  # each value in its own cell: the CI and p do not run together
    assert f"ratio of HRs {result.interaction.estimate:.2f}, p = {result.interaction.p:.3f}" in text
    assert "ratio of HRs 4.31" in text  # as Lesson 4 prints the interaction, one rounding
    assert "Still at risk after the landmark: 100 control and 96 UC-MSC." in text and "{" not in text


def test_sample_size_explorer_follows_design_table():
    w = sample_size_explorer()
    first = w.result.value
    table = design_table(0.60, 0.85)
    assert f"{table.loc['Schoenfeld', 'events needed']:,.1f}" in first
    patients = int(table.loc["Schoenfeld", "patients per arm (followed to horizon)"])
    assert f"<td>patients per arm (followed to horizon)</td><td>{patients}</td>" in first  # whole patients
    w.controls["s_treatment"].value = 0.70
    assert w.result.value != first
    w.controls["s_treatment"].value = 0.60  # equal survival: nothing to detect
    assert "s_treatment" in w.result.value or "no effect" in w.result.value


def test_sample_size_explorer_ends_of_ranges():
    w = sample_size_explorer()
    for name, control in w.controls.items():
        for value in (control.min, control.max):
            control.value = value
            # the design table, not an error message (every end of every slider is a valid design)
            assert "power at trial size" in w.result.value and "color:#a00" not in w.result.value, (name, value)
        control.value = {"s_control": 0.6, "s_treatment": 0.85}.get(name, control.value)


def test_rerun_explorer_grows_the_histogram():
    w = rerun_trial_explorer(batch=2, rng=1)
    assert "2 virtual trials" in w.result.value
    picture = w.figure.value
    w.button.click()
    assert "4 virtual trials" in w.result.value and w.figure.value != picture


def test_randomization_explorer_reacts_to_scheme_and_size():
    from trialkit.widgets import randomization_explorer

    w = randomization_explorer(rng=2021)
    simple = w.result.value
    assert "219 patients (simple)" in simple
    w.controls["scheme"].value = "stratified"
    assert "strata MELD > 15" in w.result.value
    for size in (w.controls["n_patients"].min, w.controls["n_patients"].max):
        w.controls["n_patients"].value = size
        assert f"of {size} patients" in w.result.value


def test_randomization_explorer_matches_the_library():
    from trialkit import load_trial
    from trialkit.parameters import PUBLISHED
    from trialkit.randomization import share_as_extreme, simulate_imbalance
    from trialkit.widgets import randomization_explorer

    w = randomization_explorer(rng=2021)
    population = load_trial()[["tbil", "meld"]]
    rng = np.random.default_rng(2021)
    rows = np.sort(rng.choice(len(population), size=len(population), replace=False))
    smds = simulate_imbalance(population.iloc[rows].reset_index(drop=True), "simple", 2000, rng=2021)
    shares = share_as_extreme(smds, {name: PUBLISHED["table1_smd"][name] for name in ("tbil", "meld")})
    assert f"{shares['tbil']:.1%}" in w.result.value and f"{shares['meld']:.1%}" in w.result.value


def test_immortal_time_explorer_shows_bias_growing_with_the_threshold():
    import re

    from trialkit.widgets import immortal_time_explorer

    w = immortal_time_explorer(rng=98)
    naive, pictures = {}, set()
    for week in (w.controls["week"].min, 4, w.controls["week"].max):
        w.controls["week"].value = week
        assert f"beyond week {week}" in w.result.value
        naive[week] = float(re.search(r"<td[^>]*>naive</td><td[^>]*>([0-9.]+)</td>", w.result.value).group(1))
        pictures.add(w.figure.value)
    # The longer patients must survive to count as prolonged, the more immortal time: the naive
    # HR falls further below 1 as the threshold moves later.
    assert naive[1] > naive[4] > naive[12]
    assert len(pictures) == 3
