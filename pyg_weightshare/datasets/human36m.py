"""2D-to-3D lifting data read from the VideoPose3D files: Human3.6M, or any
dataset written in the same layout."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from pyg_weightshare.datasets.camera import (
    Camera,
    cameras_from_calibration,
    h36m_cameras,
    load_calibration,
    quaternion_to_matrix,
)
from pyg_weightshare.datasets.npz import load_pickled_dict
from pyg_weightshare.outputs import check_complete
from pyg_weightshare.skeleton import (
    H36M_JOINTS_17,
    H36M_LEFT_17,
    H36M_RIGHT_17,
    Skeleton,
    h36m_skeleton,
)

SUBJECTS = ("S1", "S5", "S6", "S7", "S8", "S9", "S11")
TRAIN_SUBJECTS = ("S1", "S5", "S6", "S7", "S8")
TEST_SUBJECTS = ("S9", "S11")
ACTIONS = (
    "Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo",
    "Posing", "Purchases", "Sitting", "SittingDown", "Smoking", "Waiting",
    "WalkDog", "Walking", "WalkTogether",
)  # fmt: skip
SPLITS = ("train", "val", "test")
NUM_MOCAP_JOINTS = 32
# The index in the 32-joint mocap of each joint of H36M_JOINTS_17.
MOCAP_INDICES_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
# The names the original dataset uses for two actions VideoPose3D renames.
_ACTION_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}


def _symmetry(skeleton: Skeleton) -> list[list[int]]:
    return [list(skeleton.left), list(skeleton.right)]


# The "keypoints_symmetry" a VideoPose3D 2D file declares for each joint count.
_KEYPOINTS_SYMMETRY = {
    17: [list(H36M_LEFT_17), list(H36M_RIGHT_17)],
    16: _symmetry(h36m_skeleton(16)),
}


def action_of(sequence: str) -> str:
    """The action of a sequence key: its first word, e.g. ``"Walking"`` for
    ``"Walking 1"``, with Human3.6M's :obj:`"TakingPhoto"` and
    :obj:`"WalkingDog"` renamed :obj:`"Photo"` and :obj:`"WalkDog"` as in
    VideoPose3D.

    Args:
        sequence (str): A key of a VideoPose3D file.

    Returns:
        str: The action.

    Example:
        >>> action_of("WalkTogether 1"), action_of("TakingPhoto"), action_of("Climb 2")
        ('WalkTogether', 'Photo', 'Climb')
    """
    action = sequence.split(" ")[0]
    return _ACTION_ALIASES.get(action, action)


@dataclass(frozen=True)
class PoseSplit:
    """A set of 2D-3D pose pairs stored as contiguous tensors.

    Indexing with an integer tensor, a slice or a boolean mask returns the
    selected poses as a new :class:`PoseSplit`, so mini-batches are tensor
    slices.

    Args:
        inputs (torch.Tensor): 2D keypoints in screen coordinates
            :obj:`[N, J, 2]`.
        targets (torch.Tensor): Root-relative 3D joints in the camera frame,
            in metres, :obj:`[N, J, 3]`.
        action (torch.Tensor): Index into :obj:`action_names` of each pose,
            :obj:`[N]`.
        subject (torch.Tensor): Index into :obj:`subject_names`, :obj:`[N]`.
        camera (torch.Tensor): Index of the camera in the subject's
            calibration (:obj:`CAMERA_IDS` for Human3.6M), :obj:`[N]`.
        action_names (tuple[str, ...], optional): The action names.
            (default: :obj:`ACTIONS`)
        subject_names (tuple[str, ...], optional): The subject names.
            (default: :obj:`SUBJECTS`)
    """

    inputs: Tensor
    targets: Tensor
    action: Tensor
    subject: Tensor
    camera: Tensor
    action_names: tuple[str, ...] = ACTIONS
    subject_names: tuple[str, ...] = SUBJECTS

    def __len__(self) -> int:
        return self.inputs.size(0)

    def _map(self, function) -> PoseSplit:
        tensors = ("inputs", "targets", "action", "subject", "camera")
        return dataclasses.replace(
            self, **{name: function(getattr(self, name)) for name in tensors}
        )

    def __getitem__(self, index: Tensor | slice) -> PoseSplit:
        return self._map(lambda tensor: tensor[index])

    def to(self, device: torch.device | str) -> PoseSplit:
        """The split with every tensor on :obj:`device`."""
        return self._map(lambda tensor: tensor.to(device))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(num_poses={len(self)})"


def _check_metres(mocap: np.ndarray, path: Path, where: str) -> None:
    """Refuses 3D not in metres: a thigh (right hip to knee) is about 0.45 m,
    so millimetres or centimetres would silently scale every error."""
    thigh = np.linalg.norm(mocap[:100, 2] - mocap[:100, 1], axis=-1)
    thigh = thigh[np.isfinite(thigh)]  # non-finite values get their own error
    length = float(np.median(thigh)) if len(thigh) else 0.45
    if not 0.1 <= length <= 1.5:
        raise ValueError(
            f"{path}: {where} has a thigh of {length:.4g} units; Human3.6M 3D "
            "must be in metres (about 0.45)"
        )


def _check_nested(path: Path, data: dict, what: str) -> None:
    for subject, takes in data.items():
        if not isinstance(subject, str) or not isinstance(takes, dict):
            raise ValueError(
                f"{path}: {what} must map each subject name to a "
                f"{{sequence: data}} dict, got {subject!r}"
            )


class Human36M:
    r"""2D-3D pose pairs from the VideoPose3D :obj:`.npz` files of Human3.6M,
    or of any dataset written in the same layout.

    Reads :obj:`data_3d_h36m.npz` and :obj:`data_2d_h36m_<keypoints>.npz` from
    :obj:`root` (the files :func:`synthesize_h36m` writes have the same
    format), and builds one :class:`PoseSplit` per split, with one pose per
    frame and camera:

    * 3D: the joints of :func:`~pyg_weightshare.h36m_skeleton` chosen by name
      from the 32 mocap joints (or from the 17 joints of
      :obj:`H36M_JOINTS_17`, in that order), mapped into each camera frame
      with the subject's calibration, root-relative, in metres.
    * 2D: the same joints (the file may hold 17 joints, or 16 without
      Neck/Nose), truncated to the mocap length (detection files can be
      longer), normalised per camera with
      :func:`~pyg_weightshare.datasets.camera.normalize_screen_coordinates`.
      The file's :obj:`metadata` (:obj:`layout_name`, :obj:`num_joints`,
      :obj:`keypoints_symmetry`), when present, must describe these joints.
    * Cameras: a :obj:`cameras.json` beside the files, in the layout of the
      packaged one (see :func:`~pyg_weightshare.datasets.camera.h36m_cameras`),
      or else the packaged Human3.6M calibration.
    * Sequences are grouped into actions by their first word
      (:func:`action_of`); :obj:`action_names` lists :obj:`ACTIONS` and then
      any other action found in the data, :obj:`subject_names`
      :obj:`SUBJECTS` and then any other subject. Human3.6M's S11
      :obj:`"Directions"` is skipped (its video is corrupted).

    Args:
        root (str or os.PathLike): The directory holding the files.
        keypoints (str, optional): The 2D source, the :obj:`<keypoints>` part
            of the file name, e.g. :obj:`"gt"` or :obj:`"cpn_ft_h36m_dbb"`.
            (default: :obj:`"gt"`)
        num_joints (int, optional): :obj:`16` or :obj:`17`. (default: :obj:`16`)
        train_subjects (Sequence[str], optional): Subjects of the training
            split. (default: :obj:`TRAIN_SUBJECTS`, S1 S5 S6 S7 S8)
        test_subjects (Sequence[str], optional): Subjects of the test split.
            (default: :obj:`TEST_SUBJECTS`, S9 S11)
        val_subjects (Sequence[str], optional): Held-out validation subjects,
            disjoint from the other splits. (default: :obj:`()`)
        actions (Sequence[str], optional): Keep only these actions.
            (default: :obj:`None`, all)
        stride (int, optional): Keep every :obj:`stride`-th frame of each
            sequence. (default: :obj:`1`)
        splits (Sequence[str], optional): The splits to build, among
            :obj:`"train"`, :obj:`"val"` and :obj:`"test"`; the others stay
            empty, which saves time when only one is needed.
            (default: :obj:`SPLITS`, all)

    Example:
        >>> import tempfile
        >>> from pyg_weightshare.datasets import synthesize_h36m
        >>> root = tempfile.mkdtemp()
        >>> _ = synthesize_h36m(root, frames=20, seed=0)
        >>> dataset = Human36M(root, val_subjects=["S8"],
        ...                    train_subjects=["S1", "S5", "S6", "S7"])
        >>> dataset.train.inputs.shape[1:], dataset.train.targets.shape[1:]
        (torch.Size([16, 2]), torch.Size([16, 3]))
        >>> batch = dataset.train[torch.randperm(len(dataset.train))[:64]]
        >>> len(batch)
        64
    """

    def __init__(
        self,
        root: str | os.PathLike,
        keypoints: str = "gt",
        num_joints: int = 16,
        train_subjects: Sequence[str] = TRAIN_SUBJECTS,
        test_subjects: Sequence[str] = TEST_SUBJECTS,
        val_subjects: Sequence[str] = (),
        actions: Sequence[str] | None = None,
        stride: int = 1,
        splits: Sequence[str] = SPLITS,
    ) -> None:
        self.skeleton: Skeleton = h36m_skeleton(num_joints)
        if int(stride) != stride or stride < 1:
            raise ValueError(f"stride must be a positive integer, got {stride}")
        unknown_splits = set(splits) - set(SPLITS)
        if unknown_splits:
            raise ValueError(
                f"Unknown splits {sorted(unknown_splits)}; choose from {SPLITS}"
            )
        subjects = {"train": train_subjects, "val": val_subjects, "test": test_subjects}
        seen: dict[str, str] = {}
        for split, names in subjects.items():
            for subject in names:
                if subject in seen:
                    raise ValueError(
                        f"Subject {subject!r} is in both the {seen[subject]} and "
                        f"the {split} split"
                    )
                seen[subject] = split

        self.root = Path(root)
        self.keypoints = keypoints
        self.num_joints = num_joints
        self.stride = int(stride)
        self.subjects = {split: tuple(names) for split, names in subjects.items()}

        check_complete(self.root)  # a synth stopped while renaming its files
        self._path_3d = self.root / "data_3d_h36m.npz"
        self._path_2d = self.root / f"data_2d_h36m_{keypoints}.npz"
        self._path_cameras = self.root / "cameras.json"
        self._calibration = (
            load_calibration(self._path_cameras)
            if self._path_cameras.is_file()
            else None
        )
        positions_3d = load_pickled_dict(self._path_3d, "positions_3d")
        positions_2d = load_pickled_dict(self._path_2d, "positions_2d")
        metadata = load_pickled_dict(self._path_2d, "metadata", required=False)
        _check_nested(self._path_3d, positions_3d, "positions_3d")
        _check_nested(self._path_2d, positions_2d, "positions_2d")
        self._file_joints = self._check_metadata(metadata)

        found = {action_of(key) for takes in positions_3d.values() for key in takes}
        self.action_names: tuple[str, ...] = ACTIONS + tuple(
            sorted(found - set(ACTIONS))
        )
        self.subject_names: tuple[str, ...] = SUBJECTS + tuple(
            sorted(set(positions_3d) - set(SUBJECTS))
        )
        unknown = set(actions or ()) - found
        if unknown:
            raise ValueError(
                f"Unknown actions {sorted(unknown)}; {self._path_3d} holds "
                f"{sorted(found)}"
            )
        self.actions = tuple(actions) if actions is not None else self.action_names

        for split in SPLITS:
            names = self.subjects[split] if split in splits else ()
            setattr(self, split, self._build_split(names, positions_3d, positions_2d))

    @property
    def files(self) -> tuple[Path, ...]:
        """The files the dataset reads (a command writes none of them)."""
        return (self._path_3d, self._path_2d, self._path_cameras)

    def cameras(self, subject: str) -> tuple[Camera, ...]:
        """The calibrated cameras of :obj:`subject`, in the order of the
        per-sequence lists of the 2D file: from :obj:`cameras.json` beside
        the data when there is one, else from the packaged Human3.6M
        calibration."""
        if self._calibration is not None:
            return cameras_from_calibration(
                self._calibration, subject, str(self._path_cameras)
            )
        try:
            return h36m_cameras(subject)
        except KeyError:
            raise KeyError(
                f"No camera calibration for subject {subject!r}: the packaged "
                f"cameras.json knows only the Human3.6M subjects {SUBJECTS}; put "
                f"a cameras.json of the same layout in {self.root}"
            ) from None

    def _check_metadata(self, metadata: dict | None) -> int | None:
        """The joint count the 2D file declares, after checking that it
        describes Human3.6M joints that include ours."""
        if metadata is None:
            return None
        path = self._path_2d
        layout = metadata.get("layout_name", "h36m")
        if layout != "h36m":
            raise ValueError(
                f"{path}: metadata layout_name is {layout!r}; training reads "
                "Human3.6M-layout 2D keypoints ('h36m')"
            )
        count = metadata.get("num_joints")
        if count is None:
            return None
        if not isinstance(count, int) or count not in _KEYPOINTS_SYMMETRY:
            raise ValueError(
                f"{path}: metadata num_joints is {count!r}; a Human3.6M 2D file "
                "holds 17 joints, or 16 without Neck/Nose"
            )
        symmetry = metadata.get("keypoints_symmetry")
        if symmetry is not None:
            try:
                symmetry = [[int(i) for i in side] for side in symmetry]
            except (TypeError, ValueError):
                symmetry = None
            if symmetry != _KEYPOINTS_SYMMETRY[count]:
                dropped = " (all but Neck/Nose)" if count == 16 else ""
                raise ValueError(
                    f"{path}: metadata keypoints_symmetry "
                    f"{metadata['keypoints_symmetry']!r} is not the Human3.6M "
                    f"one for {count} joints{dropped}, "
                    f"{_KEYPOINTS_SYMMETRY[count]}: the file holds other joints"
                )
        if count < self.num_joints:
            raise ValueError(
                f"{path}: metadata num_joints is {count} (no Neck/Nose), "
                f"num_joints={self.num_joints} needs 17"
            )
        return count

    def _joints_2d(self, num_file_joints: int, where: str) -> list[int]:
        """The indices of our joints in a 2D file holding ``num_file_joints``."""
        if self._file_joints not in (None, num_file_joints):
            raise ValueError(
                f"{self._path_2d}: {where} has {num_file_joints} joints, but the "
                f"file's metadata says {self._file_joints}"
            )
        if num_file_joints == 17:
            file_joints = H36M_JOINTS_17
        elif num_file_joints == 16:
            file_joints = h36m_skeleton(16).joint_names
        else:
            raise ValueError(
                f"{self._path_2d}: {where} has {num_file_joints} joints; "
                f"a Human3.6M 2D file holds 17 joints, or 16 without Neck/Nose"
            )
        missing = set(self.skeleton.joint_names) - set(file_joints)
        if missing:
            raise ValueError(
                f"{self._path_2d}: {where} has {num_file_joints} joints, "
                f"without {sorted(missing)} needed for num_joints={self.num_joints}"
            )
        return [file_joints.index(name) for name in self.skeleton.joint_names]

    def _sequences(
        self, subjects: Sequence[str], positions_3d: dict, positions_2d: dict
    ) -> list[tuple[str, str, np.ndarray, list[np.ndarray], tuple[Camera, ...]]]:
        """The checked (subject, key, 3D, 2D per camera, cameras) of a split."""
        sequences = []
        for subject in subjects:
            for data, path in (
                (positions_3d, self._path_3d),
                (positions_2d, self._path_2d),
            ):
                if subject not in data:
                    raise KeyError(
                        f"{path} has no subject {subject!r} (subjects: {sorted(data)})"
                    )
            cameras = self.cameras(subject)
            for key in sorted(positions_3d[subject]):
                # VideoPose3D drops this Human3.6M take: its video is corrupted.
                if subject == "S11" and key == "Directions":
                    continue
                if action_of(key) not in self.actions:
                    continue
                where = f"{subject} {key!r}"
                mocap = np.asarray(positions_3d[subject][key])
                if mocap.ndim != 3 or mocap.shape[1:] not in (
                    (NUM_MOCAP_JOINTS, 3),
                    (len(H36M_JOINTS_17), 3),
                ):
                    raise ValueError(
                        f"{self._path_3d}: {where} has shape {mocap.shape}, "
                        f"expected (frames, {NUM_MOCAP_JOINTS} or "
                        f"{len(H36M_JOINTS_17)}, 3)"
                    )
                _check_metres(mocap, self._path_3d, where)
                if key not in positions_2d[subject]:
                    raise KeyError(f"{self._path_2d} has no sequence {where}")
                views = [np.asarray(view) for view in positions_2d[subject][key]]
                if len(views) != len(cameras):
                    raise ValueError(
                        f"{self._path_2d}: {where} has {len(views)} cameras, "
                        f"expected the {len(cameras)} of the calibration"
                    )
                for view in views:
                    if view.ndim != 3 or view.shape[2] != 2:
                        raise ValueError(
                            f"{self._path_2d}: {where} has shape {view.shape}, "
                            f"expected (frames, joints, 2)"
                        )
                    if len(view) < len(mocap):
                        raise ValueError(
                            f"{self._path_2d}: {where} has {len(view)} frames, "
                            f"fewer than the {len(mocap)} of the 3D"
                        )
                sequences.append((subject, key, mocap, views, cameras))
        return sequences

    def _build_split(
        self, subjects: Sequence[str], positions_3d: dict, positions_2d: dict
    ) -> PoseSplit:
        sequences = self._sequences(subjects, positions_3d, positions_2d)
        # The index of each of our joints in a 32-joint mocap or in a
        # 17-joint file.
        joints_3d = {
            NUM_MOCAP_JOINTS: [
                MOCAP_INDICES_17[H36M_JOINTS_17.index(name)]
                for name in self.skeleton.joint_names
            ],
            len(H36M_JOINTS_17): [
                H36M_JOINTS_17.index(name) for name in self.skeleton.joint_names
            ],
        }
        num_poses = sum(
            len(views) * len(range(0, len(mocap), self.stride))
            for _, _, mocap, views, _ in sequences
        )
        # Filled in place, so the peak memory is the split itself rather than
        # a list of pieces plus their concatenation.
        split = PoseSplit(
            inputs=torch.empty(num_poses, self.num_joints, 2),
            targets=torch.empty(num_poses, self.num_joints, 3),
            action=torch.empty(num_poses, dtype=torch.long),
            subject=torch.empty(num_poses, dtype=torch.long),
            camera=torch.empty(num_poses, dtype=torch.long),
            action_names=self.action_names,
            subject_names=self.subject_names,
        )
        inputs, targets = split.inputs.numpy(), split.targets.numpy()
        start = 0
        for subject, key, mocap, views, cameras in sequences:
            where = f"{subject} {key!r}"
            joints = joints_3d[mocap.shape[1]]
            world = mocap[:: self.stride, joints].astype(np.float32)
            if not np.isfinite(world).all():
                raise ValueError(f"{self._path_3d}: NaN or infinite values in {where}")
            # Root-relative camera coordinates only need the rotation:
            # R^T (X - t) - R^T (X_root - t) = R^T (X - X_root).
            relative = world - world[:, :1]
            for index, (camera, view) in enumerate(zip(cameras, views, strict=True)):
                joints_2d = self._joints_2d(view.shape[1], where)
                pixels = view[: len(mocap) : self.stride, joints_2d]
                if not np.isfinite(pixels).all():
                    raise ValueError(
                        f"{self._path_2d}: NaN or infinite values in {where}, "
                        f"camera {camera.id}"
                    )
                end = start + len(world)
                rotation = quaternion_to_matrix(np.asarray(camera.orientation))
                targets[start:end] = relative @ rotation.astype(np.float32)
                inputs[start:end] = camera.normalize(pixels.astype(np.float32))
                split.action[start:end] = self.action_names.index(action_of(key))
                split.subject[start:end] = self.subject_names.index(subject)
                split.camera[start:end] = index
                start = end
        return split
