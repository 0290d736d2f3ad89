"""Training and evaluation of the lifting network on Human3.6M-format data."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch
from torch import Tensor

from pyg_weightshare.datasets import Human36M, PoseSplit
from pyg_weightshare.datasets.human36m import SPLITS
from pyg_weightshare.metrics import ActionErrors, evaluate_by_action
from pyg_weightshare.training import distributed
from pyg_weightshare.training.checkpoint import (
    atomic_save,
    check_same_model,
    load_checkpoint,
)
from pyg_weightshare.training.config import TrainConfig

EVAL_BATCH_SIZE = 4096


def cache_dir() -> Path:
    """Where generated data lives: :obj:`$PYG_WEIGHTSHARE_CACHE`, or
    :obj:`~/.cache/pyg_weightshare`."""
    default = Path.home() / ".cache" / "pyg_weightshare"
    return Path(os.environ.get("PYG_WEIGHTSHARE_CACHE", default))


def synthetic_data_dir() -> Path:
    """The default dataset: a synthetic Human3.6M (ground-truth 2D and noisy
    detections named like CPN's), generated once into :func:`cache_dir`."""
    from pyg_weightshare.datasets import synthesize_h36m

    root = cache_dir() / "synthetic-h36m"
    if not (root / "data_3d_h36m.npz").is_file():
        print(f"Generating the synthetic Human3.6M dataset in {root} (once) ...")
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=".synthetic-"))
        synthesize_h36m(staging, detections="cpn_ft_h36m_dbb")
        with contextlib.suppress(OSError):  # another process won the race
            staging.rename(root)
        shutil.rmtree(staging, ignore_errors=True)
    return root


def load_dataset(config: TrainConfig, splits: tuple[str, ...] = SPLITS) -> Human36M:
    root = config.data_dir or synthetic_data_dir()
    return Human36M(
        root,
        keypoints=config.keypoints,
        num_joints=config.num_joints,
        train_subjects=config.train_subjects,
        test_subjects=config.test_subjects,
        val_subjects=config.val_subjects,
        splits=splits,
    )


def build_model(config: TrainConfig, skeleton) -> torch.nn.Module:
    from pyg_weightshare import PoseGCN

    return PoseGCN(skeleton, **config.model_kwargs())


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: Tensor, device: torch.device) -> Tensor:
    """Predictions for every pose, in batches, on the CPU."""
    model.eval()
    return torch.cat(
        [
            model(chunk.to(device)).float().cpu()
            for chunk in inputs.split(EVAL_BATCH_SIZE)
        ]
    )


def evaluate(
    model: torch.nn.Module, split: PoseSplit, device: torch.device
) -> ActionErrors:
    """Per-action MPJPE and P-MPJPE in millimetres."""
    return evaluate_by_action(
        predict(model, split.inputs, device),
        split.targets,
        split.action,
        split.action_names,
        scale=1000,
    )


def mean_pose_baseline(train: PoseSplit, test: PoseSplit) -> ActionErrors:
    """The errors of predicting the training set's mean pose for every input."""
    mean_pose = train.targets.mean(dim=0, keepdim=True).expand_as(test.targets)
    return evaluate_by_action(
        mean_pose, test.targets, test.action, test.action_names, scale=1000
    )


