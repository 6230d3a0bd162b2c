"""Benchmark: autograding a class of 50 fake submissions of one assignment with the real nbgrader.

In a temporary course folder (the course's nbgrader_config.py and solutions/), the assignment is
generated, then autograded twice with `scripts/course.py autograde` (what `make autograde` runs):
once with a single submission and once with 50 (half the instructor's solution, half the blank
student version, so that both the passing and the failing paths run). Where the time goes:

- `seconds_per_submission`: the 50-student run divided by 50 (what an instructor waits, per student);
- `marginal_s_per_submission`: the cost of one more submission ((T50 - T1) / 49): executing the
  notebook in a fresh kernel, then nbgrader's bookkeeping;
- `fixed_s`: what a run costs whatever the class size (T1 minus one marginal submission): starting
  nbgrader, reading the configuration, opening the gradebook.

Run: .venv/bin/python benchmarks/autograde.py [ASSIGNMENT]   (default 03_survival)
"""

import importlib.util
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
N_STUDENTS = 50

# The instructor's tools (scripts/course.py): its nbgrader() runs nbgrader with this environment.
_spec = importlib.util.spec_from_file_location("course", ROOT / "scripts" / "course.py")
course_tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_tools)


def check(result, what):
    if result.returncode:
        sys.exit(f"{what} failed:\n{result.stderr[-3000:]}")


def course_folder(tmp, assignment):
    folder = pathlib.Path(tmp)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    check(course_tools.nbgrader("generate_assignment", assignment, "--force", cwd=folder), "generate_assignment")
    return folder


def submit(folder, assignment, n):
    """n fake students: even-numbered ones hand in the solution, odd-numbered ones the blank version."""
    (solution,) = (folder / "solutions" / assignment).glob("*.ipynb")
    (release,) = (folder / "exercises" / assignment).glob("*.ipynb")
    shutil.rmtree(folder / "submitted", ignore_errors=True)
    for i in range(n):
        source = solution if i % 2 == 0 else release
        target = folder / "submitted" / f"student{i:02d}" / assignment / release.name
        target.parent.mkdir(parents=True)
        nbformat.write(nbformat.read(source, as_version=4), target)


def autograde_seconds(folder, assignment, n):
    submit(folder, assignment, n)
    start = time.perf_counter()
    # As `make autograde` runs it: scripts/course.py in its own process, from the course folder.
    command = [sys.executable, str(ROOT / "scripts" / "course.py"), "autograde", assignment]
    check(subprocess.run(command, cwd=folder, capture_output=True, text=True), "autograde")
    return time.perf_counter() - start


def main():
    assignment = sys.argv[1] if len(sys.argv) > 1 else "03_survival"
    with tempfile.TemporaryDirectory(prefix="course-autograde-bench-") as tmp:
        folder = course_folder(tmp, assignment)
        one = autograde_seconds(folder, assignment, 1)
        many = autograde_seconds(folder, assignment, N_STUDENTS)
    marginal = (many - one) / (N_STUDENTS - 1)
    print(f"seconds_per_submission: {many / N_STUDENTS:.2f}")
    print(f"marginal_s_per_submission: {marginal:.2f}")
    print(f"fixed_s: {one - marginal:.1f}")
    print(f"class_of_{N_STUDENTS}_s: {many:.0f}")


if __name__ == "__main__":
    main()
