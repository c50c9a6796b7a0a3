"""The house's shape: layers without cycles, a studio core without Gradio, Gradio changed only on purpose, and a
public API whose names, parameters and defaults stay as published (tests/api_contract.json)."""

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the import cycles of a module graph (components of more than one module)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_strongly_connected_finds_a_planted_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_genart():
    """Function-local imports count too (grimp reads every import statement)."""
    g = grimp.build_graph("genart")
    graph = {m: set(g.find_modules_directly_imported_by(m)) for m in g.modules}
    assert len(graph) > 60
    assert strongly_connected(graph) == []


def test_the_layer_contracts_hold():
    """import-linter's contracts in pyproject.toml: arrows point down; nothing at or below the studio core imports
    gradio."""
    run = subprocess.run([str(Path(PYTHON).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "2 kept, 0 broken" in run.stdout


def _fresh(code: str) -> str:
    run = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout.strip()


def test_importing_the_ui_changes_nothing_in_gradio():
    """Every module of genart imported, nothing of Gradio or uvicorn is replaced; apply_gradio_patches() does it."""
    probe = """
import pkgutil, importlib, json, genart
import gradio.processing_utils as pu, gradio.routes as routes, gradio.utils as gu, gradio.route_utils as ru
import uvicorn.config
from gradio.blocks import Blocks
def state():
    return [pu.save_pil_to_cache, pu._check_allowed, Blocks.preprocess_data, Blocks.validate_inputs,
            Blocks.process_api, ru.call_process_api, routes.App.create_app, gu.MatplotlibBackendMananger,
            dict(uvicorn.config.HTTP_PROTOCOLS)]
before = state()
for m in pkgutil.walk_packages(genart.__path__, "genart."):
    if m.name != "genart.__main__":
        importlib.import_module(m.name)
after = state()
from genart.serve.gradio_patches import apply_gradio_patches
apply_gradio_patches()
patched = state()
print(json.dumps([a == b for a, b in zip(before, after)] + [sum(a != b for a, b in zip(before, patched))]))
"""
    out = json.loads(_fresh(probe))
    assert all(out[:-1]), out
    assert out[-1] == 9                      # and the explicit call does change each of them


@pytest.fixture(scope="module")
def canaries() -> dict:
    return json.loads(_fresh("import runpy, json; print(json.dumps(runpy.run_path('tests/gradio_canaries.py')"
                             "['main']()))"))


@pytest.mark.parametrize("name", [
    "check_save_pil_to_cache", "check_allowed_path", "check_preprocess_data", "check_validate_inputs",
    "check_create_app", "check_analytics_setting", "check_matplotlib_backend_manager", "check_uvicorn_protocols",
    "check_page_compression", "check_batching_hooks", "check_upload_folder"])
def test_gradio_canary(canaries, name):
    """Each change to Gradio still has its reason (tests/gradio_canaries.py says which upstream fact it watches)."""
    assert canaries[name] is None, f"{name}: {canaries[name]}"
