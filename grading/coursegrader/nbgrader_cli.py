"""Run nbgrader's own commands with this environment, and with the course's warning filters."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

__all__ = ["run_nbgrader", "main"]


def run_nbgrader(*args, cwd=None, env=None):
    """Run ``nbgrader ARGS`` (through :func:`main`) with this environment's tools first on PATH."""
    bin_dir = pathlib.Path(sys.executable).parent
    full_env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {}))
    return subprocess.run([sys.executable, "-m", "coursegrader.nbgrader_cli", *args], cwd=cwd, env=full_env,
                          text=True, capture_output=True)


def main(argv=None):
    """``nbgrader`` itself, with nbgrader's own SQLAlchemy warnings silenced at their cause."""
    from nbgrader.apps.nbgraderapp import NbGraderApp

    from .autograde import quiet_nbgrader_warnings

    quiet_nbgrader_warnings()
    NbGraderApp.launch_instance(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
