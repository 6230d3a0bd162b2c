"""The website's Sphinx extension (book/_ext/course_book.py): reading a figure's description from its PNG.

During the book build each lesson's kernel writes a "Description" text chunk into every figure's
PNG (book/_ext/describe_figures.py, through matplotlib's `metadata`); the extension reads it back
with Pillow for the image's alt text. tests/test_book.py checks the alt texts of the built site.
"""

import pathlib
import sys
import zlib

import matplotlib
import pytest
from PIL import Image, PngImagePlugin

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from course_book import png_text  # noqa: E402  (book/_ext/course_book.py)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture
def figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 13, 75], [1, 0.8, 0.5])
    yield fig
    plt.close(fig)


@pytest.mark.parametrize("description", [
    "Figure: Overall survival; x axis: months; y axis: survival probability",  # latin-1: a tEXt chunk
    "Figure: Survival after 13 months — UC-MSC vs control; x axis: months ≥ 13",  # not latin-1: iTXt
])
def test_the_description_matplotlib_writes_is_read(figure, tmp_path, description):
    path = tmp_path / "figure.png"
    figure.savefig(path, format="png", metadata={"Description": description})
    texts = png_text(path)
    assert texts["Description"] == description
    assert texts["Software"].startswith("Matplotlib")


def test_a_figure_without_a_description_has_none(figure, tmp_path):
    figure.savefig(tmp_path / "figure.png", format="png")
    assert "Description" not in png_text(tmp_path / "figure.png")


def test_compressed_chunks_are_read(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "Figure: compressed, latin-1 é", zip=True)  # zTXt
    info.add_itxt("Title", "Überleben", zip=True)  # compressed iTXt
    path = tmp_path / "pillow.png"
    Image.new("RGB", (8, 8), "white").save(path, pnginfo=info)
    assert png_text(path) == {"Description": "Figure: compressed, latin-1 é", "Title": "Überleben"}


def test_a_text_chunk_after_the_image_data_is_read(tmp_path):
    """The PNG specification allows text chunks after IDAT (Pillow and matplotlib write them before)."""
    path = tmp_path / "figure.png"
    Image.new("RGB", (8, 8), "white").save(path)
    data = path.read_bytes()
    iend = data.rindex(b"IEND") - 4  # the IEND chunk starts with its length
    assert data.index(b"IDAT") < iend
    body = b"Description\0Figure: written after the pixels"
    chunk = len(body).to_bytes(4, "big") + b"tEXt" + body + zlib.crc32(b"tEXt" + body).to_bytes(4, "big")
    path.write_bytes(data[:iend] + chunk + data[iend:])
    assert png_text(path) == {"Description": "Figure: written after the pixels"}


@pytest.mark.parametrize("content", [b"", b"not an image", b"\x89PNG\r\n\x1a\n\0\0"])
def test_what_is_not_a_readable_png_has_no_text(tmp_path, content):
    path = tmp_path / "figure.png"
    path.write_bytes(content)
    assert png_text(path) == {}


def test_another_format_or_a_missing_file_has_no_text(tmp_path):
    Image.new("RGB", (8, 8), "white").save(tmp_path / "photo.jpg")
    assert png_text(tmp_path / "photo.jpg") == {}
    assert png_text(tmp_path / "missing.png") == {}
