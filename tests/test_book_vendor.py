"""book/vendor.py: the website's JavaScript, kept by pattern from npm tarballs checked against pinned hashes.

The tarball tests build npm-style tarballs in a temporary folder (no network) and vendor them with
the real selection of the widget manager's files. The last tests read the real book/_vendor/
(`make test` vendors it first; `make book-vendor` does it alone) and damage only a copy of it.
"""

import copy
import io
import json
import pathlib
import shutil
import subprocess
import sys
import tarfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book"))
import vendor  # noqa: E402  (book/vendor.py)

MANAGER = "@jupyter-widgets/html-manager"
FONT_FORMATS = ("eot", "svg", "ttf", "woff", "woff2")


def npm_tarball(path, files):
    """A tarball laid out as npm packs one: every file under package/. Returns its path."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def manager_files(fonts=FONT_FORMATS, loads=None):
    """The files of a widget-manager-like package: a bundle that loads hash-named fonts, and more."""
    fonts = {f"dist/{i:020x}.{ext}": f"font {ext}".encode() for i, ext in enumerate(fonts)}
    loads = [name.removeprefix("dist/") for name in fonts] if loads is None else loads
    bundle = "define(1);" + "".join(f'5738:(e,t,n)=>{{e.exports=n.p+"{name}"}},' for name in loads)
    return {"dist/embed-amd.js": bundle.encode(), "dist/embed.js.LICENSE.txt": b"notices",
            "dist/embed.js.map": b"not kept", "dist/embed.js": b"not kept", "src/index.ts": b"not kept",
            "package.json": b'{"name": "@jupyter-widgets/html-manager"}', **fonts}


def pinned(tarball):
    """The real widget manager's pin, for this tarball."""
    pin = copy.deepcopy(vendor.PACKAGES[MANAGER])
    pin["integrity"] = vendor.integrity(tarball)
    return {MANAGER: pin}


def test_the_fonts_are_kept_by_pattern_and_the_rest_left_out(tmp_path):
    files = manager_files()
    packages = pinned(npm_tarball(tmp_path / "manager.tgz", files))
    out = tmp_path / "_vendor"
    vendor.vendor(packages, out, tarballs={MANAGER: tmp_path / "manager.tgz"})
    kept = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    fonts = sorted(f"html-manager/{name.removeprefix('dist/')}" for name in files if name.endswith(FONT_FORMATS))
    assert len(fonts) == len(FONT_FORMATS)
    assert kept == sorted([".files.json", "VERSIONS.json", "html-manager/embed-amd.js",
                           "html-manager/embed.js.LICENSE.txt", "html-manager/package.json", *fonts])
    for name, data in files.items():
        if name.endswith(FONT_FORMATS):
            assert (out / "html-manager" / name.removeprefix("dist/")).read_bytes() == data
    assert json.loads((out / "VERSIONS.json").read_text()) == {MANAGER: "1.0.15"}
    assert vendor.check(out, packages) == []


def test_a_pattern_that_matches_nothing_stops_the_vendoring(tmp_path):
    without_eot = manager_files(fonts=("svg", "ttf", "woff", "woff2"))
    packages = pinned(npm_tarball(tmp_path / "manager.tgz", without_eot))
    out = tmp_path / "_vendor"
    out.mkdir()
    (out / "earlier.js").write_text("the folder vendored before")
    with pytest.raises(vendor.VendorError, match=r"no file in the package matches \['dist/\*\.eot'\]"):
        vendor.vendor(packages, out, tarballs={MANAGER: tmp_path / "manager.tgz"})
    assert [p.name for p in out.iterdir()] == ["earlier.js"]  # left as it was


