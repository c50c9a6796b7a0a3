"""Train tab: pick a family, a dataset (Fashion-MNIST or your own images) and a preset, press Train and watch
the model learn — its loss curves and a fixed-seed sample grid refresh every two seconds — then stop, resume
and publish it as a model the family's tab can play at once.

Training runs in a child process (genart/serve/jobs.py: the CLI's own trainer), one job at a time per studio; the
tab only reads the job's status from disk, so a reloaded page reattaches to it. Everyone sees the studio's job;
only its starter — the browser that pressed Train (its ticket is kept in the browser) or the script that called
/train_start (the ticket it got back) — can stop, resume and publish it.

Public API: /train_dataset, /train_start, /train_status, /train_stop, /train_resume, /train_publish.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from genart.data.datasets import CLASSES
from genart.serve.jobs import FASHION, MAX_STEPS, SIZES, JobError, Trainer, new_key, parse_ticket, ticket_of
from genart.serve.refusals import user_errors
from genart.studio.history import browser_secret
from genart.studio.inputs import whole
from genart.ui.widgets import bind, ui_action

FAMILY_LABELS = [("GAN", "gan"), ("VAE", "vae"), ("Diffusion", "diffusion")]
PRESET_LABELS = [("quick (about 2 min)", "quick"), ("standard (about 10 min)", "standard")]
LOSS_NAMES = {"loss_d": "D loss", "loss_g": "G loss", "rec": "reconstruction", "kl": "KL", "loss": "denoising loss"}
CURVES = {"gan": ("loss_d", "loss_g"), "vae": ("rec", "kl"), "diffusion": ("loss",)}
POLL_S = 2.0


# ------------------------------------------------------------------------------------------ core (API = UI)
def train_dataset(trainer: Trainer, files: list, name: str) -> str:
    """/train_dataset: a zip of images (sub-folders = classes) or several image files → the dataset `name`."""
    paths = [f if isinstance(f, str) else getattr(f, "name", None) or f.get("path") for f in (files or [])]
    ds = trainer.add_dataset([p for p in paths if p], (name or "").strip())
    return f"{ds.path.name}: " + trainer.describe(ds.path.name)


def train_start(trainer: Trainer, family: str = "gan", dataset: str = FASHION, size: int = 28, steps: int = 0,
                name: str = "my-model", preset: str = "quick") -> str:
    """/train_start → the job's ticket, "<job id>~<key>": keep it, stop, resume and publish ask for it.
    steps 0: the preset's."""
    key = new_key()
    job = trainer.start(family, dataset, whole(size, "size", 1, 1024), whole(steps or 0, "steps", 0, MAX_STEPS),
                        (name or "").strip(), preset, key=key)
    return ticket_of(job, key)


def train_status(trainer: Trainer, job: str = "") -> tuple[dict, str | None]:
    """/train_status: (step, steps, state, losses, img/s, ETA, ...; the latest sample grid) of a job (its id or
    ticket); "": the newest. Anyone may watch."""
    job = parse_ticket(job)[0] or trainer.current()
    if not job:
        raise JobError("No training job has run in this studio yet; start one with /train_start.")
    status = trainer.status(job)
    return {k: v for k, v in status.items() if k != "grid"}, status["grid"]


def _ticketed(ticket: str, fallback: str | None, none: str) -> tuple[str, str]:
    """A ticket (or a bare id, or "": `fallback`) → (job id, key); no job at all is the sentence `none`."""
    job, key = parse_ticket(ticket)
    job = job or fallback or ""
    if not job:
        raise JobError(none)
    return job, key


def train_stop(trainer: Trainer, job: str = "") -> dict:
    """/train_stop (the ticket /train_start gave) → the job's status once stopped (its resume state saved)."""
    job, key = _ticketed(job, trainer.running(), "No training job is running.")
    return {k: v for k, v in trainer.stop(job, key=key).items() if k != "grid"}


def train_resume(trainer: Trainer, job: str = "") -> str:
    """/train_resume (the ticket) → the ticket again: the job goes on where it stopped."""
    job, key = _ticketed(job, trainer.current(), "No training job to resume.")
    return ticket_of(trainer.resume(job, key=key), key)


