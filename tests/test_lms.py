"""The LMS path, for real: a Canvas and Moodle zip of submissions through nbgrader's zip_collect, the
sandboxed autograde, and the grades exported for the LMS (released assignments only).

A temporary course folder with a class of five (a roster imported with nbgrader), a zip built here
with Canvas's and Moodle's download naming (a late one, Canvas's renamed second upload, Moodle's
folders) and two files that belong to nobody, which must be reported and not collected.
"""

import csv
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from coursegrader import lms

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
ASSIGNMENT = "03_survival"
OTHER = "02_trial_design"  # generated (so in the gradebook) and, at first, released to nobody
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

# The class: id, first_name, last_name, email, lms_user_id (the Canvas user id; none for Moodle's).
ROSTER = [("s001", "John", "Smith", "john.smith@example.org", "12345"),
          ("s002", "Jane", "Doe", "jane.doe@example.org", "23456"),
          ("s003", "Ana María", "López", "ana.lopez@example.org", ""),
          ("s004", "Carl", "Lee", "carl.lee@example.org", ""),
          ("s005", "Bo", "Park", "bo.park@example.org", "56789")]  # submits nothing
# Code answers (grade ids) per kind of student; "full" also writes both written answers.
CODE = ["hr_answer", "wald_answer", "km_answer", "logrank_answer", "ph_answer", "verdict_answer"]
KINDS = {"full": CODE, "partly": ["hr_answer", "km_answer"], "blank": []}
# The zip: member name -> (student, kind). Canvas (one late, renamed by Canvas as a second upload),
# Moodle (flat, and in a folder), and two files that belong to nobody.
ZIP = {"smithjohn_12345_7000001_03_survival.ipynb": ("s001", "full"),
       "doejane_LATE_23456_7000002_03_survival-1.ipynb": ("s002", "partly"),
       "Ana María López_901_assignsubmission_file_03_survival.ipynb": ("s003", "blank"),
       "Carl Lee_902_assignsubmission_file_/03_survival.ipynb": ("s004", "full")}
STRANGERS = {"greenbob_99999_7000003_03_survival.ipynb": "no student has the Canvas user id 99999",
             "03_survival.ipynb": "neither Canvas's nor Moodle's download naming"}


def run(args, cwd, check=True):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


