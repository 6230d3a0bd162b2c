"""The course's grading tools around nbgrader.

- :mod:`~coursegrader.sandbox`, :mod:`~coursegrader.cgroups`, :mod:`~coursegrader.provisioner`,
  :mod:`~coursegrader.kernelspec`: the sandbox every student's kernel runs in while grading;
- :mod:`~coursegrader.autograde`: a class autograded in parallel, one gradebook writer;
- :mod:`~coursegrader.preprocessors`: nbgrader preprocessors (sandboxed execution, quiet test-cell
  restore, replay of executed notebooks, feedback without hidden tests);
- :mod:`~coursegrader.reports`: the item analysis, from the configured gradebook;
- :mod:`~coursegrader.exercises`: whether ``exercises/`` is what nbgrader makes from ``solutions/``.

Run ``python -m coursegrader --help`` from the course folder.
"""

__all__ = ["autograde", "cgroups", "exercises", "kernelspec", "preprocessors", "provisioner", "reports", "sandbox"]
