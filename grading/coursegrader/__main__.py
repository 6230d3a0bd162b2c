"""The instructor's grading commands. Run from the course folder (the repository).

    python -m coursegrader autograde ASSIGNMENT [-j N] [--no-sandbox]
    python -m coursegrader validate ASSIGNMENT [--no-sandbox]   validate every submission, sandboxed
    python -m coursegrader feedback ASSIGNMENT                  feedback pages, returned to students
    python -m coursegrader item-analysis ASSIGNMENT [--out DIR]
    python -m coursegrader check-exercises
    python -m coursegrader lms-import ASSIGNMENT ZIP [--roster CSV]  an LMS's zip of submissions (zip_collect)
    python -m coursegrader lms-grades [--to CSV] [--layout plain|canvas]  one row per student, one column
                                                               per released assignment

`make` targets wrap these (see the README's instructor section).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from . import sandbox
from .nbgrader_cli import run_nbgrader

#: The repository this package was installed from (editable): where book/_vendor lives.
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def _validate(assignment, sandboxed):
    from .autograde import submissions
    from .kernelspec import KERNEL_NAME, ensure_sandbox

    extra = []
    if sandboxed:
        print(ensure_sandbox())
        extra = [f"--Execute.kernel_name={KERNEL_NAME}"]
    status = 0
    for student, paths in submissions(assignment, ".").items():
        for path in paths:
            result = run_nbgrader("validate", str(path), *extra)
            verdict = "passes" if "Success!" in result.stdout else "FAILS"
            status |= verdict != "passes"
            print(f"{student}: {path.name} {verdict}")
            if verdict != "passes":
                print("    " + "\n    ".join((result.stdout + result.stderr).strip().splitlines()[-15:]))
    return status


def _feedback(assignment, mathjax):
    from .feedback import make_offline, mathjax_script

    script = mathjax_script(mathjax)  # before anything is written: a missing file stops here
    result = run_nbgrader("generate_feedback", assignment, "--force")
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode:
        return result.returncode
    pages = sorted(pathlib.Path("feedback").glob(f"*/{assignment}/*.html"))
    changed = sum(make_offline(page, script) for page in pages)
    print(f"{len(pages)} feedback pages, {changed} made readable offline (MathJax inside the page)")
    result = run_nbgrader("release_feedback", assignment)
    if result.returncode:
        print(result.stdout + result.stderr, file=sys.stderr)
        print("(feedback not returned through the exchange: see the message above; the pages are in "
              "feedback/)", file=sys.stderr)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coursegrader", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("autograde", help="grade every submission, each in its own sandbox, in parallel")
    grade.add_argument("assignment")
    grade.add_argument("-j", "--jobs", type=int, default=None, help="submissions at once (default: one per core)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code unsandboxed, as you: only for code you trust")
    grade.add_argument("--max-minutes", type=float, default=30,
                       help="wall-clock limit of one submission, past which its kernel is stopped (default 30)")
    validate = sub.add_parser("validate", help="run nbgrader validate on every submission, sandboxed")
    validate.add_argument("assignment")
    validate.add_argument("--no-sandbox", action="store_true")
    feedback = sub.add_parser("feedback", help="generate feedback pages and return them")
    feedback.add_argument("assignment")
    feedback.add_argument("--mathjax", default=None,
                          help="MathJax 3's tex-svg-full.js (default: book/_vendor/mathjax/ in the repository)")
    items = sub.add_parser("item-analysis", help="which graded parts the class missed")
    items.add_argument("assignment")
    items.add_argument("--out", default="reports")
    sub.add_parser("check-exercises", help="fail if exercises/ is not what nbgrader makes from solutions/")
    lms_import = sub.add_parser("lms-import", help="collect a Canvas or Moodle zip of submissions (zip_collect)")
    lms_import.add_argument("assignment")
    lms_import.add_argument("zip", help="the zip downloaded from the LMS")
    lms_import.add_argument("--roster", default=None,
                            help="import these students first (CSV: id,first_name,last_name,email,lms_user_id)")
    lms_grades = sub.add_parser("lms-grades", help="grades for the LMS: a row per student, a column per released "
                                "assignment")
    lms_grades.add_argument("--to", default="lms_grades.csv")
    lms_grades.add_argument("--layout", choices=["plain", "canvas"], default="plain",
                            help="plain (Moodle and others: map the columns) or canvas (Canvas's gradebook columns)")
    args = parser.parse_args(argv)
    try:
        if args.command == "autograde":
            from .autograde import autograde

            if args.jobs is not None and args.jobs < 1:
                parser.error(f"--jobs: received {args.jobs}; give a whole number of at least 1")
            if args.max_minutes <= 0:
                parser.error(f"--max-minutes: received {args.max_minutes}; give a positive number of minutes")
            status, _ = autograde(args.assignment, ".", jobs=args.jobs, sandboxed=not args.no_sandbox,
                                  max_minutes=args.max_minutes, log=lambda line: print(line, flush=True))
            return status
        if args.command == "validate":
            return _validate(args.assignment, not args.no_sandbox)
        if args.command == "feedback":
            from .feedback import default_mathjax

            return _feedback(args.assignment, args.mathjax or default_mathjax(REPOSITORY))
        if args.command == "lms-import":
            from .lms import main_import

            return main_import(args.assignment, args.zip, args.roster)
        if args.command == "lms-grades":
            result = run_nbgrader("export", "--exporter=coursegrader.grades.LmsGradesExport", f"--to={args.to}",
                                  f"--LmsGradesExport.layout={args.layout}")
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
            return result.returncode
        if args.command == "item-analysis":
            from .reports import write_item_analysis

            return write_item_analysis(args.assignment, ".", args.out)
        from .exercises import check_exercises

        return check_exercises(".")
    except sandbox.SandboxUnavailable as error:
        print(f"Autograding stopped: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
