"""Autograding a hostile class: every attack fails or costs only its author.

One sandboxed, parallel autograde run (the real nbgrader, the real bubblewrap) over honest students
(full solution, blank, partly right) and attackers, one per kind of attack; then a serial,
unsandboxed run of the honest students alone, whose marks the honest students must get exactly.

The whole run is held in limits of its own, so that a regression of the sandbox fails this test
and not the machine: as root, a cgroup (memory, processes) and a size-limited tmpfs hold the
course folder and every temporary file.
"""

import copy
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import threading

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "03_survival"
MARKER = "ATTACK-SUCCEEDED"
# A file in the grader's home that no submission may read (made and removed by the test).
SECRET = pathlib.Path.home() / f".coursegrader-test-secret-{os.getpid()}"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("bwrap") is None,
                                                   reason="bubblewrap is not installed (make course installs it)")]


def attack_source(code):
    """A line a student adds to the first answer cell: MARKER is printed only if the attack worked."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    return (f"try:\n{body}\n    print('ATTACK' + '-SUCCEEDED')\n"
            "except BaseException as error:\n    print('attack failed:', type(error).__name__)\n")


def attacks(course, port):
    c = str(course)
    return {
        "gradebook": f"""
import sqlite3
for path in ("../../../gradebook.db", "{c}/gradebook.db"):
    sqlite3.connect(path).execute("UPDATE grade SET manual_score = 999").connection.commit()""",
        "classmate": f"""
import glob, os
hit = [p for p in glob.glob("{c}/**/*.ipynb", recursive=True) + glob.glob("../../../**/*.ipynb", recursive=True)
       if not os.path.abspath(p).startswith(os.getcwd())]
for path in hit:
    open(path, "w").write("{{}}")
assert hit""",
        "solutions": f"""
print(open("{c}/solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb").read())""",
        "home": f"""
print(open({str(SECRET)!r}).read())""",
        "network": f"""
import socket
socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"hello")""",
        "memory": """
block = bytearray(6 * 1024 ** 3)""",
        "forkbomb": """
import os, time
for _ in range(100_000):
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)""",
        "disk": """
chunk = b"0" * (16 * 1024 * 1024)
for i in range(10_000):
    with open(f"fill{i}", "wb") as handle:
        for _ in range(64):
            handle.write(chunk)""",
        "bigprint": """
print("x" * 5_000_000)
raise RuntimeError("printed 5 MB")""",
        "exit": """
import os
os._exit(0)""",
        "sleep": """
import time
time.sleep(10 ** 6)""",
        "stubborn": """
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the cell timeout's interrupt is ignored
time.sleep(10 ** 6)""",
    }


def cells_by_id(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


def honest_class(solution, release):
    partly = copy.deepcopy(solution)  # Parts 1-2 right, the Kaplan-Meier and log-rank answers left blank
    for grade_id in ("km_answer", "logrank_answer"):
        cells_by_id(partly)[grade_id].source = cells_by_id(release)[grade_id].source
    return {"solution": copy.deepcopy(solution), "blank": copy.deepcopy(release), "partly": partly,
            "classmate": copy.deepcopy(solution)}


def make_course(folder, students):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    with open(folder / "nbgrader_config.py", "a") as handle:
        handle.write("\nc.Execute.timeout = 15\nc.SandboxProvisioner.cpu_seconds = 120\n"
                     "c.SandboxProvisioner.workdir_mb = 256\n")
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    result = run([sys.executable, "-m", "coursegrader.nbgrader_cli", "generate_assignment", ASSIGNMENT, "--force"],
                 folder)
    assert result.returncode == 0, result.stderr[-3000:]
    for student, nb in students(folder).items():
        target = folder / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    return folder


def run(args, cwd, env=None, timeout=1200):
    full = dict(os.environ, PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                **(env or {}))
    return subprocess.run(args, cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)


def read_nb(folder, kind, student):
    return nbformat.read(folder / kind / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def scores(folder):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(ASSIGNMENT)}


class Listener:
    """A TCP listener on 127.0.0.1 that records whether anything connected."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def outer(tmp_path_factory):
    """A size-limited tmpfs for everything the run writes, and (as root) a cgroup around it."""
    base = tmp_path_factory.mktemp("hostile")
    mounted = False
    if os.geteuid() == 0:
        mount = ["mount", "-t", "tmpfs", "-o", "size=3g,mode=0700", "tmpfs", str(base)]
        mounted = subprocess.run(mount).returncode == 0
    yield base
    if mounted:
        subprocess.run(["umount", "-l", str(base)])