def train_publish(trainer: Trainer, job: str = "") -> str:
    """/train_publish (the ticket) → the new model's registry name (e.g. "gan/shapes"); every tab of its family
    can play it."""
    job, key = _ticketed(job, trainer.current(), "No training job to publish.")
    return trainer.publish(job, key=key)


# ------------------------------------------------------------------------------------------ what the tab shows
def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def status_text(status: dict | None) -> str:
    if not status:
        return "No job yet: choose a family, a dataset and a preset, then press **Train**."
    state = status["state"]
    line = (f"**{state}** · {status['family'].upper()} `{status['name']}` on {status['dataset']} at "
            f"{status['size']} px · step {status['step']:,} / {status['steps']:,}")
    if status.get("img_per_s"):
        line += f" · {status['img_per_s']:.0f} img/s"
    if state == "running":
        line += f" · ETA {_minutes(status.get('eta_s'))}"
    if status.get("grid_step"):
        line += f" · samples from step {status['grid_step']:,}"
    if status.get("error"):
        line += f"\n\n⚠ {status['error']}"
    for p in status.get("published", []):
        line += f"\n\nPublished **{p['name']}** ({p['card']}, step {p['step']:,}): pick it on the family's tab."
    return line


def loss_frame(status: dict | None) -> pd.DataFrame:
    """The curves as a long table (step, value, loss) for gr.LinePlot."""
    rows = []
    if status:
        for key in CURVES.get(status["family"], ()):
            rows += [(s, v, LOSS_NAMES.get(key, key)) for s, v in status["losses"].get(key, [])]
    frame = pd.DataFrame(rows, columns=["step", "value", "loss"])
    # typed even when empty: the plot's axes take their kind from the first frame it gets (an untyped empty
    # one made both axes categorical, and a page opened on a finished job drew 40 overlapping labels)
    return frame.astype({"step": "int64", "value": "float64", "loss": "string"})


WATCHING = ("\n\n👀 Started in another browser or by a script: you are watching it. Only its starter can stop, "
            "resume or publish it; you can train once it is no longer running.")


def mine(job: str | None, ticket: str | None) -> str:
    """What this browser may send for `job`: its ticket where the ticket names that job, else the bare id."""
    return ticket if job and parse_ticket(ticket)[0] == job else (job or "")


def _shown(trainer: Trainer, job: str | None, ticket: str | None = None) -> tuple[dict | None, tuple]:
    """The job's status (read once) and what the tab shows of it; the timer stays on while the job runs. Stop,
    resume and publish are offered to the job's starter only (this browser's ticket)."""
    job = job or trainer.current()
    status = trainer.status(job) if job else None
    running = bool(status) and status["state"] in ("starting", "running")
    yours = not status or trainer.allowed(job, parse_ticket(mine(job, ticket))[1])
    text = status_text(status) + ("" if yours else WATCHING)
    return status, (job, text, loss_frame(status), status["grid"] if status else None,
                    gr.Timer(active=running), *_buttons(status, yours))


def ui_poll(trainer: Trainer, job: str | None, ticket: str | None = None):
    """A timer tick: the job's status, curves and grid."""
    return _shown(trainer, job, ticket)[1]


def ui_reattach(trainer: Trainer, job: str | None, ticket: str | None = None):
    """Page load: the studio's job (running or not) and the form as that job was asked for."""
    status, shown = _shown(trainer, job, ticket)
    if not status:
        return (*shown, *[gr.skip()] * 7)
    dataset, _, picked = status["dataset"].partition(":")
    return (*shown, status["family"], gr.Dropdown(choices=dataset_choices(trainer), value=dataset),
            gr.CheckboxGroup(value=[c for c in picked.split(",") if c], visible=dataset == FASHION), status["size"],
            status["preset"], status["steps"], status["name"])


