import argparse
import dataclasses
import subprocess
import sys

import pytest
import torch

import pyg_weightshare
from pyg_weightshare.cli import COMMANDS, Option, build_parser, default_threads, main
from pyg_weightshare.datasets import SUBJECTS
from pyg_weightshare.datasets.synthetic import DEFAULT_FRAMES
from pyg_weightshare.training import TrainConfig


def subparsers(parser):
    (action,) = [
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ]
    return action.choices


def test_every_option_has_help_text_with_its_default():
    parser = build_parser()
    for name, command in [("", parser), *subparsers(parser).items()]:
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            where = f"{name} {action.option_strings}"
            assert action.help, f"{where} has no help text"
            if not action.required and not isinstance(action, argparse._VersionAction):
                assert "(default:" in action.help, f"{where} shows no default"


def options(command):
    return {
        flag: action
        for action in subparsers(build_parser())[command]._actions
        for flag in action.option_strings
    }


def test_shared_options_come_from_one_declaration():
    train = options("train")
    for command in ("evaluate", "lift"):
        device = options(command)["--device"]
        assert (
            device.help
            == train["--device"].help
            == "cpu, cuda or cuda:N (default: cpu)"
        )
        assert device.default == TrainConfig.device == "cpu"
    assert train["--out"].default == TrainConfig.out
    assert train["--out"].help == f"run directory (default: {TrainConfig.out})"
    for command in ("evaluate", "visualize"):
        data_dir = options(command)["--data-dir"]
        assert data_dir.help.startswith(train["--data-dir"].help.split(" (")[0])
        assert data_dir.default is None


def test_an_option_is_one_declared_entry(monkeypatch):
    export = COMMANDS["export"]
    dry_run = Option("--dry-run", "check, write nothing", shown_default="no",
                     action="store_true")  # fmt: skip
    monkeypatch.setitem(
        COMMANDS,
        "export",
        dataclasses.replace(export, options=(*export.options, dry_run)),
    )
    args = build_parser().parse_args(["export", "--checkpoint", "a.pt", "--out", "b",
                                      "--dry-run"])  # fmt: skip
    assert args.dry_run is True and args.run is export.run
    assert options("export")["--dry-run"].help == "check, write nothing (default: no)"


def test_defaults_shown_are_the_real_ones():
    synth = subparsers(build_parser())["synth"]
    assert synth.get_default("frames") == DEFAULT_FRAMES
    assert synth.get_default("subjects") == list(SUBJECTS)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"pyg-weightshare {pyg_weightshare.__version__}\n"


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["--version"]])
def test_help_and_version_do_not_import_torch(argv):
    code = (
        "import sys\nfrom pyg_weightshare.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_threads_reach_torch_and_the_first_line(tmp_path, capsys):
    before = torch.get_num_threads()
    try:
        missing = str(tmp_path / "best.pt")
        assert main(["evaluate", "--checkpoint", missing, "--threads", "3"]) == 2
        assert torch.get_num_threads() == 3
        first = capsys.readouterr().out.splitlines()[0]
        assert first.startswith("pyg-weightshare evaluate: 3 CPU thread(s) (--threads")
        assert main(["evaluate", "--checkpoint", missing]) == 2
        assert torch.get_num_threads() == default_threads()
        assert f"{default_threads()} CPU thread(s) (default" in capsys.readouterr().out
    finally:
        torch.set_num_threads(before)


def test_synth_takes_frames_and_seed(tmp_path):
    assert main(["synth", "--out", str(tmp_path), "--frames", "8", "--seed", "2",
                 "--subjects", "S1"]) == 0  # fmt: skip
    assert (tmp_path / "data_3d_h36m.npz").is_file()


# Bad arguments: one line on stderr and exit status 2 -------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch-size", "0"], "--batch-size must be an integer of at least 1, got 0"),
        (["--batch-size", "-16"], "--batch-size must be an integer of at least 1"),
        (["--stride", "0"], "--stride must be an integer of at least 1, got 0"),
        (["--epochs", "0"], "--epochs must be an integer of at least 1, got 0"),
        (["--lr", "nan"], "--lr must be positive and finite, got nan"),
        (["--dropout", "1"], "--dropout must be in [0, 1), got 1.0"),
        (["--val-subjects"], "--val-subjects is empty: select_on='val' needs"),
    ],
)  # fmt: skip
def test_bad_training_arguments(tiny_data, tmp_path, capsys, argv, message):
    out = tmp_path / "run"
    assert main(["train", "--data-dir", str(tiny_data), "--out", str(out), *argv]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ablation", "--table", "3", "--seeds", "0"],
         "argument --seeds: must be at least 1, got 0"),
        (["visualize", "--checkpoint", "best.pt", "--num-poses", "0"],
         "argument --num-poses: must be at least 1, got 0"),
        (["train", "--threads", "0"], "argument --threads: must be at least 1, got 0"),
        (["train", "--hidden-channels", "x"],
         "argument --hidden-channels: invalid int value: 'x'"),
    ],
)  # fmt: skip
def test_bad_values_rejected_by_the_parser(capsys, argv, message):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
