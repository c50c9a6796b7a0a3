"""genart studio: `python app.py` serves it on localhost (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
are honoured; Hugging Face Spaces runs this same file)."""

import genart.gpu  # noqa: F401  — first: on a ZeroGPU Space `spaces` must be imported before torch initialises CUDA
from genart.registry import Registry
from genart.ui import build_demo, launch_options

demo = build_demo(Registry())

if __name__ == "__main__":
    demo.launch(**launch_options())
