import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from trialkit.plots import ARM_COLOURS, plot_km  # noqa: E402


def test_km_plot_is_labelled_and_marks_the_landmark(trial):
    ax = plot_km(trial, landmark=13)
    assert ax.get_title() and "Months" in ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(ARM_COLOURS)
    assert any("landmark: 13 months" in t.get_text() for t in ax.texts)
    plt.close("all")


def test_km_plot_for_hcc_uses_given_labels(trial):
    ax = plot_km(trial, "hcc_months", "hcc", title="HCC-free", ylabel="Proportion free of HCC", at_risk=False)
    assert ax.get_title() == "HCC-free" and ax.get_ylabel() == "Proportion free of HCC"
    plt.close("all")
