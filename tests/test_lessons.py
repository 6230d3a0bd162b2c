"""Every lesson runs top to bottom from a clean kernel: no errors, no warnings, same numbers twice."""

import json
import re

import pytest
from lessons import LESSONS, comparable_outputs, markdown, outputs

pytestmark = pytest.mark.skipif(not LESSONS, reason="no lessons yet")
IDS = [p.stem for p in LESSONS]


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_runs_without_errors(executed_lessons, path):
    result = executed_lessons[(path, 0)]
    errors = [o for _, o in outputs(result["nb"]) if o["output_type"] == "error"]
    assert result["returncode"] == 0 and not errors, result["log"][-3000:]


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_prints_no_warnings(executed_lessons, path):
    nb = executed_lessons[(path, 0)]["nb"]
    stderr = ["".join(o["text"]) for _, o in outputs(nb) if o["output_type"] == "stream" and o["name"] == "stderr"]
    assert not stderr, "a lesson printed to stderr (a warning?): fix the cause\n" + "\n".join(stderr)[:3000]
    text = json.dumps([o for _, o in outputs(nb)])
    assert "Warning" not in text, "a warning reached the student's output"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_gives_the_same_outputs_twice(executed_lessons, path):
    first = comparable_outputs(executed_lessons[(path, 0)]["nb"])
    second = comparable_outputs(executed_lessons[(path, 1)]["nb"])
    for a, b in zip(first, second, strict=True):
        assert a == b, f"cell {a[0]} ({a[1]}) differs between two runs: seed every random process"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_structure(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = markdown(nb)
    first = "".join(nb["cells"][0]["source"])
    assert re.match(r"# Lesson \d+: ", first), "the first cell is the title: '# Lesson N: ...'"
    for heading in ("## Learning objectives", "## Summary", "## References"):
        assert heading in text, f"missing section {heading!r}"
    checks = text.count("Check your understanding")
    answers = len(re.findall(r"<details>\s*<summary>", text))
    assert checks >= 1 and answers >= 2, "two or three questions, each with a hidden answer in <details>"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "commit without outputs"


def test_every_widget_is_used_by_a_lesson():
    from trialkit import widgets

    sources = " ".join("".join(c["source"]) for p in LESSONS for c in json.loads(p.read_text(encoding="utf-8"))["cells"]
                       if c["cell_type"] == "code")
    unused = [name for name in widgets.__all__ if name != "Explorer" and f"{name}(" not in sources]
    assert not unused, f"widgets no lesson shows: {unused}"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_code_lines_fit_in_80_characters(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    long = [(i, line) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for line in "".join(c["source"]).splitlines() if len(line) > 80]
    assert not long, "code lines over 80 characters (cell index, line):\n" + "\n".join(map(repr, long))
