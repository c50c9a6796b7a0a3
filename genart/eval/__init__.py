"""Evaluation: metrics (FD, KID, precision/recall), the evaluators of each family, the garment check (ood.py) and
its probes, the sketch model's fidelity."""
