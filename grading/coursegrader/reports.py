"""The item analysis: which graded parts of an assignment the class missed, from the gradebook.

The gradebook is the one the course configures (``CourseDirectory.db_url`` in
``nbgrader_config.py``): SQLite by default, PostgreSQL on a hub.
"""

from __future__ import annotations

import pathlib

from .autograde import gradebook_url

__all__ = ["gradebook_url", "item_scores", "item_analysis", "write_item_analysis"]


def item_scores(assignment, root="."):
    """(scores, maxima): a DataFrame with one row per student and one column per graded part
    (grade_id), and the parts' maximum points."""
    import pandas as pd
    from nbgrader.api import Gradebook

    rows, maxima = {}, {}
    with Gradebook(gradebook_url(root)) as gb:
        assignment_obj = gb.find_assignment(assignment)
        for notebook in assignment_obj.notebooks:
            for cell in notebook.grade_cells:
                maxima[cell.name] = cell.max_score
        for submission in assignment_obj.submissions:
            rows[submission.student.id] = {grade.name: grade.score for nb in submission.notebooks
                                           for grade in nb.grades}
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
        item_scores_ = scores[item].fillna(0)
        rest = total - item_scores_
        if item_scores_.std() > 0 and rest.std() > 0:
            discrimination = float(np.corrcoef(item_scores_, rest)[0, 1])
        else:
            discrimination = float("nan")
        rows.append({"part": item, "points": float(maxima[item]),
                     "full_marks": float((item_scores_ >= maxima[item]).mean()),
                     "mean_score": float(item_scores_.mean()), "discrimination": discrimination})
    return pd.DataFrame(rows).set_index("part")


def write_item_analysis(assignment, root=".", out_dir="reports"):
    """Print the item analysis and save it as CSV and PNG in ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores, maxima = item_scores(assignment, root)
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
    plt.close(fig)
    print(f"saved {out / f'item_analysis_{assignment}.png'} and .csv")
    return 0