def _buttons(status: dict | None, yours: bool = True):
    running = bool(status) and status["state"] in ("starting", "running")
    can_resume = bool(status) and not running and status["state"] == "stopped" and status["step"] < status["steps"]
    can_publish = bool(status) and not running and status["step"] > 0
    return (gr.Button(interactive=not running), gr.Button(interactive=running and yours),
            gr.Button(interactive=can_resume and yours), gr.Button(interactive=can_publish and yours))


def dataset_value(dataset: str, classes: list[str]) -> str:
    if dataset == FASHION and classes and len(classes) < len(CLASSES):
        return f"{FASHION}:{','.join(c for c in CLASSES if c in classes)}"
    return dataset


def ui_start(trainer: Trainer, family, dataset, classes, size, preset, steps, name):
    """Train: the job's ticket goes into this browser's storage (it survives a reload), then the job is shown."""
    ticket = train_start(trainer, family, dataset_value(dataset, classes), size, steps, name, preset)
    return (ticket, *ui_poll(trainer, parse_ticket(ticket)[0], ticket))


def ui_stop(trainer: Trainer, job, ticket=None):
    train_stop(trainer, mine(job, ticket))
    return ui_poll(trainer, job, ticket)


def ui_resume(trainer: Trainer, job, ticket=None):
    return ui_poll(trainer, parse_ticket(train_resume(trainer, mine(job, ticket)))[0], ticket)


def ui_publish(trainer: Trainer, job, ticket=None):
    name = train_publish(trainer, mine(job, ticket))
    gr.Info(f"Published {name}: pick it in the model list of the {name.split('/')[0].upper()} tab.")
    return ui_poll(trainer, job, ticket)


def ui_add_dataset(trainer: Trainer, files, name):
    text = train_dataset(trainer, files, name)
    new = text.split(":", 1)[0]
    return gr.Dropdown(choices=dataset_choices(trainer), value=new), gr.CheckboxGroup(visible=False), 32, text


def dataset_choices(trainer: Trainer) -> list:
    return [("Fashion-MNIST", FASHION), *[(f"my images: {d}", d) for d in trainer.datasets()]]


def ui_dataset_changed(trainer: Trainer, dataset):
    fashion = dataset == FASHION
    info = "" if fashion else trainer.describe(dataset)
    return gr.CheckboxGroup(visible=fashion), gr.Radio(value=28 if fashion else 32), info


