"""Issue 22 through the command line: every class of careless or hostile use
gets one line on stderr, a non-zero exit and no traceback, and leaves every
existing file byte for byte as it was.

Each writing command is tried on an existing target, a target that is one of
its inputs, a full disk (a small tmpfs, mounted when the tests run as root)
and Ctrl-C while it writes (a writer that writes part of its file, then
raises :class:`KeyboardInterrupt`, as the signal handler does).
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from pyg_weightshare.cli import main
from pyg_weightshare.datasets import npz
from pyg_weightshare.datasets import synthesize_h36m as synthesize

TINY = ["--hidden-channels", "16", "--num-blocks", "1", "--batch-size", "128"]
TINY += ["--stride", "2", "--epochs", "1", "--no-progress"]
SYNTH = ["--frames", "8", "--subjects", "S1", "S9"]


def run_cli(capsys, *argv) -> tuple[int, str]:
    """The exit status and stderr of the command."""
    capsys.readouterr()
    try:
        status = main([str(arg) for arg in argv])
    except SystemExit as exit:  # argparse's errors
        status = exit.code
    return status, capsys.readouterr().err


def refused(capsys, *argv, status=2) -> str:
    """The one line of an expected error."""
    code, err = run_cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == status, err
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def files(directory) -> dict[str, bytes]:
    """Every file under :obj:`directory` and its bytes."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(Path(directory).rglob("*"))
        if path.is_file() and path.name != "filler"
    }


def interrupt_after_writing_part(path, *args, **kwargs):
    """A writer stopped by Ctrl-C half way."""
    Path(path).write_bytes(b"partial")
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    synthesize(root, frames=12, seed=3)
    return root


@pytest.fixture(scope="module")
def run(tmp_path_factory, data):
    out = tmp_path_factory.mktemp("runs") / "run"
    assert main(["train", "--out", str(out), "--data-dir", str(data), *TINY]) == 0
    return out


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (the full-disk tests need root to mount it)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
    )
    if result.returncode:
        pytest.skip(f"cannot mount a tmpfs: {result.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory):
    """Fills the file system of :obj:`directory` to the last byte."""
    with contextlib.suppress(OSError), open(Path(directory) / "filler", "wb") as file:
        while True:
            file.write(b"\0" * 4096)
            file.flush()


def hostile_checkpoint(run, path, config=None, model=None):
    """:obj:`run`'s best.pt with some of its configuration or weights
    replaced."""
    checkpoint = torch.load(run / "best.pt", weights_only=True)
    checkpoint["training"]["config"].update(config or {})
    checkpoint["architecture"].update(
        {k: v for k, v in (config or {}).items() if k in checkpoint["architecture"]}
    )
    checkpoint["weights"].update(model or {})
    torch.save(checkpoint, path)
    return path


# Data loss: existing targets and inputs -------------------------------------


def test_synth_refuses_an_existing_dataset_unless_forced(tmp_path, capsys):
    out = tmp_path / "data"
    assert main(["synth", "--out", str(out), *SYNTH]) == 0
    before = files(out)
    line = refused(capsys, "synth", "--out", out, *SYNTH, "--seed", "1")
    assert line.endswith("data_3d_h36m.npz exists: pass --force to replace it")
    assert files(out) == before
    assert main(["synth", "--out", str(out), *SYNTH, "--seed", "1", "--force"]) == 0
    assert files(out).keys() == before.keys() and files(out) != before


def test_synth_refuses_a_directory_holding_another_dataset(tmp_path, capsys):
    (tmp_path / "data_2d_h36m_cpn_ft_h36m_dbb.npz").write_bytes(b"real detections")
    before = files(tmp_path)
    line = refused(capsys, "synth", "--out", tmp_path, *SYNTH)
    assert "holds another dataset (data_2d_h36m_cpn_ft_h36m_dbb.npz)" in line
    assert files(tmp_path) == before


def test_synth_detections_never_replace_the_ground_truth(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path), *SYNTH]) == 0
    before = files(tmp_path)
    line = refused(
        capsys, "synth", "--out", tmp_path, *SYNTH, "--detections", "gt", "--force"
    )
    assert "a plain name other than gt" in line
    assert files(tmp_path) == before


