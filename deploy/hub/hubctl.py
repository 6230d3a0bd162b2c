"""The course's JupyterHub on one machine: install, start, stop, remove. Run as root.

    python3.11 deploy/hub/hubctl.py install            the course environment and the proxy, in /opt/ucmsc-course
    python3.11 deploy/hub/hubctl.py up [--roster CSV]  accounts, gradebook, course folder; start the hub
    python3.11 deploy/hub/hubctl.py down               stop everything `up` started (files stay)
    python3.11 deploy/hub/hubctl.py remove             down, then delete the accounts and the hub's state
    python3.11 deploy/hub/hubctl.py status

`make hub` runs install and up; `make hub-stop` runs down. Every command may be run again.

Where things are (the defaults; --opt and --state change them, e.g. for a test):

- /opt/ucmsc-course/ (root-owned, readable by everyone, written only by `install`):
  ``repo/`` the part of the repository students may read (no solutions, no tests, no history),
  ``venv/`` the course environment (Python 3.11 from /usr/bin/python3.11: every user can run it),
  ``proxy/`` configurable-http-proxy from npm (exact versions: deploy/hub/proxy/package-lock.json).
- /srv/ucmsc-hub/ (the hub's state): ``home/USER`` the accounts' homes (0700), ``exchange/``
  nbgrader's exchange (1777), ``postgres/`` the gradebook's own PostgreSQL cluster (a socket only,
  no TCP), ``hub/`` JupyterHub's own database and secret, ``etc/jupyter/`` the configuration every
  single-user server reads, ``logs/``, ``hub.json`` (this hub's settings) and ``passwords.csv``
  (root only).

Standard library only: it runs before the course environment exists.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import pathlib
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
COURSE_ID = "ucmsc-trial-appraisal"
PYTHON = "/usr/bin/python3.11"
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
PG_ROLE = "ucmsc_course"
PG_DB = "gradebook"
PG_PORT = 5432  # only names the socket file: the cluster listens on no TCP port
#: What students may read of the repository (a whitelist: solutions/, tests/ with alternative
#: answers, and the git history stay out).
PUBLIC = ["README.md", "requirements.txt", "requirements-lock.txt", "nbgrader_config.py", "helpers", "grading",
          "notebooks", "exercises", "book/_vendor", "deploy/hub"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints", "node_modules", "build")


def log(message):
    print(f"hub: {message}", flush=True)


def run(*args, check=True, **kwargs):
    result = subprocess.run([str(a) for a in args], text=True, capture_output=True, **kwargs)
    if check and result.returncode:
        raise SystemExit(f"hub: `{' '.join(map(str, args))}` failed ({result.returncode}):\n"
                         f"{result.stdout}{result.stderr}")
    return result


def digest(*paths):
    h = hashlib.sha256()
    for path in paths:
        h.update(pathlib.Path(path).read_bytes())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# install: /opt/ucmsc-course


def copy_public(opt):
    """The repository's public part, root-owned and read-only for everyone else, in opt/repo."""
    target, fresh = opt / "repo", opt / "repo.new"
    shutil.rmtree(fresh, ignore_errors=True)
    for name in PUBLIC:
        source = REPOSITORY / name
        if not source.exists():
            if name == "book/_vendor":
                log("book/_vendor/ is missing: feedback pages need it (`make book-vendor`); copying the rest")
                continue
            raise SystemExit(f"hub: {source} is missing")
        if source.is_dir():
            shutil.copytree(source, fresh / name, ignore=IGNORE)
        else:
            (fresh / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, fresh / name)
    for folder, _dirs, files in os.walk(fresh):
        os.chown(folder, 0, 0)
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            os.chown(path, 0, 0, follow_symlinks=False)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.access(path, os.X_OK) else 0o644)
    apply_lock_overrides(fresh / "requirements-lock.txt", HERE / "lock-overrides.txt")
    # The environment's editable installs point into repo/: swap the folder, keep the path.
    if target.exists():
        shutil.rmtree(target)
    fresh.rename(target)
    return target


def _pins(path):
    pins = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            pins[line.split("==")[0].strip().lower().replace("_", "-")] = line
    return pins


