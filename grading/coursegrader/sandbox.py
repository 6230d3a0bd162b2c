"""The sandbox a student's kernel runs in: bubblewrap for what it sees, limits for what it uses.

A sandboxed kernel sees a read-only system (``/usr`` and a few files of ``/etc``), the course's
Python environment and the helper library read-only, a private writable copy of its own
submission folder (on a size-limited tmpfs) and a private ``/tmp``; nothing else: not the course
folder, not the exchange, not a home folder. It has no network at all (an empty network namespace:
not even loopback to the host's services), its own PID namespace, and limits on memory, processes,
CPU time, file size and open files. When the grader runs as root, the kernel runs as an
unprivileged user id of its own and, where the machine's cgroups can be written, in a cgroup of its
own that caps its memory, its processes and its CPU share for all its processes together.

The functions here build commands and check the machine; they start nothing themselves except in
:func:`probe`. :mod:`coursegrader.provisioner` uses them to start kernels.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["Limits", "SandboxUnavailable", "sandbox_command", "readonly_paths", "probe", "HOW_TO_PROCEED"]

#: Files of /etc a Python kernel reads (fonts, locale, time zone); the rest of /etc stays unseen.
ETC_FILES = ("/etc/fonts", "/etc/localtime", "/etc/ld.so.cache", "/etc/mime.types", "/etc/matplotlibrc")

HOW_TO_PROCEED = (
    "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; the course's `make course` does it) "
    "on a Linux machine whose kernel allows user namespaces (sysctl kernel.unprivileged_userns_clone=1 "
    "where that setting exists), or run as root. To grade code you trust without a sandbox (your own "
    "test submissions, never a class), pass --no-sandbox: see the instructor guide."
)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says why and how to proceed."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one sandboxed kernel may use. Sizes in MiB.

    Attributes
    ----------
    memory_mb : int
        Address space of each process (``RLIMIT_AS``), and, under a cgroup, the memory of all the
        kernel's processes together. A larger allocation raises ``MemoryError`` in the cell.
    processes : int
        Processes and threads (``RLIMIT_NPROC``; a cgroup's ``pids`` limit when one is used).
    cpu_seconds : int
        CPU time of each process (``RLIMIT_CPU``): a busy loop is killed after this.
    file_size_mb : int
        Largest file the kernel may write (``RLIMIT_FSIZE``).
    open_files : int
        Open file descriptors (``RLIMIT_NOFILE``).
    workdir_mb : int
        Size of the tmpfs that holds the private copy of the submission and ``/tmp`` each.
    cpus : float
        CPU share under a cgroup (1.0 = one core), so that a busy student cannot slow the
        others' kernels into their cell timeouts.
    """

    memory_mb: int = 2048
    processes: int = 256
    cpu_seconds: int = 1200
    file_size_mb: int = 256
    open_files: int = 256
    workdir_mb: int = 512
    cpus: float = 1.0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"Limits.{field.name}: received {value!r}; give a positive number "
                                 f"(the default is {field.default})")

    def prlimit_args(self, nproc=True):
        """The ``prlimit`` options for these limits (``nproc=False`` leaves processes to a cgroup)."""
        mib = 1024 * 1024
        args = [f"--as={self.memory_mb * mib}", f"--cpu={self.cpu_seconds}",
                f"--fsize={self.file_size_mb * mib}", f"--nofile={self.open_files}", "--core=0"]
        if nproc:
            args.append(f"--nproc={self.processes}")
        return args


def readonly_paths():
    """The host paths a kernel needs to read: the Python environment and the helper library.

    The environment (``sys.prefix``) and the interpreter it was made from (``sys.base_prefix``);
    the helper library's folder when it is an editable install that lives elsewhere (so that the
    rest of the repository stays unseen); the system folders.
    """
    paths = {"/usr"}
    for prefix in (sys.prefix, sys.base_prefix, sysconfig.get_paths()["stdlib"]):
        paths.add(os.path.realpath(prefix))
    import importlib.util

    spec = importlib.util.find_spec("trialkit")
    if spec is not None and spec.origin:
        paths.add(os.path.realpath(pathlib.Path(spec.origin).parent))
    paths.update(p for p in ETC_FILES if os.path.exists(p))
    # Drop a path already inside another one (binding /usr covers /usr/lib/python3.11).
    ordered = sorted(paths, key=len)
    kept = [p for i, p in enumerate(ordered)
            if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in ordered[:i])]
    return sorted(kept)


def _ancestors(path):
    parts = pathlib.PurePosixPath(path).parents
    return [str(p) for p in reversed(parts) if str(p) != "/"]


