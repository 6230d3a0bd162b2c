"""The course's grading tools around nbgrader.

- :mod:`~coursegrader.sandbox`, :mod:`~coursegrader.cgroups`, :mod:`~coursegrader.provisioner`,
  :mod:`~coursegrader.kernelspec`: the sandbox every student's kernel runs in while grading;
- :mod:`~coursegrader.autograde`: a class autograded in parallel, one gradebook writer;
- :mod:`~coursegrader.preprocessors`: nbgrader preprocessors (sandboxed execution, quiet test-cell
  restore, replay of executed notebooks, feedback without hidden tests);
- :mod:`~coursegrader.reports`: the item analysis, from the configured gradebook;
- :mod:`~coursegrader.grades`: grade exports of released assignments only, and the LMS's table;
- :mod:`~coursegrader.lms`: a Canvas or Moodle zip of submissions, through nbgrader's ``zip_collect``;
- :mod:`~coursegrader.exercises`: whether ``exercises/`` is what nbgrader makes from ``solutions/``.

Run ``python -m coursegrader --help`` from the course folder.
"""

__all__ = ["autograde", "cgroups", "exercises", "grades", "kernelspec", "lms", "preprocessors", "provisioner",
           "reports", "sandbox"]