def test_train_refuses_its_data_directory_and_an_existing_run(data, run, capsys):
    before = files(data)
    line = refused(capsys, "train", "--out", data, "--data-dir", data, *TINY)
    assert "holds other files and no run" in line
    assert files(data) == before
    before = files(run)
    line = refused(capsys, "train", "--out", run, "--data-dir", data, *TINY)
    assert "already holds a run: pass --resume" in line
    assert files(run) == before


def test_visualize_and_export_never_write_an_input_even_forced(data, run, capsys):
    pytest.importorskip("onnxscript")
    before, data_before = files(run), files(data)
    best = run / "best.pt"
    for argv in (
        ["visualize", "--checkpoint", best, "--out", best],
        ["visualize", "--checkpoint", best, "--data-dir", data, "--out",
         data / "data_3d_h36m.npz"],
        ["export", "--checkpoint", best, "--out", best],
    ):  # fmt: skip
        assert "is also an input of this command" in refused(capsys, *argv, "--force")
    assert files(run) == before and files(data) == data_before


@pytest.mark.parametrize("command", ["visualize", "export"])
def test_an_existing_output_needs_force(command, run, tmp_path, capsys):
    if command == "export":
        pytest.importorskip("onnxscript")
    out = tmp_path / ("poses.png" if command == "visualize" else "model.onnx")
    out.write_bytes(b"keep")
    argv = [command, "--checkpoint", run / "best.pt", "--out", out]
    assert refused(capsys, *argv).endswith("exists: pass --force to replace it")
    assert out.read_bytes() == b"keep"
    assert run_cli(capsys, *argv, "--force")[0] == 0
    assert out.read_bytes() != b"keep"
    assert files(tmp_path).keys() == {out.name}


@pytest.mark.parametrize("command", ["visualize", "export", "synth"])
def test_a_symlinked_output_is_not_followed(command, run, tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    name = {"visualize": "x.png", "export": "x.onnx", "synth": "data_3d_h36m.npz"}
    link = tmp_path / "out" / name[command]
    link.parent.mkdir()
    link.symlink_to(victim)
    argv = {
        "visualize": ["visualize", "--checkpoint", run / "best.pt", "--out", link],
        "export": ["export", "--checkpoint", run / "best.pt", "--out", link],
        "synth": ["synth", "--out", link.parent, *SYNTH],
    }[command]
    line = refused(capsys, *argv, "--force")
    assert "is a symbolic link: not followed, not written" in line
    assert victim.read_bytes() == b"keep" and link.is_symlink()


def test_ablation_refuses_a_table_it_did_not_write(tmp_path, capsys, monkeypatch):
    from pyg_weightshare.training import ablation

    monkeypatch.setattr(
        ablation, "train", _fake_train(GOOD_REPORT, '{"train_loss": 1}')
    )
    (tmp_path / "table2.md").write_text("my notes")
    line = refused(capsys, "ablation", "--table", "2", "--out", tmp_path)
    assert line.endswith("table2.md exists: pass --force to replace it")
    assert files(tmp_path) == {"table2.md": b"my notes"}


# Half-written files: Ctrl-C and a full disk -----------------------------------


def test_synth_interrupted_keeps_the_previous_dataset(tmp_path, capsys, monkeypatch):
    assert main(["synth", "--out", str(tmp_path), *SYNTH]) == 0
    before = files(tmp_path)
    monkeypatch.setattr(np, "savez", interrupt_after_writing_part)
    refused(capsys, "synth", "--out", tmp_path, *SYNTH, "--seed", "1", "--force",
            status=130)  # fmt: skip
    assert files(tmp_path) == before


def test_a_dataset_half_replaced_is_refused_by_train(
    tmp_path, data, capsys, monkeypatch
):
    """Ctrl-C between the renames of synth's files: the directory holds a
    new 3D file beside the old 2D file, which no reader takes."""
    shutil.copytree(data, tmp_path / "data")
    replace = os.replace

    def interrupted_after_the_first(source, target):
        replace(source, target)
        monkeypatch.setattr(os, "replace", replace)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted_after_the_first)
    refused(capsys, "synth", "--out", tmp_path / "data", "--frames", "12", "--seed",
            "4", "--force", status=130)  # fmt: skip
    line = refused(capsys, "train", "--out", tmp_path / "run", "--data-dir",
                   tmp_path / "data", *TINY)  # fmt: skip
    assert "half replaced by a command that was stopped" in line


