"""The colour models' data set: Noto Color Emoji drawn by Unicode group (genart/data/emoji.py)."""

import numpy as np
from PIL import Image

from genart.data.emoji import GROUPS, build, emoji_list


def test_the_list_keeps_one_emoji_per_picture():
    emoji = emoji_list()
    names = [e.name for e in emoji]
    assert len(emoji) > 1800 and len({e.codepoints for e in emoji}) == len(emoji)
    assert {e.group for e in emoji} == set(GROUPS.values())
    assert "grinning face" in names and "thumbs up" in names and "thumbs up: medium skin tone" not in names
    assert not any(0x1F3FB <= c <= 0x1F3FF for e in emoji for c in e.codepoints)       # no skin-tone variants


def test_build_writes_a_folder_of_classes_at_the_asked_size(tmp_path):
    counts = build(tmp_path, size=16)
    assert set(counts) == set(GROUPS.values()) and min(counts.values()) >= 80 and sum(counts.values()) > 1800
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GROUPS.values())
    face = np.asarray(Image.open(tmp_path / "faces" / "1f600.png"))                        # grinning face
    assert face.shape == (16, 16, 3)
    assert (face[0, 0] == 255).all() and face[8, 8, 0] > 150 and face[8, 8, 2] < 120        # white paper, yellow face
    flag = np.asarray(Image.open(next((tmp_path / "flags").glob("*.png"))))
    assert flag.shape == (16, 16, 3) and flag.std() > 20                                    # a drawn flag, not blank
