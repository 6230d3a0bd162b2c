"""Vendor the JavaScript the website loads, so that reading it makes no request off the machine.

Sphinx loads MathJax from a CDN by default, and myst-nb loads require.js and the ipywidgets HTML
manager from CDNs. This script fetches exact, pinned versions of the three npm packages with
`npm pack` (no dependency tree: the files used are self-contained bundles), checks each tarball
against the sha512 integrity pinned below, and extracts only the files the pages load into
book/_vendor/ (not committed; about 18 MB). `_config.yml` puts book/_vendor/ on Sphinx's
`html_static_path` (so the files land in _build/html/_static/) and points `mathjax_path` and
myst-nb's `nb_ipywidgets_js` at them.

The files to keep are named by path or by pattern inside each package (the widget manager's fonts
have build-hashed names that change with every release), and every pattern must match a file. So
bumping a package is: its version and its integrity below (`npm view NAME@VERSION dist.integrity`),
then `make book-vendor`. Each file is taken from a tarball checked against that integrity; the
sha256 of each file extracted is written to book/_vendor/.files.json (a dotfile: Sphinx does not
publish it), and a later run fetches everything again unless the folder still holds exactly those
files with those hashes, extracted under the pins below.

Usage: python book/vendor.py [--force | --check]   (run by `make book`; does nothing when up to date)
Needs `npm` and the npm registry, or npm's local cache, the first time only.
"""

import argparse
import base64
import fnmatch
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENDOR = ROOT / "book" / "_vendor"
STAMP = "VERSIONS.json"  # {name: version}: the make target, also copied into the site as before
MANIFEST = ".files.json"  # the pins the folder was made under, and the sha256 of every file in it

# name: version, npm's sha512 integrity of the tarball, folder in book/_vendor, files to keep and,
# optionally, a webpack bundle whose assets (the files it loads from its own folder) must all be kept.
# Files to keep, {pattern: target}, with patterns as paths inside the tarball's package/ folder:
#   "dist/embed-amd.js": that file, saved as the target;
#   "es5/output/": the whole folder, saved under the target folder;
#   "dist/*.woff2": a glob (* and ? within one folder): each file it matches, by its own name, in
#   the target folder ("" for the package's folder).
PACKAGES = {
    "mathjax": {
        "version": "3.2.2",
        "integrity": "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        "folder": "mathjax",
        # The component Sphinx uses (tex-mml-chtml), the fonts it loads, and the pieces it can
        # load on demand: TeX extensions (autoload), accessibility and the speech engine (menu).
        # tex-svg-full.js: the self-contained build that the grading feedback pages carry inside.
        "keep": {"es5/tex-mml-chtml.js": "tex-mml-chtml.js", "es5/tex-svg-full.js": "tex-svg-full.js",
                 "es5/output/": "output/", "es5/input/": "input/",
                 "es5/a11y/": "a11y/", "es5/sre/": "sre/", "es5/ui/": "ui/", "es5/adaptors/": "adaptors/",
                 "LICENSE": "LICENSE"},
    },
    "requirejs": {
        "version": "2.3.8",
        "integrity": "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        "folder": "requirejs",
        "keep": {"require.js": "require.js"},  # MIT licence in the file's header
    },
    "@jupyter-widgets/html-manager": {
        "version": "1.0.15",  # ipywidgets 8.1 (widget state version 2.0); bundles base, controls, output and CSS
        "integrity": "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        "folder": "html-manager",
        # embed-amd.js loads its fonts (Font Awesome: solid, regular and brands, five formats each,
        # named by webpack after their content) from its own folder: keep them beside it.
        # The package ships no LICENSE file (BSD-3-Clause, in package.json); the bundle's notices are
        # in embed.js.LICENSE.txt.
        "keep": {"dist/embed-amd.js": "embed-amd.js", "dist/embed.js.LICENSE.txt": "embed.js.LICENSE.txt",
                 "package.json": "package.json",
                 **{f"dist/*.{font}": "" for font in ("eot", "svg", "ttf", "woff", "woff2")}},
        "bundle": "embed-amd.js",
    },
}


class VendorError(Exception):
    """The packages cannot be vendored as pinned: a message for the person running the build."""


def wanted(packages=PACKAGES):
    return {name: pin["version"] for name, pin in packages.items()}


def integrity(path):
    return "sha512-" + base64.b64encode(hashlib.sha512(pathlib.Path(path).read_bytes()).digest()).decode()


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_glob(pattern):
    return any(c in pattern for c in "*?[")


