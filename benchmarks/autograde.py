"""Benchmark: autograding a class of 50 with the course's grading tools, sandboxed.

In a temporary course folder (the course's nbgrader_config.py and solutions/), the assignment is
generated and 50 fake submissions are made (mixed honest answers: the solution, the blank student
version, and half-right ones). The class is autograded as `make autograde` does it
(`python -m coursegrader autograde`), sandboxed, twice: one submission at a time (`-j 1`) and one
per core (the default). Printed:

- `seconds_per_submission`: the parallel run divided by 50 (what an instructor waits, per student);
- `serial_seconds_per_submission`: the same with `-j 1`;
- `parallel_speedup`: serial time over parallel time, from the same class.

Where the time goes (medians of 5, on an idle machine):

- `plain_kernel_start_s`, `sandbox_kernel_start_s`: starting an ipykernel until it answers, without
  and with the sandbox (what bubblewrap, the copy and the limits add);
- `stack_import_s`: importing what the assignments import (numpy, pandas, lifelines, matplotlib,
  trialkit) in a fresh sandboxed kernel;
- `record_s_per_submission`: nbgrader's own bookkeeping (phase 2: one process writes the gradebook),
  per submission, from the parallel run's log.

Run: .venv/bin/python benchmarks/autograde.py [ASSIGNMENT]   (default 03_survival)
"""

import copy
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat

from coursegrader.nbgrader_cli import run_nbgrader

ROOT = pathlib.Path(__file__).resolve().parent.parent
N_STUDENTS = 50


def course_folder(tmp, assignment):
    folder = pathlib.Path(tmp)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    result = run_nbgrader("generate_assignment", assignment, "--force", cwd=folder)
    if result.returncode:
        sys.exit(f"generate_assignment failed:\n{result.stderr[-3000:]}")
    return folder


def submit(folder, assignment):
    """Students 0, 3, 6...: the solution; 1, 4, 7...: blank; 2, 5, 8...: the first half answered."""
    (solution,) = (folder / "solutions" / assignment).glob("*.ipynb")
    (release,) = (folder / "exercises" / assignment).glob("*.ipynb")
    solution, release = nbformat.read(solution, as_version=4), nbformat.read(release, as_version=4)
    half = copy.deepcopy(release)
    answers = [i for i, c in enumerate(solution.cells) if c.metadata.get("nbgrader", {}).get("solution")]
    for i in answers[: len(answers) // 2]:
        half.cells[i] = copy.deepcopy(solution.cells[i])
    shutil.rmtree(folder / "submitted", ignore_errors=True)
    for i in range(N_STUDENTS):
        target = folder / "submitted" / f"student{i:02d}" / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write((solution, release, half)[i % 3], target)


IMPORTS = "import numpy, pandas, scipy, lifelines, matplotlib.pyplot, trialkit"


def kernel_seconds(kernel_name, code=None, runs=5):
    """Median seconds to start a kernel until it answers (or, with code, to run code in it)."""
    import statistics

    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cwd:
            start = time.perf_counter()
            km, kc = start_new_kernel(kernel_name=kernel_name, cwd=cwd)
            try:
                if code:
                    start = time.perf_counter()
                    reply = kc.execute_interactive(code, timeout=120)
                    assert reply["content"]["status"] == "ok", reply["content"]
                times.append(time.perf_counter() - start)
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
    return statistics.median(times)


def autograde_seconds(folder, assignment, jobs):
    start = time.perf_counter()
    command = [sys.executable, "-m", "coursegrader", "autograde", assignment]
    if jobs:
        command += ["-j", str(jobs)]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"autograde failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    elapsed = time.perf_counter() - start
    (timing,) = [line for line in result.stdout.splitlines() if line.startswith("timing:")]
    recorded = float(timing.split("gradebook")[1].split()[0])
    return elapsed, recorded


def main():
    assignment = sys.argv[1] if len(sys.argv) > 1 else "03_survival"
    from coursegrader import kernelspec

    kernelspec.ensure_sandbox()
    plain = kernel_seconds("python3")
    sandboxed = kernel_seconds(kernelspec.KERNEL_NAME)
    imports = kernel_seconds(kernelspec.KERNEL_NAME, IMPORTS)
    with tempfile.TemporaryDirectory(prefix="course-autograde-bench-") as tmp:
        folder = course_folder(tmp, assignment)
        submit(folder, assignment)
        serial, _ = autograde_seconds(folder, assignment, 1)
        parallel, recorded = autograde_seconds(folder, assignment, None)
    print(f"seconds_per_submission: {parallel / N_STUDENTS:.2f}")
    print(f"serial_seconds_per_submission: {serial / N_STUDENTS:.2f}")
    print(f"parallel_speedup: {serial / parallel:.2f}")
    print(f"plain_kernel_start_s: {plain:.2f}")
    print(f"sandbox_kernel_start_s: {sandboxed:.2f}")
    print(f"stack_import_s: {imports:.2f}")
    print(f"record_s_per_submission: {recorded / N_STUDENTS:.2f}")


if __name__ == "__main__":
    main()
