"""Static widgets (trialkit.widgets.static): every precomputed position shows what the live widget
shows there, the stacks are linked to the controls as a page needs, and the mode is chosen as
documented (the argument, else TRIALKIT_WIDGETS)."""

import io
import random

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from trialkit import TrialkitInputError
from trialkit.widgets import (
    Explorer,
    StaticExplorer,
    immortal_time_explorer,
    landmark_explorer,
    randomization_explorer,
    rerun_trial_explorer,
    sample_size_explorer,
)
from trialkit.widgets.static import ENVIRONMENT, Output, palette_png, static_control, use_static


@pytest.fixture(autouse=True)
def no_mode_from_the_environment(monkeypatch):
    monkeypatch.delenv(ENVIRONMENT, raising=False)


def _pixels(png):
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=float)


def _live_at(live, values):
    """The live widget's result panel and figure (bytes) after its controls are set to ``values``."""
    for name, value in values.items():
        live.controls[name].value = value
    return live.result.value, live.figure.value


def _assert_same(static, live, values):
    """The static frame at ``values`` is the live widget's output there (the figure as a palette PNG)."""
    text, png = static.shown(**values)
    live_text, live_png = _live_at(live, values)
    assert text == live_text, values
    if "color:#a00" in live_text:  # refused values: the message, and no figure (the live one is stale)
        assert png is None or png == palette_png(live_png), values
        return
    assert png == palette_png(live_png), values


# ---------------------------------------------------------------------------------------------
# The mode: the argument, else the environment
# ---------------------------------------------------------------------------------------------

def test_the_environment_chooses_the_mode_and_the_argument_overrides_it(monkeypatch):
    assert use_static() is False
    monkeypatch.setenv(ENVIRONMENT, "static")
    assert use_static() is True and use_static(False) is False
    assert isinstance(immortal_time_explorer(rng=98), StaticExplorer)
    assert isinstance(immortal_time_explorer(rng=98, static=False), Explorer)
    monkeypatch.setenv(ENVIRONMENT, "live")
    assert use_static() is False and use_static(True) is True
    monkeypatch.setenv(ENVIRONMENT, "frozen")
    with pytest.raises(TrialkitInputError, match="TRIALKIT_WIDGETS: received 'frozen'"):
        use_static()
    with pytest.raises(TrialkitInputError, match="static"):
        use_static("yes")


# ---------------------------------------------------------------------------------------------
# The pieces
# ---------------------------------------------------------------------------------------------

def test_palette_png_is_smaller_and_looks_the_same():
    from trialkit import load_trial
    from trialkit.widgets.landmark import LandmarkView

    _, png = LandmarkView(load_trial()).render(13)
    small = palette_png(png)
    assert len(small) < len(png) / 2
    assert small == palette_png(png)  # the same figure gives the same bytes
    with Image.open(io.BytesIO(small)) as image:
        assert image.mode == "P"
    difference = np.abs(_pixels(small) - _pixels(png))
    assert difference.mean() < 0.5 and np.quantile(difference, 0.99) < 10


def test_static_controls_keep_the_live_description_readout_and_start():
    live = widgets.FloatSlider(value=0.05, min=0.001, max=0.2, step=0.001, readout_format=".3f",
                               description="Two-sided alpha", style={"description_width": "190px"},
                               layout=widgets.Layout(width="480px"))
    twin = static_control(live, [0.01, 0.05, 0.1])
    assert isinstance(twin, widgets.SelectionSlider)
    assert [label for label, _ in twin.options] == ["0.010", "0.050", "0.100"]
    assert (twin.value, twin.index, twin.description) == (0.05, 1, "Two-sided alpha")
    assert twin.style.description_width == "190px" and twin.layout.width == "480px"
    dropdown = static_control(widgets.Dropdown(options=["simple", "blocked"], value="blocked"), ["simple", "blocked"])
    assert isinstance(dropdown, widgets.Dropdown) and dropdown.index == 1
    with pytest.raises(TrialkitInputError, match="starting value"):
        static_control(live, [0.01, 0.1])
    with pytest.raises(TrialkitInputError, match="IntSlider"):
        static_control(widgets.Text(value="a"), ["a"])


def _toy():
    """Two controls; the figure depends on one of them, and one position is refused."""
    a = widgets.IntSlider(value=1, min=0, max=9, description="a")
    b = widgets.Dropdown(options=["x", "y", "z"], value="x", description="b")

    def text(a, b):
        if (a, b) == (2, "z"):
            raise TrialkitInputError("b", b, "choose x or y with a = 2")
        return f"<p>{a}{b}</p>"

    def figure(a):
        buffer = io.BytesIO()
        Image.new("RGB", (20, 10), (30 * a, 0, 0)).save(buffer, format="PNG")
        return buffer.getvalue()

    return StaticExplorer("Toy", "two controls", {"a": (a, [0, 1, 2]), "b": (b, ["x", "y", "z"])},
                          result=Output(("a", "b"), text), figure=Output(("a",), figure))


