"""A class on the course's JupyterHub, over HTTP: the whole nbgrader round trip, and what students cannot do.

A hub of its own (deploy/hub/hubctl.py, as `make hub` runs it) on free ports of 127.0.0.1, with
its own state folder under /srv, its own PostgreSQL cluster and four accounts of its own (one
instructor, three students), all removed at the end. The course environment is the machine's
/opt/ucmsc-course (installed or refreshed first: `make hub-env`).

Students work only through the hub: its login page, then their single-user server's REST
handlers (nbgrader's fetch, validate, submit and fetch_feedback; the contents API to answer).
The instructor's steps are the commands they type in their JupyterLab terminal, run as the
instructor's account (`runuser`); autograding is sandboxed and runs as the instructor, not root.
A second test is a load test: 30 more students of the same hub submit at the same moment through
nbgrader's exchange, each as their own account (`runuser -u STUDENT -- nbgrader submit`, as in a
terminal of their JupyterLab: 30 browser sessions would measure chromium, not the exchange); the
instructor collects, every notebook arrives byte for byte, and the sandboxed autograde grades them all.
Needs root (it creates accounts); skipped otherwise.
"""

import csv
import io
import json
import os
import pathlib
import re
import secrets
import subprocess
import tempfile
import time

import nbformat
import pytest
from browser import free_port

ROOT = pathlib.Path(__file__).resolve().parent.parent
HUBCTL = ROOT / "deploy/hub/hubctl.py"
OPT = pathlib.Path(os.environ.get("HUB_OPT", "/opt/ucmsc-course"))
COURSE = "ucmsc-trial-appraisal"
ASSIGNMENT = "03_survival"
NOTEBOOK = f"{COURSE}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"  # where fetch puts it (path_includes_course)
# What each student answers, by grade id (from the solution), and the automatic points expected
# (of 10; the 3-point interpretation and the 2-point justification are graded by hand: totals of 15).
ANSWERS = {"full": ["hr_answer", "wald_answer", "km_answer", "logrank_answer", "interpretation",
                    "ph_answer", "verdict_answer", "verdict_justification"],
           "partly": ["hr_answer", "km_answer"],
           "blank": []}
EXPECTED = {"full": 10, "partly": 5, "blank": 0}  # partly: the two HR tests (2 + 1) and KM (2)
MAX_SCORE = 15
LOAD = 30  # students of the load test, who submit at the same moment

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the hub test creates accounts and runs "
                                 "JupyterHub's PAM login: run it as root (CI does)")]