# ------------------------------------------------------------------------------------------ layout and wiring
def build(registry, trainer: Trainer) -> dict:
    """Lay out the tab inside the current Blocks and wire its events; → hooks: the publish event (other tabs
    refresh their model lists after it) and the page-load reattach."""
    with gr.Tab("Train", id="train"):
        gr.Markdown("Watch a model learn. Choose a family and a dataset — Fashion-MNIST or **your own images** "
                    "(a zip whose sub-folders are the classes, or several image files) — and press **Train**. "
                    "It trains in the background, one job at a time for the whole studio; reload the page and "
                    "it is still here. **Publish** makes it a model of its family's tab.")
        job = gr.State(None)
        ticket = gr.BrowserState("", storage_key="genart-train-ticket-v1", secret=browser_secret())
        timer = gr.Timer(POLL_S, active=False)
        with gr.Row():
            with gr.Column(scale=1):
                family = gr.Radio(FAMILY_LABELS, value="gan", label="Family", elem_id="train-family")
                dataset = gr.Dropdown(dataset_choices(trainer), value=FASHION, label="Dataset",
                                      elem_id="train-dataset")
                classes = gr.CheckboxGroup(list(CLASSES), value=[], label="Fashion-MNIST classes (none ticked: all)",
                                           elem_id="train-classes")
                data_info = gr.Markdown("", elem_id="train-data-info")
                with gr.Accordion("Your images → a dataset", open=False, elem_id="train-upload-box"):
                    files = gr.File(file_count="multiple", file_types=[".zip", "image"], type="filepath",
                                    label="A zip (sub-folders = classes) or image files", elem_id="train-files")
                    ds_name = gr.Textbox("my-images", label="Dataset name", elem_id="train-ds-name")
                    add = gr.Button("Make dataset", elem_id="train-add")
                size = gr.Radio(list(SIZES), value=28, label="Size (px)", elem_id="train-size")
                preset = gr.Radio(PRESET_LABELS, value="quick", label="Preset", elem_id="train-preset")
                steps = gr.Number(0, precision=0, label="Steps (0: the preset's)", elem_id="train-steps")
                name = gr.Textbox("my-model", label="Model name", elem_id="train-name")
                with gr.Row():
                    start = gr.Button("Train", variant="primary", elem_id="train-start")
                    stop = gr.Button("Stop", elem_id="train-stop", interactive=False)
                    resume = gr.Button("Resume", elem_id="train-resume", interactive=False)
                    publish = gr.Button("Publish", elem_id="train-publish", interactive=False)
            with gr.Column(scale=2):
                status = gr.Markdown(status_text(None), elem_id="train-status")
                plot = gr.LinePlot(loss_frame(None), x="step", y="value", color="loss", title="Losses",
                                   height=260, elem_id="train-plot")
                grid = gr.Image(label="Samples (the same seeds every time)", type="filepath", height=420,
                                interactive=False, elem_id="train-grid", elem_classes=["pixelated"])

        shown = [job, status, plot, grid, timer, start, stop, resume, publish]
        local = dict(api_visibility="private", concurrency_id="train_status", concurrency_limit=None)
        timer.tick(ui_action(bind(ui_poll, trainer)), [job, ticket], shown, show_progress="hidden", **local)
        start.click(ui_action(bind(ui_start, trainer)), [family, dataset, classes, size, preset, steps, name],
                    [ticket, *shown], api_visibility="private", concurrency_id="train", concurrency_limit=1)
        stop.click(ui_action(bind(ui_stop, trainer)), [job, ticket], shown, api_visibility="private",
                   concurrency_id="train")
        resume.click(ui_action(bind(ui_resume, trainer)), [job, ticket], shown, api_visibility="private",
                     concurrency_id="train")
        published = publish.click(ui_action(bind(ui_publish, trainer)), [job, ticket], shown,
                                  api_visibility="private", concurrency_id="train")
        add.click(ui_action(bind(ui_add_dataset, trainer)), [files, ds_name], [dataset, classes, size, data_info],
                  api_visibility="private", concurrency_id="train")
        dataset.input(ui_action(bind(ui_dataset_changed, trainer)), [dataset], [classes, size, data_info],
                       api_visibility="private", queue=False)

        with gr.Column(visible=False):
            a_files = gr.File(file_count="multiple")
            a_text = [gr.Textbox() for _ in range(4)]
            a_num = [gr.Number(precision=0) for _ in range(2)]
            a_json, a_grid = gr.JSON(), gr.Image(type="filepath", format="png")
            a_btn = [gr.Button() for _ in range(6)]
        api = dict(concurrency_id="train", concurrency_limit=1)
        a_btn[0].click(user_errors(bind(train_dataset, trainer)), [a_files, a_text[0]], [a_text[1]],
                       api_name="train_dataset", **api)
        a_btn[1].click(user_errors(bind(train_start, trainer)),
                       [a_text[0], a_text[1], a_num[0], a_num[1], a_text[2], a_text[3]], [a_text[0]],
                       api_name="train_start", **api)
        a_btn[2].click(user_errors(bind(train_status, trainer)), [a_text[0]], [a_json, a_grid],
                       api_name="train_status", concurrency_id="train_status", concurrency_limit=None)
        a_btn[3].click(user_errors(bind(train_stop, trainer)), [a_text[0]], [a_json], api_name="train_stop", **api)
        a_btn[4].click(user_errors(bind(train_resume, trainer)), [a_text[0]], [a_text[1]], api_name="train_resume",
                       **api)
        a_btn[5].click(user_errors(bind(train_publish, trainer)), [a_text[0]], [a_text[1]],
                       api_name="train_publish", **api)
    form = [family, dataset, classes, size, preset, steps, name]
    return {"published": published, "reattach": (bind(ui_reattach, trainer), [job, ticket], shown + form)}

