import json
import subprocess
import sys
import time

import pytest
import torch

from pyg_weightshare.cli import main
from pyg_weightshare.training import TrainConfig, evaluate_checkpoint, train
from pyg_weightshare.training.checkpoint import load_checkpoint

RUN_FILES = (
    "config.json",
    "metrics.jsonl",
    "last.pt",
    "best.pt",
    "evaluation.json",
    "evaluation.md",
    "curves.png",
    "per_action.png",
)


def rows(run):
    return [
        json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()
    ]


def test_train_writes_the_run_and_evaluate_reproduces_it(
    tiny_data, tmp_path, capsys, tiny
):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run), "--epochs", "2"]
    assert main(argv + tiny) == 0
    for name in RUN_FILES:
        assert (run / name).is_file(), name
    assert [row["epoch"] for row in rows(run)] == [1, 2]
    assert all(row["val_mpjpe"] > 0 for row in rows(run))
    report = json.loads((run / "evaluation.json").read_text())
    assert report["selection"] == "best epoch on the validation subjects S8"
    printed = capsys.readouterr().out
    assert "mean-pose guess MPJPE" in printed

    errors, config = evaluate_checkpoint(run / "best.pt")
    assert config.scheme == "pre_agg"
    assert errors.mpjpe_action_mean == pytest.approx(
        report["test"]["mpjpe"]["action_mean"]
    )
    assert errors.p_mpjpe_action_mean == pytest.approx(
        report["test"]["p_mpjpe"]["action_mean"]
    )
    assert main(["evaluate", "--checkpoint", str(run / "best.pt")]) == 0
    table = capsys.readouterr().out
    assert (
        f"| action mean | {sum(errors.num_poses)} | {errors.mpjpe_action_mean:.1f} |"
        in table
    )


def test_resumed_run_equals_uninterrupted_run(tiny_data, tmp_path, tiny):
    base = dict(
        data_dir=str(tiny_data),
        hidden_channels=16,
        num_blocks=1,
        batch_size=128,
        stride=2,
        dropout=0.1,
        seed=5,
    )
    train(TrainConfig(out=str(tmp_path / "straight"), epochs=3, **base), progress=False)
    # Stopped after the checkpoint of epoch 2, then resumed.
    interrupted = TrainConfig(out=str(tmp_path / "resumed"), epochs=2, **base)
    train(interrupted, progress=False)
    (tmp_path / "resumed" / "evaluation.json").unlink()
    resumed = TrainConfig(out=str(tmp_path / "resumed"), epochs=3, **base)
    train(resumed, resume=True, progress=False)
    straight, again = rows(tmp_path / "straight"), rows(tmp_path / "resumed")
    for expected, actual in zip(straight, again, strict=True):
        for key in ("epoch", "train_loss", "lr", "val_mpjpe", "val_p_mpjpe"):
            assert actual[key] == expected[key], key
    first = load_checkpoint(tmp_path / "straight" / "last.pt")["model"]
    second = load_checkpoint(tmp_path / "resumed" / "last.pt")["model"]
    assert first.keys() == second.keys()
    for name, value in first.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(second[name], value), name


def test_select_on_test_is_reported(tiny_data, tmp_path, tiny):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run), "--epochs", "1"]
    assert main([*argv, "--select-on", "test", "--val-subjects", *tiny]) == 0
    report = json.loads((run / "evaluation.json").read_text())
    assert (
        report["selection"] == "best epoch on the TEST set, as the published code does"
    )
    assert "test_mpjpe" in rows(run)[0]


# Bad input --------------------------------------------------------------------


def test_unknown_scheme_is_rejected(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--scheme", "half_sharing"])
    assert "invalid choice: 'half_sharing'" in capsys.readouterr().err


def test_data_dir_without_files(tmp_path, capsys, tiny):
    argv = [
        "train",
        "--data-dir",
        str(tmp_path / "empty"),
        "--out",
        str(tmp_path / "run"),
    ]
    assert main(argv + tiny) == 2
    assert "data_3d_h36m.npz" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # a failed start leaves nothing


def test_unwritable_output_directory(tiny_data, tmp_path, capsys, tiny):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(blocker / "run")]
    assert main(argv + tiny) == 2
    assert "Cannot write to the run directory" in capsys.readouterr().err
    assert blocker.read_text() == "not a directory"


def test_existing_run_needs_resume_and_same_model(tiny_data, tmp_path, capsys, tiny):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run), "--epochs", "1"]
    assert main(argv + tiny) == 0
    before = (run / "metrics.jsonl").read_text()
    assert main(argv + tiny) == 2
    assert "already holds a run: pass --resume" in capsys.readouterr().err
    assert main([*argv, "--resume", "--scheme", "full", *tiny]) == 2
    assert "scheme: run 'pre_agg', requested 'full'" in capsys.readouterr().err
    assert main([*argv, "--resume", "--num-joints", "17", *tiny]) == 2
    assert "num_joints: run 16, requested 17" in capsys.readouterr().err
    assert (run / "metrics.jsonl").read_text() == before


def test_corrupted_checkpoint(tmp_path, capsys):
    path = tmp_path / "best.pt"
    path.write_bytes(b"\x80not a checkpoint")
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert "is not a readable checkpoint" in capsys.readouterr().err
    torch.save({"weights": torch.zeros(1)}, path)
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    assert "is not a pyg-weightshare training checkpoint" in capsys.readouterr().err


def test_visualize_draws_the_checkpoint(tiny_data, tmp_path, tiny):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run), "--epochs", "1"]
    assert main(argv + tiny) == 0
    figure = tmp_path / "poses.png"
    assert (
        main(["visualize", "--checkpoint", str(run / "best.pt"), "--out", str(figure)])
        == 0
    )
    assert figure.stat().st_size > 10_000


def test_killed_run_resumes_to_the_uninterrupted_result(tiny_data, tmp_path):
    common = ["--data-dir", str(tiny_data), "--epochs", "3", "--hidden-channels", "16"]
    common += ["--num-blocks", "1", "--batch-size", "128", "--no-progress"]
    killed, straight = tmp_path / "killed", tmp_path / "straight"
    command = [sys.executable, "-m", "pyg_weightshare", "train", *common]
    process = subprocess.Popen([*command, "--out", str(killed)])
    metrics = killed / "metrics.jsonl"
    while not (metrics.exists() and metrics.read_text().count("\n") >= 1):
        assert process.poll() is None, "the run ended before its first epoch"
        time.sleep(0.01)
    process.kill()  # SIGKILL, in the middle of epoch 2
    process.wait()
    assert len(rows(killed)) < 3

    assert main(["train", *common, "--out", str(killed), "--resume"]) == 0
    assert main(["train", *common, "--out", str(straight)]) == 0
    assert rows(killed) == [
        dict(row, poses_per_second=again["poses_per_second"])
        for row, again in zip(rows(straight), rows(killed), strict=True)
    ]
