"""Training in the background: one job at a time per studio, a child process running the CLI's own trainer.

    <root>/jobs/<id>/job.json       what was asked (family, dataset, size, preset, name), the command, the pid
    <root>/jobs/<id>/status/        status.json + grid.png, written by the trainer (genart/train/status.py)
    <root>/jobs/<id>/run/           the trainer's run folder: <family>/state.pt, the resume state
    <root>/jobs/<id>/train.log      the child's output
    <root>/datasets/<name>/         the user's image datasets (genart/data/ingest.py)

A job is `python -m genart train <family> ... --status-dir <job>/status --no-export`, so what the Train tab
trains is exactly what the command line trains. Stop sends SIGTERM (the trainer saves its resume state);
resume starts the same command with `--resume`; publish runs that command once more with `--resume` at the
step reached and without `--no-export`: the trainer exports the weights and the model card (its command,
metrics from the evaluator) as the next version in the user's model folder, where the registry finds it.
Everything lives on disk, so a reloaded page — or a restarted studio — finds the job again.

Anyone may watch the studio's job; only its starter may stop, resume or publish it. A job started with a key
keeps the key's SHA-256 in job.json; the caller (the Train tab, a script) holds the key in its ticket
"<job id>~<key>" (`ticket_of`, `parse_ticket`), and those three actions ask for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from genart.data.datasets import CLASSES
from genart.data.ingest import NAME, Dataset, DatasetError, ingest
from genart.train.presets import preset as preset_of
from genart.train.status import read_status

REPO = Path(__file__).resolve().parents[2]
FAMILIES = ("gan", "vae", "diffusion")
FASHION = "fashion-mnist"
SIZES = (28, 32, 64)
SHIPPED_STEMS = ("fashion",)          # names a user model may not take

PRESETS = ("quick", "standard")        # per family and image shape: genart/train/presets.py
MAX_STEPS = 200_000
MAX_JOB_DATASETS = 50


class JobError(ValueError):
    """A training request that cannot be done; the message says why and what to do."""


NOT_YOURS = ("This training job was started by someone else (another browser or script): you can watch it, but "
             "only its starter can stop, resume or publish it.")


def new_key() -> str:
    return secrets.token_urlsafe(16)


def ticket_of(job: str, key: str) -> str:
    """What the starter of a job holds: its id and its key."""
    return f"{job}~{key}" if key else job


def parse_ticket(ticket: str | None) -> tuple[str, str]:
    """A ticket (or a bare job id, or "") → (job id, key)."""
    job, _, key = (ticket or "").strip().partition("~")
    return job, key


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class JobSpec:
    family: str
    dataset: str            # "fashion-mnist", "fashion-mnist:Dress,Coat", a user dataset's name, or an allowed folder
    size: int
    channels: int
    preset: str
    steps: int
    name: str               # the model's registry stem: <family>/<name>
    width: int
    batch_size: int
    lr: float
    beta1: float | None = None      # the GAN's Adam β₁ (its presets use 0.5)


def fashion_classes(dataset: str) -> list[str] | None:
    """The Fashion-MNIST classes a dataset string picks ("fashion-mnist:Dress,Coat"), None for all of them."""
    if ":" not in dataset:
        return None
    picked = [c.strip() for c in dataset.split(":", 1)[1].split(",") if c.strip()]
    unknown = [c for c in picked if c not in CLASSES]
    if unknown:
        raise JobError(f"Fashion-MNIST has no class {unknown[0][:40]!r}; its classes are {', '.join(CLASSES)}.")
    return picked or None


class Trainer:
    """The studio's training jobs (one running at a time) and its users' datasets."""

    def __init__(self, root: Path | str, model_dir: Path | str, python: str = sys.executable):
        self.root, self.model_dir, self.python = Path(root), Path(model_dir), python
        self.jobs_dir, self.data_dir = self.root / "jobs", self.root / "datasets"
        self._lock = threading.Lock()
        self._children: dict[str, subprocess.Popen] = {}        # reaped by poll(), so no zombies linger

    # ------------------------------------------------------------------------------------------ datasets
    def datasets(self) -> list[str]:
        if not self.data_dir.is_dir():
            return []
        return sorted(p.name for p in self.data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def add_dataset(self, files: list, name: str) -> Dataset:
        """Uploaded files (a zip, or images) → the dataset <name>, 64-px colour squares (trained at any size ≤ 64)."""
        if len(self.datasets()) >= MAX_JOB_DATASETS and name not in self.datasets():
            raise DatasetError(f"The studio keeps at most {MAX_JOB_DATASETS} datasets; reuse a name to replace one.")
        return ingest(files, self.data_dir, name, 64)

    def server_folder(self, folder: str) -> Path:
        """A folder on the server as a dataset: only below a root the host allows (GENART_TRAIN_FOLDERS,
        colon-separated; none by default, so a public studio reads no server folder)."""
        roots = [Path(r).resolve() for r in os.environ.get("GENART_TRAIN_FOLDERS", "").split(":") if r.strip()]
        path = Path(folder).resolve()
        if not any(path.is_relative_to(r) for r in roots):
            raise JobError("This studio trains on no folder of the server" + (
                "" if not roots else f" outside {', '.join(map(str, roots))}") + "; upload your images instead.")
        if not path.is_dir():
            raise JobError(f"{folder[:80]} is not a folder.")
        return path

    def describe(self, name: str) -> str:
        folder = self.data_dir / name
        if not folder.is_dir():
            raise JobError(f"There is no dataset {name[:40]!r}; make one from your images first.")
        counts = {p.name: sum(1 for _ in p.glob("*.png")) for p in sorted(folder.iterdir()) if p.is_dir()}
        return f"{sum(counts.values())} images in {len(counts)} classes: " + ", ".join(
            f"{k} ({v})" for k, v in counts.items())

    # ------------------------------------------------------------------------------------------ jobs
    def spec(self, family: str, dataset: str, size: int, steps: int, name: str, preset: str = "quick") -> JobSpec:
        """Check a request and fill in what its preset decides."""
        if family not in FAMILIES:
            raise JobError(f"family must be one of {', '.join(FAMILIES)}, not {str(family)[:20]!r}.")
        if preset not in PRESETS:
            raise JobError(f"preset must be one of {', '.join(PRESETS)}, not {str(preset)[:20]!r}.")
        if not isinstance(name, str) or not NAME.match(name) or name in SHIPPED_STEMS:
            raise JobError("A model name is 1–40 lowercase letters, digits, - or _ (not 'fashion', the shipped "
                           "models' name).")
        dataset = str(dataset or FASHION)
        if dataset.split(":", 1)[0] == FASHION:
            fashion_classes(dataset)
        elif dataset.startswith("/"):
            self.server_folder(dataset)
        elif not NAME.match(dataset) or not (self.data_dir / dataset).is_dir():
            raise JobError(f"There is no dataset {dataset[:40]!r}; the studio has {FASHION}"
                           + "".join(f", {d}" for d in self.datasets()) + ".")
        size = int(size)
        if size not in SIZES:
            raise JobError(f"size must be one of {', '.join(map(str, SIZES))} px, not {size}.")
        fashion = dataset.startswith(FASHION)
        channels = 1 if fashion else 3
        recipe = preset_of(family, size, channels, preset)
        steps = int(steps) if steps else recipe["steps"]
        if not 1 <= steps <= MAX_STEPS:
            raise JobError(f"steps must be between 1 and {MAX_STEPS:,}, not {steps}.")
        return JobSpec(family, dataset, size, channels, preset, steps, name, recipe["width"], recipe["batch_size"],
                       recipe["lr"], recipe.get("beta1"))

    def command(self, job: str, spec: JobSpec, resume: bool = False, publish_at: int | None = None) -> list[str]:
        """The trainer's command line for a job (train, resume, or publish at a step)."""
        d = self.jobs_dir / job
        fashion = spec.dataset.startswith(FASHION)
        data = FASHION if fashion else spec.dataset if spec.dataset.startswith("/") else \
            str(self.data_dir / spec.dataset)
        cmd = [self.python, "-m", "genart", "train", spec.family, "--data", data]
        if fashion and (picked := fashion_classes(spec.dataset)):
            cmd += ["--classes", ",".join(picked)]
        cmd += ["--size", str(spec.size), "--channels", str(spec.channels), "--width", str(spec.width),
                "--steps", str(publish_at if publish_at is not None else spec.steps),
                "--batch-size", str(spec.batch_size), "--lr", repr(float(spec.lr)), "--seed", "0",
                *(["--beta1", repr(float(spec.beta1))] if spec.beta1 is not None else []),
                "--precision", "auto", "--out", str(d / "run"), "--name", spec.name, "--ckpt-dir", str(self.model_dir),
                "--sample-every", "0", "--ckpt-minutes", "1"]
        if resume or publish_at is not None:
            cmd += ["--resume", str(self.state_path(job, spec))]
        if publish_at is None:
            cmd += ["--status-dir", str(d / "status"), "--no-export"]
        return cmd

    def state_path(self, job: str, spec: JobSpec) -> Path:
        return self.jobs_dir / job / "run" / spec.family / "state.pt"

    def _read_job(self, job: str) -> dict:
        if not isinstance(job, str) or not re.fullmatch(r"[0-9]{8}-[0-9]{6}-[a-z]+-[0-9]+", job):
            raise JobError(f"There is no training job {str(job)[:40]!r}.")
        try:
            return json.loads((self.jobs_dir / job / "job.json").read_text())
        except (OSError, json.JSONDecodeError):
            raise JobError(f"There is no training job {job!r}.") from None

    def _write_job(self, job: str, record: dict) -> None:
        path = self.jobs_dir / job / "job.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2))
        tmp.replace(path)

    def current(self) -> str | None:
        """The studio's newest job (running or not), or None: what a reloaded Train tab reattaches to."""
        if not self.jobs_dir.is_dir():
            return None
        jobs = sorted(p.name for p in self.jobs_dir.iterdir() if (p / "job.json").is_file())
        return jobs[-1] if jobs else None

    def running(self) -> str | None:
        job = self.current()
        return job if job and self._alive(self._read_job(job)) else None

    def _alive(self, record: dict) -> bool:
        pid = record.get("pid")
        child = self._children.get(record["id"])
        if child is not None:
            return child.poll() is None
        if not pid:
            return False
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return b"genart" in cmdline and record["id"].encode() in cmdline

    def _spawn(self, job: str, cmd: list[str], log_name: str = "train.log") -> subprocess.Popen:
        nice = ["nice", "-n", "5"] if shutil.which("nice") else []             # the studio's own requests come first
        log = open(self.jobs_dir / job / log_name, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            return subprocess.Popen(nice + cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
        finally:
            log.close()

    def start(self, family: str, dataset: str, size: int, steps: int, name: str, preset: str = "quick",
              key: str = "") -> str:
        """Start a job; its id. Refused while another job runs (one at a time per studio), and on a studio whose
        host turned training off (GENART_TRAIN=0: e.g. a public Space whose CPU is for playing). With a `key`,
        stop, resume and publish ask for it (`allowed`)."""
        if os.environ.get("GENART_TRAIN", "1").strip() == "0":
            raise JobError("Training is turned off on this studio (its host set GENART_TRAIN=0); run the studio "
                           "yourself to train.")
        spec = self.spec(family, dataset, size, steps, name, preset)
        with self._lock:
            if (busy := self.running()) is not None:
                raise JobError(f"A training job is running ({busy}); stop it or wait for it to finish.")
            now = time.time()
            job = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}-{spec.family}-{int(now * 1000) % 1000:03d}"
            (self.jobs_dir / job / "status").mkdir(parents=True, exist_ok=False)
            cmd = self.command(job, spec)
            child = self._spawn(job, cmd)
            self._children[job] = child
            self._write_job(job, {"id": job, "spec": asdict(spec), "command": shlex.join(cmd), "pid": child.pid,
                                  "started": time.time(), "published": [], "key_sha256": _digest(key) if key else ""})
        return job

    def allowed(self, job: str, key: str | None) -> bool:
        """Whether `key` may stop, resume and publish the job: its own key, or any for a job started without one.
        None is the host's own call (tests, the command line): always allowed."""
        want = self._read_job(job).get("key_sha256")
        return key is None or not want or hmac.compare_digest(want, _digest(key))

    def _check(self, job: str, key: str | None) -> None:
        if not self.allowed(job, key):
            raise JobError(NOT_YOURS)

    def resume(self, job: str, key: str | None = None) -> str:
        self._check(job, key)
        record = self._read_job(job)
        spec = JobSpec(**record["spec"])
        with self._lock:
            if (busy := self.running()) is not None:
                raise JobError(f"A training job is running ({busy}); stop it first.")
            if not self.state_path(job, spec).is_file():
                raise JobError("This job saved no resume state yet; start it again instead.")
            status = read_status(self.jobs_dir / job / "status") or {}
            if status.get("step", 0) >= spec.steps:
                raise JobError("This job has finished all its steps; publish it, or start a longer one.")
            child = self._spawn(job, self.command(job, spec, resume=True))
            self._children[job] = child
            record.update(pid=child.pid, resumed=time.time())
            record.pop("stop_requested", None)
            self._write_job(job, record)
        return job

    def stop(self, job: str, wait_s: float = 20.0, key: str | None = None) -> dict:
        """Stop a running job; it saves its resume state first. The job's status afterwards."""
        self._check(job, key)
        record = self._read_job(job)
        if self._alive(record):
            record["stop_requested"] = time.time()          # a job stopped before it could say so is "stopped"
            self._write_job(job, record)
            try:
                os.killpg(record["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.time() + wait_s
            while self._alive(record) and time.time() < deadline:
                time.sleep(0.1)
            if self._alive(record):
                os.killpg(record["pid"], signal.SIGKILL)
        return self.status(job)

    def status(self, job: str) -> dict:
        """What the job is doing: state, step, steps, img/s, ETA, the loss curves, the grid's path."""
        record = self._read_job(job)
        spec = record["spec"]
        s = read_status(self.jobs_dir / job / "status") or {"state": "starting", "step": 0, "losses": {}}
        alive = self._alive(record)
        state = s.get("state", "starting")
        if not alive and state in ("starting", "running"):
            if record.get("stop_requested"):
                state = "stopped"                             # stopped while it was still starting
            else:
                state = "failed"                              # the process is gone without saying why
                s["error"] = s.get("error") or self._log_tail(job)
        if alive and state in ("finished", "stopped", "failed"):
            state = "running"                                 # a resumed job whose child has not written yet
        grid = self.jobs_dir / job / "status" / "grid.png"
        return {"job": job, "family": spec["family"], "dataset": spec["dataset"], "size": spec["size"],
                "channels": spec["channels"], "preset": spec["preset"], "name": spec["name"], "state": state,
                "step": s.get("step", 0), "steps": spec["steps"], "img_per_s": s.get("img_per_s"),
                "eta_s": s.get("eta_s") if state == "running" else None, "elapsed_s": s.get("elapsed_s"),
                "losses": s.get("losses", {}), "grid_step": s.get("grid_step"), "error": s.get("error"),
                "grid": str(grid) if grid.is_file() else None, "published": record.get("published", []),
                "command": record["command"]}

    def _log_tail(self, job: str, lines: int = 3) -> str:
        try:
            text = (self.jobs_dir / job / "train.log").read_text(errors="replace")
        except OSError:
            return "the trainer stopped without a message"
        useful = [ln for ln in text.splitlines() if ln.strip() and "it/s]" not in ln and "s/it]" not in ln]
        return " | ".join(useful[-lines:])[-400:] or "the trainer stopped without a message"

    def publish(self, job: str, timeout_s: float = 600.0, key: str | None = None) -> str:
        """Export a stopped or finished job's model into the user's model folder; its registry name."""
        self._check(job, key)
        record = self._read_job(job)
        spec = JobSpec(**record["spec"])
        status = self.status(job)
        if status["state"] == "running":
            raise JobError("The job is still training; stop it (or let it finish) before publishing.")
        if not self.state_path(job, spec).is_file():
            raise JobError("This job saved no weights yet; train it for a while first.")
        at = int(torch_state_step(self.state_path(job, spec)))
        if at < 1:
            raise JobError("This job has not trained a single step yet.")
        child = self._spawn(job, self.command(job, spec, publish_at=at), "publish.log")
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            raise JobError(f"Publishing took longer than {timeout_s:.0f} s and was stopped.") from None
        text = (self.jobs_dir / job / "publish.log").read_text(errors="replace")
        exported = re.findall(r"^exported (.+\.json)$", text, re.MULTILINE)
        if child.returncode != 0 or not exported:
            raise JobError("Publishing failed: " + " | ".join(text.strip().splitlines()[-2:])[-300:])
        name = f"{spec.family}/{spec.name}"
        record["published"] = [*record.get("published", []), {"name": name, "card": Path(exported[-1]).name,
                                                               "step": at, "at": time.time()}]
        self._write_job(job, record)
        return name


def torch_state_step(path: Path) -> int:
    """The step a resume state reached (read without building any model)."""
    import torch
    return int(torch.load(path, map_location="cpu", weights_only=True)["step"])
