"""The sandbox kernelspec: ``course-sandbox``, an ipykernel started by the sandbox provisioner.

The kernelspec is written into a folder of the grader's own for each run (never installed for
the students or into the environment), and found through ``JUPYTER_PATH``.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import sys
import tempfile

__all__ = ["KERNEL_NAME", "install_kernelspec", "ensure_sandbox"]

KERNEL_NAME = "course-sandbox"


def kernelspec():
    """The kernelspec's content (``kernel.json``)."""
    return {
        # The environment's own interpreter path (not its resolved target), so the venv is found.
        "argv": [os.path.join(sys.prefix, "bin", "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        # A signal cannot reach the kernel in its own session; ipykernel interrupts itself on request.
        "interrupt_mode": "message",
        "metadata": {"kernel_provisioner": {"provisioner_name": KERNEL_NAME}},
    }


def install_kernelspec(folder=None):
    """Write the kernelspec under ``folder/kernels/`` and put ``folder`` first on ``JUPYTER_PATH``.

    Returns the folder (a new temporary one when ``folder`` is None).
    """
    folder = pathlib.Path(folder or tempfile.mkdtemp(prefix="coursegrader-jupyter-"))
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps(kernelspec(), indent=1), encoding="utf-8")
    paths = [str(folder), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return folder


@functools.lru_cache(maxsize=1)
def ensure_sandbox():
    """Check once per process that the sandbox starts here, and install the kernelspec.

    Returns the sandbox's description; raises :class:`~coursegrader.sandbox.SandboxUnavailable`.
    Called before worker processes are forked, so that they inherit the answer.
    """
    from .sandbox import probe

    description = probe()
    install_kernelspec()
    return description
