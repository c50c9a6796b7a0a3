"""Gradio's image cache writes atomically: concurrent writers of one image never expose a partial file."""

import threading

import numpy as np
from PIL import Image


def test_concurrent_identical_outputs_never_show_a_truncated_file(tmp_path):
    import genart.ui  # noqa: F401 — applies the fix
    from gradio import processing_utils
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8))
    path = processing_utils.save_pil_to_cache(img, str(tmp_path), format="png")
    full = len(open(path, "rb").read())
    sizes, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            sizes.append(len(open(path, "rb").read()))

    def writer():
        for _ in range(40):
            processing_utils.save_pil_to_cache(img.copy(), str(tmp_path), format="png")

    threads = [threading.Thread(target=reader)] + [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join()
    stop.set()
    threads[0].join()
    assert sizes and set(sizes) == {full}
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["image.png"]     # no staging file left


def test_output_pngs_are_fast_to_encode_and_keep_their_record(tmp_path):
    import genart.ui  # noqa: F401 — applies the fix
    from gradio import processing_utils

    from genart import records
    img = records.stamp(np.random.default_rng(1).integers(0, 255, (64, 64, 3), dtype=np.uint8),
                        records.make("gan_generate", {"seed": 3}))
    path = processing_utils.save_pil_to_cache(img, str(tmp_path), format="png")
    assert records.read(path)["params"] == {"seed": 3}                          # the record travels
    data = open(path, "rb").read()
    idat = data.index(b"IDAT")
    assert data[idat + 4] & 0x0F == 8 and data[idat + 5] >> 6 == 0               # zlib header: deflate, "fastest"
    assert np.array_equal(np.asarray(Image.open(path)), np.asarray(img))          # lossless all the same
