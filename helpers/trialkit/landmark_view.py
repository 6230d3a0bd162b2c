"""What the landmark explorer shows for one landmark: a pure function of the data and the month."""

import html
from functools import lru_cache

from matplotlib.figure import Figure

from .analysis import km_by_arm, landmark_analysis
from .errors import TrialkitInputError
from .live_figure import LiveFigure
from .plots import ARM_COLOURS, MARGINS

__all__ = ["LandmarkView"]


class LandmarkView:
    """Kaplan-Meier curves fitted once; hazard ratios per landmark computed once and remembered.

    ``render`` returns the figure as PNG bytes. The figure is built once and only its landmark
    line and title are redrawn for a new landmark (:class:`~trialkit.live_figure.LiveFigure`):
    drawing a new figure on every move of the slider would cost more than the analysis.

    Examples
    --------
    >>> from trialkit import load_trial
    >>> view = LandmarkView(load_trial())
    >>> text, png = view.render(13)
    >>> "Interaction" in text
    True
    """

    def __init__(self, df, time="os_months", event="death"):
        self.df, self.time, self.event = df, time, event
        self.curves = km_by_arm(df, time, event)
        self.summary = lru_cache(maxsize=None)(self._summary)
        self.fig = Figure(figsize=(6, 3.6), dpi=72)
        ax = self.fig.subplots()
        for name, kmf in self.curves.items():
            sf = kmf.survival_function_
            ax.step(sf.index, sf.iloc[:, 0], where="post", color=ARM_COLOURS[name], label=name)
        self._line = ax.axvline(0, color="0.3", linestyle="--", linewidth=1)
        ax.set_ylim(0.5, 1.01)
        self._title = ax.set_title(" ", y=1.0)  # y given: matplotlib skips measuring where to put it
        ax.set_xlabel("Months since randomisation")
        ax.set_ylabel("Proportion alive")
        ax.legend(title="Arm", loc="lower left")
        self.fig.subplots_adjust(**MARGINS)
        self.live = LiveFigure(self.fig, [self._line, self._title])

    def _summary(self, landmark):
        return landmark_analysis(self.df, landmark, reference="UC-MSC", time=self.time, event=self.event,
                                 interaction_model=False)

    def render(self, landmark):
        """HTML of the hazard ratios, and a PNG of the curves with the landmark marked.

        A landmark where a window has no events in one arm gives the reason instead of the table.
        """
        try:
            text = self._table(self.summary(landmark))
        except TrialkitInputError as error:
            text = f"<p style='color:#a00'>{html.escape(str(error))}</p>"
        return text, self._figure(landmark)

    @staticmethod
    def _table(result):
        rows = "".join(
            f"<tr><td>{html.escape(hr.label)}</td><td>{hr.hr:.2f}</td>"
            f"<td>{hr.ci_lower:.2f}-{hr.ci_upper:.2f}</td><td>{hr.p:.3f}</td></tr>"
            for hr in (result.before, result.after)
        )
        inter = result.interaction
        text = ("<table><tr><th>window</th><th>HR control vs UC-MSC</th><th>95% CI</th><th>p</th></tr>"
                f"{rows}</table><p>Interaction (do the two HRs differ?): ratio {inter.hr:.2f}, "
                f"p = {inter.p:.3f}. At risk at the landmark: {result.at_risk}.</p>")
        return text

    def _figure(self, landmark):
        """The curves (drawn once, in __init__) with the dashed line moved and the title changed."""
        self._line.set_xdata([landmark, landmark])
        self._title.set_text(f"Overall survival with a landmark at {landmark} months")
        return self.live.png()
