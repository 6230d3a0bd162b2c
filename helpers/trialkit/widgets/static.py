"""Static widgets: every position of a widget's controls computed in advance, switched in the page.

A web page has no kernel, so a live widget saved in it shows its first state and its controls
recompute nothing. A *static* widget computes, when it is made, the result panel and the figure
at every position of its controls over a grid (each control's own values where they are few, a
coarser grid where they are many) and carries them in its saved state: each output is a
``Stack`` (ipywidgets 8) of precomputed ``HTML`` panels or ``Image`` figures, whose
``selected_index`` is ``jslink``-ed to the ``index`` of a control (a ``SelectionSlider`` for a
slider, a ``Dropdown`` for a dropdown). An output that depends on several controls is a stack
of stacks, one level per control. Links made with ``jslink`` run in the browser, so the saved
page switches between the precomputed outputs without a kernel (the ipywidgets HTML manager
draws it). Outputs that are the same at several positions are one widget, shown by each.

The widgets of :mod:`trialkit.widgets` are static when made with ``static=True``, or when the
environment variable ``TRIALKIT_WIDGETS`` is ``static`` (the book build sets it for the
lessons' kernels: ``book/build.py``); otherwise they are live and compute on demand.
"""

import dataclasses
import io
import itertools
import json
import math
import os
from collections.abc import Callable

import ipywidgets as widgets
from PIL import Image

from ..errors import TrialkitInputError
from ..validation import check_bool
from .base import error_html, header_html

__all__ = ["ENVIRONMENT", "Output", "StaticExplorer", "palette_png", "static_control", "use_static"]

#: The environment variable that makes the widgets static when their ``static`` argument is None.
ENVIRONMENT = "TRIALKIT_WIDGETS"


def use_static(static=None):
    """Whether to make a widget static: ``static`` if given, else the environment's choice.

    Parameters
    ----------
    static : bool or None, optional
        True or False decides; None reads the environment variable ``TRIALKIT_WIDGETS``
        (``static``, or ``live``; unset means live).

    Returns
    -------
    bool

    Examples
    --------
    >>> use_static(True), use_static(False)
    (True, False)
    """
    if static is not None:
        return check_bool(static, "static")
    value = os.environ.get(ENVIRONMENT, "live").strip().lower()
    if value not in ("static", "live", ""):
        raise TrialkitInputError(ENVIRONMENT, value, "set the environment variable to 'static' (the book build "
                                 "does) or 'live', or unset it")
    return value == "static"


def palette_png(png, colours=64):
    """A PNG redrawn with at most ``colours`` colours (an indexed PNG): about a third of the bytes.

    A widget's figure has a few flat colours and their anti-aliased edges, so 64 colours (no
    dithering) change its pixels by less than one level of 255 on average, invisibly.

    Parameters
    ----------
    png : bytes
        A PNG image (an opaque figure, as matplotlib draws on white).
    colours : int, optional
        The palette's size, 2 to 256.

    Returns
    -------
    bytes
        The indexed PNG; the same input gives the same bytes.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    >>> Image.open(io.BytesIO(palette_png(buffer.getvalue()))).mode
    'P'
    """
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    indexed = rgb.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@dataclasses.dataclass(frozen=True)
class Output:
    """One output of a static widget, its result panel or its figure, and what it depends on.

    Parameters
    ----------
    controls : tuple of str
        The names of the controls the output depends on (a figure often depends on fewer
        controls than the numbers beside it, and is then precomputed fewer times).
    compute : callable
        Called with those controls' values as keywords; returns the panel's HTML (str), the
        figure as PNG bytes, or None where there is no figure.
    """

    controls: tuple
    compute: Callable


def _labels(control, values):
    """The readout of a live slider at each value (its readout_format), or a dropdown's labels."""
    if isinstance(control, widgets.Dropdown):
        names = {value: label for label, value in control._options_full}
        return [names[value] for value in values]
    fmt = getattr(control, "readout_format", "")
    return [format(value, fmt) for value in values]


