import os
import zipfile

import numpy as np
import pytest

from pyg_weightshare.datasets import Human36M, npz, synthesize_h36m
from pyg_weightshare.datasets.npz import load_pickled_dict


class Hostile:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("h36m")
    synthesize_h36m(root, frames=10, seed=1, subjects=["S1", "S9", "S11"])
    return root


def test_plain_dicts_of_arrays_load(tmp_path):
    path = tmp_path / "data.npz"
    content = {"S1": {"Walking 1": [np.ones((2, 17, 2), np.float32)]}, "n": 3.5}
    np.savez(path, positions_2d=content, metadata={"layout_name": "h36m"})
    loaded = load_pickled_dict(path, "positions_2d")
    assert loaded["n"] == 3.5
    assert loaded["S1"]["Walking 1"][0].dtype == np.float32
    assert load_pickled_dict(path, "metadata") == {"layout_name": "h36m"}


def test_a_hostile_file_runs_no_code(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "data_3d_h36m.npz"
    np.savez(path, positions_3d={"S1": {"Walking": Hostile(marker)}})
    with pytest.raises(ValueError, match=r"data_3d_h36m.npz .*refusing to load posix"):
        load_pickled_dict(path, "positions_3d")
    assert not marker.exists()


def test_a_hostile_dataset_runs_no_code_in_the_loader(data, tmp_path):
    marker = tmp_path / "marker"
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "data_2d_h36m_gt.npz").write_bytes(
        (data / "data_2d_h36m_gt.npz").read_bytes()
    )
    np.savez(root / "data_3d_h36m.npz", positions_3d=Hostile(marker))
    with pytest.raises(ValueError, match=r"data_3d_h36m\.npz"):
        Human36M(root, train_subjects=["S1"])
    assert not marker.exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",  # empty
        lambda data: data[:200] + bytes(len(data) - 200),  # corrupted
    ],
    ids=["truncated", "empty", "corrupted"],
)
def test_a_damaged_archive_names_the_file(data, tmp_path, damage):
    path = tmp_path / "data_3d_h36m.npz"
    path.write_bytes(damage((data / "data_3d_h36m.npz").read_bytes()))
    with pytest.raises(ValueError, match=r"data_3d_h36m.npz is not a readable"):
        load_pickled_dict(path, "positions_3d")


def test_a_damaged_member_names_the_file(tmp_path):
    path = tmp_path / "data_2d_h36m_gt.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("positions_2d.npy", b"\x93NUMPY\x01\x00garbage")
    with pytest.raises(ValueError, match=r"data_2d_h36m_gt.npz is not a readable"):
        load_pickled_dict(path, "positions_2d")


def test_missing_key_and_file(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, other=np.zeros(1))
    with pytest.raises(
        KeyError, match=r"has no key 'positions_3d' \(keys: \['other'\]"
    ):
        load_pickled_dict(path, "positions_3d")
    with pytest.raises(FileNotFoundError, match=r"missing\.npz"):
        load_pickled_dict(tmp_path / "missing.npz", "positions_3d")


def test_3d_in_millimetres_is_refused(data, tmp_path):
    root = tmp_path / "millimetres"
    root.mkdir()
    (root / "data_2d_h36m_gt.npz").write_bytes(
        (data / "data_2d_h36m_gt.npz").read_bytes()
    )
    positions = load_pickled_dict(data / "data_3d_h36m.npz", "positions_3d")
    for takes in positions.values():
        for key in takes:
            takes[key] = takes[key] * 1000
    np.savez(root / "data_3d_h36m.npz", positions_3d=positions)
    with pytest.raises(ValueError, match=r"thigh of 4\d\d\.?\d* units; .* in metres"):
        Human36M(root, train_subjects=["S1"])


def test_a_member_inflating_past_the_limit_is_not_read(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, positions_3d=np.zeros(2**18, np.float32))  # 1 MiB
    assert path.stat().st_size < 2**13
    monkeypatch.setattr(npz, "MAX_MEMBER_BYTES", 2**19)
    with pytest.raises(ValueError, match=r"bomb.npz .*inflates to 1,048,7\d\d bytes"):
        load_pickled_dict(path, "positions_3d")


def test_an_array_header_larger_than_the_limit_is_not_read(tmp_path):
    path = tmp_path / "liar.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": (2**40,)}
    with zipfile.ZipFile(path, "w") as archive, archive.open("x.npy", "w") as member:
        np.lib.format.write_array_header_1_0(member, header)  # and no data
    with pytest.raises(ValueError, match=r"an array of 8,796,093,022,208 bytes"):
        load_pickled_dict(path, "x")


def test_shared_nested_lists_are_counted_per_reference(tmp_path):
    path = tmp_path / "shared.npz"
    np.savez(path, positions_3d={"S1": {"Walking": [[0.0] * 1001] * 1000}})
    assert path.stat().st_size < 2**15
    with pytest.raises(ValueError, match=r"more than 1,000,000 dict, list or array"):
        load_pickled_dict(path, "positions_3d")


def test_a_shared_array_counts_each_time(tmp_path, monkeypatch):
    path = tmp_path / "shared.npz"
    array = np.zeros((100, 17, 2), np.float32)
    np.savez(path, positions_2d={"S1": {"Walking": [array] * 100}})
    monkeypatch.setattr(npz, "MAX_ELEMENTS", 100 * array.size - 1)
    with pytest.raises(ValueError, match="shared arrays counted each time"):
        load_pickled_dict(path, "positions_2d")
    monkeypatch.setattr(npz, "MAX_ELEMENTS", 100 * array.size)
    assert len(load_pickled_dict(path, "positions_2d")["S1"]["Walking"]) == 100
