"""A cgroup per sandboxed kernel, when the grader may make one (root, cgroup v1 or v2).

Resource limits (``prlimit``) hold per process; a cgroup holds for all of a kernel's processes
together: a student who forks 100 processes that each take 1 GiB, or spin, is stopped at the
kernel's memory, process and CPU budget. The cgroup is made inside the grader's own cgroup, so
whatever limits the machine gives the grader still apply.
"""

from __future__ import annotations

import functools
import os
import pathlib
import signal
import time

__all__ = ["KernelCgroup", "cgroups_available"]

ROOT = pathlib.Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")


def _own_paths():
    """{controller: path of this process's cgroup}, for cgroup v1; {"": path} for v2."""
    paths = {}
    for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            paths[controller] = path
    return paths


def _version():
    if (ROOT / "cgroup.controllers").exists():
        return 2
    if all((ROOT / c).is_dir() for c in CONTROLLERS):
        return 1
    return None


@functools.lru_cache(maxsize=1)
def cgroups_available():
    """Whether kernels can get a cgroup of their own here (root, with writable cgroups)."""
    if os.geteuid() != 0 or _version() is None:
        return False
    try:
        probe = KernelCgroup(f"probe-{os.getpid()}", memory_mb=64, processes=8, cpus=1.0)
    except OSError:
        return False
    probe.remove()
    return True


class KernelCgroup:
    """One kernel's cgroup: memory, process and CPU limits for all its processes together."""

    def __init__(self, name, *, memory_mb, processes, cpus):
        self.version = _version()
        own = _own_paths()
        if self.version == 2:
            base = ROOT / own.get("", "/").lstrip("/") / "coursegrader"
            base.mkdir(exist_ok=True)
            enable = " ".join(f"+{c}" for c in CONTROLLERS)
            (base.parent / "cgroup.subtree_control").write_text(enable)
            (base / "cgroup.subtree_control").write_text(enable)
            self.dirs = {"": base / name}
        else:
            self.dirs = {c: ROOT / c / own.get(c, "/").lstrip("/") / "coursegrader" / name for c in CONTROLLERS}
        for folder in self.dirs.values():
            folder.mkdir(parents=True, exist_ok=True)
        limit = memory_mb * 1024 * 1024
        period = 100_000
        if self.version == 2:
            folder = self.dirs[""]
            (folder / "memory.max").write_text(str(limit))
            if (folder / "memory.swap.max").exists():
                (folder / "memory.swap.max").write_text("0")
            (folder / "pids.max").write_text(str(processes))
            (folder / "cpu.max").write_text(f"{int(cpus * period)} {period}")
        else:
            (self.dirs["memory"] / "memory.limit_in_bytes").write_text(str(limit))
            swap = self.dirs["memory"] / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit))
            (self.dirs["pids"] / "pids.max").write_text(str(processes))
            (self.dirs["cpu"] / "cpu.cfs_period_us").write_text(str(period))
            (self.dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(int(cpus * period)))

    @property
    def procs_files(self):
        """The ``cgroup.procs`` files a process writes its pid to, to enter this cgroup."""
        return [str(folder / "cgroup.procs") for folder in self.dirs.values()]

    def oom_killed(self):
        """Whether the kernel hit the memory limit and something was killed for it."""
        try:
            if self.version == 2:
                events = (self.dirs[""] / "memory.events").read_text()
            else:
                events = (self.dirs["memory"] / "memory.oom_control").read_text()
        except OSError:
            return False
        for line in events.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and int(value) > 0:
                return True
        return False

    def remove(self):
        """Kill whatever still runs in the cgroup and remove it."""
        for _ in range(50):
            pids = set()
            for procs in self.procs_files:
                try:
                    pids.update(int(p) for p in pathlib.Path(procs).read_text().split())
                except OSError:
                    pass
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        for folder in self.dirs.values():
            for _ in range(20):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