def static_control(control, values):
    """The static twin of a live control: a ``SelectionSlider`` or ``Dropdown`` over ``values``.

    It keeps the live control's description, width and readout, and starts at its value, which
    must be one of ``values``. A slider's twin updates while it is dragged (switching between
    precomputed outputs costs nothing).

    Parameters
    ----------
    control : ipywidgets.IntSlider, FloatSlider or Dropdown
        The live widget's control.
    values : sequence
        The positions to precompute, in order.

    Returns
    -------
    ipywidgets.SelectionSlider or ipywidgets.Dropdown

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> live = widgets.IntSlider(value=13, min=1, max=48, description="Landmark")
    >>> twin = static_control(live, [6, 13, 24])
    >>> twin.options, twin.value, twin.index
    ((('6', 6), ('13', 13), ('24', 24)), 13, 1)
    """
    values = list(values)
    if control.value not in values:
        raise TrialkitInputError("values", values, f"include the control's starting value, {control.value!r}")
    options = list(zip(_labels(control, values), values, strict=True))
    common = {"options": options, "value": control.value, "description": control.description,
              "style": {"description_width": control.style.description_width},
              "layout": widgets.Layout(width=control.layout.width)}
    if isinstance(control, widgets.Dropdown):
        return widgets.Dropdown(**common)
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        return widgets.SelectionSlider(**common, continuous_update=True)
    raise TrialkitInputError("control", type(control).__name__, "give an IntSlider, a FloatSlider or a Dropdown")


def _computed(compute, kind, position):
    """An output at a position; where the library refuses the values, what the live widget shows
    instead: its message in the result panel, and no figure."""
    try:
        return compute(**position)
    except TrialkitInputError as error:
        return error_html(error) if kind == "result" else None


def _png_size(png):
    with Image.open(io.BytesIO(png)) as image:
        return image.size


class _Frames:
    """Makes one widget per distinct output (an ``HTML`` panel or an ``Image``), shared by position."""

    def __init__(self, kind):
        self.kind = kind
        self.widgets = {}
        self.layout = widgets.Layout(max_width="100%", height="auto") if kind == "figure" else widgets.Layout()
        self.style = widgets.HTML().style  # one style model for every panel (ipywidgets does not export HTMLStyle)

    def __call__(self, content):
        """The widget showing ``content``: HTML (str), a figure (PNG bytes) or nothing (None)."""
        if content not in self.widgets:
            if isinstance(content, bytes):
                png = palette_png(content)
                width, height = _png_size(png)  # the page keeps the room before the image is decoded
                frame = widgets.Image(value=png, format="png", width=str(width), height=str(height),
                                      layout=self.layout)
            else:
                frame = widgets.HTML("" if content is None else content, layout=self.layout, style=self.style)
            self.widgets[content] = frame
        return self.widgets[content]

    def all(self):
        """The distinct output widgets made so far."""
        return list({id(w): w for w in self.widgets.values()}.values())


def _saved_bytes(models):
    """What widget models add to a saved page: their state as JSON, PNG values in base64, as the
    notebook's widget state (and so the page) holds them."""
    total = 0
    for model in models:
        state = model.get_state()
        binary = {key: value for key, value in state.items() if isinstance(value, (bytes, memoryview))}
        text = {key: value for key, value in state.items() if key not in binary}
        total += len(json.dumps({"model_name": model._model_name, "model_module": model._model_module,
                                 "model_module_version": model._model_module_version, "state": text}))
        total += sum(4 * math.ceil(len(value) / 3) + 60 for value in binary.values())
    return total


