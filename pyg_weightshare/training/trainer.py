"""Training of the lifting network on Human3.6M-format data."""

from __future__ import annotations

import math
import time

import torch
from torch import Tensor

from pyg_weightshare.datasets import Human36M
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.nn.models.serialization import Checkpoint, load_checkpoint
from pyg_weightshare.training import distributed
from pyg_weightshare.training.checkpoint import RunDirectory
from pyg_weightshare.training.config import TrainConfig
from pyg_weightshare.training.evaluation import evaluate, mean_pose_baseline
from pyg_weightshare.training.factory import load_dataset
from pyg_weightshare.training.step import TrainingStep

# A training loss this many times that of predicting all-zero poses means the
# run has exploded even while every number is still finite.
EXPLODED_LOSS_FACTOR = 1e3


class Diverged(FloatingPointError):
    """Training stopped because the loss or the weights stopped being finite,
    or the loss exploded; the run keeps its last good checkpoint."""


def train(
    config: TrainConfig,
    resume: bool = False,
    progress: bool = True,
    dataset: Human36M | None = None,
) -> dict:
    """Trains :class:`~pyg_weightshare.PoseGCN` as :obj:`config` says in the
    run directory :obj:`config.out` (see
    :class:`~pyg_weightshare.training.checkpoint.RunDirectory`). Under
    ``torchrun`` each process takes its share of every batch.

    Args:
        config (TrainConfig): The run's settings.
        resume (bool, optional): Continue the run in :obj:`config.out`,
            whose settings must equal :obj:`config`'s (:obj:`epochs` may
            grow). (default: :obj:`False`)
        progress (bool, optional): Show progress bars. (default: :obj:`True`)
        dataset (Human36M, optional): The data, see
            :class:`~pyg_weightshare.training.trainer.Trainer`.
            (default: the data of :obj:`config`)

    Returns:
        dict: The final report (also written as :obj:`evaluation.json`), or
        an empty dict in processes other than the first.

    Raises:
        Diverged: If the loss or the weights stop being finite.
    """
    rank, world_size, device = distributed.setup(config.device)
    run = RunDirectory(config.out)
    try:
        checkpoint = run.acquire(config, resume) if rank == 0 else None
        if world_size > 1:
            torch.distributed.barrier()  # the first process checked the directory
            if rank > 0 and resume and run.last.exists():
                checkpoint = load_checkpoint(run.last)
        trainer = Trainer(
            config, dataset, rank=rank, world_size=world_size, device=device
        )
        if checkpoint is not None:
            trainer.load_checkpoint(checkpoint)
        if rank == 0:  # only once data and model are ready: a failed start
            run.start(config, trainer.rows)  # leaves nothing behind
        return trainer.fit(run if rank == 0 else None, progress)
    finally:
        if rank == 0:
            run.release()
        distributed.cleanup()