def hubctl(*args, state, timeout=900):
    result = subprocess.run(["/usr/bin/python3.11", str(HUBCTL), "--opt", str(OPT), "--state", str(state), *args],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


#: {account: its JUPYTER_CONFIG_PATH}, as the hub gives it to that account's server (and terminals).
CONFIG_PATH = {}


def user_command(user, *command):
    """``command`` as one of the hub's accounts, with the environment of a terminal in their JupyterLab."""
    import pwd

    home = pwd.getpwnam(user).pw_dir
    env = ["env", "-i", f"HOME={home}", f"USER={user}", "LANG=C.UTF-8",
           f"PATH={OPT}/venv/bin:/usr/bin:/bin", f"JUPYTER_CONFIG_PATH={CONFIG_PATH[user]}"]
    return ["runuser", "-u", user, "--", *env, *command], home


def as_user(user, *command, cwd=None, timeout=600, check=True):
    """A command as one of the hub's accounts, with the environment of a terminal in their JupyterLab."""
    argv, home = user_command(user, *command)
    result = subprocess.run(argv, cwd=cwd or home, capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"{command}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def hub():
    hubctl("install", state="/nonexistent")  # the environment, refreshed from this repository
    tag = secrets.token_hex(3)
    users = {"instructor": f"uh{tag}i", "full": f"uh{tag}a", "partly": f"uh{tag}b", "blank": f"uh{tag}c"}
    load = [f"uh{tag}l{i:02d}" for i in range(LOAD)]  # the load test's class
    state = pathlib.Path(tempfile.mkdtemp(prefix="ucmsc-hub-test-", dir="/srv"))
    roster = state / "roster.csv"
    roster.write_text("username,role\n" + f"{users['instructor']},instructor\n"
                      + "".join(f"{users[k]},student\n" for k in ("full", "partly", "blank"))
                      + "".join(f"{name},student\n" for name in load))
    port = free_port()
    for role, name in users.items():
        CONFIG_PATH[name] = state / "etc" / ("jupyter-instructor" if role == "instructor" else "jupyter")
    for name in load:
        CONFIG_PATH[name] = state / "etc" / "jupyter"
    try:
        hubctl("up", "--roster", str(roster), "--port", str(port), "--hub-port", str(free_port()),
               "--proxy-api-port", str(free_port()), state=state)
        with open(state / "passwords.csv", newline="") as f:
            passwords = {row["username"]: row["password"] for row in csv.DictReader(f)}
        yield {"state": state, "base": f"http://127.0.0.1:{port}", "users": users, "passwords": passwords,
               "load": load}
    finally:
        subprocess.run(["/usr/bin/python3.11", str(HUBCTL), "--opt", str(OPT), "--state", str(state), "remove"],
                       timeout=300)
        for name in [*users.values(), *load]:
            assert subprocess.run(["id", name], capture_output=True).returncode != 0, f"{name} was not removed"
        assert not state.exists()


class Browserless:
    """One person on the hub: its login page, then their own JupyterLab's REST API."""

    def __init__(self, base, user, password):
        import requests

        self.base, self.user = base, user
        self.session = requests.Session()
        page = self.session.get(f"{base}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        response = self.session.post(f"{base}/hub/login", data={"username": user, "password": password,
                                                                   "_xsrf": xsrf}, timeout=60)
        assert response.ok and "Invalid username or password" not in response.text, response.text[:500]
        self.server = f"{base}/user/{user}"
        self.wait_for_server()

    def wait_for_server(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.session.get(f"{self.base}/hub/spawn/{self.user}", timeout=60)
            response = self.session.get(f"{self.server}/api/status", timeout=60)
            if response.ok and response.headers.get("content-type", "").startswith("application/json"):
                lab = self.session.get(f"{self.server}/lab", timeout=60)  # sets the server's _xsrf cookie
                assert lab.ok
                return
            time.sleep(2)
        raise TimeoutError(f"{self.user}'s server did not start in {timeout} s")

    @property
    def xsrf(self):
        return self.session.cookies.get("_xsrf", path=f"/user/{self.user}/") or self.session.cookies.get("_xsrf")

    def get(self, path, **kwargs):
        return self.session.get(f"{self.server}/{path}", timeout=120, **kwargs)

    def post(self, path, **kwargs):
        return self.session.post(f"{self.server}/{path}", headers={"X-XSRFToken": self.xsrf}, timeout=300, **kwargs)

    def put(self, path, **kwargs):
        return self.session.put(f"{self.server}/{path}", headers={"X-XSRFToken": self.xsrf}, timeout=120, **kwargs)

    def assignments(self):
        response = self.get("assignments", params={"course_id": COURSE})
        assert response.ok, response.text
        return json.loads(response.text)

    def action(self, action):
        response = self.post(f"assignments/{action}", data={"course_id": COURSE, "assignment_id": ASSIGNMENT})
        assert response.ok, response.text
        return json.loads(response.text)


def answer(student, grade_ids):
    """Put the solution's answers for ``grade_ids`` into the student's fetched notebook (contents API)."""
    solution = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    model = student.get(f"api/contents/{NOTEBOOK}").json()
    nb = nbformat.from_dict(model["content"])
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            cell.source = re.sub(r"### (BEGIN|END) SOLUTION\n?", "", answers[grade_id])
    response = student.put(f"api/contents/{NOTEBOOK}", json={"type": "notebook", "format": "json", "content": nb})
    assert response.ok, response.text


def answered(release, kind, marker):
    """The released notebook answered as ``kind`` (ANSWERS), marked as ``marker``'s (bytes)."""
    solution = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ANSWERS[kind]:
            cell.source = re.sub(r"### (BEGIN|END) SOLUTION\n?", "", answers[grade_id])
    nb.metadata["submitted_by"] = marker  # every student's file differs from every other's
    return nbformat.writes(nb).encode()


def place_fetched(state, students):
    """Each student's answered notebook where nbgrader's fetch puts it, owned by them: {student: bytes}.

    (The released notebook is copied as root, as fetch would copy it for them; the kinds of answer
    cycle through full, partly and blank.)
    """
    import pwd

    release = pathlib.Path(state) / "exchange" / COURSE / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    kinds = list(EXPECTED)
    written = {}
    for i, student in enumerate(students):
        account = pwd.getpwnam(student)
        folder = pathlib.Path(account.pw_dir) / COURSE / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        written[student] = answered(release, kinds[i % len(kinds)], student)
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(written[student])
        for path in (folder.parent, folder, folder / f"{ASSIGNMENT}.ipynb"):
            os.chown(path, account.pw_uid, account.pw_gid)
    return written


def submit_at_once(students):
    """Every student runs ``nbgrader submit`` as themself at the same moment; the seconds until all are done."""
    started = time.perf_counter()
    running = []
    for student in students:
        argv, home = user_command(student, "nbgrader", "submit", ASSIGNMENT)
        running.append(subprocess.Popen(argv, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=600) for p in running]
    seconds = time.perf_counter() - started
    failed = [(s, out + err) for s, p, (out, err) in zip(students, running, outputs, strict=True) if p.returncode]
    assert not failed, failed[:3]
    return seconds


def in_chromium(base, user, password):
    """A student's session in chromium: log in, see the lessons, fetch and submit from the Assignment List."""
    from browser import SCREENSHOTS, block_off_machine, launch
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        off_machine = block_off_machine(page, base)
        try:
            page.goto(f"{base}/hub/login")
            page.fill("#username_input", user)
            page.fill("#password_input", password)
            page.click("#login_submit")
            page.wait_for_selector(".jp-DirListing-content", timeout=180_000)  # the server started, JupyterLab
            page.locator(".jp-DirListing-itemText", has_text="lessons").wait_for(timeout=30_000)
            # nbgrader's menu hides what the server does not serve, once its check returns.
            for _ in range(30):
                page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
                items = [t for t in page.locator(".lm-Menu-itemLabel").all_inner_texts() if t]
                if items == ["Assignment List"]:
                    break
                page.keyboard.press("Escape")
                page.wait_for_timeout(1000)
            assert items == ["Assignment List"], items  # no Formgrader nor Course List for a student
            page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
            released = page.locator("#released_assignments_list")
            released.locator("text=" + ASSIGNMENT).wait_for(timeout=60_000)
            released.locator("button", has_text="Fetch").click()
            fetched = page.locator("#fetched_assignments_list")
            fetched.locator("button", has_text="Submit").wait_for(timeout=60_000)
            fetched.locator("button", has_text="Submit").click()
            submitted = page.locator("#submitted_assignments_list")
            submitted.locator("text=" + ASSIGNMENT).wait_for(timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "hub_student_submitted.png"))
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "hub_student_failure.png"))
            raise
        finally:
            browser.close()
    assert off_machine == [], off_machine