def learning_rate_factor(config: TrainConfig, steps_per_epoch: int):
    recipe = config.recipe_settings
    every = recipe.decay_steps or recipe.decay_epochs * steps_per_epoch
    return lambda step: recipe.lr_decay ** (step // every)


def _autocast(config: TrainConfig, device: torch.device):
    if config.amp == "none":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if config.amp == "bf16" else torch.float16
    return torch.autocast(device.type, dtype=dtype)


class Run:
    """The files of a run directory; only the first process writes them."""

    def __init__(self, out: Path, writer: bool) -> None:
        self.out = out
        self.writer = writer
        self.config = out / "config.json"
        self.metrics = out / "metrics.jsonl"
        self.last = out / "last.pt"
        self.best = out / "best.pt"

    def prepare(self, config: TrainConfig, resume: bool) -> dict | None:
        """Checks the directory and returns the checkpoint to resume from."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.out, prefix=".probe-")
            probe.close()
        except OSError as error:
            raise OSError(
                f"Cannot write to the run directory {self.out}: {error}"
            ) from None
        if not self.last.exists():
            if self.metrics.exists():
                raise FileExistsError(f"{self.out} holds a run without checkpoint")
            return None
        if not resume:
            raise FileExistsError(
                f"{self.out} already holds a run: pass --resume to continue it "
                "or choose another --out"
            )
        checkpoint = load_checkpoint(self.last)
        check_same_model(checkpoint["config"], vars(config), self.last)
        return checkpoint

    def log(self, row: dict) -> None:
        if self.writer:
            with self.metrics.open("a") as file:
                file.write(json.dumps(row) + "\n")

    def truncate_log(self, epochs: int) -> None:
        """Drops rows past the checkpoint, left by a run killed after logging."""
        if self.writer and self.metrics.exists():
            rows = self.metrics.read_text().splitlines()[:epochs]
            self.metrics.write_text("".join(row + "\n" for row in rows))


def _progress(iterable, total: int, description: str, enabled: bool):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=description, unit="batch", leave=False)


def train(config: TrainConfig, resume: bool = False, progress: bool = True) -> dict:
    """Trains :class:`~pyg_weightshare.PoseGCN` as :obj:`config` says and
    writes the run directory (see :mod:`pyg_weightshare.cli`). Under
    ``torchrun`` each process takes its share of every batch.

    Returns:
        dict: The final report (also written as :obj:`evaluation.json`), or
        an empty dict in processes other than the first.
    """
    if config.amp != "none" and not config.device.startswith("cuda"):
        raise ValueError(f"amp={config.amp!r} needs a CUDA device")
    rank, world_size, device = distributed.setup(config.device)
    try:
        return Trainer(config, rank, world_size, device).fit(resume, progress)
    finally:
        distributed.cleanup()


class Trainer:
    """One process's share of a training run."""

    def __init__(
        self, config: TrainConfig, rank: int, world_size: int, device: torch.device
    ) -> None:
        if config.batch_size % world_size:
            raise ValueError(
                f"batch size {config.batch_size} must divide among {world_size} "
                "processes"
            )
        self.config = config
        self.rank, self.world_size, self.device = rank, world_size, device
        self.run = Run(Path(config.out), writer=rank == 0)

    def fit(self, resume: bool, progress: bool) -> dict:
        config, run, rank = self.config, self.run, self.rank
        checkpoint = run.prepare(config, resume) if rank == 0 else None
        if self.world_size > 1:
            torch.distributed.barrier()  # the first process checked the directory
            if rank > 0 and resume and run.last.exists():
                checkpoint = load_checkpoint(run.last)
        self.dataset = load_dataset(config)
        self.train_split = self.dataset.train[:: config.stride]
        if self.device.type == "cuda":  # batches are slices of data on the GPU
            self.train_split = self.train_split.to(self.device)
        self.steps_per_epoch = len(self.train_split) // config.batch_size
        if self.steps_per_epoch == 0:
            raise ValueError(
                f"{len(self.train_split)} training poses do not fill one batch of "
                f"{config.batch_size}"
            )
        if rank == 0:  # only once the data fits: a failed start leaves nothing
            config.save(run.config)
        self._build(checkpoint)

        select_split = {"val": self.dataset.val, "test": self.dataset.test}
        select_split = select_split.get(config.select_on)
        for epoch in range(self.start_epoch, config.epochs + 1):
            loss, seconds = self._train_epoch(epoch, progress and rank == 0)
            row = {
                "epoch": epoch,
                "train_loss": loss,
                "lr": self.optimizer.param_groups[0]["lr"],
                "poses_per_second": self.steps_per_epoch * config.batch_size / seconds,
            }
            if rank == 0:
                if select_split is not None:
                    errors = evaluate(self.model, select_split, self.device)
                    row[f"{config.select_on}_mpjpe"] = errors.mpjpe_action_mean
                    row[f"{config.select_on}_p_mpjpe"] = errors.p_mpjpe_action_mean
                self._checkpoint(epoch, row)
                run.log(row)
                print(_format_row(row), flush=True)
            if self.world_size > 1:
                torch.distributed.barrier()
        return self._report() if rank == 0 else {}

    def _build(self, checkpoint: dict | None) -> None:
        config = self.config
        torch.manual_seed(config.seed)
        model = build_model(config, self.dataset.skeleton).to(self.device)
        if self.world_size > 1:
            model = distributed.synchronise_batch_norm(model, self.device)
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, learning_rate_factor(config, self.steps_per_epoch)
        )
        self.scaler = torch.amp.GradScaler(
            self.device.type, enabled=config.amp == "fp16"
        )
        self.start_epoch, self.best = 1, {"epoch": 0, "score": float("inf")}
        if checkpoint is not None:
            model.load_state_dict(checkpoint["model"])
            self.optimizer.load_state_dict(checkpoint["optimizer"])
            self.scheduler.load_state_dict(checkpoint["scheduler"])
            self.scaler.load_state_dict(checkpoint["scaler"])
            torch.set_rng_state(checkpoint["rng"])
            self.start_epoch = checkpoint["epoch"] + 1
            self.best = checkpoint["best"]
            self.run.truncate_log(checkpoint["epoch"])
        self.network = model
        if self.world_size > 1:
            self.network = torch.nn.parallel.DistributedDataParallel(model)
        if config.compile:
            self.network = torch.compile(self.network)

    def _train_epoch(self, epoch: int, progress: bool) -> tuple[float, float]:
        """One pass over the training split in a seeded order; returns the
        mean loss and the seconds it took."""
        config, split = self.config, self.train_split
        self.network.train()
        batch_size = config.batch_size
        # The order depends on the seed and the epoch only, so that a resumed
        # run sees the batches an uninterrupted one would have.
        generator = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
        order = torch.randperm(len(split), generator=generator)
        order = order.to(split.inputs.device)
        share = batch_size // self.world_size
        offset = self.rank * share
        total = torch.zeros((), device=self.device)
        start = time.perf_counter()
        steps = _progress(
            range(self.steps_per_epoch),
            self.steps_per_epoch,
            f"epoch {epoch}",
            progress,
        )
        for step in steps:
            first = step * batch_size + offset
            index = order[first : first + share]
            total += self._step(
                split.inputs[index].to(self.device, non_blocking=True),
                split.targets[index].to(self.device, non_blocking=True),
            )
            if step % 50 == 0 and hasattr(steps, "set_postfix"):
                elapsed = time.perf_counter() - start
                steps.set_postfix(
                    loss=f"{total.item() / (step + 1):.2e}",
                    poses_per_s=f"{(step + 1) * batch_size / elapsed:,.0f}",
                )
        if self.world_size > 1:
            torch.distributed.all_reduce(total)
            total /= self.world_size
        return total.item() / self.steps_per_epoch, time.perf_counter() - start

    def _step(self, inputs: Tensor, targets: Tensor) -> Tensor:
        with _autocast(self.config, self.device):
            prediction = self.network(inputs)
        loss = torch.nn.functional.mse_loss(prediction.float(), targets)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(
            self.model.parameters(), self.config.recipe_settings.max_grad_norm
        )
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        return loss.detach()

    def _checkpoint(self, epoch: int, row: dict) -> None:
        # Without a selection split (select_on="last") every epoch wins.
        score = row.get(f"{self.config.select_on}_mpjpe", -float(epoch))
        improved = score < self.best["score"]
        if improved:
            self.best = {"epoch": epoch, "score": score}
        state = {
            "config": vars(self.config),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng": torch.get_rng_state(),
            "epoch": epoch,
            "best": self.best,
        }
        if improved:
            atomic_save(state, self.run.best)
        atomic_save(state, self.run.last)

    def _report(self) -> dict:
        from pyg_weightshare.training.report import write_report

        best = load_checkpoint(self.run.best)
        self.model.load_state_dict(best["model"])
        return write_report(
            self.run.out,
            self.config,
            evaluate(self.model, self.dataset.test, self.device),
            mean_pose_baseline(self.dataset.train, self.dataset.test),
            best_epoch=best["epoch"],
            num_parameters=sum(p.numel() for p in self.model.parameters()),
        )


