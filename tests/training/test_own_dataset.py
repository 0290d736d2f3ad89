import json
from importlib import resources

import numpy as np

from pyg_weightshare.cli import main
from pyg_weightshare.datasets.npz import load_pickled_dict

# Human3.6M subjects and actions of the synthetic data, renamed.
SUBJECTS = {"S1": "alice", "S5": "bob", "S9": "carol"}
ACTIONS = {"Walking": "Climb", "Sitting": "Crawl"}


def renamed_dataset(source, root):
    """The synthetic Human3.6M with other subject, action and camera names,
    two of its actions and its own cameras.json."""
    calibration = json.loads(
        resources.files("pyg_weightshare.datasets").joinpath("cameras.json").read_text()
    )
    cameras = {old: f"cam{i}" for i, old in enumerate(calibration["camera_order"])}
    own = {
        "camera_order": list(cameras.values()),
        "intrinsics": {
            new: calibration["intrinsics"][old] for old, new in cameras.items()
        },
        "extrinsics": {
            new: {
                cameras[c]: value for c, value in calibration["extrinsics"][old].items()
            }
            for old, new in SUBJECTS.items()
        },
    }
    (root / "cameras.json").write_text(json.dumps(own))
    for name, key in (("data_3d_h36m.npz", "positions_3d"),
                      ("data_2d_h36m_gt.npz", "positions_2d")):  # fmt: skip
        data = load_pickled_dict(source / name, key)
        renamed = {
            SUBJECTS[subject]: {
                sequence.replace(action, ACTIONS[action]): value
                for sequence, value in takes.items()
                for action in ACTIONS
                if sequence.split(" ")[0] == action
            }
            for subject, takes in data.items()
            if subject in SUBJECTS
        }
        np.savez(root / name, **{key: renamed})


def test_train_and_evaluate_on_other_names(tiny_data, tmp_path, tiny, capsys):
    data = tmp_path / "data"
    data.mkdir()
    renamed_dataset(tiny_data, data)
    run = tmp_path / "run"
    subjects = ["--train-subjects", "alice", "--val-subjects", "bob",
                "--test-subjects", "carol"]  # fmt: skip
    argv = ["train", "--data-dir", str(data), "--out", str(run), "--epochs", "1"]
    assert main(argv + subjects + tiny + ["--batch-size", "32"]) == 0
    report = json.loads((run / "evaluation.json").read_text())
    per_action = set(report["test"]["mpjpe"]) - {"action_mean", "frame_mean"}
    assert per_action == {"Climb", "Crawl"}
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run / "best.pt")]) == 0
    table = capsys.readouterr().out
    assert "test subjects carol" in table
    assert "| Climb " in table and "| Crawl " in table
    # A subject the calibration does not know is named.
    assert main(["evaluate", "--checkpoint", str(run / "best.pt"),
                 "--test-subjects", "S9"]) == 2  # fmt: skip
    assert "data_3d_h36m.npz has no subject 'S9'" in capsys.readouterr().err
