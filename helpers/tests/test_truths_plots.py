"""The plotted data, read back from the matplotlib Axes, against lifelines fitted directly."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from lifelines import KaplanMeierFitter  # noqa: E402

from trialkit.plots import plot_km  # noqa: E402
from trialkit.widgets.landmark import LandmarkView  # noqa: E402

ARMS = ("control", "UC-MSC")


def _curves(ax):
    return {line.get_label(): line for line in ax.get_lines() if line.get_label() in ARMS}


def _dashed_x(ax):
    return [list(line.get_xdata()) for line in ax.get_lines() if line.get_linestyle() == "--"]


def _assert_line_is_the_km_curve(line, time, event):
    sf = KaplanMeierFitter().fit(time, event).survival_function_
    assert line.get_drawstyle() == "steps-post"  # a KM curve drops at an event time, not before
    np.testing.assert_allclose(np.asarray(line.get_xdata(), float), sf.index.to_numpy(float))
    np.testing.assert_allclose(np.asarray(line.get_ydata(), float), sf.iloc[:, 0].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("time", "event"), [("os_months", "death"), ("hcc_months", "hcc")])
def test_plot_km_draws_lifelines_curves_of_the_given_columns(trial, time, event):
    ax = plot_km(trial, time, event, landmark=13, at_risk=False)
    lines = _curves(ax)
    assert sorted(lines) == sorted(ARMS)
    for arm, line in lines.items():
        part = trial[trial["arm"] == arm]
        _assert_line_is_the_km_curve(line, part[time], part[event])
    assert _dashed_x(ax) == [[13, 13]]
    plt.close("all")


def test_landmark_view_draws_the_curves_and_moves_the_line(trial):
    view = LandmarkView(trial)
    ax = view.fig.axes[0]
    lines = _curves(ax)
    for arm, line in lines.items():
        part = trial[trial["arm"] == arm]
        _assert_line_is_the_km_curve(line, part["os_months"], part["death"])
    view.render(24)
    assert _dashed_x(ax) == [[24, 24]]
