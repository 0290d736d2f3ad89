import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from pyg_weightshare.cli import main
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.training import TrainConfig, evaluate_checkpoint, train

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


def test_resumed_run_equals_uninterrupted_run(tiny_data, tmp_path, tiny_run):
    base = dict(tiny_run, data_dir=str(tiny_data), dropout=0.1, seed=5)
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
    first = load_checkpoint(tmp_path / "straight" / "last.pt").weights
    second = load_checkpoint(tmp_path / "resumed" / "last.pt").weights
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
    assert "is not a pyg-weightshare model file" in capsys.readouterr().err


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
    # A directory as --out gets poses.png inside, not DIR.png beside it.
    folder = tmp_path / "figures"
    folder.mkdir()
    assert (
        main(["visualize", "--checkpoint", str(run / "best.pt"), "--out", str(folder)])
        == 0
    )
    assert [path.name for path in folder.iterdir()] == ["poses.png"]


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


# Runs you can trust -----------------------------------------------------------


class Killed(BaseException):
    """Stands for a SIGKILL: nothing after the write it follows happens."""


def files(run):
    return {path.name: path.read_bytes() for path in sorted(run.iterdir())}


def test_resume_with_other_settings_is_refused_with_the_differences(
    tiny_data, tmp_path, capsys, tiny
):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run)]
    assert main([*argv, "--epochs", "1", *tiny]) == 0
    before = files(run)
    changed = ["--lr", "0.01", "--seed", "1", "--val-subjects", "S7"]
    changed += ["--keypoints", "cpn_ft_h36m_dbb", "--recipe", "ablation"]
    changed += ["--select-on", "test", "--epochs", "1"]
    capsys.readouterr()
    assert main([*argv, "--resume", *changed, *tiny]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    for difference in (
        "lr: run 0.001, requested 0.01",
        "seed: run 0, requested 1",
        "val_subjects: run ['S8'], requested ['S7']",
        "keypoints: run 'gt', requested 'cpn_ft_h36m_dbb'",
        "recipe: run 'demo', requested 'ablation'",
        "select_on: run 'val', requested 'test'",
    ):
        assert difference in error
    assert files(run) == before
    # Fewer epochs are refused too; more continue the same run, whose
    # settings need not be repeated.
    assert main([*argv, "--resume", "--epochs", "0"]) == 2
    assert main([*argv, "--resume", "--epochs", "1", "--stride", "4"]) == 2
    assert "stride: run 2, requested 4" in capsys.readouterr().err
    assert main([*argv, "--resume", "--epochs", "2", "--no-progress"]) == 0
    assert [row["epoch"] for row in rows(run)] == [1, 2]
    assert json.loads((run / "config.json").read_text())["hidden_channels"] == 16


def test_a_kill_between_any_two_writes_resumes_to_the_uninterrupted_run(
    tiny_data, tmp_path, monkeypatch, tiny_run
):
    from pyg_weightshare.training import checkpoint

    base = dict(tiny_run, data_dir=str(tiny_data), stride=4, epochs=2, dropout=0.1)
    base.update(seed=5)
    commit, writes = checkpoint._commit, []

    def counting(tmp, path):
        commit(tmp, path)
        writes.append(path.name)

    monkeypatch.setattr(checkpoint, "_commit", counting)
    straight = tmp_path / "straight"
    train(TrainConfig(out=str(straight), **base), progress=False)
    assert writes.count("last.pt") == 2 and writes.count("metrics.jsonl") == 3

    def comparable(run):
        logged = [dict(row, poses_per_second=None) for row in rows(run)]
        last = load_checkpoint(run / "last.pt")
        report = json.loads((run / "evaluation.json").read_text())
        best = load_checkpoint(run / "best.pt")
        return logged, last.weights, best.training["epoch"], report

    expected = comparable(straight)
    for kill_after in range(1, len(writes) + 1):
        done = []

        def killing(tmp, path, kill_after=kill_after, done=done):
            commit(tmp, path)
            done.append(path.name)
            if len(done) == kill_after:
                raise Killed

        monkeypatch.setattr(checkpoint, "_commit", killing)
        out = tmp_path / f"killed-after-{kill_after}"
        with pytest.raises(Killed):
            train(TrainConfig(out=str(out), **base), progress=False)
        monkeypatch.setattr(checkpoint, "_commit", commit)
        train(TrainConfig(out=str(out), **base), resume=True, progress=False)
        logged, weights, best_epoch, report = comparable(out)
        assert logged == expected[0], done
        assert best_epoch == expected[2], done
        assert report == expected[3], done
        for name, value in expected[1].items():
            if isinstance(value, torch.Tensor):
                assert torch.equal(weights[name], value), (done, name)


def test_divergence_stops_the_run(tiny_data, tmp_path, capsys, tiny):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run), "--epochs", "2"]
    assert main([*argv, "--lr", "1e6", *tiny]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "training diverged in epoch 1: the training loss" in error
    assert "start a new run (another --out) with a lower --lr than 1e+06" in error
    assert not (run / "last.pt").exists() and not (run / "best.pt").exists()
    assert (run / "metrics.jsonl").read_text() == ""


def test_a_second_trainer_on_the_same_directory_fails_at_once(
    tiny_data, tmp_path, capsys, tiny
):
    from pyg_weightshare.training.checkpoint import RunDirectory

    run = tmp_path / "run"
    first = RunDirectory(run)  # what a running trainer holds
    first.acquire(TrainConfig(out=str(run)), resume=False)
    try:
        argv = ["train", "--data-dir", str(tiny_data), "--out", str(run)]
        assert main([*argv, "--epochs", "1", *tiny]) == 2
        assert "is in use by another training run" in capsys.readouterr().err
        assert [path.name for path in run.iterdir()] == [".lock"]
    finally:
        first.release()


def test_a_failed_start_leaves_no_configuration(tiny_data, tmp_path, capsys, tiny):
    run = tmp_path / "run"
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(run)]
    assert main([*argv, "--scheme", "conv_style", "--no-decouple", *tiny]) == 2
    assert "--decouple cannot be False for conv_style" in capsys.readouterr().err
    assert main([*argv, *tiny, "--batch-size", "100000"]) == 2
    assert "do not fill one batch of 100000" in capsys.readouterr().err
    assert not run.exists()


