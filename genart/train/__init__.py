"""Training: one shared loop (common.py) and one file per model family; `task_class` finds a family's trainer."""


def task_class(family: str):
    """The Task class that trains `family` (imported on demand: a family pulls in its models)."""
    if family == "classifier":
        from genart.train.classifier import ClassifierTask
        return ClassifierTask
    if family == "vae":
        from genart.train.vae import VAETask
        return VAETask
    if family == "gan":
        from genart.train.gan import GANTask
        return GANTask
    if family == "diffusion":
        from genart.train.diffusion import DiffusionTask
        return DiffusionTask
    if family == "sketch_reader":
        from genart.train.sketch_reader import SketchReaderTask
        return SketchReaderTask
    if family == "sketch_diffusion":
        from genart.train.sketch_diffusion import SketchDiffusionTask
        return SketchDiffusionTask
    raise ValueError(f"no trainer for {family}")
