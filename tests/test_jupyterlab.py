"""A student's session in a real JupyterLab: open the landmark lesson, run it, move the slider.

Starts `jupyter lab` on a free local port with a token, drives Debian's chromium with playwright,
and saves screenshots to _build/screenshots/ for a person to look at.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from browser import SCREENSHOTS, block_off_machine, free_port, launch, wait_for_port

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSON = os.environ.get("LAB_LESSON", "notebooks/04_landmark_analysis.ipynb")  # override while writing
pytestmark = pytest.mark.skipif(not (ROOT / LESSON).exists(), reason="the landmark lesson is not written yet")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("lab")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                           "checkForUpdates": False}))
    # Serve a copy of the lessons: JupyterLab autosaves, and the committed notebooks stay clean.
    served = home / "course"
    shutil.copytree(ROOT / "notebooks", served / "notebooks")
    port, token = free_port(), "course-test-token"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", token
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_student_runs_the_landmark_lesson_and_moves_the_slider(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        off_machine = block_off_machine(page, base)
        page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
        page.wait_for_selector(".jp-NotebookPanel", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Nbgrader" in menus, menus
        page.wait_for_selector(".jp-Toolbar-kernelName:has-text('Python 3')", timeout=60_000)
        page.wait_for_timeout(3000)  # the kernel's first status message, before running

        page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        explorer = page.locator(".widget-vbox", has=page.locator("text=Landmark explorer")).first
        try:
            explorer.wait_for(timeout=180_000)
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab_failure.png"), full_page=True)
            raise
        explorer.scroll_into_view_if_needed()
        result = explorer.locator(".widget-html-content").nth(1)
        # textContent, not innerText: JupyterLab skips rendering cells outside the viewport.
        page.wait_for_function("(el) => el.textContent.includes('months')", arg=result.element_handle(),
                               timeout=60_000)
        before = result.text_content()
        assert "0-13 months" in before
        explorer.screenshot(path=str(SCREENSHOTS / "jupyterlab_landmark_13.png"))

        readout = explorer.locator(".widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("24")
        page.keyboard.press("Enter")
        page.wait_for_function("(el) => el.textContent.includes('0-24 months')", arg=result.element_handle(),
                               timeout=60_000)
        after = result.text_content()
        assert after != before
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=300_000)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
        tracebacks = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count()
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab_landmark_lesson.png"), full_page=True)
        browser.close()
    assert errors == 0 and tracebacks == 0
    assert off_machine == [], off_machine
