"""Execute a notebook top to bottom in a fresh kernel and save the executed copy.

Usage: python scripts/run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS]

Used by the tests and benchmarks (one process per notebook, so several run in parallel). The
kernel starts in the notebook's folder, as it does when a student opens it in JupyterLab.
Exits 1 if a cell raises; the executed notebook is written either way.
"""

import argparse
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", type=pathlib.Path)
    parser.add_argument("output", type=pathlib.Path)
    parser.add_argument("--timeout", type=int, default=120, help="seconds one cell may take")
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    # coalesce_streams: a kernel may deliver one print's lines in one message or several; joined,
    # two runs of the same notebook give the same outputs.
    client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3", coalesce_streams=True,
                            resources={"metadata": {"path": str(args.notebook.parent)}})
    start = time.perf_counter()
    status = 0
    try:
        client.execute()
    except CellExecutionError as error:
        print(error, file=sys.stderr)
        status = 1
    nb.metadata["execution_seconds"] = round(time.perf_counter() - start, 2)
    nbformat.write(nb, args.output)
    return status


if __name__ == "__main__":
    sys.exit(main())
