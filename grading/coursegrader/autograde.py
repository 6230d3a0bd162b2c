"""Autograde a class: every submission executed in its own sandbox, in parallel; one gradebook writer.

Two phases:

1. **Execute** (parallel, ``jobs`` at a time): for each student, the submission is sanitised as
   nbgrader does (outputs cleared, test cells restored from the gradebook, which is only read) and
   executed by nbgrader's own ``Execute`` in a sandboxed kernel (:mod:`coursegrader.provisioner`).
   A submission that cannot be read, whose kernel dies (``os._exit``, a crash, a limit) or that
   fails otherwise is reported by the student's name, with the reason, and is not graded: the
   others go on.
2. **Record** (one process, the grader's own): nbgrader's ``autograde`` runs as usual, except that
   :class:`~coursegrader.preprocessors.ReplayExecution` hands it the executed notebook instead of
   executing again. It records finished students in chunks while the workers execute the next
   ones. nbgrader alone writes the gradebook, one student after another, so grades, feedback and
   the item analysis are those of a serial run.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import multiprocessing
import os
import pathlib
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings

import nbformat

from . import kernelspec
from .preprocessors import NO_SANDBOX

__all__ = ["Outcome", "autograde", "load_config", "submissions", "broken_submissions"]

SANITIZE = ["nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
            "nbgrader.preprocessors.OverwriteKernelspec", "coursegrader.preprocessors.RestoreTestCells",
            "nbgrader.preprocessors.CheckCellMetadata"]
RECORD = ["coursegrader.preprocessors.ReplayExecution", "nbgrader.preprocessors.IgnorePattern",
          "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
          "coursegrader.preprocessors.LimitOutputSize",
          "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
          "nbgrader.preprocessors.CheckCellMetadata"]


def quiet_nbgrader_warnings():
    """Silence, at their cause, the warnings that are not about the submissions.

    nbgrader 0.9 builds gradebook rows before adding them to the session, which SQLAlchemy 2.0
    reports as "Object of type <SubmittedAssignment> not in session": harmless, nbgrader's own.
    """
    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:
        return
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session", category=SAWarning)


@dataclasses.dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    graded: bool = False
    reason: str = ""
    seconds: float = 0.0
    score: float = 0.0
    max_score: float = 0.0


def load_config(root):
    """The course's nbgrader configuration (``nbgrader_config.py`` in the course folder)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    path = pathlib.Path(root) / "nbgrader_config.py"
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config() if path.exists() else Config()
    config.CourseDirectory.root = str(pathlib.Path(root).resolve())
    return config


def submissions(assignment, root):
    """{student: [submitted notebook paths]} for the assignment."""
    found = {}
    for folder in sorted((pathlib.Path(root) / "submitted").glob(f"*/{assignment}")):
        if folder.is_dir():
            found[folder.parent.name] = sorted(folder.glob("*.ipynb"))
    return found


def broken_submissions(assignment, root):
    """{student: reason} for submitted notebooks that cannot be read as notebooks."""
    broken = {}
    for student, paths in submissions(assignment, root).items():
        for path in paths:
            try:
                nbformat.validate(nbformat.read(path, as_version=4))
            except Exception as error:  # any unreadable notebook: JSON, schema, encoding
                first = str(error).splitlines()[0][:200] if str(error) else ""
                broken[student] = f"{path.name} is not a readable notebook ({type(error).__name__}: {first})"
                break
    return broken


def gradebook_url(root, config=None):
    """The configured gradebook URL, with a relative SQLite path made absolute from ``root``."""
    config = config or load_config(root)
    url = config.CourseDirectory.get("db_url", "sqlite:///gradebook.db")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not os.path.isabs(url[len(prefix):]):
        url = prefix + str(pathlib.Path(root).resolve() / url[len(prefix):])
    return url


def _reading_copy(url, folder):
    """A snapshot of a SQLite gradebook for the workers to read, so that they never wait on (or
    hold up) the one process that writes the real one; other databases are read as they are."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    import sqlite3

    copy = pathlib.Path(folder) / "gradebook-snapshot.db"
    with sqlite3.connect(url[len(prefix):]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return prefix + str(copy)


def _recorded(assignment, url, students):
    """The students among ``students`` whose submission of ``assignment`` is in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        return {s.student.id for s in gb.assignment_submissions(assignment)} & set(students)


def _stage(assignment, student, root, stage_root, config):
    """The folder the kernel works in: the submission, with the source's other files put back."""
    root = pathlib.Path(root)
    stage = pathlib.Path(stage_root) / student / assignment
    shutil.copytree(root / "submitted" / student / assignment, stage, dirs_exist_ok=True)
    source = root / config.CourseDirectory.get("source_directory", "source") / assignment
    excluded = set(config.Autograde.get("exclude_overwriting", {}).get(assignment, []))
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_file() and path.suffix != ".ipynb" and str(relative) not in excluded \
                and ".ipynb_checkpoints" not in relative.parts:
            (stage / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, stage / relative)
    return stage


