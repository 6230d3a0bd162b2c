"""A widget's figure, redrawn fast: its still parts are drawn once, only what moves is drawn again.

Drawing a matplotlib figure from scratch costs 50-150 ms, most of it laying out text (tick labels,
titles, legends), too slow for a slider to feel instant. A widget's figure mostly stays the same
between two moves of a control: a Kaplan-Meier curve under a landmark line that moves, a
histogram whose bars grow. :class:`LiveFigure` draws the figure once without the artists that
change (matplotlib's *animated* artists), keeps that picture, and on each update pastes it back
and draws only the changing artists on top (the technique matplotlib calls blitting). The still
picture is drawn again only when something it shows changes: the caller passes a ``key`` (for
example the axis limits) and a new key means a full redraw.
"""

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = ["LiveFigure"]


class LiveFigure:
    """A figure whose still parts are drawn once, and whose moving artists are redrawn on request.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, built once with every artist it will show.
    moving : sequence of matplotlib.artist.Artist
        The artists that change between updates (lines that move, bars that grow, titles whose
        text changes). They are drawn over the still picture on every update.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(3, 2), dpi=72)
    >>> ax = fig.subplots()
    >>> line = ax.axvline(0.5)
    >>> live = LiveFigure(fig, [line])
    >>> first = live.png()
    >>> line.set_xdata([0.25, 0.25])
    >>> live.png() != first
    True
    """

    def __init__(self, fig, moving):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving = list(moving)
        for artist in self.moving:
            artist.set_animated(True)
        self._background = None
        self._key = None

    def png(self, key=None):
        """The figure as PNG bytes: the still picture (redrawn if ``key`` changed) and the moving artists.

        Parameters
        ----------
        key : hashable, optional
            What the still picture depends on beyond the figure's construction, such as axis
            limits that an update may change. The still picture is redrawn when it differs from
            the previous call's.

        Returns
        -------
        bytes
            A PNG image; the same state gives the same bytes.
        """
        if self._background is None or key != self._key:
            self.canvas.draw()  # animated (moving) artists are left out of a full draw
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._key = key
        else:
            self.canvas.restore_region(self._background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        image = Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=3)
        return buffer.getvalue()
