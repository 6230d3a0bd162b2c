"""Benchmark: a class arriving at once on the course's hub (as root).

A hub of its own, as tests/test_hub.py makes it (deploy/hub/hubctl.py on free ports of 127.0.0.1,
its own state folder under /srv and its own accounts, all removed at the end), with N students
(default 20). Every student logs in through the login page at the same moment and waits until their
JupyterLab answers. Printed:

- `up_s`: `hubctl up` for a new hub (accounts, PostgreSQL cluster, course folder, JupyterHub);
- `login_to_lab_p50_s`, `login_to_lab_max_s`: from the login request to a working JupyterLab, per
  student, with the whole class arriving together;
- `class_ready_s`: until the last student's JupyterLab answers;
- `server_rss_mb_per_student`: memory of one idle single-user server (no kernel);
- `down_s`: `hubctl down` with every server running.

Run: .venv/bin/python benchmarks/hub.py [N]   (needs the hub environment: make hub-env)
"""

import concurrent.futures
import csv
import os
import pathlib
import secrets
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import free_port  # noqa: E402
from test_hub import HUBCTL, OPT, Browserless  # noqa: E402


def hubctl(*args, state):
    subprocess.run(["/usr/bin/python3.11", str(HUBCTL), "--opt", str(OPT), "--state", str(state), *args],
                   check=True, capture_output=True, text=True, timeout=1800)


def rss_mb(uid):
    total = 0
    for status in pathlib.Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields["Uid"].split()[0]) == uid and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0])
    return total / 1024


def main(n):
    import pwd

    if os.geteuid() != 0:
        sys.exit("run as root: the benchmark creates accounts")
    tag = secrets.token_hex(3)
    students = [f"ub{tag}s{i:03d}" for i in range(n)]
    state = pathlib.Path(tempfile.mkdtemp(prefix="ucmsc-hub-bench-", dir="/srv"))
    (state / "roster.csv").write_text("username,role\n" + f"ub{tag}i,instructor\n"
                                      + "".join(f"{s},student\n" for s in students))
    port = free_port()
    try:
        started = time.perf_counter()
        hubctl("up", "--port", str(port), "--hub-port", str(free_port()), "--proxy-api-port", str(free_port()),
               state=state)
        print(f"up_s: {time.perf_counter() - started:.1f}")
        with open(state / "passwords.csv", newline="") as f:
            passwords = {row["username"]: row["password"] for row in csv.DictReader(f)}

        def arrive(student):
            t0 = time.perf_counter()
            Browserless(f"http://127.0.0.1:{port}", student, passwords[student])
            return time.perf_counter() - t0

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            times = list(pool.map(arrive, students))
        print(f"class_ready_s: {time.perf_counter() - started:.1f}")
        print(f"login_to_lab_p50_s: {statistics.median(times):.1f}")
        print(f"login_to_lab_max_s: {max(times):.1f}")
        time.sleep(5)
        memory = [rss_mb(pwd.getpwnam(s).pw_uid) for s in students]
        print(f"server_rss_mb_per_student: {statistics.median(memory):.0f}")
        started = time.perf_counter()
        hubctl("down", state=state)
        print(f"down_s: {time.perf_counter() - started:.1f}")
    finally:
        hubctl("remove", state=state)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
