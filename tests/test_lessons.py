"""Every lesson runs top to bottom from a clean kernel: no errors, no warnings, same numbers twice."""

import json
import re

import pytest
from lessons import GOING_FURTHER, LESSONS, comparable_outputs, main_path, markdown, outputs, prose_words

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
    unused = [name for name in widgets.__all__ if name.endswith("_explorer") and f"{name}(" not in sources]
    assert not unused, f"widgets no lesson shows: {unused}"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_code_lines_fit_in_80_characters(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    long = [(i, line) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for line in "".join(c["source"]).splitlines() if len(line) > 80]
    assert not long, "code lines over 80 characters (cell index, line):\n" + "\n".join(map(repr, long))


# ---------------------------------------------------------------------------------------------
# An hour each: the main path's word budget, and Going further after the Summary
# ---------------------------------------------------------------------------------------------

WORD_BUDGET = 3600  # AUTHORING.md: "at most about 3,500 words"; the test allows a little slack


def test_prose_words_counts_as_documented():
    text = """# Title

Two words, `inline_code` and a table | cell | (five more).

$$x = \\frac{a}{b}$$ and $y$ are math.

```python
not = counted
```

**Check your understanding.** Why?

<details>
<summary>Answer</summary>

Many words here are not counted at all.

</details>"""
    # Title 2: "#" is not a word; "Two words, `inline_code` and a table cell (five more)." -> 9; "and are math." -> 3;
    # "Check your understanding. Why?" -> 4
    assert prose_words(text) == 1 + 9 + 3 + 4


def test_main_path_stops_at_going_further():
    nb = {"cells": [{"cell_type": "markdown", "source": ["# Lesson 0: T\n", "\n", "one two"]},
                    {"cell_type": "code", "source": ["x = 1"]},
                    {"cell_type": "markdown", "source": [GOING_FURTHER + "\n\nthree four five"]}]}
    assert prose_words(main_path(nb)) == 5  # "Lesson", "0:", "T", "one", "two"; nothing after the heading


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_main_path_fits_in_an_hour(path):
    """The lesson's hour is its main path: every markdown cell before the cell that starts with
    `## Going further` (title, objectives, body and Summary). Its prose, counted by
    `lessons.prose_words` (no code, no LaTeX math, no collapsed <details> answers; inline code and
    table cells count), is at most WORD_BUDGET words. Going further comes after the Summary and
    before the References."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    starts = ["".join(c["source"]).split("\n", 1)[0] for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert GOING_FURTHER in starts, "a lesson ends its main path with a '## Going further' cell"
    text = markdown(nb)
    order = [text.index(h) for h in ("## Summary", GOING_FURTHER, "## References")]
    assert order == sorted(order), "the order is: ## Summary, ## Going further, ## References"
    words = prose_words(main_path(nb))
    assert words <= WORD_BUDGET, f"the main path has {words} words of prose; move or cut {words - WORD_BUDGET}"


# ---------------------------------------------------------------------------------------------
# Predict, then check: every widget and simulation is preceded by a prompt and a guess cell
# ---------------------------------------------------------------------------------------------

PROMPT = "**Predict, then check.**"
WIDGET = re.compile(r"\b(?:trialkit|tk)\.widgets\b")
SIMULATION = re.compile(r"\bsimulate_\w+\(|\ballocation_matrix\(|\bdefault_rng\(|\bn_boot=")
GUESS = re.compile(r"^[a-z_][a-z0-9_]* = None  # your guess\b")


def needs_a_prediction(cell):
    """A code cell that shows a widget or runs a simulation (of many trials, patients or resamples)."""
    source = "".join(cell["source"])
    return cell["cell_type"] == "code" and bool(WIDGET.search(source) or SIMULATION.search(source))


def predictions_missing(cells):
    """Indexes of the widget and simulation cells not preceded by a prompt and a guess cell."""
    missing = []
    for i, cell in enumerate(cells):
        if not needs_a_prediction(cell):
            continue
        guess = cells[i - 1] if i >= 1 else None
        prompt = cells[i - 2] if i >= 2 else None
        lines = "".join(guess["source"]).splitlines() if guess else []
        ok = (guess is not None and guess["cell_type"] == "code" and lines and all(GUESS.match(x) for x in lines)
              and prompt is not None and prompt["cell_type"] == "markdown" and PROMPT in "".join(prompt["source"]))
        if not ok:
            missing.append(i)
    return missing


def test_the_prediction_check_finds_a_missing_prompt():
    def cell(kind, text):
        return {"cell_type": kind, "source": [text]}

    sim = cell("code", "runs = simulate_trial(rng=1)")
    assert predictions_missing([cell("markdown", "Text."), cell("code", "x = 1"), sim]) == [2]
    good = [cell("markdown", f"{PROMPT} Guess."), cell("code", "my_guess = None  # your guess: a share"), sim]
    assert predictions_missing(good) == []
    assert predictions_missing([cell("markdown", PROMPT), cell("code", "import trialkit.widgets")]) == [1]


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_every_widget_and_simulation_is_preceded_by_a_prediction(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert any(needs_a_prediction(c) for c in cells), "no widget or simulation found: is the detection broken?"
    missing = predictions_missing(cells)
    assert not missing, (f"cells {missing} show a widget or run a simulation without a '{PROMPT}' markdown cell "
                         "and a guess cell ('name = None  # your guess: ...') just before them")
