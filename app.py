"""genart studio: `python app.py` serves it on localhost (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
are honoured; Hugging Face Spaces runs this same file)."""

import genart.core.zerogpu  # noqa: F401  — first: on a ZeroGPU Space `spaces` must be imported before torch initialises CUDA
from genart.core.registry import Registry
from genart.serve.gradio_patches import apply_gradio_patches
from genart.ui import build_demo, launch_options

apply_gradio_patches()         # on purpose, before the Blocks exist: genart/serve/gradio_patches.py says why each
demo = build_demo(Registry())

if __name__ == "__main__":
    demo.launch(**launch_options())
