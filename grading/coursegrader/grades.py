"""Grade exports: only released assignments, and a table an LMS gradebook imports.

nbgrader's own ``nbgrader export`` lists every assignment of the gradebook, and an assignment
enters the gradebook as soon as its student version is generated: every student then gets 0 for
assignments nobody has seen, which an LMS reads as missed work. Here an assignment is **released**
when students have had it:

- it is in the exchange's ``outbound/`` folder (``nbgrader release_assignment``: the hub, or a
  local exchange), or
- the gradebook holds at least one submission of it (collected from the exchange, copied to
  ``submitted/`` by hand or imported from an LMS's zip, then autograded).

Both exports read the gradebook the course configures (``CourseDirectory.db_url``: SQLite by
default, PostgreSQL on the hub); both are nbgrader export plugins:

- :class:`ReleasedCsvExport`, nbgrader's long table (one row per student and released assignment),
  is the course's ``nbgrader export`` (``c.ExportApp.plugin_class``, ``make grades``);
- :class:`LmsGradesExport`, one row per student and one column per released assignment, is
  ``python -m coursegrader lms-grades`` (``make lms-grades``).
"""

from __future__ import annotations

import csv
import os

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Enum

__all__ = ["released_assignments", "exchange_root", "ReleasedCsvExport", "LmsGradesExport"]


def exchange_root(config):
    """The exchange's root folder (``c.Exchange.root``, else nbgrader's default)."""
    from nbgrader.exchange.default.exchange import Exchange

    return config.Exchange.get("root", Exchange.class_traits()["root"].default_value)


def released_assignments(gradebook, exchange, course_id):
    """The names of the gradebook's assignments that students have had, in the gradebook's order.

    Parameters
    ----------
    gradebook : nbgrader.api.Gradebook
        The open gradebook.
    exchange : str
        The exchange's root folder (it need not exist: then only submissions count).
    course_id : str
        The course's id (the exchange keeps each course in a folder of its own).

    Returns
    -------
    list of str
        The assignments in the exchange's ``outbound/`` or with at least one submission.
    """
    outbound = os.path.join(exchange, course_id, "outbound")
    return [a.name for a in gradebook.assignments
            if os.path.isdir(os.path.join(outbound, a.name)) or a.num_submissions > 0]


def _number(value):
    return f"{value:g}"


class _CourseExport(ExportPlugin):
    def _released(self, gradebook):
        app = self.parent
        names = released_assignments(gradebook, exchange_root(app.config), app.coursedir.course_id)
        if self.assignment:
            names = [n for n in names if n in {str(a) for a in self.assignment}]
        return names

    def _students(self, gradebook):
        wanted = {str(s) for s in self.student}
        return [s for s in sorted(gradebook.students, key=lambda s: s.id) if not wanted or s.id in wanted]


class ReleasedCsvExport(_CourseExport):
    """nbgrader's CSV export (the same columns), for released assignments only, properly quoted."""

    KEYS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
            "raw_score", "late_submission_penalty", "score", "max_score"]

    def export(self, gradebook):
        """Write one row per student and released assignment to ``--to`` (default ``grades.csv``)."""
        dest = self.to or "grades.csv"
        released = self._released(gradebook)
        skipped = [a.name for a in gradebook.assignments if a.name not in released]
        self.log.info("Exporting grades to %s", dest)
        if skipped:
            self.log.info("Not exported (never released, no submission): %s", ", ".join(skipped))
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.KEYS)
            for name in released:
                assignment = gradebook.find_assignment(name)
                for student in self._students(gradebook):
                    row = {"assignment": name, "duedate": assignment.duedate, "student_id": student.id,
                           "last_name": student.last_name, "first_name": student.first_name,
                           "email": student.email, "max_score": assignment.max_score}
                    try:
                        submission = gradebook.find_submission(name, student.id)
                    except MissingEntry:  # released and not submitted: missed work
                        row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                    else:
                        penalty = submission.late_submission_penalty
                        row.update(timestamp=submission.timestamp, raw_score=submission.score,
                                   late_submission_penalty=penalty, score=max(0.0, submission.score - penalty))
                    writer.writerow(["" if row[k] is None else row[k] for k in self.KEYS])


class LmsGradesExport(_CourseExport):
    """One row per student, one column per released assignment: a table an LMS gradebook imports.

    A cell is the score after nbgrader's late penalty; 0 when the student submitted nothing; left
    **empty** while the submission still has answers to grade by hand (the formgrader), so that the
    LMS does not show a part-grade as final. Those are listed in the log.

    Layouts (``--LmsGradesExport.layout``):

    ``plain``
        ``student_id,last_name,first_name,email,lms_user_id`` then the assignments. Moodle imports it
        (*Grades > Import > CSV file*: map ``email`` or ``student_id`` to the user, each assignment
        column to its grade item), as does any LMS that maps columns.
    ``canvas``
        Canvas's gradebook columns ``Student,ID,SIS User ID,SIS Login ID,Section``, a *Points
        Possible* row, then one row per student, matched by ``ID`` (the Canvas user id: the
        gradebook's ``lms_user_id``). A column whose name is not a Canvas assignment becomes a new
        assignment on import.
    """

    layout = Enum(["plain", "canvas"], default_value="plain", help="plain or canvas (see the class)").tag(config=True)

    def export(self, gradebook):
        """Write the table to ``--to`` (default ``lms_grades.csv``)."""
        dest = self.to or "lms_grades.csv"
        released = self._released(gradebook)
        students = self._students(gradebook)
        if not released:
            self.log.warning("No assignment is released yet (none in the exchange's outbound/, none with a "
                             "submission): the table has no grade column")
        if self.layout == "canvas":
            missing = [s.id for s in students if not s.lms_user_id]
            if missing:
                self.log.error("Canvas matches rows by its user id, and these students have none: %s. Give each an "
                               "lms_user_id (the ID column of Canvas's gradebook export) with `nbgrader db student "
                               "import ROSTER.csv` (columns id,first_name,last_name,email,lms_user_id)",
                               ", ".join(missing))
                raise SystemExit(1)
        maxima = {name: gradebook.find_assignment(name).max_score for name in released}
        ungraded = []
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            if self.layout == "canvas":
                writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *released])
                writer.writerow(["Points Possible", "", "", "", "", *(_number(maxima[n]) for n in released)])
            else:
                writer.writerow(["student_id", "last_name", "first_name", "email", "lms_user_id", *released])
            for student in students:
                cells = []
                for name in released:
                    try:
                        submission = gradebook.find_submission(name, student.id)
                    except MissingEntry:
                        cells.append("0")
                        continue
                    if submission.needs_manual_grade:
                        ungraded.append(f"{student.id} ({name})")
                        cells.append("")
                    else:
                        cells.append(_number(max(0.0, submission.score - submission.late_submission_penalty)))
                if self.layout == "canvas":
                    name = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
                    writer.writerow([name, student.lms_user_id, "", "", "", *cells])
                else:
                    writer.writerow([student.id, student.last_name or "", student.first_name or "",
                                     student.email or "", student.lms_user_id or "", *cells])
        self.log.info("Wrote %s: %d students, assignments %s (maximum %s)", dest, len(students),
                      ", ".join(released) or "none", ", ".join(f"{n} {_number(m)}" for n, m in maxima.items()))
        if ungraded:
            self.log.warning("Left empty until their written answers are graded in the formgrader: %s",
                             "; ".join(ungraded))
