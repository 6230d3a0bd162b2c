"""Fail if any notebook given on the command line (or found in the repository) has outputs.

The course commits notebooks without outputs; the book build executes them.
Usage: python scripts/check_notebooks_clean.py [NOTEBOOK ...]
"""

import json
import pathlib
import sys

SKIP = {".venv", "_build", ".ipynb_checkpoints"}


def dirty(path):
    cells = json.loads(pathlib.Path(path).read_text(encoding="utf-8")).get("cells", [])
    return any(c.get("outputs") or c.get("execution_count") for c in cells if c.get("cell_type") == "code")


def main(paths):
    root = pathlib.Path(__file__).resolve().parent.parent
    paths = paths or [p for p in root.rglob("*.ipynb") if not SKIP & set(p.parts)]
    bad = [str(p) for p in paths if dirty(p)]
    for p in bad:
        print(f"{p}: has outputs; clear them (Edit > Clear Outputs of All Cells) before committing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
