"""The studio with one log line per event that the server answered (time, seconds, session, handler, a summary of
its inputs and outputs): `python serve_logged.py events.log`. With `loads.py` it showed that the VAE sample a
page missed had been computed and sent (docs/metrics/pageload/README.md)."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
import gradio.blocks as gb

import genart.core.zerogpu  # noqa: F401  (first, as in app.py)
from genart.core.registry import Registry
from genart.ui import build_demo, launch_options

orig = gb.Blocks.process_api
LOG = open(sys.argv[1] if len(sys.argv) > 1 else "events.log", "a", buffering=1)
async def logged(self, block_fn, inputs, state=None, request=None, iterator=None, session_hash=None, **kw):
    fn = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
    t0 = time.time()
    try:
        out = await orig(self, block_fn, inputs, state, request, iterator, session_hash, **kw)
        data = out.get("data")
        summ = [("skip" if isinstance(d, dict) and d.get("__type__") == "update" and len(d) == 1 else type(d).__name__) for d in (data or [])][:6]
        LOG.write(f"{t0:.3f} {time.time()-t0:.3f} {session_hash} {getattr(fn.fn,'__name__',fn.name)} {fn.name} in={str(inputs)[:80]} out={summ}\n")
        return out
    except Exception as e:
        LOG.write(f"{t0:.3f} ERR {session_hash} {fn.name} {e!r}\n"); raise
gb.Blocks.process_api = logged
demo = build_demo(Registry())
demo.launch(**launch_options())