class StaticExplorer(widgets.VBox):
    """A widget whose every position is precomputed: title, note, controls, result panel, figure.

    Parameters
    ----------
    title : str
    explanation : str
        HTML, as the live widget shows it.
    controls : dict of str to (ipywidgets widget, sequence)
        Each live control with the values to precompute, in order (see :func:`static_control`).
    result, figure : Output
        The result panel (HTML) and the figure (PNG bytes or None) at a position. Where the
        library refuses the values (:class:`~trialkit.TrialkitInputError`), the panel shows its
        message, as the live widget does, and there is no figure.
    coarser : str, optional
        Where the grid is coarser than the live widget's, for the note (e.g. "the sliders in
        coarser steps than in the notebook"). The note, under the explanation, says that the
        outputs are precomputed, how many and how heavy, and that the notebook computes any value.

    Attributes
    ----------
    controls : dict of str to ipywidgets widget
        The static controls.
    result, figure : ipywidgets widget
        The outputs: a (nested) ``Stack``, or one frame if the output never changes.
    positions : int
        The number of positions of the controls.
    frames : int
        The number of distinct outputs precomputed (panels and figures).
    nbytes : int
        What the outputs, their stacks and links add to a saved page, in bytes (the widget
        state as JSON, figures in base64).

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> slider = widgets.IntSlider(value=2, min=1, max=9, description="n")
    >>> w = StaticExplorer("Squares", "n squared", {"n": (slider, [1, 2, 3])},
    ...                    result=Output(("n",), lambda n: f"<p>{n * n}</p>"),
    ...                    figure=Output((), lambda: None))
    >>> w.positions, w.shown(n=3)
    (3, ('<p>9</p>', None))
    """

    def __init__(self, title, explanation, controls, result, figure, coarser=""):
        self.values = {name: list(values) for name, (_, values) in controls.items()}
        self.controls = {name: static_control(live, self.values[name]) for name, (live, _) in controls.items()}
        self.links, self._linked, self._stacks = [], {}, []
        panels, pictures = _Frames("result"), _Frames("figure")
        self.result = self._tree(result, panels)
        self.figure = self._tree(figure, pictures)
        self.positions = math.prod(len(values) for values in self.values.values())
        outputs = panels.all() + pictures.all()
        self.frames = len(outputs)
        shared = {id(m): m for w in outputs + self._stacks for m in (w.layout, getattr(w, "style", None)) if m}
        self.nbytes = _saved_bytes(outputs + self._stacks + self.links + list(shared.values()))
        header = widgets.HTML(header_html(title, explanation))
        self.note = widgets.HTML(self._note(coarser))
        super().__init__([header, self.note, *self.controls.values(), self.result, self.figure])

    def _note(self, coarser):
        where = f", {coarser}" if coarser else ""
        return (f"<p class='course-widget-note' style='line-height: 1.4'>Precomputed for this page: "
                f"{self.positions:,} positions ({self.nbytes / 1e6:.1f} MB){where}; the notebook (launch or "
                "download button above) computes any value.</p>")

    def _tree(self, output, frames):
        """The output as nested stacks, fewest positions outermost, each level linked to its control."""
        names = sorted(output.controls, key=lambda name: len(self.values[name]))
        stacks, layout = {}, widgets.Layout()  # one layout model for all the stacks of the page

        def build(depth, position):
            if depth == len(names):
                return frames(_computed(output.compute, frames.kind, position))
            name = names[depth]
            children = [build(depth + 1, {**position, name: value}) for value in self.values[name]]
            if all(child is children[0] for child in children):
                return children[0]  # this control changes nothing here
            key = (name, tuple(id(child) for child in children))
            if key not in stacks:
                control = self.controls[name]
                stack = widgets.Stack(children, selected_index=control.index, layout=layout)
                self.links.append(widgets.jslink((control, "index"), (stack, "selected_index")))
                self._linked[stack.model_id] = name
                self._stacks.append(stack)
                stacks[key] = stack
            return stacks[key]

        return build(0, {})

    def frame(self, output, **values):
        """The precomputed widget an output (``self.result`` or ``self.figure``) shows at a position,
        found as the page finds it: each stack shows the child its control's index selects."""
        widget = output
        while isinstance(widget, widgets.Stack):
            name = self._linked[widget.model_id]
            widget = widget.children[self.values[name].index(values[name])]
        return widget

    def shown(self, **values):
        """The result panel's HTML and the figure's PNG (None if none) at a position of the controls.

        Parameters
        ----------
        **values
            One value per control, each one of its precomputed values.
        """
        missing = sorted(set(self.values) - set(values))
        if missing:
            raise TrialkitInputError("values", values, f"give a value for every control, also {missing}")
        for name, value in values.items():
            if value not in self.values.get(name, [value]):
                raise TrialkitInputError(name, value, f"choose one of the precomputed values {self.values[name]}")
        picture = self.frame(self.figure, **values)
        return self.frame(self.result, **values).value, picture.value if isinstance(picture, widgets.Image) else None

    def grid(self):
        """Every position of the controls, as dicts of values, in order."""
        names = list(self.values)
        return [dict(zip(names, combination, strict=True))
                for combination in itertools.product(*self.values.values())]
