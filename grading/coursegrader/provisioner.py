"""A kernel provisioner that starts every kernel in the grading sandbox.

jupyter_client starts kernels through provisioners; the course's sandbox kernelspec
(:mod:`coursegrader.kernelspec`) names this one (entry point ``course-sandbox``). Per kernel it
makes a private folder for the connection file and the IPC sockets (TCP cannot cross the empty
network namespace), wraps the kernel's command in :func:`coursegrader.sandbox.sandbox_command`,
and removes the folder, the cgroup and every leftover process when the kernel ends.

Limits come from the ``SandboxProvisioner`` traits, so ``nbgrader_config.py`` can change them::

    c.SandboxProvisioner.memory_mb = 4096
"""

from __future__ import annotations

import functools
import os
import pathlib
import secrets
import shutil
import subprocess
import tempfile

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Float, Integer

from . import cgroups, sandbox

__all__ = ["SandboxProvisioner", "last_kernel_events"]

#: What happened to the kernels this process started, newest last: {"kernel_id", "oom_killed"}.
_EVENTS = []


def last_kernel_events():
    """The events of the kernels started by this process (for the grader's failure reasons)."""
    return list(_EVENTS)


def _runtime_root():
    """This process's folder for kernel folders: private to the grader (0700)."""
    root = os.environ.get("COURSEGRADER_RUNTIME_DIR")
    if not root:
        root = tempfile.mkdtemp(prefix="coursegrader-kernels-")
        os.environ["COURSEGRADER_RUNTIME_DIR"] = root
    os.makedirs(root, mode=0o700, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(root, 0o711)  # the kernel's own user id must reach its folder, not list the others
    return root


@functools.lru_cache(maxsize=1)
def _font_cache():
    try:
        import matplotlib
    except ImportError:
        return None
    folder = pathlib.Path(matplotlib.get_cachedir())
    if not list(folder.glob("fontlist-*.json")):
        import matplotlib.font_manager  # noqa: F401  (builds the font list once, on the host)
    return str(folder) if list(folder.glob("fontlist-*.json")) else None


class SandboxProvisioner(LocalProvisioner):
    """Start the kernel in the bubblewrap sandbox, with IPC sockets in a folder of its own."""

    memory_mb = Integer(sandbox.Limits.memory_mb, config=True, help="Memory of the kernel, in MiB.")
    processes = Integer(sandbox.Limits.processes, config=True, help="Processes and threads of the kernel.")
    cpu_seconds = Integer(sandbox.Limits.cpu_seconds, config=True, help="CPU seconds of each process.")
    file_size_mb = Integer(sandbox.Limits.file_size_mb, config=True, help="Largest file written, MiB.")
    open_files = Integer(sandbox.Limits.open_files, config=True, help="Open file descriptors.")
    workdir_mb = Integer(sandbox.Limits.workdir_mb, config=True,
                         help="Size of the private copy of the submission folder and of /tmp, MiB.")
    cpus = Float(sandbox.Limits.cpus, config=True, help="CPU share under a cgroup (1.0 = one core).")

    _kernel_dir = None
    _cgroup = None

    @property
    def limits(self):
        return sandbox.Limits(memory_mb=self.memory_mb, processes=self.processes, cpu_seconds=self.cpu_seconds,
                              file_size_mb=self.file_size_mb, open_files=self.open_files,
                              workdir_mb=self.workdir_mb, cpus=self.cpus)

    async def pre_launch(self, **kwargs):
        km = self.parent
        limits = self.limits
        self._kernel_dir = pathlib.Path(tempfile.mkdtemp(prefix="kernel-", dir=_runtime_root()))
        # IPC transport, with the connection file and sockets in the kernel's own folder.
        km.transport = "ipc"
        km.cache_ports = False
        km.connection_file = str(self._kernel_dir / "connection.json")
        km.ip = str(self._kernel_dir / "ipc")
        cwd = kwargs.get("cwd") or os.getcwd()
        kwargs = await super().pre_launch(**kwargs)
        uid = None
        if os.geteuid() == 0:
            uid = sandbox.SANDBOX_UID_BASE + secrets.randbelow(1_000_000)
            os.chown(self._kernel_dir, uid, uid)
            os.chmod(km.connection_file, 0o644)  # its folder is the kernel's alone
        procs = ()
        if cgroups.cgroups_available():
            self._cgroup = cgroups.KernelCgroup(self._kernel_dir.name, memory_mb=limits.memory_mb,
                                                processes=limits.processes, cpus=limits.cpus)
            procs = self._cgroup.procs_files
        env = sandbox.kernel_environment(source=kwargs.get("env", os.environ))
        kwargs["cmd"] = sandbox.sandbox_command(kwargs["cmd"], workdir=cwd, kernel_dir=str(self._kernel_dir),
                                                limits=limits, uid=uid, cgroup_procs=procs, env=env,
                                                font_cache=_font_cache())
        kwargs["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        kwargs["cwd"] = str(self._kernel_dir)
        return kwargs

    async def launch_kernel(self, cmd, **kwargs):
        # The kernel's own console output (connection banners, a student's prints to fd 1/2) is not
        # the grader's: outputs reach the notebook through the kernel protocol.
        kwargs["stdout"] = kwargs["stderr"] = subprocess.DEVNULL
        kwargs["stdin"] = subprocess.DEVNULL
        return await super().launch_kernel(cmd, **kwargs)

    async def cleanup(self, restart=False):
        await super().cleanup(restart=restart)
        oom = False
        if self._cgroup is not None:
            oom = self._cgroup.oom_killed()
            self._cgroup.remove()
            self._cgroup = None
        if self._kernel_dir is not None:
            _EVENTS.append({"kernel_id": self.kernel_id, "oom_killed": oom})
            shutil.rmtree(self._kernel_dir, ignore_errors=True)
            self._kernel_dir = None
