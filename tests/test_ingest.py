"""A user's images become a dataset; a bad archive is refused with a sentence and nothing is written outside."""

import io
import stat
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from genart.data.ingest import MIN_IMAGES, DatasetError, ingest


def shape_png(kind: str, colour: str, i: int, size=(90, 60)) -> bytes:
    """A coloured shape on white, of any aspect, as PNG bytes."""
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    box = (10 + i % 7, 8, size[0] - 12, size[1] - 9)
    (d.ellipse if kind == "circles" else d.rectangle)(box, fill=colour)
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def make_zip(path, members: dict[str, bytes], links: tuple[str, ...] = ()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def shapes_zip(path, n=12, wrapper="my-shapes/"):
    members = {f"{wrapper}circles/c{i}.png": shape_png("circles", "red", i) for i in range(n)}
    members |= {f"{wrapper}squares/s{i}.png": shape_png("squares", "blue", i, (50, 120)) for i in range(n)}
    members[f"{wrapper}notes.txt"] = b"not an image"
    members["__MACOSX/._c0.png"] = b"resource fork"
    return make_zip(path, members)


def test_a_zip_of_coloured_shapes_becomes_square_colour_images_by_class(tmp_path):
    ds = ingest(shapes_zip(tmp_path / "shapes.zip"), tmp_path / "datasets", "shapes", 32)
    assert ds.classes == ("circles", "squares") and ds.counts == (12, 12) and ds.size == 32 and ds.total == 24
    files = sorted((tmp_path / "datasets" / "shapes").rglob("*.png"))
    assert len(files) == 24 and {f.parent.name for f in files} == {"circles", "squares"}
    red = np.asarray(Image.open(ds.path / "circles" / "00000.png"))
    assert red.shape == (32, 32, 3)
    centre = red[12:20, 12:20].reshape(-1, 3).mean(0)
    assert centre[0] > 200 and centre[1] < 60 and centre[2] < 60                     # colour kept
    blue = np.asarray(Image.open(ds.path / "squares" / "00000.png"))
    assert blue[16, 16, 2] > 200 and blue[16, 16, 0] < 60
    again = ingest(shapes_zip(tmp_path / "shapes2.zip", wrapper=""), tmp_path / "datasets", "shapes", 64)
    assert again.classes == ("circles", "squares") and Image.open(again.path / "squares" / "00003.png").size == (64, 64)
    assert sorted(p.name for p in (tmp_path / "datasets").iterdir()) == ["shapes"]     # replaced, nothing left over


def test_loose_image_files_are_one_class(tmp_path):
    paths = []
    for i in range(MIN_IMAGES):
        p = tmp_path / f"sprite{i}.png"
        p.write_bytes(shape_png("circles", "green", i))
        paths.append(p)
    ds = ingest(paths, tmp_path / "datasets", "sprites", 32)
    assert ds.classes == ("images",) and ds.counts == (MIN_IMAGES,)


@pytest.mark.parametrize("members, links, message", [
    ({"../evil.png": b"x"}, (), "outside its folder"),
    ({"/etc/evil.png": b"x"}, (), "outside its folder"),
    ({"a/../../evil.png": b"x"}, (), "outside its folder"),
    ({"C:\\\\evil.png": b"x"}, (), "outside its folder"),
    ({"ok.png": b"x"}, ("cls/link.png",), "link"),
    ({"readme.txt": b"hello", "data.csv": b"1,2"}, (), "No images found"),
    ({f"c/{i}.png": shape_png("circles", "red", i) for i in range(5)}, (), "Only 5 images"),
])
def test_bad_archives_are_refused_and_nothing_is_written(tmp_path, members, links, message):
    archive = make_zip(tmp_path / "bad.zip", members, links)
    root = tmp_path / "datasets"
    with pytest.raises(DatasetError, match=message):
        ingest(archive, root, "bad", 32)
    assert not root.exists() or not any(root.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.zip"] + (["datasets"] if root.exists() else [])


def test_a_zip_bomb_and_a_file_that_is_not_a_zip_are_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x/huge.png", b"\0" * (80 << 20))                               # 80 MB of zeros ≈ 80 kB packed
    with pytest.raises(DatasetError, match="zip bomb"):
        ingest(bomb, tmp_path / "datasets", "bomb", 32)
    fake = tmp_path / "photos.zip"
    fake.write_text("this is not a zip")
    with pytest.raises(DatasetError, match="not a zip archive"):
        ingest(fake, tmp_path / "datasets", "fake", 32)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(DatasetError, match="neither a zip archive nor an image"):
        ingest([notes], tmp_path / "datasets", "x", 32)


@pytest.mark.parametrize("name", ["../up", "Caps", "", "a" * 41, "with space", ".hidden"])
def test_a_dataset_name_cannot_name_a_path(tmp_path, name):
    with pytest.raises(DatasetError, match="dataset name"):
        ingest(shapes_zip(tmp_path / "s.zip"), tmp_path / "datasets", name, 32)


def test_only_the_offered_sizes(tmp_path):
    with pytest.raises(DatasetError, match="size must be one of 32, 64"):
        ingest(shapes_zip(tmp_path / "s.zip"), tmp_path / "datasets", "s", 28)