def test_a_font_the_bundle_loads_but_no_pattern_keeps_stops_the_vendoring(tmp_path):
    files = manager_files()
    files["dist/0123456789abcdef0123.otf"] = b"a new font format"
    loads = [name.removeprefix("dist/") for name in files if name.endswith((*FONT_FORMATS, "otf"))]
    files["dist/embed-amd.js"] = manager_files(loads=loads)["dist/embed-amd.js"]
    packages = pinned(npm_tarball(tmp_path / "manager.tgz", files))
    with pytest.raises(vendor.VendorError, match=r"embed-amd.js loads files that no pattern keeps: "
                                                 r"\['0123456789abcdef0123.otf'\]"):
        vendor.vendor(packages, tmp_path / "_vendor", tarballs={MANAGER: tmp_path / "manager.tgz"})


def test_a_tarball_whose_hash_differs_from_the_pin_is_refused(tmp_path):
    files = manager_files()
    packages = pinned(npm_tarball(tmp_path / "manager.tgz", files))
    font = next(name for name in files if name.endswith(".woff2"))
    files[font] = files[font] + b"!"
    npm_tarball(tmp_path / "other.tgz", files)
    with pytest.raises(vendor.VendorError, match="the tarball's sha512 is not the pinned one"):
        vendor.vendor(packages, tmp_path / "_vendor", tarballs={MANAGER: tmp_path / "other.tgz"})
    assert not (tmp_path / "_vendor").exists()


def test_the_glob_stays_inside_its_folder():
    assert vendor.target_of("dist/*.svg", "", "dist/2f517e09eb2ca6650ff5.svg") == "2f517e09eb2ca6650ff5.svg"
    assert vendor.target_of("dist/*.svg", "fonts/", "dist/a.svg") == "fonts/a.svg"
    assert vendor.target_of("dist/*.svg", "", "dist/icons/a.svg") is None
    assert vendor.target_of("dist/*.svg", "", "lib/dist/a.svg") is None
    assert vendor.target_of("dist/*.woff", "", "dist/a.woff2") is None
    assert vendor.target_of("es5/output/", "output/", "es5/output/chtml.js") == "output/chtml.js"
    assert vendor.target_of("LICENSE", "LICENSE", "LICENSE.txt") is None


# ---------------------------------------------------------------------------------------------
# The real book/_vendor/
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vendored():
    problems = vendor.check()
    assert not problems, ("book/_vendor/ is not what book/vendor.py pins (make book-vendor fetches it):\n"
                          + "\n".join(problems[:20]))
    return vendor.VENDOR


def test_the_real_widget_manager_fonts_are_exactly_what_its_bundle_loads(vendored):
    folder = vendored / vendor.PACKAGES[MANAGER]["folder"]
    fonts = {p.name for p in folder.iterdir() if p.suffix.lstrip(".") in FONT_FORMATS}
    assert fonts == vendor.webpack_assets(folder / "embed-amd.js")
    assert {p.rsplit(".", 1)[1] for p in fonts} == set(FONT_FORMATS)


def test_a_changed_missing_or_extra_file_in_a_copy_is_found(vendored, tmp_path):
    copied = tmp_path / "_vendor"
    shutil.copytree(vendored, copied)
    assert vendor.check(copied) == []
    font = sorted((copied / "html-manager").glob("*.woff2"))[0]
    font.write_bytes(font.read_bytes()[:-1] + bytes([font.read_bytes()[-1] ^ 1]))
    (copied / "mathjax" / "LICENSE").unlink()
    (copied / "requirejs" / "extra.js").write_text("not from npm")
    assert vendor.check(copied) == [
        "html-manager/" + font.name + ": its sha256 differs from the one recorded when it was extracted",
        "mathjax/LICENSE: missing",
        "requirejs/extra.js: not a vendored file",
    ]


def test_a_copy_vendored_under_other_pins_is_out_of_date(vendored, tmp_path):
    copied = tmp_path / "_vendor"
    shutil.copytree(vendored, copied)
    packages = copy.deepcopy(vendor.PACKAGES)
    packages[MANAGER]["keep"]["dist/*.otf"] = ""
    assert vendor.check(copied, packages) == [f"{copied} was vendored under other pins than book/vendor.py's"]


def test_the_check_command_passes_on_the_real_folder(vendored):
    result = subprocess.run([sys.executable, str(ROOT / "book" / "vendor.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