def apply_lock_overrides(lock, overrides):
    """The course's lock with the hub's own pins (lock-overrides.txt) in place of the same packages'."""
    replace = _pins(overrides)
    lines = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].split("==")[0].strip().lower().replace("_", "-")
        lines.append(replace.pop(name) + "  # deploy/hub/lock-overrides.txt" if name in replace else line)
    lines += [f"{pin}  # deploy/hub/lock-overrides.txt" for pin in replace.values()]
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")


def install(opt):
    opt.mkdir(parents=True, exist_ok=True)
    os.chmod(opt, 0o755)
    repo = copy_public(opt)
    log(f"course files for everyone to read: {repo}")
    venv = opt / "venv"
    wanted = digest(repo / "requirements.txt", repo / "requirements-lock.txt",
                    repo / "deploy/hub/requirements-hub.txt", repo / "deploy/hub/lock-overrides.txt",
                    repo / "helpers/pyproject.toml",
                    repo / "grading/pyproject.toml")
    stamp = venv / ".installed"
    if not (stamp.exists() and stamp.read_text() == wanted):
        if not pathlib.Path(PYTHON).exists():
            raise SystemExit(f"hub: {PYTHON} is missing (Debian: apt-get install python3.11-venv)")
        log(f"installing the course environment in {venv} (a few minutes the first time)")
        run(PYTHON, "-m", "venv", "--clear", venv)
        run(venv / "bin/python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(venv / "bin/python", "-m", "pip", "install", "--quiet", "-r", "requirements.txt",
            "-r", "deploy/hub/requirements-hub.txt", cwd=repo)
        run(venv / "bin/python", "-m", "pip", "check")
        stamp.write_text(wanted)
    else:
        # Editable installs keep pointing at repo/; nothing to reinstall.
        log(f"course environment up to date: {venv}")
    proxy = opt / "proxy"
    wanted = digest(HERE / "proxy/package.json", HERE / "proxy/package-lock.json")
    stamp = proxy / ".installed"
    if not (stamp.exists() and stamp.read_text() == wanted):
        if shutil.which("npm") is None:
            raise SystemExit("hub: npm is missing: install Node.js 20 and npm (Debian: apt-get install npm)")
        log(f"installing configurable-http-proxy in {proxy}")
        proxy.mkdir(exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / "proxy" / name, proxy / name)
        run("npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", cwd=proxy)
        stamp.write_text(wanted)
    # JupyterLab asks nobody about news or updates: the hub's users reach no other host.
    overrides = venv / "share/jupyter/lab/settings/overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false", "checkForUpdates": False}}, indent=1))
    run("chmod", "-R", "a+rX,go-w", opt)


# ---------------------------------------------------------------------------------------------
# up: accounts, gradebook, course folder, hub


def read_roster(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]
    people = [(r["username"].lower(), r["role"].lower()) for r in rows if r.get("username")]
    instructors = [u for u, role in people if role == "instructor"]
    bad = [f"{u} ({role})" for u, role in people if role not in ("instructor", "student")]
    if bad or len(instructors) != 1:
        raise SystemExit(f"hub: {path}: give columns username,role with one instructor and students "
                         f"(role instructor or student); received {len(instructors)} instructors"
                         + (f" and unknown roles: {', '.join(bad)}" if bad else ""))
    for user, _ in people:
        if not user.replace("-", "").replace("_", "").isalnum() or not user[0].isalpha():
            raise SystemExit(f"hub: {path}: {user!r} is not a usable account name (letters, digits, - and _)")
    return instructors[0], [u for u, role in people if role == "student"]


def ensure_user(name, home, passwords, group):
    try:
        entry = pwd.getpwnam(name)
        if entry.pw_dir != str(home):
            raise SystemExit(f"hub: an account {name} exists already with home {entry.pw_dir}, not this hub's: "
                             "choose other names in the roster")
    except KeyError:
        home.parent.mkdir(parents=True, exist_ok=True)
        run("useradd", "--create-home", "--home-dir", home, "--shell", "/bin/bash", "--user-group",
            "--comment", f"course hub ({group})", name)
        log(f"created the account {name}")
    run("usermod", "-a", "-G", group, name)
    if name not in passwords:
        passwords[name] = secrets.token_urlsafe(12)
        run("chpasswd", input=f"{name}:{passwords[name]}\n")
    os.chmod(home, 0o700)
    return pwd.getpwnam(name)


