"""The course's interactive widgets (ipywidgets 8), one module per widget.

Each widget is made by one call (``trialkit.widgets.sample_size_explorer()``), shows a short
explanation of what it displays, and puts its results in an HTML panel and a figure (a PNG
``Image`` widget), so that its state can be saved in a notebook and shown without a kernel.
Expensive controls update on release (``continuous_update=False``) or on a button. A widget's
module holds its view (the object that turns the controls' values into the panel and the
figure) next to the computation under it, which lives in the library's tested functions.

Every widget is live (it computes on demand, in JupyterLab) or *static*: for a page without a
kernel, such as the course's website, every position of its controls is precomputed over a grid
and the page switches between them (:mod:`trialkit.widgets.static`). Each factory takes
``static=``; by default a widget is static when the environment variable ``TRIALKIT_WIDGETS`` is
``static``, which the book build sets for the lessons' kernels.

============================  ======================================  =======================
widget                        module                                  computation
============================  ======================================  =======================
``sample_size_explorer``      :mod:`trialkit.widgets.sample_size`     ``samplesize``
``randomization_explorer``    :mod:`trialkit.widgets.randomization`   ``randomization``
``rerun_trial_explorer``      :mod:`trialkit.widgets.rerun`           ``rerun_hazard_ratios``
``landmark_explorer``         :mod:`trialkit.widgets.landmark`        ``landmark_analysis``
``immortal_time_explorer``    :mod:`trialkit.widgets.immortal_time`   ``cohort``
============================  ======================================  =======================
"""

from .base import Explorer, figure_png
from .immortal_time import immortal_time_explorer
from .landmark import landmark_explorer
from .randomization import randomization_explorer
from .rerun import rerun_hazard_ratios, rerun_trial_explorer
from .sample_size import sample_size_explorer
from .static import StaticExplorer, use_static

__all__ = [
    "Explorer",
    "figure_png",
    "immortal_time_explorer",
    "landmark_explorer",
    "randomization_explorer",
    "rerun_hazard_ratios",
    "rerun_trial_explorer",
    "sample_size_explorer",
    "StaticExplorer",
    "use_static",
]
