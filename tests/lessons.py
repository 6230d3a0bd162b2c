"""Shared helpers of the lesson tests: find the lessons, execute them, read their text."""

import json
import os
import pathlib
import re
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


GOING_FURTHER = "## Going further"


def main_path(nb):
    """The markdown a student reads in the lesson's hour: every markdown cell before the cell whose
    first line is `## Going further` (the title, the objectives, the body and the Summary)."""
    cells = []
    for c in nb["cells"]:
        source = "".join(c["source"])
        if source.startswith(GOING_FURTHER):
            break
        if c["cell_type"] == "markdown":
            cells.append(source)
    return "\n\n".join(cells)


def prose_words(text):
    """The words of markdown prose in ``text``, counted as the word budget counts them.

    Left out: fenced code blocks, display math ($$...$$) and inline math ($...$), the collapsed
    answers of the questions (<details>...</details>; the question itself counts) and HTML tags.
    Counted: every other token between white space that holds a letter or a digit, so inline code
    (read as part of its sentence) and the cells of a table count, and table rules and bullets do not.
    """
    text = re.sub(r"<details>.*?</details>", " ", text, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"</?[A-Za-z][^<>\n]*>", " ", text)
    return sum(1 for token in text.split() if re.search(r"[A-Za-z0-9]", token))


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