def load_passwords(path):
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {row["username"]: row["password"] for row in csv.DictReader(f)}


def save_passwords(path, passwords):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["username", "password"])
        writer.writerows(sorted(passwords.items()))
    os.chmod(path, 0o600)


def pg(state):
    data, sock = state / "postgres/data", state / "postgres/run"
    return data, sock


def pg_running(state):
    data, _ = pg(state)
    return data.exists() and run("runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", data, "status",
                                 check=False).returncode == 0


def ensure_postgres(state, instructor):
    """The gradebook: a cluster of its own (owner: the postgres account), a socket in state/postgres/run."""
    if not (PG_BIN / "initdb").exists():
        raise SystemExit("hub: PostgreSQL 15 is missing (Debian: apt-get install postgresql-15; make hub does it)")
    data, sock = pg(state)
    postgres = pwd.getpwnam("postgres")
    for folder in (state / "postgres", sock):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    os.chmod(state / "postgres", 0o755)
    os.chmod(sock, 0o755)  # reachable; pg_hba.conf lets only the instructor (and postgres) in
    if not (data / "PG_VERSION").exists():
        log(f"creating the gradebook's PostgreSQL cluster in {data}")
        run("runuser", "-u", "postgres", "--", PG_BIN / "initdb", "-D", data, "--auth=peer",
            "--encoding=UTF8", "--locale=C.UTF-8", cwd="/")
    (data / "conf.d").mkdir(exist_ok=True)
    settings = (f"listen_addresses = ''\nunix_socket_directories = '{sock}'\nport = {PG_PORT}\n"
                "include_dir = 'conf.d'\n")
    conf = data / "postgresql.conf"
    text = conf.read_text()
    if "# ucmsc-hub" not in text:
        conf.write_text(text + "\n# ucmsc-hub\n" + settings)
    (data / "pg_hba.conf").write_text(
        "# The course hub: local socket only. postgres administers; the instructor's account is the\n"
        "# course's role, on the gradebook only. Everyone else is refused.\n"
        "local all postgres peer\n"
        f"local {PG_DB} {PG_ROLE} peer map=course\n")
    (data / "pg_ident.conf").write_text(f"course {instructor} {PG_ROLE}\n")
    for name in ("pg_hba.conf", "pg_ident.conf"):
        os.chown(data / name, postgres.pw_uid, postgres.pw_gid)
        os.chmod(data / name, 0o600)
    if pg_running(state):
        run("runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", data, "reload")
    else:
        logfile = state / "postgres/postgres.log"  # the postgres account's folder: it writes its log
        run("runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", data, "-l", logfile, "-w", "-t", "60",
            "start", cwd="/")
        log("PostgreSQL started (gradebook)")

    def psql(sql, db="postgres"):
        return run("runuser", "-u", "postgres", "--", PG_BIN.parent / "bin/psql", "-h", sock, "-p", PG_PORT,
                   "-d", db, "-tAc", sql, cwd="/").stdout.strip()

    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{PG_ROLE}'") != "1":
        psql(f"CREATE ROLE {PG_ROLE} LOGIN")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'") != "1":
        psql(f"CREATE DATABASE {PG_DB} OWNER {PG_ROLE}")
    psql("REVOKE ALL ON DATABASE gradebook FROM PUBLIC")


def db_url(state):
    return f"postgresql+psycopg2://{PG_ROLE}@/{PG_DB}?host={pg(state)[1]}&port={PG_PORT}"


def write(path, text, owner=None, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)


# The nbgrader extensions only the instructor gets (server side, then JupyterLab's side).
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]
# (@jupyter/nbgrader:formgrader is no plugin of its own: nbgrader's menu reads it to show its Formgrader items.)
INSTRUCTOR_LAB_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                          "@jupyter/nbgrader:create-assignment"]


