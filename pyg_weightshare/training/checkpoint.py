"""The run directory and the checkpoints it holds.

Checkpoints are model files
(:class:`~pyg_weightshare.nn.models.serialization.Checkpoint`) whose
:obj:`training` section holds the run's configuration and state. Every file
of a run is replaced atomically, and one process at a time writes a run
directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import torch

from pyg_weightshare.nn.models.serialization import Checkpoint, load_checkpoint
from pyg_weightshare.training.config import TrainConfig


def _commit(tmp: Path, path: Path) -> None:
    """Moves a complete temporary file into place (the one step that makes a
    write visible: a kill before it leaves the old file)."""
    os.replace(tmp, path)


def _atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # os.open honours the umask, unlike tempfile's private 0600 files.
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        _commit(tmp, path)
    except BaseException as error:
        tmp.unlink(missing_ok=True)
        # torch.save reports a full disk as "enforce fail at inline_container.cc".
        if isinstance(error, OSError | RuntimeError) and "enforce fail" in str(error):
            reason = str(error).splitlines()[0]
            raise OSError(
                f"Cannot write {path} (is the disk full?): {reason}"
            ) from None
        if isinstance(error, OSError):
            raise OSError(f"Cannot write {path}: {error.strerror or error}") from None
        raise


def atomic_save(obj: Any, path: Path) -> None:
    """Writes :obj:`obj` with :func:`torch.save` so that :obj:`path` holds
    either the old or the new file, never a partial one."""
    _atomic_write(path, lambda file: torch.save(obj, file))


def atomic_write_text(text: str, path: Path) -> None:
    """Writes :obj:`text` so that :obj:`path` holds the old or the new text."""
    _atomic_write(path, lambda file: file.write(text.encode()))


def checkpoint_config(checkpoint: Checkpoint) -> TrainConfig:
    """The configuration of the run that wrote :obj:`checkpoint`.

    Raises:
        ValueError: The checkpoint holds no run configuration (a model file
            written by other means than the trainer), or an invalid one.
    """
    where = checkpoint.source or "checkpoint"
    if "config" not in checkpoint.training:
        raise ValueError(
            f"{where} holds a model without its training run: this needs the "
            "best.pt or last.pt of a run"
        )
    return TrainConfig.from_dict(checkpoint.training["config"], where)


class RunDirectory:
    """The files of one training run, written by one process at a time.

    :meth:`acquire` takes an exclusive lock (:obj:`fcntl.flock` on
    :obj:`.lock`) for the whole run, so a second trainer on the same
    directory fails at once; it refuses a directory holding other files than
    a run's, and a resumed run with other settings. Each epoch writes
    :obj:`best.pt` (when the model improved), :obj:`last.pt`, then
    :obj:`metrics.jsonl`, which is rewritten from the rows stored in
    :obj:`last.pt`: any kill between two writes resumes to the same files
    as an uninterrupted run.

    Args:
        out (str or os.PathLike): The run directory.
    """

    def __init__(self, out: str | os.PathLike) -> None:
        self.out = Path(out)
        self.config = self.out / "config.json"
        self.metrics = self.out / "metrics.jsonl"
        self.last = self.out / "last.pt"
        self.best = self.out / "best.pt"
        self._lock_path = self.out / ".lock"
        self._lock: int | None = None
        self._locked = False
        self._created = False
        self._holds_run = False  # a run of ours is (or was) in the directory

    def has_run(self) -> bool:
        """Whether a run has started in the directory."""
        return self.config.exists() or self.last.exists()

    def saved_config(self) -> TrainConfig:
        """The configuration of the run in the directory."""
        if self.last.exists():
            return checkpoint_config(load_checkpoint(self.last))
        try:
            values = json.loads(self.config.read_text())
        except (OSError, ValueError) as error:
            raise ValueError(f"{self.config} is not readable: {error}") from None
        return TrainConfig.from_dict(values, str(self.config))

    def acquire(self, config: TrainConfig, resume: bool) -> Checkpoint | None:
        """Locks the directory and checks it; returns the checkpoint to
        resume from, or :obj:`None` to start at epoch 1."""
        if self.out.is_dir() and not self.has_run():
            self._refuse_foreign_files()
        try:
            self._created = not self.out.exists()
            self.out.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            self.release()
            raise OSError(
                f"Cannot write to the run directory {self.out}: "
                f"{error.strerror or error}"
            ) from None
        try:
            self._take_lock()
            self._remove_stale_files()
            return self._checkpoint_to_resume(config, resume)
        except BaseException:
            self.release()
            raise

    def _refuse_foreign_files(self) -> None:
        foreign = sorted(
            p.name for p in self.out.iterdir() if not self._is_own_leftover(p.name)
        )
        if foreign:
            raise FileExistsError(
                f"{self.out} holds other files and no run ({', '.join(foreign[:5])}"
                f"{', ...' if len(foreign) > 5 else ''}): choose a new or empty --out"
            )

    def _is_own_leftover(self, name: str) -> bool:
        return name == self._lock_path.name or (
            name.startswith(".") and name.endswith(".tmp")
        )

    def _take_lock(self) -> None:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._locked = True
        except BlockingIOError:
            raise OSError(
                f"{self.out} is in use by another training run; wait for it to "
                "end or choose another --out"
            ) from None
        # A failed start deletes the lock file: if that happened between our
        # open and our lock, the lock we hold is on a file nobody else sees.
        if os.fstat(self._lock).st_ino != os.stat(self._lock_path).st_ino:
            raise OSError(f"{self.out} changed while starting; try again")

    def _remove_stale_files(self) -> None:
        """Temporary files of a killed writer (we hold the lock: no other
        writer can own them)."""
        for path in self.out.glob(".*.tmp"):
            path.unlink(missing_ok=True)

    def _checkpoint_to_resume(
        self, config: TrainConfig, resume: bool
    ) -> Checkpoint | None:
        if not self.has_run():
            if resume:
                raise FileNotFoundError(f"{self.out} holds no run to resume")
            return None
        saved = self.saved_config()  # refuses a config.json of someone else's
        self._holds_run = True
        if not resume:
            raise FileExistsError(
                f"{self.out} already holds a run: pass --resume to continue it "
                "or choose another --out"
            )
        differences = saved.differences(config)
        if differences:
            raise ValueError(
                f"{self.out} holds a run with other settings ("
                + "; ".join(differences)
                + "): a resumed run keeps its settings, only --epochs may grow"
            )
        return load_checkpoint(self.last) if self.last.exists() else None

    def start(self, config: TrainConfig, rows: list[dict]) -> None:
        """Marks the run as started: writes the configuration, and the log
        of the checkpoint being resumed from."""
        atomic_write_text(json.dumps(config.to_dict(), indent=2) + "\n", self.config)
        self._holds_run = True
        self.write_log(rows)

    def save(self, checkpoint: Checkpoint, best: bool) -> None:
        """Commits an epoch: the checkpoint(s), then the log of its rows
        (:obj:`checkpoint.training["metrics"]`)."""
        content = checkpoint.to_dict()
        if best:
            atomic_save(content, self.best)
        atomic_save(content, self.last)
        self.write_log(checkpoint.training["metrics"])

    def write_log(self, rows: list[dict]) -> None:
        """Rewrites :obj:`metrics.jsonl` with :obj:`rows`, one JSON object a
        line."""
        text = "".join(json.dumps(row, allow_nan=False) + "\n" for row in rows)
        atomic_write_text(text, self.metrics)

    def release(self) -> None:
        """Unlocks the directory. A run that never started leaves nothing:
        the lock file goes, and the directory too if this run created it."""
        if not self._holds_run:
            with contextlib.suppress(OSError):
                if self._locked:
                    self._lock_path.unlink(missing_ok=True)
                if self._created:
                    self.out.rmdir()  # only if empty: another run may be starting
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock, self._locked = None, False
