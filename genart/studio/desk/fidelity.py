"""The desk on hand-drawn sketches: reader accuracy, silhouette IoU and class kept of its designs against
today's SDEdit (`python -m genart eval desk`). The measures themselves are genart/eval/sketch_fidelity.py."""

from __future__ import annotations

import numpy as np
import torch

from genart.data.datasets import CLASSES, to_tensor, to_uint8
from genart.diffusion.sampling import denoise, guided, sdedit_start
from genart.diffusion.schedules import schedule_for
from genart.eval.sketch_fidelity import STRENGTHS, classify, sketch_iou
from genart.studio.desk.design import GUIDANCE, generate, read_drawing


def load_drawings(folder) -> list[tuple[str, str, object]]:
    """tests/drawings/<Class>_<k>.png → [(file name, class name, Drawing)], sorted by name."""
    from pathlib import Path

    from PIL import Image

    by_stem = {c.replace("/", "_").replace(" ", "_"): c for c in CLASSES}
    out = []
    for p in sorted(Path(folder).glob("*.png")):
        cls = by_stem.get(p.stem.rsplit("_", 1)[0])
        if cls is not None:
            out.append((p.name, cls, read_drawing(Image.open(p).convert("RGB"))))
    if not out:
        raise ValueError(f"{folder} holds no drawings named <Class>_<k>.png")
    return out


@torch.no_grad()
def sdedit_today(registry, drawing, seeds: list[int], strength: float, label: int, steps: int = 25,
                 guidance: float = 2.0) -> np.ndarray:
    """Today's "Dream from sketch": SDEdit of the drawing's 28-px garment with diffusion/fashion (DDIM,
    class guidance 2), as genart/ui/diffusion_tab.py `img2img` runs it → (N, 28, 28) uint8."""
    model = registry.get("diffusion/fashion")
    schedule = schedule_for(model.config)
    x0 = to_tensor(drawing.garment[None])
    starts, ts = [], None
    for s in seeds:
        x, ts = sdedit_start(schedule, x0, strength, steps, torch.Generator().manual_seed(int(s)))
        starts.append(x)
    x = torch.cat(starts)
    fn = guided(model, torch.full((len(seeds),), label, dtype=torch.long), guidance, model.config.num_classes)
    for step in denoise(fn, schedule, "ddim", x, ts, torch.Generator().manual_seed(0)):
        x = step.x_next
    return to_uint8(x)


def evaluate_drawings(registry, folder, seeds: int = 2, strengths=STRENGTHS, follow: float = 1.0,
                      class_guidance: float | None = None, progress=None) -> dict:
    """`python -m genart eval desk`: on the hand-drawn set — the reader's accuracy beside the metric
    classifier's; per strength, mean silhouette IoU and class kept for "follow my lines" (the sketch
    model, `follow`) and for today's SDEdit (diffusion/fashion), both with the class the reader reads
    and the same seeds. IoU: the drawing's filled region vs the result's silhouette, each cropped to
    its bounding box (results mirrored back where reading the sketch mirrored it)."""
    class_guidance = GUIDANCE if class_guidance is None else class_guidance
    drawings = load_drawings(folder)
    truth = np.array([CLASSES.index(c) for _, c, _ in drawings])
    garments = np.stack([d.garment for _, _, d in drawings])
    reader, metric = registry.get("sketch_reader/fashion"), registry.get("classifier/fashion")
    read = classify(reader, garments)
    result = {"drawings": len(drawings), "seeds": seeds, "follow": follow, "class_guidance": class_guidance,
              "sdedit_guidance": 2.0,
              "reader_accuracy": round(float((read == truth).mean()), 4),
              "classifier_accuracy": round(float((classify(metric, garments) == truth).mean()), 4),
              "reader_wrong": {n: CLASSES[int(r)] for (n, _, _), r, t in zip(drawings, read, truth) if r != t},
              "strengths": {}}
    seed_list = list(range(seeds))
    for s in strengths:
        row = {}
        for method in ("follow", "sdedit"):
            ious, kept = [], []
            for (_, _, d), lab, t in zip(drawings, read, truth):
                out = (generate(registry, d, seed_list, s, follow, int(lab), guidance=class_guidance)
                       if method == "follow"
                       else sdedit_today(registry, d, seed_list, s, int(lab)))
                ious += [sketch_iou(d.gray, g, d.condition.flipped) for g in out]
                kept += list(classify(metric, out) == t)
            row[method] = {"iou": round(float(np.mean(ious)), 4), "class_kept": round(float(np.mean(kept)), 4)}
        result["strengths"][str(s)] = row
        if progress:
            progress(s, row)
    return result


def markdown(result: dict) -> str:
    lines = ["| strength | IoU follow my lines | IoU today's SDEdit | class kept (follow) | class kept (SDEdit) |",
             "|---|---|---|---|---|"]
    for s, row in result["strengths"].items():
        lines.append(f"| {s} | {row['follow']['iou']:.3f} | {row['sdedit']['iou']:.3f} | "
                     f"{row['follow']['class_kept']:.3f} | {row['sdedit']['class_kept']:.3f} |")
    return "\n".join(lines)