def test_synth_on_a_full_disk_keeps_the_previous_dataset(small_disk, capsys):
    assert main(["synth", "--out", str(small_disk), *SYNTH]) == 0
    before = files(small_disk)
    fill(small_disk)
    line = refused(capsys, "synth", "--out", small_disk, *SYNTH, "--seed", "1",
                   "--force")  # fmt: skip
    assert "No space left on device" in line and "nothing was replaced" in line
    assert files(small_disk) == before


def test_train_interrupted_while_reporting_keeps_its_figures(
    run, tmp_path, capsys, monkeypatch
):
    from matplotlib.figure import Figure

    shutil.copytree(run, tmp_path / "run")
    figures = {
        name: (run / name).read_bytes() for name in ("curves.png", "per_action.png")
    }
    monkeypatch.setattr(
        Figure, "savefig", lambda figure, path, **_: interrupt_after_writing_part(path)
    )
    refused(capsys, "train", "--out", tmp_path / "run", "--resume", "--epochs", "2",
            "--no-progress", status=130)  # fmt: skip
    for name, content in figures.items():
        assert (tmp_path / "run" / name).read_bytes() == content
    assert {p.name for p in (tmp_path / "run").iterdir() if p.name.startswith(".")} <= {
        ".lock"
    }


def test_train_on_a_full_disk_keeps_its_checkpoints(run, small_disk, capsys):
    shutil.copytree(run, small_disk / "run")
    before = files(small_disk)
    fill(small_disk)
    line = refused(capsys, "train", "--out", small_disk / "run", "--resume",
                   "--epochs", "2", "--no-progress")  # fmt: skip
    assert "Cannot write" in line
    assert files(small_disk) == before


@pytest.mark.parametrize("command", ["visualize", "export"])
def test_interrupted_output_keeps_the_previous_file(
    command, run, tmp_path, capsys, monkeypatch
):
    if command == "export":
        pytest.importorskip("onnxscript")
        monkeypatch.setattr(
            torch.onnx,
            "export",
            lambda model, args, path, **_: interrupt_after_writing_part(path),
        )
        out = tmp_path / "model.onnx"
    else:
        from matplotlib.figure import Figure

        monkeypatch.setattr(
            Figure,
            "savefig",
            lambda figure, path, **_: interrupt_after_writing_part(path),
        )
        out = tmp_path / "poses.png"
    out.write_bytes(b"previous")
    refused(capsys, command, "--checkpoint", run / "best.pt", "--out", out, "--force",
            status=130)  # fmt: skip
    assert files(tmp_path) == {out.name: b"previous"}


@pytest.mark.parametrize("command", ["visualize", "export"])
def test_output_on_a_full_disk_keeps_the_previous_file(
    command, run, small_disk, capsys
):
    if command == "export":
        pytest.importorskip("onnxscript")
    out = small_disk / ("poses.png" if command == "visualize" else "model.onnx")
    out.write_bytes(b"previous")
    fill(small_disk)
    line = refused(capsys, command, "--checkpoint", run / "best.pt", "--out", out,
                   "--force")  # fmt: skip
    assert "Cannot write" in line
    assert files(small_disk) == {out.name: b"previous"}