def submission(kind, marker):
    """The student version answered as ``kind`` (the solution's code, a sentence for written answers)."""
    solution = nbformat.read(ROOT / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(ROOT / "exercises" / ASSIGNMENT / NOTEBOOK, as_version=4)
    known = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in KINDS[kind]:
            cell.source = re.sub(r"### (BEGIN|END) SOLUTION\n?", "", known[grade_id])
        elif kind == "full" and grade_id in ("interpretation", "verdict_justification"):
            cell.source = "A written answer, in a few sentences."
    release.metadata["submitted_by"] = marker  # each file of its own, to compare bytes
    return nbformat.writes(release).encode()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lms-course")
    exchange = folder / "exchange"
    exchange.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    with open(folder / "nbgrader_config.py", "a") as handle:
        handle.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    for name in (ASSIGNMENT, OTHER):
        shutil.copytree(ROOT / "solutions" / name, folder / "solutions" / name)
        run([BIN / "nbgrader", "generate_assignment", name, "--force"], folder)
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email", "lms_user_id"])
        writer.writerows(ROSTER)
    members = {name: submission(kind, student) for name, (student, kind) in ZIP.items()}
    members.update({name: submission("full", "stranger") for name in STRANGERS})
    download = folder / "download" / "submissions.zip"  # as the instructor saved it from the LMS
    download.parent.mkdir()
    with zipfile.ZipFile(download, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    imported = run([sys.executable, "-m", "coursegrader", "lms-import", ASSIGNMENT, download,
                    "--roster", folder / "roster.csv"], folder, check=False)
    graded = run([sys.executable, "-m", "coursegrader", "autograde", ASSIGNMENT], folder, check=False)
    return {"folder": folder, "members": members, "imported": imported, "graded": graded}


def test_every_named_file_is_collected_byte_for_byte(course):
    folder = course["folder"]
    for name, (student, _) in ZIP.items():
        collected = folder / "submitted" / student / ASSIGNMENT / NOTEBOOK
        assert collected.read_bytes() == course["members"][name], name
    assert sorted(p.name for p in (folder / "submitted").iterdir()) == ["s001", "s002", "s003", "s004"]


def test_files_of_nobody_are_reported_and_not_collected(course):
    result = course["imported"]
    assert result.returncode == 1, result.stdout + result.stderr  # something was not collected
    for name, reason in STRANGERS.items():
        assert re.search(rf"^NOT COLLECTED: {re.escape(name)}: [^\n]*{re.escape(reason)}", result.stdout, re.M), \
            result.stdout
    assert "4 notebooks collected into submitted/ (1 late), 2 files not collected" in result.stdout
    assert re.search(r"^collected: s002 <- doejane_LATE_\S+ LATE", result.stdout, re.M), result.stdout
    assert "s001 <- smithjohn_12345_7000001_03_survival.ipynb\n" in result.stdout


def test_the_imported_class_is_autograded_in_the_sandbox(course):
    result = course["graded"]
    assert "bubblewrap sandbox" in result.stdout and "4 graded, 0 not graded" in result.stdout, result.stdout


def grade_by_hand(folder, student, scores):
    """What the formgrader does when the instructor grades the written answers (its grade API's PUT)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        for grade_id, score in scores.items():
            grade = gb.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student)
            grade.manual_score, grade.needs_manual_grade = score, False
        gb.db.commit()


def read_csv(path):
    return list(csv.reader(io.StringIO(pathlib.Path(path).read_text(encoding="utf-8"))))


def test_grades_for_the_lms(course):
    folder = course["folder"]
    grade_by_hand(folder, "s001", {"interpretation": 3, "verdict_justification": 2})
    run([sys.executable, "-m", "coursegrader", "lms-grades", "--to", "lms.csv"], folder)
    # Only the released assignment (02 was generated, never released, nobody submitted it). s004's
    # written answers are not graded yet: empty, not a part-grade; s005 submitted nothing: 0.
    assert read_csv(folder / "lms.csv") == [
        ["student_id", "last_name", "first_name", "email", "lms_user_id", ASSIGNMENT],
        ["s001", "Smith", "John", "john.smith@example.org", "12345", "15"],
        ["s002", "Doe", "Jane", "jane.doe@example.org", "23456", "5"],
        ["s003", "López", "Ana María", "ana.lopez@example.org", "", "0"],
        ["s004", "Lee", "Carl", "carl.lee@example.org", "", ""],
        ["s005", "Park", "Bo", "bo.park@example.org", "56789", "0"]]

    # Canvas matches rows by its user id: the Moodle students have none, and the export says so.
    refused = run([sys.executable, "-m", "coursegrader", "lms-grades", "--layout", "canvas", "--to", "canvas.csv"],
                  folder, check=False)
    assert refused.returncode != 0 and "these students have none: s003, s004" in refused.stderr, refused.stderr

    # Released to the exchange, submitted by nobody yet: a column, 0 for everyone.
    run([BIN / "nbgrader", "release_assignment", OTHER], folder)
    run([BIN / "nbgrader", "db", "student", "add", "s003", "--first-name=Ana María", "--last-name=López",
         "--lms-user-id=34567"], folder)
    run([BIN / "nbgrader", "db", "student", "add", "s004", "--first-name=Carl", "--last-name=Lee",
         "--lms-user-id=45678"], folder)
    run([sys.executable, "-m", "coursegrader", "lms-grades", "--layout", "canvas", "--to", "canvas.csv"], folder)
    assert read_csv(folder / "canvas.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", OTHER, ASSIGNMENT],
        ["Points Possible", "", "", "", "", "13", "15"],
        ["Smith, John", "12345", "", "", "", "0", "15"],
        ["Doe, Jane", "23456", "", "", "", "0", "5"],
        ["López, Ana María", "34567", "", "", "", "0", "0"],
        ["Lee, Carl", "45678", "", "", "", "0", ""],
        ["Park, Bo", "56789", "", "", "", "0", "0"]]


def test_make_grades_lists_released_assignments_only(course, tmp_path):
    folder = course["folder"]
    run([BIN / "nbgrader", "list", "--remove", OTHER], folder)  # taken back from the exchange, if released
    run([BIN / "nbgrader", "export", "--to", tmp_path / "grades.csv"], folder)  # the course's export
    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades.csv").read_text(encoding="utf-8"))))
    assert {r["assignment"] for r in rows} == {ASSIGNMENT} and len(rows) == len(ROSTER)
    assert {r["student_id"]: float(r["score"]) for r in rows}["s002"] == 5.0
    # nbgrader's own exporter lists the unreleased assignment, a 0 for every student: what this fixes.
    run([BIN / "nbgrader", "export", "--exporter=nbgrader.plugins.CsvExportPlugin", "--to",
         tmp_path / "nbgrader.csv"], folder)
    theirs = list(csv.DictReader(io.StringIO((tmp_path / "nbgrader.csv").read_text(encoding="utf-8"))))
    assert {r["assignment"] for r in theirs} == {ASSIGNMENT, OTHER}


# ---- The naming rules, and the messages that say how to fix the input ----

@pytest.mark.parametrize("name, expected", [
    ("smithjohn_12345_6789012_03_survival.ipynb", ("canvas", "smithjohn", "12345", False, "03_survival.ipynb")),
    ("smithjohn_LATE_12345_6789012_03_survival.ipynb", ("canvas", "smithjohn", "12345", True, "03_survival.ipynb")),
    ("obrienmary_7_8_03_survival-2.ipynb", ("canvas", "obrienmary", "7", False, "03_survival-2.ipynb")),
    ("John Smith_12345_assignsubmission_file_03_survival.ipynb",
     ("moodle", "John Smith", "12345", False, "03_survival.ipynb")),
    ("Mary O'Brien_3_assignsubmission_file_/03_survival.ipynb",
     ("moodle", "Mary O'Brien", "3", False, "03_survival.ipynb")),
    ("submissions/John Smith_12_assignsubmission_onlinetext_onlinetext.html",
     ("moodle", "John Smith", "12", False, "onlinetext.html")),
    ("03_survival.ipynb", None),
    ("smith_john_03_survival.ipynb", None),
])
def test_lms_names(name, expected):
    entry = lms.parse_lms_name(name)
    assert (entry and (entry.lms, entry.name, entry.lms_id, entry.late, entry.file)) == expected


STUDENTS = [lms.Student("s1", "John", "Smith", lms_user_id="12345"), lms.Student("s2", "Mary", "O'Brien"),
            lms.Student("s3", "Li", "Wei"), lms.Student("s4", "Wei", "Li")]


@pytest.mark.parametrize("name, student, reason", [
    ("smithjohn_12345_1_03_survival.ipynb", "s1", "Canvas user 12345"),
    ("obrienmary_777_1_03_survival.ipynb", "s2", "no lms_user_id on record"),  # by name: no id on record
    ("smithjohn_999_1_03_survival.ipynb", None, "no student has the Canvas user id 999"),  # s1's id differs
    ("MARY O BRIEN_4_assignsubmission_file_03_survival.ipynb", "s2", "Moodle name"),
    ("Smith John_4_assignsubmission_file_03_survival.ipynb", "s1", "Moodle name"),  # last name first
    ("Li Wei_4_assignsubmission_file_03_survival.ipynb", None, "2 students are named Li Wei (s3, s4)"),
    ("Participant_4_assignsubmission_file_03_survival.ipynb", None, "blind marking"),
])
def test_who_a_file_belongs_to(name, student, reason):
    found, how = lms.match_student(lms.parse_lms_name(name), STUDENTS)
    assert found == student and reason in how, how


def test_two_files_for_one_notebook_are_both_refused():
    paths = ["smithjohn_12345_1_03_survival.ipynb", "smithjohn_12345_2_03_survival-1.ipynb",
             "smithjohn_12345_3_notes.txt", "smithjohn_12345_4_04_landmark.ipynb"]
    matches, refused = lms.classify(paths, STUDENTS, ["03_survival.ipynb"])
    assert matches == []
    assert "2 files are s1's 03_survival.ipynb" in refused[paths[0]] and paths[1] in refused[paths[0]]
    assert refused[paths[2]] == "notes.txt is not a notebook"
    assert "04_landmark.ipynb is not a notebook of this assignment" in refused[paths[3]]


def test_import_says_how_to_fix_its_input(course, tmp_path, monkeypatch):
    folder = course["folder"]
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")  # nbgrader's gradebook runs alembic
    missing = run([sys.executable, "-m", "coursegrader", "lms-import", ASSIGNMENT, tmp_path / "nope.zip"],
                  folder, check=False)
    assert missing.returncode == 2 and "Download Submissions" in missing.stderr, missing.stderr
    (tmp_path / "not.zip").write_text("not a zip")
    broken = run([sys.executable, "-m", "coursegrader", "lms-import", ASSIGNMENT, tmp_path / "not.zip"],
                 folder, check=False)
    assert broken.returncode == 2 and "is not a zip file" in broken.stderr, broken.stderr
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as zf:
        for name in ("smithjohn_12345_1_03_survival.ipynb", "smithjohn_12345_2_03_survival-1.ipynb"):
            zf.writestr(name, course["members"][next(iter(ZIP))])
    with pytest.raises(lms.LmsImportError, match="two files for one student's notebook; nothing was imported"):
        lms.lms_import(ASSIGNMENT, twice, folder)
    assert not (folder / "downloaded" / ASSIGNMENT / "archive" / "twice.zip").exists()
    with pytest.raises(lms.LmsImportError, match="generate the student version first"):
        lms.lms_import("04_landmark", next((folder / "download").glob("*.zip")), folder)
    empty = tmp_path / "course"
    empty.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", empty)
    shutil.copytree(folder / "exercises" / ASSIGNMENT, empty / "exercises" / ASSIGNMENT)
    with pytest.raises(lms.LmsImportError, match="the gradebook has no students"):
        lms.lms_import(ASSIGNMENT, next((folder / "download").glob("*.zip")), empty)
