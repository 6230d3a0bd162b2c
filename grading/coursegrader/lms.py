"""Submissions downloaded from an LMS (Canvas, Moodle), collected with nbgrader's own ``zip_collect``.

Many courses hand the assignments out and take them back through their LMS instead of a hub. The
LMS's "download all submissions" gives a zip whose file names say who submitted what:

- **Canvas**: ``smithjohn_12345_6789012_03_survival.ipynb``: the student's sortable name in lower
  case without punctuation, their Canvas user id, the file's id, then the file's own name (Canvas
  renames a second upload of the same name ``03_survival-1.ipynb``). A late submission has
  ``_LATE`` after the name: ``smithjohn_LATE_12345_6789012_03_survival.ipynb``.
- **Moodle**: ``John Smith_12345_assignsubmission_file_03_survival.ipynb``: the full name, the
  assignment's participant number, the submission plugin, then the file's own name; or, with
  *Download submissions in folders*, a folder ``John Smith_12345_assignsubmission_file_`` holding
  ``03_survival.ipynb``.

Who is who comes from the gradebook's students (``nbgrader db student import ROSTER.csv``, columns
``id,first_name,last_name,email,lms_user_id``): a Canvas file belongs to the student whose
``lms_user_id`` is its Canvas user id (the *ID* column of Canvas's gradebook export); a Moodle file
to the student whose first and last names are its full name, in either order (Moodle's participant
number is given per assignment, so it cannot be kept in a roster). A file that belongs to nobody,
or to two students, or that is not a notebook of the assignment, is reported by name and not
collected: it is never silently dropped.

:class:`LmsCollector` is the ``FileNameCollectorPlugin`` that nbgrader's ``zip_collect`` uses
(``c.ZipCollectApp.collector_plugin`` in the course's ``nbgrader_config.py``). :func:`lms_import`
(``python -m coursegrader lms-import ASSIGNMENT ZIP``, ``make lms-import``) puts the zip where
``zip_collect`` looks for it, runs it, checks that every notebook arrived byte for byte and prints
what was and was not collected.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil
import sys
import unicodedata
import zipfile

from nbgrader.plugins import FileNameCollectorPlugin

__all__ = ["LmsFile", "Student", "Match", "LmsCollector", "parse_lms_name", "match_student", "classify",
           "released_notebooks", "gradebook_students", "lms_import", "LmsImportError"]

#: Canvas: name (letters and digits only), optional LATE, Canvas user id, file id, the file's name.
CANVAS = re.compile(r"^(?P<name>[^\W_]+)(?P<late>_LATE)?_(?P<lms_id>\d+)_(?P<file_id>\d+)_(?P<file>.+)$")
#: Moodle, flat: full name, participant number, submission plugin, the file's name.
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
#: Moodle, one folder per submission (the file's own name inside).
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
#: Moodle's blind marking writes "Participant" instead of the name.
BLIND = "participant"
#: How a file that is one of two for the same student's notebook is reported.
DUPLICATE = "duplicate: "
#: Canvas renames a second upload of the same file name: 03_survival-1.ipynb.
RENAMED = re.compile(r"^(?P<stem>.+)-\d+(?P<ext>\.ipynb)$")


class LmsImportError(Exception):
    """An LMS import that cannot go on: the message says what to fix."""


@dataclasses.dataclass(frozen=True)
class LmsFile:
    """What a downloaded file's name says.

    Attributes
    ----------
    path : str
        The file's path in the download (``/``-separated).
    lms : str
        ``"canvas"`` or ``"moodle"``.
    name : str
        The student's name as the LMS wrote it (``smithjohn``, ``John Smith``).
    lms_id : str
        Canvas's user id, or Moodle's participant number (per assignment).
    late : bool
        Whether Canvas marked the submission late.
    file : str
        The file's own name, as the student uploaded it (Canvas's ``-1`` included).
    """

    path: str
    lms: str
    name: str
    lms_id: str
    late: bool
    file: str


@dataclasses.dataclass(frozen=True)
class Student:
    """A student of the gradebook (``nbgrader db student import``)."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""


@dataclasses.dataclass(frozen=True)
class Match:
    """A downloaded file that belongs to one student: where it goes."""

    source: LmsFile
    student_id: str
    notebook: str