def test_ctrl_c_stops_with_one_line(tiny_data, tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "pyg_weightshare", "train", "--out", str(run)]
    command += ["--data-dir", str(tiny_data), "--epochs", "1000", "--hidden-channels"]
    command += ["16", "--num-blocks", "1", "--batch-size", "128", "--no-progress"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    metrics = run / "metrics.jsonl"
    while not (metrics.exists() and metrics.read_text().count("\n") >= 1):
        assert process.poll() is None, "the run ended before its first epoch"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 130
    assert error == (
        f"pyg-weightshare train: interrupted; continue with: pyg-weightshare "
        f"train --out {run} --resume\n"
    )


def test_empty_test_subjects_are_an_error(tiny_data, tmp_path, capsys, tiny):
    from pyg_weightshare.datasets.npz import load_pickled_dict

    root = tmp_path / "no-test-poses"
    root.mkdir()
    for name, key in (("data_3d_h36m.npz", "positions_3d"),
                      ("data_2d_h36m_gt.npz", "positions_2d")):  # fmt: skip
        content = load_pickled_dict(tiny_data / name, key)
        content["S9"], content["S11"] = {}, {}
        np.savez(root / name, **{key: content})
    argv = ["train", "--data-dir", str(root), "--out", str(tmp_path / "run")]
    assert main([*argv, *tiny]) == 2
    assert "the test subjects S9 S11 have no poses" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a CPU-only machine")
def test_cuda_on_a_cpu_only_torch(tiny_data, tmp_path, capsys, tiny):
    argv = ["train", "--data-dir", str(tiny_data), "--out", str(tmp_path / "run")]
    assert main([*argv, "--device", "cuda", *tiny]) == 2
    assert "device 'cuda': this PyTorch sees no CUDA device" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    assert main(["evaluate", "--checkpoint", "best.pt", "--device", "cuda"]) == 2
    assert "this PyTorch sees no CUDA device" in capsys.readouterr().err