class Trainer:
    """One process's share of a training run: data, model, optimiser and
    the epoch loop.

    Args:
        config (TrainConfig): The run's settings.
        dataset (Human36M, optional): The data; anything with a
            :obj:`skeleton` and :obj:`train`, :obj:`val` and :obj:`test`
            :class:`~pyg_weightshare.datasets.PoseSplit`\\ s, which the
            report names by its own :obj:`description` and
            :obj:`split_label` when it has them
            (:class:`~pyg_weightshare.training.report.DataLabels`).
            (default: the data of :obj:`config`)
        rank (int, optional): This process under ``torchrun``. (default: :obj:`0`)
        world_size (int, optional): The number of processes. (default: :obj:`1`)
        device (torch.device, optional): (default: :obj:`config.device`)
    """

    def __init__(
        self,
        config: TrainConfig,
        dataset: Human36M | None = None,
        rank: int = 0,
        world_size: int = 1,
        device: torch.device | None = None,
    ) -> None:
        if config.batch_size % world_size:
            raise ValueError(
                f"batch size {config.batch_size} must divide among {world_size} "
                "processes"
            )
        self.config = config
        self.rank, self.world_size = rank, world_size
        self.device = device if device is not None else torch.device(config.device)
        self.dataset = dataset if dataset is not None else load_dataset(config)
        self.train_split = self.dataset.train[:: config.stride]
        if self.device.type == "cuda":  # batches are slices of data on the GPU
            self.train_split = self.train_split.to(self.device)
        self.steps_per_epoch = len(self.train_split) // config.batch_size
        if self.steps_per_epoch == 0:
            raise ValueError(
                f"{len(self.train_split)} training poses do not fill one batch of "
                f"{config.batch_size}: lower --batch-size or --stride"
            )
        self.zero_loss = float(self.train_split.targets.square().mean())

        torch.manual_seed(config.seed)
        model = PoseGCN(self.dataset.skeleton, **config.model_kwargs())
        model = model.to(self.device)
        if world_size > 1:
            model = distributed.synchronise_batch_norm(model, self.device)
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        every = config.decay_steps or config.decay_epochs * self.steps_per_epoch
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer,
            step_size=every or 1,
            gamma=config.lr_decay if every else 1.0,
        )
        self.scaler = torch.amp.GradScaler(
            self.device.type, enabled=config.amp == "fp16"
        )
        self.epoch = 0
        self.best = {"epoch": 0, "score": math.inf}
        self.rows: list[dict] = []
        self.network = model
        if world_size > 1:
            self.network = torch.nn.parallel.DistributedDataParallel(model)
        self.training_step = TrainingStep(
            model,
            self.optimizer,
            max_grad_norm=config.max_grad_norm,
            amp=config.amp,
            compile=config.compile,
            network=self.network,
            scaler=self.scaler,
        )

    def checkpoint(self) -> Checkpoint:
        """The model, and in :obj:`training` everything needed to continue
        the run, as tensors and plain data."""
        return Checkpoint(
            architecture=self.model.architecture,
            weights=self.model.state_dict(),
            training={
                "config": self.config.to_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "scaler": self.scaler.state_dict(),
                "rng": torch.get_rng_state(),
                "epoch": self.epoch,
                "best": dict(self.best),
                "metrics": list(self.rows),
            },
        )

    def load_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Continues from a :meth:`checkpoint`."""
        state = checkpoint.training
        try:
            self.model.load_state_dict(checkpoint.weights)
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.scaler.load_state_dict(state["scaler"])
            torch.set_rng_state(state["rng"])
            self.epoch, self.best = state["epoch"], dict(state["best"])
            self.rows = list(state["metrics"])
        except (KeyError, RuntimeError, ValueError, TypeError) as error:
            reason = str(error).splitlines()[0]
            raise ValueError(
                f"{checkpoint.source or 'The checkpoint'} does not fit this run: "
                f"{reason}"
            ) from None

    def fit(self, run: RunDirectory | None, progress: bool = True) -> dict:
        """Trains from the epoch after :obj:`epoch` to :obj:`config.epochs`,
        committing each epoch to :obj:`run` (the first process only), and
        returns the report of the selected model."""
        config = self.config
        select_split = {"val": self.dataset.val, "test": self.dataset.test}
        select_split = select_split.get(config.select_on)
        for epoch in range(self.epoch + 1, config.epochs + 1):
            try:
                row = self._epoch(epoch, progress and self.rank == 0, select_split)
            except Diverged as error:
                kept = "no epoch finished"
                if self.epoch:
                    kept = f"{config.out}/last.pt keeps epoch {self.epoch}"
                raise Diverged(
                    f"{error}; {kept}; start a new run (another --out) with a "
                    f"lower --lr than {config.lr:g}"
                ) from None
            if run is not None:
                self._commit(epoch, row, run)
                print(_format_row(row), flush=True)
            if self.world_size > 1:
                torch.distributed.barrier()
        return self._report(run) if run is not None else {}

    def _epoch(self, epoch: int, progress: bool, select_split) -> dict:
        """Trains one epoch and returns its row of the metrics log (with the
        selection split's errors in the first process)."""
        loss, seconds = self.train_epoch(epoch, progress)
        row = {
            "epoch": epoch,
            "train_loss": loss,
            "lr": self.optimizer.param_groups[0]["lr"],
            "poses_per_second": self.steps_per_epoch * self.config.batch_size / seconds,
        }
        if self.rank == 0 and select_split is not None:
            try:
                errors = evaluate(self.model, select_split, self.device)
            except ValueError as error:  # NaN or infinite predictions
                raise Diverged(f"training diverged in epoch {epoch}: {error}") from None
            row[f"{self.config.select_on}_mpjpe"] = errors.mpjpe_action_mean
            row[f"{self.config.select_on}_p_mpjpe"] = errors.p_mpjpe_action_mean
        return row

    def _commit(self, epoch: int, row: dict, run: RunDirectory) -> None:
        # Without a selection split (select_on="last") every epoch wins.
        score = row.get(f"{self.config.select_on}_mpjpe", -float(epoch))
        improved = score < self.best["score"]
        if improved:
            self.best = {"epoch": epoch, "score": score}
        self.epoch = epoch
        self.rows.append(row)
        run.save(self.checkpoint(), best=improved)

    def train_epoch(self, epoch: int, progress: bool = False) -> tuple[float, float]:
        """One pass over the training split in an order fixed by the seed and
        :obj:`epoch`; returns the mean loss and the seconds it took.

        Raises:
            Diverged: If the loss or the weights are not finite afterwards,
                or the loss exploded.
        """
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
            total += self.step(
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
        loss = total.item() / self.steps_per_epoch
        self._check_diverged(epoch, loss)
        return loss, time.perf_counter() - start

    def _check_diverged(self, epoch: int, loss: float) -> None:
        tensors = [*self.model.parameters(), *self.model.buffers()]
        floating = [t for t in tensors if t.is_floating_point()]
        finite = bool(torch.stack([t.isfinite().all() for t in floating]).all())
        reason = None
        if not math.isfinite(loss):
            reason = f"the training loss is {loss}"
        elif not finite:
            reason = "the weights are no longer finite"
        elif loss > EXPLODED_LOSS_FACTOR * self.zero_loss:
            reason = (
                f"the training loss {loss:.3g} exploded (predicting zeros "
                f"scores {self.zero_loss:.3g})"
            )
        if reason is not None:
            raise Diverged(f"training diverged in epoch {epoch}: {reason}")

    def step(self, inputs: Tensor, targets: Tensor) -> Tensor:
        """One optimisation step on a batch (:class:`TrainingStep` in the
        configured compile mode); returns its loss (no host sync)."""
        loss = self.training_step(inputs, targets)
        self.scheduler.step()
        return loss

    def _report(self, run: RunDirectory) -> dict:
        from pyg_weightshare.training.report import DataLabels, write_report

        best = load_checkpoint(run.best)
        self.model.load_state_dict(best.weights)
        return write_report(
            run.out,
            self.config,
            evaluate(self.model, self.dataset.test, self.device),
            mean_pose_baseline(self.dataset.train, self.dataset.test),
            best_epoch=best.training["epoch"],
            num_parameters=sum(p.numel() for p in self.model.parameters()),
            labels=DataLabels.of(self.config, self.dataset),
        )


def _progress(iterable, total: int, description: str, enabled: bool):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=description, unit="batch", leave=False)


def _format_row(row: dict) -> str:
    parts = [f"epoch {row['epoch']:>3}", f"loss {row['train_loss']:.3e}"]
    for key in ("val_mpjpe", "test_mpjpe"):
        if key in row:
            split = key.split("_")[0]
            aligned = row[f"{split}_p_mpjpe"]
            parts.append(f"{split} MPJPE {row[key]:.1f} mm, P-MPJPE {aligned:.1f} mm")
    parts.append(f"{row['poses_per_second']:,.0f} poses/s")
    return " | ".join(parts)