def sandbox_command(argv, *, workdir, kernel_dir, limits=Limits(), uid=None, cgroup_procs=(),
                    env=None, readonly=None, font_cache=None):
    """The command that runs ``argv`` (a kernel) in the sandbox.

    Parameters
    ----------
    argv : list of str
        The kernel's command, as the kernelspec formats it.
    workdir : str
        The submission's folder. The kernel gets a private, writable copy of it at the same path,
        on a tmpfs of ``limits.workdir_mb``; the folder itself is bound read-only elsewhere and
        never written.
    kernel_dir : str
        The kernel's own folder on the host: its connection file and IPC sockets. Bound writable.
    limits : Limits
    uid : int or None
        Run the kernel as this user id (when the grader is root); None keeps the caller's.
    cgroup_procs : sequence of str
        ``cgroup.procs`` files to put the sandbox into before it starts (empty: no cgroup).
    env : dict
        The kernel's whole environment (the sandbox starts from an empty one).
    readonly : list of str
        Host paths to show read-only at the same path (default :func:`readonly_paths`).
    font_cache : str or None
        A folder holding matplotlib's font list, copied into the kernel's ``MPLCONFIGDIR`` so that
        each kernel does not rebuild it (about a second each).

    Returns
    -------
    list of str
    """
    readonly = readonly_paths() if readonly is None else readonly
    workdir = os.path.realpath(workdir)
    kernel_dir = os.path.realpath(kernel_dir)
    inner_copy = "/run/submission"
    bwrap = [shutil.which("bwrap") or "bwrap",
             "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--clearenv"]
    if uid is None:
        bwrap.insert(1, "--unshare-user")  # unprivileged: a user namespace is what allows the rest
    for key, value in sorted((env or {}).items()):
        bwrap += ["--setenv", key, value]
    size = str(limits.workdir_mb * 1024 * 1024)
    # /tmp first: the kernel's folder or the submission's may lie under it.
    bwrap += ["--proc", "/proc", "--dev", "/dev", "--size", size, "--perms", "1777", "--tmpfs", "/tmp"]
    # Every folder that holds a mount point is made first, world-readable (bwrap would make it 0700).
    made = {"/tmp"}
    targets = [*readonly, workdir, kernel_dir, inner_copy]
    for target in targets:
        for folder in _ancestors(target):
            if folder not in made and folder not in ("/usr",):
                made.add(folder)
                bwrap += ["--perms", "0755", "--dir", folder]
    for path in readonly:
        bwrap += ["--ro-bind", path, path]
    for link, target in (("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/bin", "usr/bin"), ("/sbin", "usr/sbin")):
        if os.path.exists(link) and os.path.islink(link):
            bwrap += ["--symlink", target, link]
        elif os.path.isdir(link) and link not in readonly:
            bwrap += ["--ro-bind", link, link]
    bwrap += ["--ro-bind", workdir, inner_copy,
              "--size", size, "--perms", "1777", "--tmpfs", workdir,
              "--bind", kernel_dir, kernel_dir,
              "--chdir", workdir]
    # Inside: copy the submission into the private tmpfs, then become the kernel (as `uid`).
    start = "cp -R /run/submission/. . 2>/dev/null; chmod -R a+rwX . 2>/dev/null; "
    if font_cache:
        bwrap += ["--ro-bind", os.path.realpath(font_cache), "/run/fontcache"]
        start += ('mkdir -p "$MPLCONFIGDIR" && cp /run/fontcache/fontlist-*.json "$MPLCONFIGDIR"/ 2>/dev/null; '
                  'chmod -R a+rwX "$HOME" 2>/dev/null; ')
    start += 'exec "$@"'
    inner = ["/bin/sh", "-c", start, "sandbox"]
    if uid is not None:
        bwrap += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        inner += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}",
                  "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    command = [shutil.which("prlimit") or "prlimit", *limits.prlimit_args(nproc=uid is not None or not cgroup_procs),
               *bwrap, "--", *inner, *argv]
    if cgroup_procs:
        enter = " && ".join(f'echo $$ > "{p}"' for p in cgroup_procs)
        command = ["/bin/sh", "-c", enter + ' && exec "$@"', "sandbox-cgroup", *command]
    return command


def probe(limits=Limits()):
    """Start a trivial process in the sandbox; raise :class:`SandboxUnavailable` if it cannot run.

    Returns a short description of the isolation in force (for the grading log).
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the grading sandbox needs Linux; this is {sys.platform}. {HOW_TO_PROCEED}")
    for tool in ("bwrap", "prlimit"):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"`{tool}` is not installed, so student code cannot be sandboxed. "
                                     f"{HOW_TO_PROCEED}")
    import tempfile

    uid = SANDBOX_UID_BASE if os.geteuid() == 0 else None
    with tempfile.TemporaryDirectory(prefix="coursegrader-probe-") as tmp:
        work, kdir = pathlib.Path(tmp, "work"), pathlib.Path(tmp, "kernel")
        work.mkdir()
        kdir.mkdir()
        (work / "probe.txt").write_text("ok", encoding="utf-8")
        if uid is not None:
            os.chmod(tmp, 0o711)
            os.chown(kdir, uid, uid)
        check = "import os; print(open('probe.txt').read(), os.getuid())"
        command = sandbox_command([sys.executable, "-c", check], workdir=str(work), kernel_dir=str(kdir),
                                  limits=limits, uid=uid, env=kernel_environment())
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SandboxUnavailable(f"the sandbox did not start ({error}). {HOW_TO_PROCEED}") from None
    if result.returncode or not result.stdout.startswith("ok"):
        reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SandboxUnavailable(f"the sandbox did not start: {reason[0]}. {HOW_TO_PROCEED}")
    who = f"user id {uid}" if uid is not None else "the grader's user id in a user namespace"
    return f"bubblewrap sandbox: no network, read-only system, private copy of each submission, as {who}"


#: User ids for sandboxed kernels when the grader is root: well above any real account's.
SANDBOX_UID_BASE = 2_100_000_000


def kernel_environment(source=None):
    """The whole environment of a sandboxed kernel: nothing of the grader's own leaks in.

    Only ``NBGRADER_EXECUTION`` (set by nbgrader while autograding) and ``TZ`` pass through from
    ``source`` (default ``os.environ``).
    """
    source = os.environ if source is None else source
    env = {
        "PATH": f"{os.path.realpath(sys.prefix)}/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/home/.config/matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "VIRTUAL_ENV": os.path.realpath(sys.prefix),
    }
    for key in ("NBGRADER_EXECUTION", "TZ"):
        if key in source:
            env[key] = source[key]
    return env
