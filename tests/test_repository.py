"""The repository's promises: the README's two commands, pinned requirements, lint, layout."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


def _readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up and test", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_has_exactly_two_setup_commands():
    assert _readme_commands() == ["make course", "make test"]


def test_ci_runs_the_readme_test_command():
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines[-1] == _readme_commands()[1]


def test_requirements_are_exact_pins():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("-c ", "-e ")):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.+]*", line), line
    for line in (ROOT / "requirements-lock.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, line


def test_hub_requirements_are_exact_pins():
    pins = {}
    for line in (ROOT / "deploy/hub/requirements-hub.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.+]*", line), line
            name, version = line.split("==")
            pins[name.lower()] = version
    assert pins["jupyterhub"].startswith("5."), "the course's hub is JupyterHub 5.x"
    assert "psycopg2-binary" in pins
    import json

    proxy = json.loads((ROOT / "deploy/hub/proxy/package.json").read_text())
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", proxy["dependencies"]["configurable-http-proxy"])
    lock = json.loads((ROOT / "deploy/hub/proxy/package-lock.json").read_text())
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == \
        proxy["dependencies"]["configurable-http-proxy"]


def test_installed_environment_is_consistent():
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_layout_folders_have_a_readme():
    for folder in ("book", "notebooks", "exercises", "solutions", "helpers", "benchmarks"):
        assert (ROOT / folder / "README.md").is_file(), folder


def test_ruff_is_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_notebooks_have_no_outputs():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_notebooks_clean.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_selfcheck_command_passes():
    result = subprocess.run([sys.executable, "-m", "trialkit", "selfcheck"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-check passed" in result.stdout
