"""The instructor's tools around nbgrader. Run from the course folder (the repository).

    python scripts/course.py autograde ASSIGNMENT      grade every valid submission; report broken ones
    python scripts/course.py item-analysis ASSIGNMENT  which graded parts the class missed (table + plot)
    python scripts/course.py check-exercises           fail if exercises/ differs from what nbgrader makes

`make` targets wrap these (see the README's instructor section).
"""

import argparse
import filecmp
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import nbformat

ROOT = pathlib.Path.cwd()
BIN = pathlib.Path(sys.executable).parent


def nbgrader(*args, cwd=None):
    """Run an nbgrader command with this environment's tools on PATH (nbgrader calls alembic)."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd or ROOT, env=env, text=True,
                          capture_output=True)


def broken_submissions(assignment, root=ROOT):
    """{student: reason} for submitted notebooks that cannot be read as notebooks."""
    broken = {}
    for path in sorted((root / "submitted").glob(f"*/{assignment}/*.ipynb")):
        student = path.parts[-3]
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # any unreadable notebook: JSON, schema, encoding
            broken[student] = f"{path.name}: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return broken


def autograde(assignment, root=ROOT):
    """Autograde every readable submission; report (never grade) the unreadable ones by name.

    nbgrader stops with an error on a notebook that is not valid JSON; the broken students are
    excluded from the run so that everyone else is graded, and listed with the reason. Returns
    the exit status: 0 if every submission was graded, 1 if any was broken or nbgrader failed.
    """
    broken = broken_submissions(assignment, root)
    args = ["autograde", assignment, "--force"]
    if broken:
        args.append(f"--CourseDirectory.student_id_exclude={','.join(broken)}")
    result = nbgrader(*args, cwd=root)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    for student, reason in broken.items():
        print(f"NOT GRADED: {student}: the submission is not a readable notebook ({reason}); "
              "ask the student to resubmit", file=sys.stderr)
    return 1 if broken or result.returncode else 0


def item_scores(assignment, root=ROOT):
    """A DataFrame of scores: one row per student, one column per graded part (grade_id)."""
    import pandas as pd
    from nbgrader.api import Gradebook

    url = f"sqlite:///{root / 'gradebook.db'}"
    rows = {}
    with Gradebook(url) as gb:
        assignment_obj = gb.find_assignment(assignment)
        maxima = {}
        for notebook in assignment_obj.notebooks:
            for cell in notebook.grade_cells:
                maxima[cell.name] = cell.max_score
        for submission in assignment_obj.submissions:
            scores = {}
            for nb in submission.notebooks:
                for grade in nb.grades:
                    scores[grade.name] = grade.score
            rows[submission.student.id] = scores
    return pd.DataFrame.from_dict(rows, orient="index")[list(maxima)], pd.Series(maxima)


def item_analysis(scores, maxima):
    """Per graded part: share of students with full marks, and how well it separates students.

    ``discrimination`` is the corrected item-total correlation: the correlation between the part's
    score and the total of the other parts (NaN when the part or the rest has no variance).
    """
    import numpy as np
    import pandas as pd

    total = scores.sum(axis=1)
    rows = []
    for item in scores.columns:
        item_scores = scores[item].fillna(0)
        rest = total - item_scores
        if item_scores.std() > 0 and rest.std() > 0:
            discrimination = float(np.corrcoef(item_scores, rest)[0, 1])
        else:
            discrimination = float("nan")
        rows.append({"part": item, "points": float(maxima[item]),
                     "full_marks": float((item_scores >= maxima[item]).mean()),
                     "mean_score": float(item_scores.mean()), "discrimination": discrimination})
    return pd.DataFrame(rows).set_index("part")


def _item_analysis_command(assignment, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores, maxima = item_scores(assignment)
    table = item_analysis(scores.astype(float), maxima)
    print(table.round(2).to_string())
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / f"item_analysis_{assignment}.csv")
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(table) + 1.5))
    ax.barh(table.index, table["full_marks"], color="#0072B2")
    for y, (share, disc) in enumerate(zip(table["full_marks"], table["discrimination"], strict=True)):
        ax.text(min(share + 0.02, 0.9), y, f"discrimination {disc:.2f}", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of students with full marks")
    ax.set_title(f"Item analysis: {assignment} ({len(scores)} students)")
    fig.tight_layout()
    fig.savefig(out / f"item_analysis_{assignment}.png", dpi=100)
    print(f"saved {out / f'item_analysis_{assignment}.png'} and .csv")
    return 0


def check_exercises(root=ROOT):
    """Regenerate every assignment in a scratch course folder and compare with exercises/."""
    assignments = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = pathlib.Path(tmp)
        shutil.copy(root / "nbgrader_config.py", scratch)
        shutil.copytree(root / "solutions", scratch / "solutions")
        for assignment in assignments:
            result = nbgrader("generate_assignment", assignment, "--force", cwd=scratch)
            if result.returncode:
                print(result.stdout + result.stderr, file=sys.stderr)
                return 1
            made, committed = scratch / "exercises" / assignment, root / "exercises" / assignment
            if not committed.is_dir():
                stale.append(f"{assignment}: missing from exercises/")
                continue
            for path in sorted(made.rglob("*")):
                twin = committed / path.relative_to(made)
                if path.is_file() and (not twin.is_file() or not filecmp.cmp(path, twin, shallow=False)):
                    stale.append(str(twin.relative_to(root)))
    for item in stale:
        print(f"stale: {item} (run: make exercises)", file=sys.stderr)
    return 1 if stale else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("autograde").add_argument("assignment")
    ia = sub.add_parser("item-analysis")
    ia.add_argument("assignment")
    ia.add_argument("--out", default="reports")
    sub.add_parser("check-exercises")
    args = parser.parse_args(argv)
    if args.command == "autograde":
        return autograde(args.assignment)
    if args.command == "item-analysis":
        return _item_analysis_command(args.assignment, args.out)
    return check_exercises()


if __name__ == "__main__":
    sys.exit(main())
