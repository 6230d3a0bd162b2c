"""Benchmark: a class on the course's hub (as root): arriving at once, working, submitting at once.

A hub of its own, as tests/test_hub.py makes it (deploy/hub/hubctl.py on free ports of 127.0.0.1,
its own state folder under /srv and its own accounts, all removed at the end), with N students
(default 30). Printed, one `name: value` line each:

- `hub_start_s`: `hubctl up` for a new hub (accounts, PostgreSQL cluster, course folder, JupyterHub);
- `server_spawn_p50_s`, `server_spawn_p95_s`, `server_spawn_max_s`: from a student's login request
  to their working JupyterLab, with the whole class logging in at the same moment;
- `class_ready_s`: until the last student's JupyterLab answers;
- `student_server_idle_mb`: memory (RSS) of one student's idle server (JupyterLab, no kernel),
  the median over the class;
- `student_server_active_mb`: memory of a student's server and kernel after running a lesson top
  to bottom in that kernel (through the hub: the server's kernels API and its websocket), the
  largest of ACTIVE students (default 3) running lessons at once; `lesson_cpu_s`: the CPU seconds
  that lesson took (kernel), `lesson_wall_s` the slowest student's wall-clock time;
- `submit_30_at_once_s`: N students (30 by default) run `nbgrader submit` as their own account at
  the same moment (as in a terminal of their JupyterLab), until the last has submitted;
- `collect_30_s`: the instructor's `nbgrader collect` of those N submissions;
- `autograde_30_s`: the instructor's sandboxed `python -m coursegrader autograde` of them;
- `hub_stop_s`: `hubctl down` with every server running.

(With N other than 30 the `_30_` figures are for N students.)

Run: .venv/bin/python benchmarks/hub.py [N] [ACTIVE]   (as root; needs the hub environment: make hub-env;
HUB_OPT=... to use another one than /opt/ucmsc-course)
"""

import asyncio
import concurrent.futures
import csv
import json
import math
import os
import pathlib
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import free_port  # noqa: E402
from test_hub import ASSIGNMENT, CONFIG_PATH, HUBCTL, OPT, Browserless, as_user, place_fetched, submit_at_once  # noqa: E402

LESSON = "04_landmark_analysis.ipynb"


def hubctl(*args, state):
    subprocess.run(["/usr/bin/python3.11", str(HUBCTL), "--opt", str(OPT), "--state", str(state), *args],
                   check=True, capture_output=True, text=True, timeout=1800)


def processes(uid):
    """{pid: (rss_kb, cpu_ticks)} of the account's processes."""
    found = {}
    for status in pathlib.Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) != uid or "VmRSS" not in fields:
                continue
            stat = (status.parent / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(status.parent.name)] = (int(fields["VmRSS"].split()[0]), int(stat[11]) + int(stat[12]))
        except (OSError, ValueError, IndexError):
            continue
    return found


def rss_mb(uid):
    return sum(rss for rss, _ in processes(uid).values()) / 1024


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def run_cells(person, cells, timeout=900):
    """Run ``cells`` (code) one after another in a new kernel of the student's server, over its websocket."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    response = person.post("api/kernels", json={"name": "python3"})
    assert response.ok, response.text
    kernel = response.json()["id"]
    path = f"/user/{person.user}/"
    cookie = "; ".join(f"{c.name}={c.value}" for c in person.session.cookies if path.startswith(c.path or "/"))
    url = person.server.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
    connection = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie}))
    try:
        for source in cells:
            msg_id = uuid.uuid4().hex
            await connection.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": kernel,
                           "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            while True:
                raw = await asyncio.wait_for(connection.read_message(), timeout)
                if raw is None:
                    raise RuntimeError("the kernel's websocket closed")
                if isinstance(raw, bytes):  # a message with binary buffers (widgets): never the reply
                    continue
                message = json.loads(raw)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "error":
                    raise RuntimeError(f"{message['content']['ename']}: {message['content']['evalue']}")
                if message["msg_type"] == "execute_reply":
                    break
    finally:
        connection.close()
    return kernel


def active_student(person, uid):
    """Run the lesson in a kernel of the student's server: (wall seconds, kernel CPU seconds, RSS MB after)."""
    import nbformat

    lesson = nbformat.read(ROOT / "notebooks" / LESSON, as_version=4)
    cells = [c.source for c in lesson.cells if c.cell_type == "code" and c.source.strip()]
    before = processes(uid)
    started = time.perf_counter()
    asyncio.run(run_cells(person, cells))
    wall = time.perf_counter() - started
    after = processes(uid)
    new_cpu = sum(ticks for pid, (_, ticks) in after.items() if pid not in before)  # the kernel's
    return wall, new_cpu / os.sysconf("SC_CLK_TCK"), rss_mb(uid)