def _format_row(row: dict) -> str:
    parts = [f"epoch {row['epoch']:>3}", f"loss {row['train_loss']:.3e}"]
    for key in ("val_mpjpe", "test_mpjpe"):
        if key in row:
            split = key.split("_")[0]
            aligned = row[f"{split}_p_mpjpe"]
            parts.append(f"{split} MPJPE {row[key]:.1f} mm, P-MPJPE {aligned:.1f} mm")
    parts.append(f"{row['poses_per_second']:,.0f} poses/s")
    return " | ".join(parts)


def restore(
    path: str | os.PathLike,
    data_dir: str | None = None,
    splits: tuple[str, ...] = SPLITS,
    test_subjects: list[str] | None = None,
) -> tuple[torch.nn.Module, Human36M, TrainConfig]:
    """The model of a checkpoint with its weights, the data it was trained on
    (or :obj:`data_dir`, with only :obj:`splits` built and other
    :obj:`test_subjects` if given) and its configuration."""
    checkpoint = load_checkpoint(path)
    config = TrainConfig.from_dict(checkpoint["config"])
    if data_dir is not None:
        config.data_dir = data_dir
    if test_subjects is not None:
        config.test_subjects = list(test_subjects)
    dataset = load_dataset(config, splits)
    model = build_model(config, dataset.skeleton)
    try:
        model.load_state_dict(checkpoint["model"])
    except (RuntimeError, ValueError) as error:
        raise ValueError(
            f"{path} does not fit its own configuration: {error}"
        ) from None
    return model, dataset, config


def evaluate_checkpoint(
    path: str | os.PathLike,
    data_dir: str | None = None,
    device: str = "cpu",
    test_subjects: list[str] | None = None,
) -> tuple[ActionErrors, TrainConfig]:
    """Rebuilds the model of a checkpoint and evaluates it on the test
    subjects (those it was trained with, or :obj:`test_subjects`) of
    :obj:`data_dir` (default: the data it was trained on); only the test
    split is loaded."""
    model, dataset, config = restore(path, data_dir, ("test",), test_subjects)
    return evaluate(model.to(device), dataset.test, torch.device(device)), config
