import os

import pytest
import torch

from pyg_weightshare.cli import main
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.training import TrainConfig
from pyg_weightshare.training import checkpoint as checkpoint_module
from pyg_weightshare.training.checkpoint import RunDirectory, atomic_save


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("disk full")


class Hostile:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_atomic_save_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "last.pt"
    atomic_save({"epoch": 1}, path)
    with pytest.raises(RuntimeError, match="disk full"):
        atomic_save({"epoch": 2, "broken": Unpicklable()}, path)
    assert torch.load(path) == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no leftovers


def test_a_hostile_checkpoint_runs_no_code(tmp_path, capsys):
    marker = tmp_path / "marker"
    path = tmp_path / "best.pt"
    torch.save({"config": {}, "model": Hostile(marker)}, path)
    with pytest.raises(ValueError, match=r"best\.pt is not a readable checkpoint"):
        load_checkpoint(path)
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert not marker.exists()
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is not a readable checkpoint" in error


def test_a_full_disk_is_one_line(tmp_path, monkeypatch):
    def full_disk(obj, file):
        file.write(b"partial")
        raise RuntimeError(
            "[enforce fail at inline_container.cc:664] . unexpected pos 64 vs 0\n"
            "frame #0: c10::ThrowEnforceNotMet"
        )

    monkeypatch.setattr(checkpoint_module.torch, "save", full_disk)
    with pytest.raises(OSError, match=r"Cannot write .*last\.pt \(is the disk full"):
        atomic_save({"epoch": 1}, tmp_path / "last.pt")
    assert list(tmp_path.iterdir()) == []


def test_one_writer_per_run_directory(tmp_path):
    first, second = RunDirectory(tmp_path / "run"), RunDirectory(tmp_path / "run")
    config = TrainConfig(out=str(tmp_path / "run"))
    assert first.acquire(config, resume=False) is None
    try:
        before = sorted(p.name for p in first.out.iterdir())
        with pytest.raises(OSError, match="is in use by another training run"):
            second.acquire(config, resume=False)
        assert sorted(p.name for p in first.out.iterdir()) == before
    finally:
        first.release()
    assert not first.out.exists()  # the run never started: nothing is left
    assert second.acquire(config, resume=False) is None
    second.release()


def test_a_directory_of_other_files_is_refused(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "evaluation.md").write_text("my notes")
    (out / "config.json").write_text("{}")
    run = RunDirectory(out)
    for resume in (False, True):
        with pytest.raises(ValueError, match=r"config\.json: not a pyg-weightshare"):
            run.acquire(TrainConfig(out=str(out)), resume=resume)
    assert (out / "config.json").read_text() == "{}"
    (out / "config.json").unlink()
    with pytest.raises(FileExistsError, match=r"holds other files and no run"):
        run.acquire(TrainConfig(out=str(out)), resume=False)
    assert sorted(p.name for p in out.iterdir()) == ["evaluation.md"]
    assert (out / "evaluation.md").read_text() == "my notes"


def test_stale_temporary_files_are_removed(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".best.pt.12345.tmp").write_bytes(b"half a checkpoint")
    run = RunDirectory(out)
    run.acquire(TrainConfig(out=str(out)), resume=False)
    try:
        assert not (out / ".best.pt.12345.tmp").exists()
    finally:
        run.release()