def main(n, active):
    import pwd

    if os.geteuid() != 0:
        sys.exit("run as root: the benchmark creates accounts")
    tag = secrets.token_hex(3)
    instructor = f"ub{tag}i"
    students = [f"ub{tag}s{i:03d}" for i in range(n)]
    state = pathlib.Path(tempfile.mkdtemp(prefix="ucmsc-hub-bench-", dir="/srv"))
    (state / "roster.csv").write_text("username,role\n" + f"{instructor},instructor\n"
                                      + "".join(f"{s},student\n" for s in students))
    CONFIG_PATH[instructor] = state / "etc/jupyter-instructor"
    CONFIG_PATH.update({s: state / "etc/jupyter" for s in students})
    port = free_port()
    try:
        started = time.perf_counter()
        hubctl("up", "--port", str(port), "--hub-port", str(free_port()), "--proxy-api-port", str(free_port()),
               state=state)
        print(f"hub_start_s: {time.perf_counter() - started:.1f}", flush=True)
        with open(state / "passwords.csv", newline="") as f:
            passwords = {row["username"]: row["password"] for row in csv.DictReader(f)}

        def arrive(student):
            t0 = time.perf_counter()
            return Browserless(f"http://127.0.0.1:{port}", student, passwords[student]), time.perf_counter() - t0

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            arrived = list(pool.map(arrive, students))
        print(f"class_ready_s: {time.perf_counter() - started:.1f}")
        times = [seconds for _, seconds in arrived]
        print(f"server_spawn_p50_s: {statistics.median(times):.1f}")
        print(f"server_spawn_p95_s: {percentile(times, 0.95):.1f}")
        print(f"server_spawn_max_s: {max(times):.1f}", flush=True)
        time.sleep(5)
        uids = {s: pwd.getpwnam(s).pw_uid for s in students}
        print(f"student_server_idle_mb: {statistics.median(rss_mb(uids[s]) for s in students):.0f}", flush=True)

        def work(i):
            student, (person, _) = students[i], arrived[i]
            return active_student(person, uids[student])

        with concurrent.futures.ThreadPoolExecutor(max_workers=active) as pool:
            worked = list(pool.map(work, range(active)))
        print(f"student_server_active_mb: {max(mb for _, _, mb in worked):.0f}")
        print(f"lesson_cpu_s: {statistics.median(cpu for _, cpu, _ in worked):.1f}")
        print(f"lesson_wall_s: {max(wall for wall, _, _ in worked):.1f}", flush=True)

        course = state / "home" / instructor / "course"
        as_user(instructor, "nbgrader", "generate_assignment", ASSIGNMENT, "--force", cwd=course)
        as_user(instructor, "nbgrader", "release_assignment", ASSIGNMENT, "--force", cwd=course)
        place_fetched(state, students)
        print(f"submit_30_at_once_s: {submit_at_once(students):.1f}", flush=True)
        started = time.perf_counter()
        as_user(instructor, "nbgrader", "collect", ASSIGNMENT, cwd=course)
        print(f"collect_30_s: {time.perf_counter() - started:.1f}", flush=True)
        started = time.perf_counter()
        graded = as_user(instructor, "python", "-m", "coursegrader", "autograde", ASSIGNMENT, cwd=course, timeout=3000)
        assert f"{n} graded, 0 not graded" in graded.stdout, graded.stdout[-2000:]
        print(f"autograde_30_s: {time.perf_counter() - started:.1f}", flush=True)
        started = time.perf_counter()
        hubctl("down", state=state)
        print(f"hub_stop_s: {time.perf_counter() - started:.1f}")
    finally:
        hubctl("remove", state=state)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