def parse_lms_name(path):
    """Read an LMS download's file name.

    Parameters
    ----------
    path : str or os.PathLike
        The file's path in the download; only its name and, for Moodle's folders, its folder's name
        are read.

    Returns
    -------
    LmsFile or None
        None when the name is neither Canvas's nor Moodle's.

    Examples
    --------
    >>> parse_lms_name("smithjohn_LATE_12345_6789012_03_survival.ipynb").late
    True
    >>> parse_lms_name("John Smith_12345_assignsubmission_file_03_survival.ipynb").name
    'John Smith'
    >>> parse_lms_name("03_survival.ipynb") is None
    True
    """
    parts = pathlib.PurePosixPath(str(path).replace(os.sep, "/")).parts
    base = parts[-1]
    if len(parts) > 1:
        folder = MOODLE_FOLDER.match(parts[-2])
        if folder:
            return LmsFile("/".join(parts), "moodle", folder["name"], folder["lms_id"], False, base)
    found = MOODLE.match(base)
    if found:
        return LmsFile("/".join(parts), "moodle", found["name"], found["lms_id"], False, found["file"])
    found = CANVAS.match(base)
    if found:
        return LmsFile("/".join(parts), "canvas", found["name"], found["lms_id"], bool(found["late"]), found["file"])
    return None


def _compact(text):
    """Letters and digits only, case-folded, accents kept (``O'Brien`` and ``obrien`` are equal)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text).casefold() if ch.isalnum())


def match_student(entry, students):
    """The student a downloaded file belongs to.

    Parameters
    ----------
    entry : LmsFile
        What the file's name says.
    students : list of Student
        The gradebook's students.

    Returns
    -------
    (str or None, str)
        The student id and how it was matched, or None and why not (a sentence that says how to
        fix it).
    """
    if entry.lms == "canvas":
        by_id = [s for s in students if s.lms_user_id == entry.lms_id]
        if len(by_id) == 1:
            return by_id[0].id, f"Canvas user {entry.lms_id}"
        if len(by_id) > 1:
            return None, (f"Canvas user {entry.lms_id} is the lms_user_id of {len(by_id)} students "
                          f"({', '.join(s.id for s in by_id)}): give each student their own")
        # No id on record: the name, if exactly one student without an lms_user_id has it.
        by_name = [s for s in students if not s.lms_user_id and _compact(s.last_name + s.first_name) == entry.name]
        if len(by_name) == 1:
            return by_name[0].id, f"Canvas name {entry.name} (no lms_user_id on record)"
        return None, (f"no student has the Canvas user id {entry.lms_id} ({entry.name}): add them to the "
                      "gradebook with lms_user_id set to their Canvas user id (nbgrader db student import, "
                      "columns id,first_name,last_name,email,lms_user_id)")
    if _compact(entry.name) == BLIND:
        return None, ("Moodle's blind marking hides who submitted it: reveal student identities in the "
                      "assignment's settings, download again and import that")
    wanted = _compact(entry.name)
    found = [s for s in students if wanted and wanted in (_compact(s.first_name + s.last_name),
                                                          _compact(s.last_name + s.first_name))]
    if len(found) == 1:
        return found[0].id, f"Moodle name {entry.name}"
    if len(found) > 1:
        return None, (f"{len(found)} students are named {entry.name} ({', '.join(s.id for s in found)}): "
                      "Moodle's file names cannot tell them apart; copy this file by hand to "
                      "submitted/STUDENT_ID/ASSIGNMENT/")
    return None, (f"no student is named {entry.name}: add them to the gradebook with their first and last "
                  "names as Moodle shows them (nbgrader db student import)")


def _notebook_for(file, notebooks):
    if file in notebooks:
        return file
    renamed = RENAMED.match(file)
    if renamed and renamed["stem"] + renamed["ext"] in notebooks:
        return renamed["stem"] + renamed["ext"]
    return None


def classify(paths, students, notebooks):
    """Sort downloaded files into those that go to a student and those that do not.

    Parameters
    ----------
    paths : iterable of str
        The files' paths in the download.
    students : list of Student
        The gradebook's students.
    notebooks : list of str
        The assignment's notebooks (file names, as released).

    Returns
    -------
    (list of Match, dict of str to str)
        The files to collect, and each file not collected with the reason.
    """
    matches, refused = [], {}
    for path in paths:
        entry = parse_lms_name(path)
        if entry is None:
            refused[path] = "the name is neither Canvas's nor Moodle's download naming"
            continue
        if not entry.file.endswith(".ipynb"):
            refused[path] = f"{entry.file} is not a notebook"
            continue
        notebook = _notebook_for(entry.file, notebooks)
        if notebook is None:
            refused[path] = (f"{entry.file} is not a notebook of this assignment (expected "
                             f"{', '.join(notebooks) or 'the released notebooks'})")
            continue
        student, how = match_student(entry, students)
        if student is None:
            refused[path] = how
            continue
        matches.append(Match(entry, student, notebook))
    # Two files for one student's notebook: nbgrader cannot choose (the LMS gives no times).
    seen = {}
    for match in matches:
        seen.setdefault((match.student_id, match.notebook), []).append(match)
    for (student, notebook), group in seen.items():
        if len(group) > 1:
            names = ", ".join(m.source.path for m in group)
            for match in group:
                refused[match.source.path] = (f"{DUPLICATE}{len(group)} files are {student}'s {notebook} "
                                              f"({names}): remove all but the one to grade from the zip and "
                                              "import it again")
    return [m for m in matches if m.source.path not in refused], refused


def gradebook_students(db_url):
    """The gradebook's students, as :class:`Student`."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return [Student(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
                for s in gb.students]


