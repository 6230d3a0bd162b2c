"""Vendor the JavaScript the website loads, so that reading it makes no request off the machine.

Sphinx loads MathJax from a CDN by default, and myst-nb loads require.js and the ipywidgets HTML
manager from CDNs. This script fetches exact, pinned versions of the three npm packages with
`npm pack` (no dependency tree: the files used are self-contained bundles), checks each tarball
against the sha512 integrity pinned below, and extracts only the files the pages load into
book/_vendor/ (not committed; about 12 MB). `_config.yml` puts book/_vendor/ on Sphinx's
`html_static_path` (so the files land in _build/html/_static/) and points `mathjax_path` and
myst-nb's `nb_ipywidgets_js` at them.

Usage: python book/vendor.py [--force]   (run by `make book`; does nothing when up to date)
Needs `npm` and the npm registry, or npm's local cache, the first time only.
"""

import argparse
import base64
import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENDOR = ROOT / "book" / "_vendor"
STAMP = VENDOR / "VERSIONS.json"

# name: (version, npm's sha512 integrity of the tarball, folder in book/_vendor, files to keep).
# Files to keep are paths inside the tarball's package/ folder; a trailing "/" keeps a whole folder.
PACKAGES = {
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        "mathjax",
        # The component Sphinx uses (tex-mml-chtml), the fonts it loads, and the pieces it can
        # load on demand: TeX extensions (autoload), accessibility and the speech engine (menu).
        # tex-svg-full.js: the self-contained build that the grading feedback pages carry inside.
        {"es5/tex-mml-chtml.js": "tex-mml-chtml.js", "es5/tex-svg-full.js": "tex-svg-full.js",
         "es5/output/": "output/", "es5/input/": "input/",
         "es5/a11y/": "a11y/", "es5/sre/": "sre/", "es5/ui/": "ui/", "es5/adaptors/": "adaptors/",
         "LICENSE": "LICENSE"},
    ),
    "requirejs": (
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        "requirejs",
        {"require.js": "require.js"},  # MIT licence in the file's header
    ),
    "@jupyter-widgets/html-manager": (
        "1.0.15",  # ipywidgets 8.1 (widget state version 2.0); bundles base, controls, output and CSS
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        "html-manager",
        # embed-amd.js loads its fonts (Font Awesome) from its own folder: keep them beside it.
        # The package ships no LICENSE file (BSD-3-Clause, in package.json); the bundle's notices are
        # in embed.js.LICENSE.txt.
        {"dist/embed-amd.js": "embed-amd.js", "dist/embed.js.LICENSE.txt": "embed.js.LICENSE.txt",
         "package.json": "package.json", **{f"dist/{name}": name for name in (
             "23f19bb08961f37aaf69.eot", "77206a6bb316fa0aded5.eot", "9bbb245e67a133f6e486.eot",
             "2f517e09eb2ca6650ff5.svg", "4689f52cc96215721344.svg", "7a8b4f130182d19a2d7c.svg",
             "491974d108fe4002b2aa.ttf", "527940b104eb2ea366c8.ttf", "be9ee23c0c6390141475.ttf",
             "2285773e6b4b172f07d9.woff", "bb58e57c48a3e911f15f.woff", "eeccf4f66002c6f2ba24.woff",
             "1551f4f60c37af51121f.woff2", "7a3337626410ca2f4071.woff2", "d878b0a6a1144760244f.woff2")}},
    ),
}


def wanted():
    return {name: version for name, (version, *_) in PACKAGES.items()}


def up_to_date():
    try:
        return json.loads(STAMP.read_text()) == wanted()
    except (OSError, ValueError):
        return False


def integrity(path):
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(name, version, expected, dest):
    """Download name@version's tarball with npm into dest; check its integrity; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("book/vendor.py needs npm (Node.js) to fetch MathJax, require.js and the widget manager")
    result = subprocess.run([npm, "pack", f"{name}@{version}", "--json", "--pack-destination", str(dest)],
                            capture_output=True, text=True, cwd=dest)
    if result.returncode != 0:
        sys.exit(f"npm pack {name}@{version} failed:\n{result.stderr}")
    filename = json.loads(result.stdout)[0]["filename"]
    tarball = dest / filename
    if integrity(tarball) != expected:
        sys.exit(f"{name}@{version}: the tarball's sha512 is not the pinned one; refusing to use it")
    return tarball


def extract(tarball, folder, keep):
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith("package/"):
                continue
            inner = member.name.removeprefix("package/")
            for source, target in keep.items():
                if inner == source or (source.endswith("/") and inner.startswith(source)):
                    out = folder / (target + inner.removeprefix(source) if source.endswith("/") else target)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    break


def vendor():
    with tempfile.TemporaryDirectory(prefix="course-vendor-") as tmp:
        tmp = pathlib.Path(tmp)
        staged = tmp / "_vendor"
        for name, (version, expected, folder, keep) in PACKAGES.items():
            extract(fetch(name, version, expected, tmp), staged / folder, keep)
            missing = [t for s, t in keep.items() if not (staged / folder / t).exists()]
            if missing:
                sys.exit(f"{name}@{version}: expected files missing from the package: {missing}")
        (staged / "VERSIONS.json").write_text(json.dumps(wanted(), indent=1) + "\n")
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        shutil.move(str(staged), VENDOR)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="fetch again even if up to date")
    args = parser.parse_args(argv)
    if args.force or not up_to_date():
        vendor()
        print(f"vendored {', '.join(f'{n}@{v}' for n, v in wanted().items())} into {VENDOR.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