def export_grades(hub):
    instructor = hub["users"]["instructor"]
    course = pathlib.Path(hub["state"]) / "home" / instructor / "course"
    as_user(instructor, "python", "-m", "coursegrader.nbgrader_cli", "export", "--to", "grades.csv", cwd=course)
    rows = list(csv.DictReader(io.StringIO((course / "grades.csv").read_text())))
    return {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in rows
            if row["assignment"] == ASSIGNMENT}


def test_a_class_on_the_hub(hub):
    users, state = hub["users"], pathlib.Path(hub["state"])
    instructor = users["instructor"]
    course = state / "home" / instructor / "course"
    exchange = state / "exchange" / COURSE

    # The instructor releases the assignment (in their terminal); their formgrader answers.
    teacher = Browserless(hub["base"], instructor, hub["passwords"][instructor])
    as_user(instructor, "nbgrader", "generate_assignment", ASSIGNMENT, "--force", cwd=course)
    as_user(instructor, "nbgrader", "release_assignment", ASSIGNMENT, "--force", cwd=course)
    assert teacher.get("formgrader").status_code == 200

    # One student in chromium: the login page, the lessons, nbgrader's Assignment List; fetch, submit (blank).
    blank = users["blank"]
    in_chromium(hub["base"], blank, hub["passwords"][blank])

    # The others over HTTP: the login page, the lessons; fetch, answer, validate, submit.
    students = {}
    for kind in ("full", "partly"):
        name = users[kind]
        student = students[kind] = Browserless(hub["base"], name, hub["passwords"][name])
        lessons = student.get("api/contents/lessons").json()
        assert any(item["name"] == "04_landmark_analysis.ipynb" for item in lessons["content"])
        released = [a for a in student.assignments()["value"] if a["assignment_id"] == ASSIGNMENT]
        assert released and released[0]["status"] == "released", released
        student.action("fetch")
        answer(student, ANSWERS[kind])
        validation = json.loads(student.post("assignments/validate", data={"path": NOTEBOOK}).text)
        assert validation["success"], validation
        # nbgrader's validate: nothing to report when every test passes, else the failed cells.
        assert (validation["value"] == {}) == (kind == "full"), validation
        assert (kind == "full") or validation["value"].get("failed"), validation
        submitted = student.action("submit")
        assert submitted["success"], submitted

    # Negative: a student cannot open the formgrader, neither the instructor's nor one of their own.
    full = students["full"]
    assert full.session.get(f"{hub['base']}/user/{instructor}/formgrader", timeout=60).status_code == 403
    assert full.get("formgrader").status_code == 404

    # Negative, as the first student's account: the exchange's inbound is not listable, classmates'
    # homes, the instructor's course folder (source, gradebook settings) are closed, the gradebook refuses.
    a, b = users["full"], users["partly"]
    for path in (exchange / "inbound", state / "home" / b, course, course / "solutions"):
        result = as_user(a, "ls", str(path), check=False)
        assert result.returncode != 0 and "Permission denied" in result.stderr, (path, result.stdout)
    assert not (OPT / "repo/solutions").exists() and not (OPT / "repo/tests").exists()
    db_url = re.search(r'db_url = "(postgresql[^"]+)"', (course / "nbgrader_config.py").read_text()).group(1)
    probe = ("import sqlalchemy, sys\ntry:\n    sqlalchemy.create_engine(sys.argv[1]).connect()\n"
             "except Exception as e:\n    print(type(e).__name__, e)\nelse:\n    print('CONNECTED')")
    refused = as_user(a, "python", "-c", probe, db_url)
    assert "CONNECTED" not in refused.stdout and "OperationalError" in refused.stdout, refused.stdout

    # Negative: a student submits under a classmate's name; it is not collected (their own work is).
    forged = as_user(a, "nbgrader", "submit", ASSIGNMENT, f"--student={b}", cwd=f"{state}/home/{a}",
                     check=False)
    assert forged.returncode == 0, forged.stderr  # nbgrader's exchange takes it...
    collected = as_user(instructor, "nbgrader", "collect", ASSIGNMENT, cwd=course)
    assert "NOT COLLECTED" in collected.stdout + collected.stderr  # ...and the course's collect refuses it
    b_notebook = nbformat.read(course / "submitted" / b / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    b_wald = [c for c in b_notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "wald_answer"]
    assert "NotImplementedError" in b_wald[0].source, "the forged (fully answered) notebook was collected for b"

    # The instructor autogrades (sandboxed, as the instructor: not root), gives feedback.
    graded = as_user(instructor, "python", "-m", "coursegrader", "autograde", ASSIGNMENT, cwd=course, timeout=900)
    assert "bubblewrap sandbox" in graded.stdout and "3 graded, 0 not graded" in graded.stdout, graded.stdout
    as_user(instructor, "python", "-m", "coursegrader", "feedback", ASSIGNMENT, cwd=course)
    grades = export_grades(hub)
    assert {users[k]: grades[users[k]] for k in EXPECTED} == \
        {users[k]: (float(EXPECTED[k]), float(MAX_SCORE)) for k in EXPECTED}, grades
    # Every student of the roster is in the gradebook (hubctl up imports them): 0 until they submit.
    assert {grades.get(s) for s in hub["load"]} == {(0.0, float(MAX_SCORE))}, grades
    # The LMS's table, from PostgreSQL: the written answers of "full" await the formgrader (empty).
    as_user(instructor, "python", "-m", "coursegrader", "lms-grades", "--to", "lms.csv", cwd=course)
    rows = list(csv.reader(io.StringIO((course / "lms.csv").read_text())))
    assert rows[0] == ["student_id", "last_name", "first_name", "email", "lms_user_id", ASSIGNMENT], rows
    table = {r[0]: r[-1] for r in rows[1:]}
    assert len(rows) == 1 + 3 + LOAD and {table[s] for s in hub["load"]} == {"0"}, rows
    assert {users[k]: table[users[k]] for k in EXPECTED} == \
        {users["full"]: "", users["partly"]: str(EXPECTED["partly"]), users["blank"]: "0"}, rows
    blank_nb = nbformat.read(course / "submitted" / blank / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert blank_nb.cells, "the submission made in chromium was not collected"

    # A restart of the hub and of PostgreSQL loses nothing.
    hubctl("down", state=state)
    import requests

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{hub['base']}/hub/health", timeout=5)
    hubctl("up", state=state)
    again = Browserless(hub["base"], users["partly"], hub["passwords"][users["partly"]])
    statuses = {a["assignment_id"]: a for a in again.assignments()["value"]}
    assert statuses[ASSIGNMENT]["status"] == "submitted"
    again.action("fetch_feedback")
    feedback = again.get(f"api/contents/{COURSE}/{ASSIGNMENT}/feedback").json()
    pages = [item for folder in feedback["content"]
             for item in again.get(f"api/contents/{folder['path']}").json()["content"]]
    assert [p["name"] for p in pages] == [f"{ASSIGNMENT}.html"], pages
    page = again.get(f"files/{pages[0]['path']}").text
    assert "BEGIN HIDDEN TESTS" not in page and "cdnjs.cloudflare.com" not in page
    assert export_grades(hub) == grades
    assert again.get("api/contents/lessons").ok  # the home folder survived


def test_thirty_students_submit_at_the_same_moment(hub):
    """30 accounts submit together through the exchange; all are collected intact and graded."""
    users, state, load = hub["users"], pathlib.Path(hub["state"]), hub["load"]
    instructor = users["instructor"]
    course = state / "home" / instructor / "course"
    if not (state / "exchange" / COURSE / "outbound" / ASSIGNMENT).is_dir():  # the class test released it
        as_user(instructor, "nbgrader", "generate_assignment", ASSIGNMENT, "--force", cwd=course)
        as_user(instructor, "nbgrader", "release_assignment", ASSIGNMENT, "--force", cwd=course)
    written = place_fetched(state, load)

    seconds = submit_at_once(load)
    inbound = os.listdir(state / "exchange" / COURSE / "inbound")
    for student in load:
        assert len([name for name in inbound if name.startswith(f"{student}+{ASSIGNMENT}+")]) == 1, student
    started = time.perf_counter()
    collected = as_user(instructor, "nbgrader", "collect", ASSIGNMENT, cwd=course)
    collect_seconds = time.perf_counter() - started
    refused = [line for line in (collected.stdout + collected.stderr).splitlines() if "NOT COLLECTED" in line]
    assert not [line for line in refused if any(student in line for student in load)], refused
    for student in load:  # intact: byte for byte what each student submitted
        path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert path.read_bytes() == written[student], student
    print(f"submit_30_at_once_s: {seconds:.1f}\ncollect_30_s: {collect_seconds:.1f}")

    graded = as_user(instructor, "python", "-m", "coursegrader", "autograde", ASSIGNMENT, cwd=course, timeout=1500)
    assert "bubblewrap sandbox" in graded.stdout and ", 0 not graded" in graded.stdout, graded.stdout[-3000:]
    kinds = list(EXPECTED)
    grades = export_grades(hub)
    assert {s: grades.get(s) for s in load} == \
        {s: (float(EXPECTED[kinds[i % len(kinds)]]), float(MAX_SCORE)) for i, s in enumerate(load)}