def write_jupyter_config(state, course):
    """The configuration single-user servers read (JUPYTER_CONFIG_PATH, set by the hub per role).

    state/etc/jupyter for students: nbgrader's exchange and course, the instructor-only extensions
    off. state/etc/jupyter-instructor for the instructor: the same, every extension on, and the
    formgrader opening the course folder. Root-owned: a user's own ~/.jupyter cannot turn a setting
    here back (JUPYTER_CONFIG_PATH outranks it for jupyter_server), and a student who enabled the
    formgrader in their own server would only see their own files: the gradebook refuses them.
    """
    nbgrader = ("# The course hub's nbgrader settings (generated by deploy/hub/hubctl.py).\n"
                "c = get_config()  # noqa: F821\n"
                f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
                f"c.Exchange.root = {str(state / 'exchange')!r}\n"
                "# exchange/<course>/...: several courses can share one exchange.\n"
                "c.Exchange.path_includes_course = True\n")
    students, instructor = state / "etc/jupyter", state / "etc/jupyter-instructor"
    write(students / "nbgrader_config.py", nbgrader)
    write(students / "jupyter_server_config.json",
          json.dumps({"ServerApp": {"jpserver_extensions": {e: False for e in INSTRUCTOR_SERVER_EXTENSIONS}}},
                     indent=1))
    write(students / "labconfig/page_config.json",
          json.dumps({"disabledExtensions": {p: True for p in INSTRUCTOR_LAB_PLUGINS}}, indent=1))
    write(instructor / "nbgrader_config.py",
          nbgrader + f"# The formgrader opens the course folder.\nc.CourseDirectory.root = {str(course)!r}\n")


def ensure_course(state, opt, instructor):
    """The instructor's course folder, ~/course: nbgrader's root (solutions included), theirs only."""
    home = pathlib.Path(instructor.pw_dir)
    course = home / "course"
    course.mkdir(exist_ok=True)
    os.chown(course, instructor.pw_uid, instructor.pw_gid)
    os.chmod(course, 0o700)
    for folder in ("solutions",):
        for path in (REPOSITORY / folder).rglob("*"):
            relative = path.relative_to(REPOSITORY)
            if "__pycache__" in relative.parts or ".ipynb_checkpoints" in relative.parts:
                continue
            target = course / relative
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif not target.exists():  # never overwrite the instructor's own edits
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
    base = (REPOSITORY / "nbgrader_config.py").read_text(encoding="utf-8")
    write(course / "nbgrader_config.py", base + (
        "\n# ---- The course hub (appended by deploy/hub/hubctl.py; rewritten by every `make hub`) ----\n"
        "# The gradebook: PostgreSQL on the hub's local socket, as the course's role (the instructor's\n"
        "# account only may use it).\n"
        f"c.CourseDirectory.db_url = {db_url(state)!r}\n"
        f"c.Exchange.root = {str(state / 'exchange')!r}\n"
        "c.Exchange.path_includes_course = True\n"
        "# Collect only what each student submitted as themself (see coursegrader.exchange).\n"
        'c.ExchangeFactory.collect = "coursegrader.exchange.OwnerCheckedCollect"\n'), owner=instructor)
    run("chown", "-R", f"{instructor.pw_uid}:{instructor.pw_gid}", course)
    return course


def ensure_gradebook_students(opt, course, instructor, students):
    """The roster's students in the gradebook, so that grade exports list every student (0 for a
    released assignment not submitted), not only those who submitted. nbgrader's own student import,
    as the instructor (the only account the gradebook admits); names already set are kept."""
    roster = course / ".roster-students.csv"
    write(roster, "id\n" + "".join(f"{s}\n" for s in students), owner=instructor, mode=0o600)
    try:
        run("runuser", "-u", instructor.pw_name, "--", "env", "-i", f"HOME={instructor.pw_dir}", "LANG=C.UTF-8",
            f"PATH={opt / 'venv/bin'}:/usr/bin:/bin", "nbgrader", "db", "student", "import", roster.name, cwd=course)
    finally:
        roster.unlink(missing_ok=True)