def target_of(pattern, target, inner):
    """Where a file at `inner` (a path inside package/) goes if `pattern` keeps it, else None."""
    if pattern.endswith("/"):
        return target + inner.removeprefix(pattern) if inner.startswith(pattern) else None
    if not is_glob(pattern):
        return target if inner == pattern else None
    parts, inner_parts = pattern.split("/"), inner.split("/")
    if len(parts) == len(inner_parts) and all(map(fnmatch.fnmatchcase, inner_parts, parts)):
        return target + inner_parts[-1]
    return None


def webpack_assets(bundle):
    """The files a webpack bundle loads from its own folder (its public path): `X.p+"NAME"`."""
    return set(re.findall(r'\.p\+"([^"/]+)"', bundle.read_text(encoding="utf-8")))


def fetch(name, version, dest):
    """Download name@version's tarball with npm into dest; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("book/vendor.py needs npm (Node.js) to fetch MathJax, require.js and the widget manager")
    result = subprocess.run([npm, "pack", f"{name}@{version}", "--json", "--pack-destination", str(dest)],
                            capture_output=True, text=True, cwd=dest)
    if result.returncode != 0:
        raise VendorError(f"npm pack {name}@{version} failed:\n{result.stderr}")
    return dest / json.loads(result.stdout)[0]["filename"]


def unpack(name, pin, tarball, staged):
    """Check the tarball against the pinned integrity and extract the files to keep into staged/folder.

    Every pattern must match a file, and every asset of the bundle (if any) must be kept.
    """
    label = f"{name}@{pin['version']}"
    if integrity(tarball) != pin["integrity"]:
        raise VendorError(f"{label}: the tarball's sha512 is not the pinned one; refusing to use it")
    folder, matched = staged / pin["folder"], dict.fromkeys(pin["keep"], 0)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith("package/"):
                continue
            inner = member.name.removeprefix("package/")
            for pattern, target in pin["keep"].items():
                out = target_of(pattern, target, inner)
                if out is not None:
                    matched[pattern] += 1
                    out = folder / out
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    break
    unmatched = [pattern for pattern, count in matched.items() if not count]
    if unmatched:
        raise VendorError(f"{label}: no file in the package matches {unmatched}")
    if pin.get("bundle"):
        missing = sorted(a for a in webpack_assets(folder / pin["bundle"]) if not (folder / a).is_file())
        if missing:
            raise VendorError(f"{label}: {pin['bundle']} loads files that no pattern keeps: {missing}")


def files_in(folder):
    """{path relative to folder: sha256} of every file in it but the stamp and the manifest."""
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() not in (STAMP, MANIFEST)}


def check(folder=VENDOR, packages=PACKAGES):
    """What is wrong with a vendored folder, as a list of sentences: [] if it is what the pins make.

    It must have been made under these pins (versions, integrities, files to keep) and still hold
    exactly the files then extracted, each with the sha256 then recorded.
    """
    folder = pathlib.Path(folder)
    try:
        stamp = json.loads((folder / STAMP).read_text())
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return [f"{folder} holds no {STAMP} and {MANIFEST} (not vendored by this script)"]
    problems = []
    if stamp != wanted(packages) or manifest.get("packages") != packages:
        problems.append(f"{folder} was vendored under other pins than book/vendor.py's")
    recorded, present = manifest.get("files", {}), files_in(folder)
    for path in sorted(recorded.keys() | present.keys()):
        if path not in present:
            problems.append(f"{path}: missing")
        elif path not in recorded:
            problems.append(f"{path}: not a vendored file")
        elif present[path] != recorded[path]:
            problems.append(f"{path}: its sha256 differs from the one recorded when it was extracted")
    return problems


def vendor(packages=PACKAGES, folder=VENDOR, tarballs=None):
    """Fetch (or take from `tarballs`, {name: path}), check and extract every package into folder."""
    with tempfile.TemporaryDirectory(prefix="course-vendor-") as tmp:
        tmp = pathlib.Path(tmp)
        staged = tmp / "_vendor"
        staged.mkdir()
        for name, pin in packages.items():
            tarball = tarballs[name] if tarballs else fetch(name, pin["version"], tmp)
            unpack(name, pin, tarball, staged)
        manifest = {"packages": packages, "files": files_in(staged)}
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        (staged / STAMP).write_text(json.dumps(wanted(packages), indent=1) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        shutil.move(str(staged), folder)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--force", action="store_true", help="fetch again even if up to date")
    action.add_argument("--check", action="store_true", help="only say whether book/_vendor is up to date")
    args = parser.parse_args(argv)
    problems = check()
    if args.check:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if args.force or problems:
        try:
            vendor()
        except VendorError as error:
            sys.exit(str(error))
        print(f"vendored {', '.join(f'{n}@{v}' for n, v in wanted().items())} into {VENDOR.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
