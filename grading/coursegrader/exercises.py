"""Whether ``exercises/`` is exactly what ``nbgrader generate_assignment`` makes from ``solutions/``."""

from __future__ import annotations

import filecmp
import pathlib
import shutil
import sys
import tempfile

from .nbgrader_cli import run_nbgrader

__all__ = ["check_exercises"]


def check_exercises(root="."):
    """Regenerate every assignment in a scratch course folder and compare with ``exercises/``.

    Prints each stale file; returns 0 when everything matches, 1 otherwise.
    """
    root = pathlib.Path(root).resolve()
    assignments = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = pathlib.Path(tmp)
        shutil.copy(root / "nbgrader_config.py", scratch)
        shutil.copytree(root / "solutions", scratch / "solutions")
        for assignment in assignments:
            result = run_nbgrader("generate_assignment", assignment, "--force", cwd=scratch)
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
