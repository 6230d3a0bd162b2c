import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from trialkit.plots import ARM_COLOURS, plot_km  # noqa: E402


def test_km_plot_is_labelled_and_marks_the_landmark(trial):
    ax = plot_km(trial, landmark=13)
    assert ax.get_title() and "Months" in ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(ARM_COLOURS)
    assert any("landmark: 13 months" in t.get_text() for t in ax.texts)
    plt.close("all")


@pytest.mark.parametrize("landmark", [2, 13, 70])
def test_km_plot_landmark_label_is_clear_of_the_curves_and_the_title(trial, landmark):
    ax = plot_km(trial, landmark=landmark)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (label,) = [t for t in ax.texts if "landmark" in t.get_text()]
    box, frame, title = (a.get_window_extent(renderer) for a in (label, ax, ax.title))
    assert box.y0 >= frame.y1 + 2, "the label touches the frame, where the curves start"
    assert box.y1 <= title.y0 - 2, "the label touches the title"
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1, "the label runs past the axes"
    assert box.x0 <= ax.transData.transform((landmark, 0))[0] <= box.x1, "the label is not over its line"
    plt.close("all")


def test_km_plot_for_hcc_uses_given_labels(trial):
    ax = plot_km(trial, "hcc_months", "hcc", title="HCC-free", ylabel="Proportion free of HCC", at_risk=False)
    assert ax.get_title() == "HCC-free" and ax.get_ylabel() == "Proportion free of HCC"
    plt.close("all")