def _instantiate(names, config):
    from traitlets.utils.importstring import import_item

    return [import_item(name)(config=config) for name in names]


def _auto_points(nb):
    from nbgrader import utils

    score = maximum = 0.0
    for cell in nb.cells:  # the tests (grade cells that are not answers, which are graded by hand)
        if utils.is_grade(cell) and not utils.is_solution(cell):
            got, most = utils.determine_grade(cell, logging.getLogger("coursegrader"))
            if got is not None:
                score += got
                maximum += most
    return score, maximum


def _kill_children():
    """SIGKILL every child process of this one (the kernels it started). Linux: reads /proc."""
    me = os.getpid()
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # the parent pid
            try:
                os.kill(int(stat.parent.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


def _execute_submission(assignment, student, notebooks, root, out_root, sandboxed, max_seconds=None,
                        db_url=None):
    """Phase 1 for one student (in a worker process): sanitise, execute, save. Returns an Outcome.

    ``max_seconds`` caps the whole submission (nbgrader's timeout holds per cell only: a notebook
    that ignores interrupts would otherwise take cells x timeout): past it, its kernel is killed.
    ``db_url`` is the gradebook to read the test cells from (default: the course's).
    """
    from nbgrader import utils

    from .preprocessors import SandboxedExecute
    from .provisioner import last_kernel_events

    quiet_nbgrader_warnings()
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    started = time.perf_counter()
    outcome = Outcome(student)
    config = load_config(root)
    db_url = db_url or gradebook_url(root, config)
    events_before = len(last_kernel_events())
    timer = None
    if max_seconds:
        timer = threading.Timer(max_seconds, _kill_children)
        timer.daemon = True
        timer.start()
    try:
        with tempfile.TemporaryDirectory(prefix="coursegrader-stage-") as tmp:
            os.chmod(tmp, 0o700)
            stage = _stage(assignment, student, root, tmp, config)
            for path in notebooks:
                notebook_id = path.stem
                nb = nbformat.read(path, as_version=4)
                resources = {"unique_key": notebook_id, "output_files_dir": f"{notebook_id}_files",
                             "metadata": {"path": str(stage)},
                             "nbgrader": {"student": student, "assignment": assignment,
                                          "notebook": notebook_id, "db_url": db_url}}
                for preprocessor in _instantiate(SANITIZE, config):
                    nb, resources = preprocessor.preprocess(nb, resources)
                with utils.setenv(NBGRADER_EXECUTION="autograde"):
                    nb, resources = SandboxedExecute(config=config).preprocess(nb, resources)
                score, maximum = _auto_points(nb)
                outcome.score += score
                outcome.max_score += maximum
                target = pathlib.Path(out_root) / student / assignment / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, target)
        outcome.graded = True
    except Exception as error:  # one student's failure never stops the others
        events = last_kernel_events()[events_before:]
        if timer is not None and timer.finished.is_set():
            outcome.reason = f"it ran longer than the {max_seconds:g} s a submission may take; its kernel was stopped"
        elif any(e["oom_killed"] for e in events):
            outcome.reason = "its kernel was killed at the memory limit"
        elif type(error).__name__ == "CellTimeoutError":
            outcome.reason = ("a cell ran past the cell timeout and ignored the interrupt, so the rest of "
                              "the notebook could not run")
        elif type(error).__name__ in ("DeadKernelError", "UnresponsiveKernelError"):
            outcome.reason = ("its kernel died before the notebook finished (os._exit, a crash, or a "
                              "sandbox limit); cells after that point were never run")
        else:
            outcome.reason = f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"
    finally:
        if timer is not None:
            timer.cancel()
    outcome.seconds = time.perf_counter() - started
    return outcome


def _record(assignment, root, executed, excluded, log):
    """Phase 2: nbgrader's autograde with the executed notebooks, one process, one writer."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    quiet_nbgrader_warnings()
    config = load_config(root)
    config.Autograde.sanitize_preprocessors = SANITIZE
    config.Autograde.autograde_preprocessors = RECORD
    config.ReplayExecution.directory = str(executed)
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id_exclude = ",".join(sorted(excluded))
    previous = os.getcwd()
    os.chdir(root)  # nbgrader resolves the relative sqlite URL from the course folder
    try:
        coursedir = CourseDirectory(config=config)
        converter = Autograde(coursedir=coursedir, config=config)
        converter.force = True
        converter.log.setLevel(logging.WARNING)
        converter.start()
        return ""
    except Exception as error:
        log(f"nbgrader: {error}")
        return str(error)
    finally:
        os.chdir(previous)


def autograde(assignment, root=".", jobs=None, sandboxed=True, max_minutes=30, log=print):
    """Autograde every submission of ``assignment``; return (exit status, {student: Outcome}).

    Parameters
    ----------
    assignment : str
    root : path
        The course folder (holding ``nbgrader_config.py``).
    jobs : int or None
        Submissions executed at once (default: one per core).
    sandboxed : bool
        False grades without the sandbox: only for code the instructor trusts.
    max_minutes : float or None
        Wall-clock limit of one submission (None: only nbgrader's per-cell timeout).
    log : callable
        Where progress lines go.
    """
    root = pathlib.Path(root).resolve()
    jobs = jobs or os.cpu_count() or 1
    if sandboxed:
        os.environ.pop(NO_SANDBOX, None)
        log(kernelspec.ensure_sandbox())
    else:
        os.environ[NO_SANDBOX] = "1"
        log("WARNING: grading WITHOUT the sandbox (--no-sandbox): student code runs as you, with your "
            "files and the network in reach. Only for code you trust.")
    found = submissions(assignment, root)
    outcomes = {}
    for student, reason in broken_submissions(assignment, root).items():
        outcomes[student] = Outcome(student, reason=reason + "; ask the student to resubmit")
    todo = [(s, nbs) for s, nbs in found.items() if s not in outcomes]
    if not todo and not outcomes:
        log(f"no submissions of {assignment} in {root / 'submitted'}")
        return 1, outcomes
    with tempfile.TemporaryDirectory(prefix="coursegrader-executed-") as executed:
        os.chmod(executed, 0o700)
        os.environ.setdefault("COURSEGRADER_RUNTIME_DIR", tempfile.mkdtemp(prefix="coursegrader-kernels-"))
        context = multiprocessing.get_context("fork")
        phase_start = time.perf_counter()
        log(f"executing {len(todo)} submissions of {assignment}, {jobs} at a time")
        # nbgrader records finished students in this process while the workers execute the next ones
        # (one writer, and the core the serial recording would leave idle is used).
        recorded = {"seconds": 0.0, "errors": [], "missing": set()}
        chunk = max(4 * jobs, 8)
        url = gradebook_url(root)
        snapshot = _reading_copy(url, executed)

        def record(students):
            started = time.perf_counter()
            recorded["errors"].append(_record(assignment, root, executed, set(found) - set(students), log))
            recorded["missing"] |= set(students) - _recorded(assignment, url, students)
            recorded["seconds"] += time.perf_counter() - started

        pending = []
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            limit = max_minutes * 60 if max_minutes else None
            futures = {pool.submit(_execute_submission, assignment, s, nbs, root, executed, sandboxed, limit,
                                   snapshot): s for s, nbs in todo}
            for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
                student = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # the worker itself died
                    outcome = Outcome(student, reason=f"the grading worker failed: {error}")
                outcomes[student] = outcome
                status = (f"{outcome.score:g}/{outcome.max_score:g} automatic points" if outcome.graded
                          else f"NOT GRADED: {outcome.reason}")
                log(f"[{done:>{len(str(len(todo)))}}/{len(todo)}] {student}: {status} ({outcome.seconds:.1f} s)")
                if outcome.graded:
                    pending.append(student)
                if len(pending) >= chunk and done < len(todo):
                    record(pending)
                    pending = []
        if pending:
            record(pending)
        if recorded["missing"]:  # once more, alone; then reported, never silently lost
            retry, recorded["missing"] = sorted(recorded["missing"]), set()
            record(retry)
            for student in recorded["missing"]:
                outcome = outcomes[student]
                outcome.graded = False
                outcome.reason = ("executed, but nbgrader did not record it in the gradebook ("
                                  + ("; ".join(e for e in recorded["errors"] if e) or "no error given")
                                  + "); run autograde again")
        failed = {s for s, o in outcomes.items() if not o.graded}
        error = "; ".join(e for e in recorded["errors"] if e)
        total_s, recorded_s = time.perf_counter() - phase_start, recorded["seconds"]
    log(f"timing: {total_s:.1f} s in all ({jobs} at a time), of which recording in the gradebook {recorded_s:.1f} s")
    shutil.rmtree(os.environ.pop("COURSEGRADER_RUNTIME_DIR", ""), ignore_errors=True)
    _summary(assignment, outcomes, log)
    return (1 if failed or error else 0), outcomes


def _summary(assignment, outcomes, log):
    graded = [o for o in outcomes.values() if o.graded]
    failed = [o for o in outcomes.values() if not o.graded]
    log(f"\n{assignment}: {len(graded)} graded, {len(failed)} not graded")
    for outcome in sorted(failed, key=lambda o: o.student):
        log(f"NOT GRADED: {outcome.student}: {outcome.reason}")
    if failed:
        log("Not graded means no grade was recorded: fix the cause (or ask for a resubmission) and run "
            "autograde again; graded students keep their grades.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m coursegrader autograde ASSIGNMENT")
