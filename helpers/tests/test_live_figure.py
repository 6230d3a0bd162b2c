"""LiveFigure: a blitted update must look exactly like drawing the whole figure again."""

import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from trialkit.widgets.live_figure import LiveFigure


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _full_draw(fig, moving):
    for artist in moving:
        artist.set_animated(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    for artist in moving:
        artist.set_animated(True)
    return buffer.getvalue()


def _figure():
    fig = Figure(figsize=(3, 2), dpi=72)
    ax = fig.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("still title")
    (line,) = ax.plot([0.2, 0.8], [0.5, 0.5], color="C0", linewidth=3)  # inside the axes, off the spines
    return fig, ax, line


def test_an_update_is_pixel_for_pixel_a_full_redraw():
    fig, ax, line = _figure()
    live = LiveFigure(fig, [line])
    live.png()
    line.set_ydata([0.3, 0.7])  # moves: the old position must be erased
    updated = live.png()
    assert np.array_equal(_pixels(updated), _pixels(_full_draw(fig, [line])))


def test_the_still_picture_is_redrawn_when_the_key_changes():
    fig, ax, line = _figure()
    live = LiveFigure(fig, [line])
    live.png(key=(0, 1))
    ax.set_ylim(0, 2)  # the axis changes: with the same key the old ticks would stay
    stale = live.png(key=(0, 1))
    fresh = live.png(key=(0, 2))
    expected = _pixels(_full_draw(fig, [line]))
    assert np.array_equal(_pixels(fresh), expected)
    assert not np.array_equal(_pixels(stale), expected)


def test_the_same_state_gives_the_same_bytes():
    fig, _, line = _figure()
    live = LiveFigure(fig, [line])
    first = live.png()
    line.set_ydata([0.1, 0.9])
    live.png()
    line.set_ydata([0.5, 0.5])
    assert live.png() == first