@pytest.fixture(scope="module")
def graded(outer):
    from coursegrader import cgroups

    listener = Listener()
    SECRET.write_text("the instructor's secret", encoding="utf-8")
    hostile = outer / "course"
    sources = {}

    def students(folder):
        solution = nbformat.read(folder / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        release = nbformat.read(folder / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        sources["solution"] = solution
        made = honest_class(solution, release)
        for name, code in attacks(folder, listener.port).items():
            nb = copy.deepcopy(solution)
            cells_by_id(nb)["hr_answer"].source = attack_source(code) + cells_by_id(nb)["hr_answer"].source
            made[f"attack_{name}"] = nb
        return made

    make_course(hostile, students)
    before = {p: p.read_bytes() for p in list((hostile / "solutions").rglob("*")) + list(
        (hostile / "submitted").rglob("*")) if p.is_file()}
    env = {"TMPDIR": str(outer / "tmp")}
    (outer / "tmp").mkdir()
    # A minute and a half per submission: an honest one takes seconds, even two at a time on 2 cores.
    command = [sys.executable, "-m", "coursegrader", "autograde", ASSIGNMENT, "-j", "2", "--max-minutes", "1.5"]
    group = None
    if cgroups.cgroups_available():  # the outer limit: 8 GiB and 3000 processes for the whole run
        group = cgroups.KernelCgroup(f"hostile-test-{os.getpid()}", memory_mb=8192, processes=3000, cpus=2.0)
        enter = " && ".join(f'echo $$ > "{p}"' for p in group.procs_files)
        command = ["/bin/sh", "-c", enter + ' && exec "$@"', "outer", *command]
    try:
        result = run(command, hostile, env=env)
        feedback = run([sys.executable, "-m", "coursegrader", "feedback", ASSIGNMENT], hostile,
                       env=env)
    finally:
        if group is not None:
            group.remove()
        listener.close()
        SECRET.unlink()

    honest = make_course(outer / "honest", lambda folder: honest_class(sources["solution"], nbformat.read(
        folder / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)))
    serial = run([sys.executable, "-m", "coursegrader", "autograde", ASSIGNMENT, "-j", "1", "--no-sandbox"], honest)

    def to_validate(folder):
        # The peeker's answers are the solution's, after a line that fails if the solutions can be seen.
        peeker = copy.deepcopy(sources["solution"])
        cell = cells_by_id(peeker)["hr_answer"]
        cell.source = (f"import os\nassert not os.path.exists({str(folder / 'solutions')!r}), "
                       f"'the solutions are visible'\n" + cell.source)
        return {"solution": copy.deepcopy(sources["solution"]), "peeker": peeker, "blank": nbformat.read(
            folder / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)}

    validated = run([sys.executable, "-m", "coursegrader", "validate", ASSIGNMENT],
                    make_course(outer / "validate", to_validate))
    return {"folder": hostile, "result": result, "feedback": feedback, "before": before,
            "listener": listener, "serial": serial, "honest": honest, "validated": validated}


def test_honest_students_get_exactly_their_serial_unsandboxed_marks(graded):
    assert graded["serial"].returncode == 0, graded["serial"].stdout[-3000:] + graded["serial"].stderr[-3000:]
    expected = scores(graded["honest"])
    got = scores(graded["folder"])
    # 10 automatic points; partly leaves the Kaplan-Meier and log-rank parts (3 points) blank.
    assert expected == {"solution": 10, "blank": 0, "partly": 7, "classmate": 10}
    assert {s: got.get(s) for s in expected} == expected, graded["result"].stdout[-5000:]


def test_no_attack_succeeded(graded):
    folder = graded["folder"]
    for path in (folder / "autograded").glob(f"attack_*/{ASSIGNMENT}/*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert MARKER not in text, f"{path.parts[-3]}: the attack worked"
    assert graded["listener"].connections == 0


def test_course_files_are_untouched_and_the_gradebook_not_written_by_students(graded):
    from nbgrader.api import Gradebook

    for path, content in graded["before"].items():
        assert path.read_bytes() == content, f"{path} was changed"
    with Gradebook(f"sqlite:///{graded['folder'] / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                assert all(grade.manual_score is None for grade in notebook.grades)


def test_attacks_cost_only_their_authors(graded):
    got = scores(graded["folder"])
    out = graded["result"].stdout
    # Killed kernels are reported by name with the reason, and not graded.
    assert "NOT GRADED: attack_exit: its kernel died" in out, out[-3000:]
    assert "attack_exit" not in got
    for name in ("gradebook", "classmate", "solutions", "home", "network", "memory", "bigprint"):
        # Each attacker's answers are the solution's: the failed attack neither gains nor loses a mark.
        assert got.get(f"attack_{name}") == 10, (name, got, out[-3000:])
    assert "NOT GRADED: attack_stubborn: a cell ran past the cell timeout and ignored the interrupt" in out
    for name in ("forkbomb", "disk", "sleep"):
        assert f"attack_{name}" in got or f"NOT GRADED: attack_{name}" in out, name


def test_a_huge_print_is_cut(graded):
    path = graded["folder"] / "autograded" / "attack_bigprint" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 2_000_000


def test_progress_and_summary_name_every_student(graded):
    out = graded["result"].stdout
    students = [p.name for p in (graded["folder"] / "submitted").iterdir()]
    for student in students:
        assert f"] {student}: " in out
    assert f"{ASSIGNMENT}: " in out and " graded, " in out
    assert "has changed!" not in graded["result"].stdout + graded["result"].stderr  # no false checksum alarms
    assert "SAWarning" not in graded["result"].stderr


def test_feedback_shows_messages_never_hidden_test_code(graded):
    from coursegrader.preprocessors import _HIDDEN

    assert graded["feedback"].returncode == 0, graded["feedback"].stderr[-3000:]
    solution = nbformat.read(graded["folder"] / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    hidden_lines = [line.strip() for cell in solution.cells for block in _HIDDEN.findall(cell.source)
                    for line in block.splitlines()
                    if line.strip() and not line.strip().startswith("###") and len(line.strip()) > 12]
    assert hidden_lines
    pages = list((graded["folder"] / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) >= 4
    import html

    for page in pages:
        text = html.unescape(page.read_text(encoding="utf-8"))
        leaked = [line for line in hidden_lines if line in text]
        assert not leaked, (page, leaked[:3])
        assert "cdnjs" not in text and "<script src=\"http" not in text  # MathJax is inside the page
    blank = html.unescape((graded["folder"] / "feedback" / "partly" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(
        encoding="utf-8"))
    assert "hidden tests: their code is not shown" in blank


def test_instructors_validate_submissions_sandboxed(graded):
    result = graded["validated"]
    out = result.stdout
    assert out.startswith("bubblewrap sandbox"), out[:500]
    assert "solution: 03_survival.ipynb passes" in out
    assert "blank: 03_survival.ipynb FAILS" in out
    # The peeker fails validation if it can see the solutions folder: sandboxed, it cannot.
    assert "peeker: 03_survival.ipynb passes" in out, out[-3000:]
    assert result.returncode == 1  # one submission fails validation


def test_a_submission_past_its_wall_clock_limit_is_stopped_and_reported(outer):
    def students(folder):
        solution = nbformat.read(folder / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        slow = copy.deepcopy(solution)  # each cell within the 15 s cell timeout, the whole over 6 s
        cells_by_id(slow)["hr_answer"].source = "import time\ntime.sleep(12)\n" + cells_by_id(slow)["hr_answer"].source
        return {"slow": slow}

    folder = make_course(outer / "slow", students)
    result = run([sys.executable, "-m", "coursegrader", "autograde", ASSIGNMENT, "--max-minutes", "0.1"], folder)
    assert result.returncode == 1
    assert "NOT GRADED: slow: it ran longer than the 6 s a submission may take" in result.stdout, result.stdout[-2000:]
