"""Benchmark: how long the course website takes to build, from nothing and when nothing changed.

`cold_build_s`: the full build (`python book/build.py`, i.e. `jupyter-book build -W -n
--keep-going`) into an empty temporary output folder, so with an empty execution cache: every
lesson is executed. `rebuild_s`: the same command again, nothing changed: no lesson runs, no page
is re-read. The repository's own _build/ is not touched (the table of contents and the vendored
JavaScript are, as by `make book`, and are left as they were if nothing changed).

Run: .venv/bin/python benchmarks/book.py
"""

import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def build(output):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "book" / "build.py"), "--output", str(output)], cwd=ROOT,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit("the book build failed:\n" + (result.stdout + result.stderr)[-4000:])
    return elapsed


def main():
    with tempfile.TemporaryDirectory(prefix="course-book-bench-") as tmp:
        cold = build(tmp)
        again = build(tmp)
    print(f"cold_build_s: {cold:.1f}")
    print(f"rebuild_s: {again:.1f}")


if __name__ == "__main__":
    main()