def hub_pid(state):
    try:
        pid = int((state / "hub/jupyterhub.pid").read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def wait_http(url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"hub: {url} did not answer within {timeout} s: see the logs")


def up(opt, state, roster, port, hub_port, proxy_api_port):
    if os.geteuid() != 0:
        raise SystemExit("hub: run as root (it creates accounts and runs JupyterHub's PAM login)")
    if not (opt / "venv/.installed").exists():
        raise SystemExit(f"hub: the course environment is not installed in {opt}: run `hubctl.py install`")
    state.mkdir(parents=True, exist_ok=True)
    kept = state / "roster.csv"  # the roster in use: `up` without --roster (a restart) reads it again
    roster = pathlib.Path(roster) if roster else (kept if kept.exists() else HERE / "roster.csv")
    instructor_name, students = read_roster(roster)
    if not (kept.exists() and kept.samefile(roster)):
        shutil.copy(roster, kept)
    os.chmod(state, 0o755)
    for folder in ("hub", "logs", "home", "etc"):
        (state / folder).mkdir(exist_ok=True)
    for folder in ("hub", "logs"):
        os.chmod(state / folder, 0o700)
    os.chmod(state / "home", 0o755)
    settings_path = state / "hub.json"
    settings = json.loads(settings_path.read_text()) if settings_path.exists() else {}
    previous = (settings.get("instructor"), settings.get("students"))
    group = settings.get("group") or f"ucmsc-{hashlib.sha256(str(state).encode()).hexdigest()[:8]}"
    if run("getent", "group", group, check=False).returncode:
        run("groupadd", group)
    # Saved first: `down` and `remove` know what `up` made, even if it stops half-way.
    settings.update(group=group, opt=str(opt), state=str(state), course_id=COURSE_ID,
                    instructor=instructor_name, students=students,
                    # every account this hub ever made, for `remove`
                    accounts=sorted({*settings.get("accounts", []), instructor_name, *students}),
                    course=str(state / "home" / instructor_name / "course"),
                    port=port or settings.get("port", 8000),
                    hub_port=hub_port or settings.get("hub_port", 8081),
                    proxy_api_port=proxy_api_port or settings.get("proxy_api_port", 8001))
    write(settings_path, json.dumps(settings, indent=1), mode=0o644)
    passwords_path = state / "passwords.csv"
    passwords = load_passwords(passwords_path)
    try:
        instructor = ensure_user(instructor_name, state / "home" / instructor_name, passwords, group)
        for student in students:
            ensure_user(student, state / "home" / student, passwords, group)
    finally:
        save_passwords(passwords_path, passwords)
    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    os.chmod(exchange, 0o1777)
    ensure_postgres(state, instructor_name)
    course = ensure_course(state, opt, instructor)
    ensure_gradebook_students(opt, course, instructor, students)
    write_jupyter_config(state, course)
    url = f"http://127.0.0.1:{settings['port']}"
    if hub_pid(state):
        log(f"JupyterHub is already running ({url}); `make hub-stop` then `make hub` restarts it")
        if previous != (instructor_name, students):
            log("the roster changed: restart the hub (make hub-stop hub) to let the new accounts log in")
    else:
        start_hub(opt, state, settings)
    log(f"JupyterHub: {url}/  (instructor: {instructor_name}; {len(students)} students)")
    log(f"passwords (root only): {passwords_path}")
    return settings


def start_hub(opt, state, settings):
    logfile = open(state / "logs/jupyterhub.log", "a")
    env = {"PATH": f"{opt / 'venv/bin'}:{opt / 'proxy/node_modules/.bin'}:/usr/sbin:/usr/bin:/sbin:/bin",
           "LANG": "C.UTF-8", "UCMSC_HUB_SETTINGS": str(state / "hub.json")}
    proc = subprocess.Popen([opt / "venv/bin/jupyterhub", "-f", opt / "repo/deploy/hub/jupyterhub_config.py"],
                            cwd=state / "hub", env=env, stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True)
    (state / "hub/jupyterhub.pid").write_text(str(proc.pid))
    try:
        wait_http(f"http://127.0.0.1:{settings['port']}/hub/health", 90)
    except SystemExit:
        if proc.poll() is not None:
            raise SystemExit(f"hub: JupyterHub stopped at start: see {state / 'logs/jupyterhub.log'}") from None
        raise
    log(f"JupyterHub started (pid {proc.pid}; log {state / 'logs/jupyterhub.log'})")


# ---------------------------------------------------------------------------------------------
# down, remove


def _processes_of(uids):
    found = []
    for status in pathlib.Path("/proc").glob("[0-9]*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("Uid:") and int(line.split()[1]) in uids:
                    found.append(int(status.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _stop(pids, timeout):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        time.sleep(0.3)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def down(state):
    settings_path = state / "hub.json"
    if not settings_path.exists():
        log(f"no hub in {state}: nothing to stop")
        return
    settings = json.loads(settings_path.read_text())
    pid = hub_pid(state)
    if pid:
        # JupyterHub stops the single-user servers and the proxy it started (cleanup_servers, cleanup_proxy).
        try:
            pgid = os.getpgid(pid)
        except ProcessLookupError:
            pgid = None
        _stop([pid], 60)
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)  # anything left of the hub's own session (the proxy)
            except ProcessLookupError:
                pass
        log(f"JupyterHub stopped (pid {pid})")
    (state / "hub/jupyterhub.pid").unlink(missing_ok=True)
    # Whatever the hub's accounts still run (a server a crash left behind, a terminal's jobs).
    uids = set()
    for name in settings["accounts"]:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    leftover = _processes_of(uids)
    if leftover:
        _stop(leftover, 20)
        log(f"stopped {len(leftover)} processes of the hub's accounts")
    if pg_running(state):
        run("runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", pg(state)[0], "-m", "fast", "-w", "stop",
            cwd="/")
        log("PostgreSQL stopped")


def remove(state):
    settings_path = state / "hub.json"
    if not settings_path.exists():
        log(f"no hub in {state}: nothing to remove")
        return
    settings = json.loads(settings_path.read_text())
    down(state)
    for name in settings["accounts"]:
        try:
            if pwd.getpwnam(name).pw_dir.startswith(str(state) + "/"):
                run("userdel", name)
                run("groupdel", name, check=False)  # the user's own group, if userdel left it
        except KeyError:
            pass
    run("groupdel", settings["group"], check=False)
    shutil.rmtree(state)
    log(f"removed the hub's accounts and {state}")


def status(state):
    settings_path = state / "hub.json"
    if not settings_path.exists():
        print(f"no hub in {state}")
        return 1
    settings = json.loads(settings_path.read_text())
    pid = hub_pid(state)
    print(f"JupyterHub: {f'running, pid {pid}, ' if pid else 'stopped, '}http://127.0.0.1:{settings['port']}/")
    print(f"PostgreSQL (gradebook): {'running' if pg_running(state) else 'stopped'}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opt", default="/opt/ucmsc-course", type=pathlib.Path)
    parser.add_argument("--state", default="/srv/ucmsc-hub", type=pathlib.Path)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install")
    start = sub.add_parser("up")
    start.add_argument("--roster", default=None,
                       help="username,role CSV (default: the hub's roster in use, else deploy/hub/roster.csv)")
    start.add_argument("--port", type=int, default=None, help="the hub's address: 127.0.0.1:PORT (default 8000)")
    start.add_argument("--hub-port", type=int, default=None, help="the hub's internal API port (default 8081)")
    start.add_argument("--proxy-api-port", type=int, default=None, help="the proxy's API port (default 8001)")
    sub.add_parser("down")
    sub.add_parser("remove")
    sub.add_parser("status")
    args = parser.parse_args(argv)
    if os.geteuid() != 0 and args.command != "status":
        raise SystemExit("hub: run as root")
    opt, state = args.opt.resolve(), args.state.resolve()
    if args.command == "install":
        install(opt)
    elif args.command == "up":
        up(opt, state, args.roster, args.port, args.hub_port, args.proxy_api_port)
    elif args.command == "down":
        down(state)
    elif args.command == "remove":
        remove(state)
    else:
        return status(state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