def released_notebooks(release_folder):
    """The assignment's notebooks, as nbgrader's ``zip_collect`` names them (relative paths)."""
    from nbgrader.utils import find_all_notebooks

    return find_all_notebooks(str(release_folder)) if os.path.isdir(release_folder) else []


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader's ``zip_collect`` collector for Canvas's and Moodle's download naming.

    Each file goes to the gradebook's student it belongs to (see the module's documentation); a
    file that belongs to nobody is logged as an error ("NOT COLLECTED") with the reason and skipped.
    """

    def _context(self):
        if not hasattr(self, "_cache"):
            app = self.parent
            coursedir = app.coursedir
            release = coursedir.format_path(coursedir.release_directory, ".", coursedir.assignment_id)
            self._cache = (gradebook_students(coursedir.db_url), released_notebooks(release),
                           app._format_collect_path(app.extracted_directory))
        return self._cache

    def collect(self, submitted_file):
        """The student and notebook of one extracted file, or None (logged) when it belongs to nobody.

        Parameters
        ----------
        submitted_file : str
            The file's absolute path in ``zip_collect``'s extracted folder.

        Returns
        -------
        dict or None
            ``{"student_id": ..., "file_id": ...}`` for nbgrader, or None.
        """
        students, notebooks, extracted = self._context()
        relative = os.path.relpath(submitted_file, extracted).replace(os.sep, "/")
        matches, refused = classify([relative], students, notebooks)
        if refused:
            self.log.error("NOT COLLECTED: %s: %s", relative, refused[relative])
            return None
        (match,) = matches
        if match.source.late:
            self.log.warning("LATE (Canvas): %s -> %s", relative, match.student_id)
        return {"student_id": match.student_id, "file_id": match.notebook}


def _members(archive):
    with zipfile.ZipFile(archive) as zf:
        return [info.filename for info in zf.infolist() if not info.is_dir()]


def lms_import(assignment, archive, root=".", log=print):
    """Collect an LMS's zip of submissions into ``submitted/`` with nbgrader's ``zip_collect``.

    The zip is copied into ``downloaded/ASSIGNMENT/archive/`` (its previous content removed), then
    ``nbgrader zip_collect ASSIGNMENT --force`` extracts it and copies each student's notebook to
    ``submitted/STUDENT/ASSIGNMENT/``, replacing what was there for that student. Every collected
    notebook is then compared byte for byte with the zip's.

    Parameters
    ----------
    assignment : str
        The assignment (its student version must be in the release folder, ``exercises/``).
    archive : str or os.PathLike
        The zip downloaded from Canvas or Moodle.
    root : str or os.PathLike
        The course folder.
    log : callable
        Where the report's lines go.

    Returns
    -------
    int
        0 when every file was collected, 1 when a file was not (each is reported with the reason).

    Raises
    ------
    LmsImportError
        When nothing can be imported: the zip is missing or unreadable, holds two files for one
        student's notebook, the assignment has no student version, the gradebook has no students,
        or nbgrader's ``zip_collect`` failed.
    """
    from .autograde import gradebook_url, load_config
    from .nbgrader_cli import run_nbgrader

    root = pathlib.Path(root).resolve()
    archive = pathlib.Path(archive).expanduser().resolve()
    if not archive.is_file():
        raise LmsImportError(f"{archive} does not exist: give the zip you downloaded from the LMS "
                             "(Canvas: Assignments > the assignment > Download Submissions; Moodle: the "
                             "assignment > View all submissions > Download all submissions)")
    if not zipfile.is_zipfile(archive):
        raise LmsImportError(f"{archive} is not a zip file: download the submissions again as one zip")
    config = load_config(root)
    release = root / config.CourseDirectory.get("release_directory", "release") / assignment
    notebooks = released_notebooks(release)
    if not notebooks:
        raise LmsImportError(f"{release} holds no notebook: generate the student version first "
                             f"(nbgrader generate_assignment {assignment}, or make exercises)")
    students = gradebook_students(gradebook_url(root, config))
    if not students:
        raise LmsImportError("the gradebook has no students: import the class first with "
                             "`nbgrader db student import ROSTER.csv` (columns id,first_name,last_name,email,"
                             "lms_user_id; lms_user_id is the Canvas user id) or give --roster ROSTER.csv")
    members = _members(archive)
    matches, refused = classify(members, students, notebooks)
    duplicates = [f"{path}: {reason}" for path, reason in sorted(refused.items()) if reason.startswith(DUPLICATE)]
    if duplicates:  # nbgrader's zip_collect cannot choose between them either (no times): stop first
        raise LmsImportError("the zip holds two files for one student's notebook; nothing was imported:\n  "
                             + "\n  ".join(duplicates))

    downloaded = root / "downloaded" / assignment / "archive"
    shutil.rmtree(downloaded, ignore_errors=True)
    downloaded.mkdir(parents=True)
    shutil.copy(archive, downloaded / archive.name)
    result = run_nbgrader("zip_collect", assignment, "--force", "--collector=coursegrader.lms.LmsCollector",
                          cwd=root)
    if result.returncode:
        raise LmsImportError(f"nbgrader zip_collect failed:\n{(result.stdout + result.stderr)[-3000:]}")

    submitted = config.CourseDirectory.get("submitted_directory", "submitted")
    with zipfile.ZipFile(archive) as zf:
        for match in matches:
            target = root / submitted / match.student_id / assignment / match.notebook
            if not target.is_file() or target.read_bytes() != zf.read(match.source.path):
                raise LmsImportError(f"{match.source.path} should be in {target}, byte for byte, and is not: "
                                     f"see nbgrader's log:\n{(result.stdout + result.stderr)[-3000:]}")
    for match in sorted(matches, key=lambda m: m.student_id):
        late = " LATE (Canvas marked it late: apply your late policy in the LMS)" if match.source.late else ""
        log(f"collected: {match.student_id} <- {match.source.path}{late}")
    for path, reason in sorted(refused.items()):
        log(f"NOT COLLECTED: {path}: {reason}")
    late = sum(m.source.late for m in matches)
    log(f"{assignment}: {len(matches)} notebooks collected into {submitted}/ ({late} late), "
        f"{len(refused)} files not collected" + (" (listed above)" if refused else ""))
    return 1 if refused else 0


def main_import(assignment, archive, roster=None, root="."):
    """``python -m coursegrader lms-import``: import the roster if given, then the zip."""
    from .nbgrader_cli import run_nbgrader

    if roster:
        if not os.path.isfile(roster):
            print(f"{roster} does not exist: give a CSV with columns id,first_name,last_name,email,lms_user_id",
                  file=sys.stderr)
            return 2
        result = run_nbgrader("db", "student", "import", str(roster), cwd=root)
        if result.returncode:
            print(f"importing {roster} failed (columns id,first_name,last_name,email,lms_user_id):\n"
                  f"{(result.stdout + result.stderr)[-3000:]}", file=sys.stderr)
            return 2
    try:
        return lms_import(assignment, archive, root)
    except LmsImportError as error:
        print(f"LMS import stopped: {error}", file=sys.stderr)
        return 2
