"""Shared helpers of the lesson tests: find the lessons, execute them, read their text."""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# LESSONS="02_*" restricts the lesson tests to some lessons while writing one.
LESSONS = sorted((ROOT / "notebooks").glob(os.environ.get("LESSONS", "[0-9][0-9]_*.ipynb")))


def execute_all(paths, out_dir, runs=1, timeout=120):
    """Execute every notebook ``runs`` times, two processes at a time; return {(path, run): nb}."""
    jobs = [(p, r) for p in paths for r in range(runs)]
    results, running = {}, []
    for path, run in jobs:
        out = pathlib.Path(out_dir) / f"{path.stem}.run{run}.ipynb"
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_notebook.py"), str(path), str(out), "--timeout",
             str(timeout)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        running.append((path, run, out, proc))
        if len(running) >= 2:
            _collect(running.pop(0), results)
    for item in running:
        _collect(item, results)
    return results


def _collect(item, results):
    path, run, out, proc = item
    log, _ = proc.communicate()
    results[(path, run)] = {"nb": json.loads(out.read_text(encoding="utf-8")), "returncode": proc.returncode,
                            "log": log}


def markdown(nb):
    """All markdown text of a notebook."""
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def outputs(nb):
    """(cell index, output) for every output of every code cell."""
    return [(i, o) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" for o in c.get("outputs", [])]


def comparable_outputs(nb):
    """The outputs that must be identical between two runs (text, HTML and images).

    Consecutive chunks of one stream in a cell are joined: a kernel may deliver one print's
    lines in one message or several, depending on timing.
    """
    keep = []
    for i, out in outputs(nb):
        if out["output_type"] == "stream":
            text = "".join(out["text"])
            if keep and keep[-1][:2] == (i, out["name"]):
                keep[-1] = (i, out["name"], keep[-1][2] + text)
            else:
                keep.append((i, out["name"], text))
        elif out["output_type"] in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue  # widget model ids are random; their state is checked elsewhere
            for mime in ("text/plain", "text/html", "image/png", "text/markdown"):
                if mime in data:
                    keep.append((i, mime, "".join(data[mime]) if isinstance(data[mime], list) else data[mime]))
    return keep
