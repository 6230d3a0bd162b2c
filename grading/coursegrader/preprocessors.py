"""nbgrader preprocessors of the course's grading.

- :class:`RestoreTestCells`: nbgrader's ``OverwriteCells`` without the false alarm. A released
  test cell lacks its hidden tests, so its checksum always differs from the instructor's and
  nbgrader warned "Attribute 'checksum' ... has changed!" for every hidden-test cell of every
  student (nbgrader #1961). Here the warning is kept for a real change only: a locked cell whose
  text is not the released version of the cell.
- :class:`ReplayExecution`: takes the place of ``Execute`` when the notebooks were executed
  beforehand, in parallel and sandboxed (:mod:`coursegrader.autograde`); it checks that the
  executed notebook is the same notebook, cell for cell, and gives nbgrader its outputs.
- :class:`HideHiddenTests`: for feedback, shows each failed test's message but never the code of
  a hidden test, nor a traceback that quotes it.
"""

from __future__ import annotations

import os
import re

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Integer, Unicode

from . import kernelspec

__all__ = ["SandboxedExecute", "RestoreTestCells", "ReplayExecution", "LimitOutputSize", "HideHiddenTests",
           "released_source", "NO_SANDBOX"]

#: The opt-out: set to 1 to grade without the sandbox (trusted code only; see the instructor guide).
NO_SANDBOX = "COURSEGRADER_NO_SANDBOX"


class SandboxedExecute(Execute):
    """nbgrader's ``Execute``, with every kernel in the grading sandbox.

    The course's ``nbgrader_config.py`` puts it in place of ``Execute`` for autograding, so that
    every way of autograding (``make autograde``, ``nbgrader autograde``, the formgrader's button)
    runs student code sandboxed. Where the sandbox cannot start it stops with
    :class:`~coursegrader.sandbox.SandboxUnavailable`, never grading unsandboxed, unless the
    environment variable ``COURSEGRADER_NO_SANDBOX=1`` says the code is trusted.
    """

    def preprocess(self, nb, resources=None, km=None):
        if os.environ.get(NO_SANDBOX) != "1":
            kernelspec.ensure_sandbox()
            self.kernel_name = kernelspec.KERNEL_NAME
        return super().preprocess(nb, resources, km=km)

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
HIDDEN_NOTE = "# (hidden tests: their code is not shown; a failed test's message is below)"


def released_source(source):
    """A test cell's source as students receive it: without its hidden tests."""
    return _HIDDEN.sub("", source)


def _same_text(a, b):
    return a.strip() == b.strip()


class RestoreTestCells(OverwriteCells):
    """``OverwriteCells`` that warns only when a locked cell really was changed."""

    _expected = None

    def preprocess_cell(self, cell, resources, cell_index):
        self._expected = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except Exception:  # nbgrader itself reports a cell missing from the gradebook
                source_cell = None
            if source_cell is not None and _same_text(released_source(source_cell.source), cell.source):
                self._expected = grade_id
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and name == self._expected:
            return  # the released cell without its hidden tests: restored, nothing changed
        super().report_change(name, attr, old, new)


class ReplayExecution(NbGraderPreprocessor):
    """Give nbgrader the notebook as it was executed beforehand (in the sandbox)."""

    directory = Unicode("", config=True, help="Folder of executed notebooks: STUDENT/ASSIGNMENT/NOTEBOOK.ipynb")

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = os.path.join(self.directory, info["student"], info["assignment"], f"{info['notebook']}.ipynb")
        if not os.path.exists(path):
            raise RuntimeError(f"no executed notebook for {info['student']} ({path}): it was not executed")
        executed = nbformat.read(path, as_version=4)
        sources = [(c.cell_type, c.source) for c in nb.cells]
        if sources != [(c.cell_type, c.source) for c in executed.cells]:
            raise RuntimeError(f"the executed notebook of {info['student']} is not the submitted one")
        return executed, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Cut each text output to ``max_chars`` (nbgrader's ``LimitOutput`` counts lines only, so one
    5 MB line went through whole into the graded notebook and the feedback)."""

    max_chars = Integer(20_000, config=True, help="Characters kept of each text output.")

    def _cut(self, text):
        if len(text) <= self.max_chars:
            return text
        return text[:self.max_chars] + f"\n... [{len(text) - self.max_chars} more characters cut while grading]\n"

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output.text = self._cut(output.text)
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    output.data[key] = self._cut(value)
        return cell, resources


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback: hidden tests' code out, their messages in."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        released = released_source(cell.source)
        if released == cell.source:
            return cell, resources  # visible tests only: shown as they are
        cell.source = released.rstrip("\n") + ("\n" if released.strip() else "") + HIDDEN_NOTE
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                # The traceback quotes the test's code: keep only the message (the hint).
                output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