def _fake_train(evaluation: str, metrics: str, last=None):
    """A trainer that leaves the given report (and calls :obj:`last` after
    the last row), so the ablation's reading of it is tested in
    milliseconds."""
    rows = []

    def train(config, resume, progress):
        out = Path(config.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_bytes(b"{}")  # a run started here
        (out / "evaluation.json").write_bytes(evaluation.encode())
        (out / "metrics.jsonl").write_bytes(metrics.encode())
        rows.append(config.out)
        if last is not None and len(rows) == 6:  # the rows of table 2
            last(out)

    return train


GOOD_REPORT = json.dumps(
    {"parameters": 1000, "test": {"mpjpe": {"action_mean": 50.0},
                                  "p_mpjpe": {"action_mean": 40.0}}}
)  # fmt: skip


def test_ablation_interrupted_or_on_a_full_disk_keeps_its_table(
    small_disk, capsys, monkeypatch
):
    from pyg_weightshare.training import ablation

    argv = ["ablation", "--table", "2", "--out", small_disk / "t", "--no-progress"]
    monkeypatch.setattr(
        ablation, "train", _fake_train(GOOD_REPORT, '{"train_loss": 1}\n')
    )
    assert run_cli(capsys, *argv)[0] == 0
    before = files(small_disk)

    write_text = Path.write_text
    monkeypatch.setattr(
        Path, "write_text", lambda path, text: interrupt_after_writing_part(path)
    )
    refused(capsys, *argv, status=130)
    assert files(small_disk) == before
    monkeypatch.setattr(Path, "write_text", write_text)

    monkeypatch.setattr(
        ablation,
        "train",
        _fake_train(
            GOOD_REPORT, '{"train_loss": 1}\n', last=lambda out: fill(small_disk)
        ),
    )
    assert "Cannot write" in refused(capsys, *argv)
    assert files(small_disk) == before


# Unbounded input ---------------------------------------------------------------


def test_a_deep_config_json_on_resume(tmp_path, capsys):
    (tmp_path / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    line = refused(capsys, "train", "--out", tmp_path, "--resume", "--no-progress")
    assert "config.json nests deeper than the 64 levels read" in line


def _inflating_npz(path, inflated: int) -> None:
    """A VideoPose3D-like archive whose positions_3d member inflates from a
    few kilobytes to :obj:`inflated` bytes of zeros."""
    header = {"descr": "<f4", "fortran_order": False, "shape": (inflated // 4,)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("positions_3d.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, header)
            for _ in range(inflated // 2**16):
                member.write(bytes(2**16))


def test_an_npz_member_inflating_past_the_limit(tmp_path, capsys, monkeypatch):
    # The limit lowered to 1 MiB so the archive is built in milliseconds; the
    # real limit is MAX_MEMBER_BYTES (1 GiB).
    monkeypatch.setattr(npz, "MAX_MEMBER_BYTES", 2**20, raising=False)
    _inflating_npz(tmp_path / "data_3d_h36m.npz", 2 * 2**20)
    assert (tmp_path / "data_3d_h36m.npz").stat().st_size < 2**14
    line = refused(
        capsys, "train", "--out", tmp_path / "run", "--data-dir", tmp_path, *TINY
    )
    assert "inflates to 2,097,2" in line and "more than the 1,048,576 read" in line


def test_a_pickle_of_shared_nested_lists(tmp_path, capsys):
    shared = [[0.0] * 1001] * 1000  # 1,001,000 entries from one list
    np.savez(tmp_path / "data_3d_h36m.npz", positions_3d={"S1": {"Walking": shared}})
    assert (tmp_path / "data_3d_h36m.npz").stat().st_size < 2**15
    line = refused(
        capsys, "train", "--out", tmp_path / "run", "--data-dir", tmp_path, *TINY
    )
    assert "more than 1,000,000 dict, list or array entries" in line


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            {"hidden_channels": 10**7},
            "hidden_channels must be an integer from 1 to 8192",
        ),
        ({"num_blocks": 10**5}, "num_blocks must be an integer from 0 to 256"),
        (
            {"hidden_channels": 8000, "scheme": "no_sharing"},
            "more than the 500,000,000",
        ),
    ],
)
@pytest.mark.parametrize("command", ["evaluate", "export", "visualize"])
def test_a_checkpoint_with_a_malformed_architecture(
    command, config, problem, run, tmp_path, capsys
):
    path = hostile_checkpoint(run, tmp_path / "best.pt", config=config)
    argv = [command, "--checkpoint", path]
    if command != "evaluate":
        argv += ["--out", tmp_path / ("x.onnx" if command == "export" else "x.png")]
    line = refused(capsys, *argv)
    assert str(path) in line and problem in line
    assert files(tmp_path).keys() == {"best.pt"}


@pytest.mark.parametrize("command", ["evaluate", "export", "visualize", "lift"])
def test_a_checkpoint_with_nan_weights(command, run, tmp_path, capsys):
    state = torch.load(run / "best.pt", weights_only=True)["weights"]
    name = next(key for key, value in state.items() if isinstance(value, torch.Tensor))
    poisoned = state[name].clone()
    poisoned.view(-1)[0] = float("nan")
    path = hostile_checkpoint(run, tmp_path / "best.pt", model={name: poisoned})
    argv = [command, "--checkpoint", path]
    if command == "lift":
        keypoints = tmp_path / "keypoints.npy"
        np.save(keypoints, np.random.default_rng(0).uniform(0, 500, (10, 17, 2)))
        argv += ["--input", keypoints, "--layout", "coco", "--image-size", 640, 480]
    if command != "evaluate":
        argv += [
            "--out",
            tmp_path / f"out.{ {'export': 'onnx', 'lift': 'npz'}.get(command, 'png') }",
        ]
    line = refused(capsys, *argv)
    assert f"has weight {name!r} holding 1 NaN or infinite value(s)" in line


def test_threads_beyond_the_cores(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pyg_weightshare", "evaluate", "--checkpoint",
         str(tmp_path / "best.pt"), "--threads", "100000"],
        capture_output=True, text=True, cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "100000 threads, but this process may run on" in result.stderr


def test_num_poses_is_capped(run, tmp_path, capsys):
    line = refused(capsys, "visualize", "--checkpoint", run / "best.pt", "--out",
                   tmp_path / "x.png", "--num-poses", "100000")  # fmt: skip
    assert "at most 64 poses fit a figure, got 100000" in line
    assert not any(tmp_path.iterdir())


@pytest.mark.skipif(torch.cuda.is_available(), reason="this PyTorch has CUDA")
@pytest.mark.parametrize("command", ["evaluate", "lift", "train"])
def test_a_device_this_pytorch_lacks(command, run, tmp_path, capsys):
    argv = {
        "evaluate": ["evaluate", "--checkpoint", run / "best.pt"],
        "lift": ["lift", "--input", tmp_path / "k.npy", "--out", tmp_path / "o.npz"],
        "train": ["train", "--out", tmp_path / "run", *TINY],
    }[command]
    line = refused(capsys, *argv, "--device", "cuda")
    assert "device 'cuda': this PyTorch sees no CUDA device" in line
    assert not any(tmp_path.iterdir())


# Tracebacks left -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("evaluation", "metrics", "problem"),
    [
        ("{}", '{"train_loss": 1}\n', "evaluation.json has no number 'parameters'"),
        (GOOD_REPORT, "", "metrics.jsonl ends without a train_loss"),
        ("[" * 100_000 + "]" * 100_000, "", "evaluation.json nests deeper"),
    ],
)
def test_an_ablation_row_with_a_broken_report(
    evaluation, metrics, problem, tmp_path, capsys, monkeypatch
):
    from pyg_weightshare.training import ablation

    monkeypatch.setattr(ablation, "train", _fake_train(evaluation, metrics))
    line = refused(
        capsys, "ablation", "--table", "2", "--out", tmp_path, "--no-progress"
    )
    assert problem in line and "to train the run again" in line
    assert not (tmp_path / "table2.md").exists()
