"""Build the course website: table of contents, vendored JavaScript, then `jupyter-book build`.

Usage: python book/build.py [--output DIR] [--widgets static|live]

1. writes _toc.yml from the lessons and exercises that exist (book/toc.py);
2. vendors MathJax, require.js and the ipywidgets HTML manager if needed (book/vendor.py);
3. runs `jupyter-book build . -W -n --keep-going --path-output DIR` (DIR defaults to the
   repository, so the site is in _build/html and the execution cache in _build/.jupyter_cache),
   with the lessons' kernels using an IPython profile in DIR/_build/.ipython whose startup file
   describes each figure for its alt text (book/_ext/describe_figures.py), and with the
   environment variable TRIALKIT_WIDGETS=static, so that the lessons' widgets are made static:
   every position of their controls precomputed and switched in the page without a kernel
   (trialkit.widgets.static). `--widgets live` builds them as JupyterLab shows them, frozen in
   their first state (to measure what the static ones cost). The kernels inherit the rest of the
   build's environment (PYTHONPATH, for example, to build with another copy of trialkit).

Sphinx rebuilds only the pages whose sources changed; a change to the site's own extension or
assets (book/_ext, book/_assets, book/vendor.py) or to the bibliography changes other pages too,
so then every page is re-read (`--all`; executed lessons still come from the cache). The
execution cache knows only the lessons' code: when the helper library (helpers/trialkit) or the
widgets' mode changes, the lessons' outputs may change too, so the cache is emptied and every
lesson runs again.

Any warning or execution error fails the build (exit status 1), at its end (--keep-going), so that
one run reports every warning.
`make book` runs this; so do the tests (tests/test_book.py) and the benchmark (benchmarks/book.py).
"""

import argparse
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "book"))

import toc  # noqa: E402
import vendor  # noqa: E402


def ipython_profile(output):
    """An IPython directory for the build's kernels: figure descriptions on, history off."""
    ipython_dir = output / "_build" / ".ipython"
    profile = ipython_dir / "profile_default"
    (profile / "startup").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "book" / "_ext" / "describe_figures.py", profile / "startup" / "00-describe-figures.py")
    (profile / "ipython_kernel_config.py").write_text('c.HistoryManager.enabled = False\n')
    return ipython_dir


def tooling_digest():
    """A digest of the files that shape many pages: the site's extension and assets, the citations."""
    files = [ROOT / "book" / "vendor.py", ROOT / "book" / "references.bib", ROOT / "book" / "bibliography.md",
             *(ROOT / "book" / "_ext").rglob("*"), *(ROOT / "book" / "_assets").rglob("*")]
    digest = hashlib.sha256()
    for path in sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def library_digest(widgets):
    """A digest of what the lessons' outputs depend on besides their code: the helper library
    (its modules and data) and the widgets' mode."""
    digest = hashlib.sha256(f"TRIALKIT_WIDGETS={widgets}\0".encode())
    library = ROOT / "helpers" / "trialkit"
    for path in sorted(p for p in library.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(library).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build(output=ROOT, extra_args=(), widgets="static"):
    """Run the whole build into output/_build/html; return jupyter-book's exit status."""
    output = pathlib.Path(output).resolve()
    toc.main([])
    vendor.main([])
    env = dict(os.environ, IPYTHONDIR=str(ipython_profile(output)), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               TRIALKIT_WIDGETS=widgets)
    stamp, digest = output / "_build" / ".book-tooling", tooling_digest()
    executed, library = output / "_build" / ".book-library", library_digest(widgets)
    everything = [] if stamp.exists() and stamp.read_text() == digest else ["--all"]
    if not (executed.exists() and executed.read_text() == library):
        shutil.rmtree(output / "_build" / ".jupyter_cache", ignore_errors=True)
        everything = ["--all"]
    command = [str(BIN / "jupyter-book"), "build", str(ROOT), "--path-output", str(output), "-W", "-n",
               "--keep-going", *everything, *extra_args]
    status = subprocess.run(command, cwd=ROOT, env=env).returncode
    if status == 0:
        stamp.write_text(digest)
        executed.write_text(library)
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=ROOT,
                        help="folder that receives _build/ (default: the repository)")
    parser.add_argument("--widgets", choices=("static", "live"), default="static",
                        help="static (default): every position of the lessons' widgets precomputed, so that "
                             "they respond in the website; live: frozen in their first state")
    args, extra = parser.parse_known_args(argv)
    return build(args.output, extra, widgets=args.widgets)


if __name__ == "__main__":
    sys.exit(main())