def test_static_explorer_precomputes_each_position_and_links_each_stack_to_its_control():
    w = _toy()
    assert w.positions == 9 and w.frames == 9 + 3
    assert w.shown(a=0, b="y") == ("<p>0y</p>", w.shown(a=0, b="x")[1])
    message, figure = w.shown(a=2, b="z")
    assert "b: received &#x27;z&#x27;; choose x or y" in message and "color:#a00" in message
    assert figure is not None  # the figure does not depend on b: it is drawn for a = 2
    assert len({w.shown(a=a, b="x")[1] for a in (0, 1, 2)}) == 3
    # Each stack's selected child is chosen by one control: the link runs in the page.
    stacks = [link.target[0] for link in w.links]
    assert {id(s) for s in stacks} >= {id(w.result), id(w.figure)}
    for link in w.links:
        (control, trait), (stack, selected) = link.source, link.target
        assert trait == "index" and selected == "selected_index" and isinstance(stack, widgets.Stack)
        assert control in w.controls.values() and stack.selected_index == control.index
        assert len(stack.children) == len(control.options)
    # Fewest positions outermost: the figure is one stack of 3, the panel 3 stacks (b) in one (a)
    assert len(w.links) == 1 + 1 + 3
    with pytest.raises(TrialkitInputError, match="precomputed"):
        w.shown(a=5, b="x")
    with pytest.raises(TrialkitInputError, match="every control"):
        w.shown(a=1)


def test_static_explorer_shares_an_output_that_is_the_same_at_several_positions():
    a = widgets.IntSlider(value=1, min=0, max=9)
    w = StaticExplorer("Same", "", {"a": (a, [0, 1, 2])}, result=Output(("a",), lambda a: "<p>same</p>"),
                       figure=Output(("a",), lambda a: None))
    assert isinstance(w.result, widgets.HTML) and w.links == []  # nothing to switch
    assert w.frames == 2 and w.shown(a=2) == ("<p>same</p>", None)


def test_static_note_says_what_is_precomputed_and_where_to_compute_any_value():
    note = _toy().note.value
    assert "course-widget-note" in note and "Precomputed for this page: 9 positions" in note
    assert "launch or download button" in note and "computes any value" in note and " MB)" in note
    rerun = rerun_trial_explorer(batch=1, rng=1, static=True).note.value
    assert "20 positions" in rerun and "the first 19 clicks of 1 trial;" in rerun


# ---------------------------------------------------------------------------------------------
# Each widget: the frame at a position is the live widget's output there
# ---------------------------------------------------------------------------------------------

def test_static_landmark_explorer_is_the_live_one_at_every_landmark():
    static, live = landmark_explorer(static=True), landmark_explorer(static=False)
    assert static.values["landmark"] == list(range(1, 49))  # every position of the live slider
    months = list(range(1, 49))
    random.Random(1).shuffle(months)  # the live figure is redrawn in any order
    for month in months:
        _assert_same(static, live, {"landmark": month})


def test_static_landmark_explorer_explains_a_landmark_it_cannot_estimate(without_end_deaths):
    # The frame of a position without events in one window is the live widget's explanation.
    trial = without_end_deaths
    static, live = landmark_explorer(trial, static=True), landmark_explorer(trial, static=False)
    for month in (48, 1):
        _assert_same(static, live, {"landmark": month})
        assert f"received {month};" in static.shown(landmark=month)[0]


def test_static_immortal_time_explorer_is_the_live_one_at_every_week():
    static, live = immortal_time_explorer(rng=98, static=True), immortal_time_explorer(rng=98, static=False)
    assert static.values["week"] == list(range(1, 13))
    for week in (12, 1, 7, 4, 2, 11, 3, 5, 6, 8, 9, 10):
        _assert_same(static, live, {"week": week})


def test_static_randomization_explorer_is_the_live_one_at_every_position():
    static, live = randomization_explorer(rng=2021, static=True), randomization_explorer(rng=2021, static=False)
    assert static.values["scheme"] == ["simple", "blocked", "stratified"]
    assert 219 in static.values["n_patients"] and {20, 1000} <= set(static.values["n_patients"])
    positions = static.grid()
    random.Random(2).shuffle(positions)
    for values in positions:
        _assert_same(static, live, values)


def test_static_rerun_explorer_slider_is_the_clicks_of_the_live_button():
    from trialkit.widgets.rerun import STATIC_CLICKS

    static, live = rerun_trial_explorer(batch=2, rng=1, static=True), rerun_trial_explorer(batch=2, rng=1, static=False)
    assert static.values["trials"] == [2 * (clicks + 1) for clicks in range(STATIC_CLICKS + 1)]
    for clicks in range(STATIC_CLICKS + 1):
        if clicks:
            live.button.click()
        text, png = static.shown(trials=2 * (clicks + 1))
        assert text == live.result.value and png == palette_png(live.figure.value)
        assert f"{2 * (clicks + 1)} virtual trials" in text


def test_static_sample_size_explorer_is_the_live_one_at_its_grid():
    from trialkit.widgets.sample_size import STATIC_GRID

    static, live = sample_size_explorer(static=True), sample_size_explorer(static=False)
    assert static.values == {name: list(values) for name, values in STATIC_GRID.items()}
    for name, control in live.controls.items():  # the grid keeps each slider's range and start
        assert control.value in STATIC_GRID[name]
        assert control.min <= min(STATIC_GRID[name]) and max(STATIC_GRID[name]) <= control.max
    positions = static.grid()
    random.Random(3).shuffle(positions)
    refused = [p for p in positions if p["s_control"] == p["s_treatment"]]
    assert refused, "the grid has a position the library refuses"
    for values in positions[:60] + refused[:3] + [static.grid()[0], static.grid()[-1]]:
        _assert_same(static, live, values)
    text, png = static.shown(**refused[0])
    assert "equal survival means no effect" in text and png is None
