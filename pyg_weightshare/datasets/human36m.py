"""The Human3.6M 2D-to-3D lifting data, read from the VideoPose3D files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from pyg_weightshare.datasets.camera import h36m_cameras, quaternion_to_matrix
from pyg_weightshare.datasets.npz import load_pickled_dict
from pyg_weightshare.skeleton import H36M_JOINTS_17, Skeleton, h36m_skeleton

SUBJECTS = ("S1", "S5", "S6", "S7", "S8", "S9", "S11")
TRAIN_SUBJECTS = ("S1", "S5", "S6", "S7", "S8")
TEST_SUBJECTS = ("S9", "S11")
ACTIONS = (
    "Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo",
    "Posing", "Purchases", "Sitting", "SittingDown", "Smoking", "Waiting",
    "WalkDog", "Walking", "WalkTogether",
)  # fmt: skip
NUM_MOCAP_JOINTS = 32
# The index in the 32-joint mocap of each joint of H36M_JOINTS_17.
MOCAP_INDICES_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
NUM_CAMERAS = 4
# The names the original dataset uses for two actions VideoPose3D renames.
_ACTION_ALIASES = {"TakingPhoto": "Photo", "WalkingDog": "WalkDog"}


def action_of(sequence: str) -> str:
    """The action of a sequence key: its first word, e.g. ``"Walking"`` for
    ``"Walking 1"``.

    Args:
        sequence (str): A key of a VideoPose3D file.

    Returns:
        str: One of :obj:`ACTIONS`.

    Example:
        >>> action_of("WalkTogether 1"), action_of("TakingPhoto")
        ('WalkTogether', 'Photo')
    """
    action = sequence.split(" ")[0]
    action = _ACTION_ALIASES.get(action, action)
    if action not in ACTIONS:
        raise ValueError(
            f"Sequence {sequence!r} is not one of the Human3.6M actions {ACTIONS}"
        )
    return action


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
        action (torch.Tensor): Index into :obj:`ACTIONS` of each pose, :obj:`[N]`.
        subject (torch.Tensor): Index into :obj:`SUBJECTS`, :obj:`[N]`.
        camera (torch.Tensor): Index into :obj:`CAMERA_IDS`, :obj:`[N]`.
    """

    inputs: Tensor
    targets: Tensor
    action: Tensor
    subject: Tensor
    camera: Tensor

    def __len__(self) -> int:
        return self.inputs.size(0)

    def __getitem__(self, index: Tensor | slice) -> PoseSplit:
        return PoseSplit(*(getattr(self, f.name)[index] for f in fields(self)))

    def to(self, device: torch.device | str) -> PoseSplit:
        """The split with every tensor on :obj:`device`."""
        return PoseSplit(*(getattr(self, f.name).to(device) for f in fields(self)))

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


class Human36M:
    r"""Human3.6M 2D-3D pose pairs from the VideoPose3D :obj:`.npz` files.

    Reads :obj:`data_3d_h36m.npz` and :obj:`data_2d_h36m_<keypoints>.npz` from
    :obj:`root` (the files :func:`synthesize_h36m` writes have the same
    format), and builds one :class:`PoseSplit` per split, with one pose per
    frame and camera:

    * 3D: the joints of :func:`~pyg_weightshare.h36m_skeleton` chosen by name
      from the 32 mocap joints, mapped into each camera frame with the
      subject's calibration, root-relative, in metres.
    * 2D: the same joints (the file may hold 17 joints, or 16 without
      Neck/Nose), truncated to the mocap length (detection files can be
      longer), normalised per camera with
      :func:`~pyg_weightshare.datasets.camera.normalize_screen_coordinates`.
    * S11 :obj:`"Directions"` is skipped (its video is corrupted), and
      sequences are grouped into the 15 :obj:`ACTIONS` by their first word.

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
    ) -> None:
        self.skeleton: Skeleton = h36m_skeleton(num_joints)
        if int(stride) != stride or stride < 1:
            raise ValueError(f"stride must be a positive integer, got {stride}")
        unknown = set(actions or ()) - set(ACTIONS)
        if unknown:
            raise ValueError(
                f"Unknown actions {sorted(unknown)}; choose from {ACTIONS}"
            )
        splits = {"train": train_subjects, "val": val_subjects, "test": test_subjects}
        seen: dict[str, str] = {}
        for split, subjects in splits.items():
            for subject in subjects:
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
        self.actions = tuple(actions) if actions is not None else ACTIONS
        self.subjects = {split: tuple(subjects) for split, subjects in splits.items()}

        self._path_3d = self.root / "data_3d_h36m.npz"
        self._path_2d = self.root / f"data_2d_h36m_{keypoints}.npz"
        positions_3d = load_pickled_dict(self._path_3d, "positions_3d")
        positions_2d = load_pickled_dict(self._path_2d, "positions_2d")
        self.train = self._build_split(train_subjects, positions_3d, positions_2d)
        self.val = self._build_split(val_subjects, positions_3d, positions_2d)
        self.test = self._build_split(test_subjects, positions_3d, positions_2d)

    def _joints_2d(self, num_file_joints: int, where: str) -> list[int]:
        """The indices of our joints in a 2D file holding ``num_file_joints``."""
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
    ) -> list[tuple[str, str, np.ndarray, list[np.ndarray]]]:
        """The checked (subject, key, 3D, 2D per camera) of a split."""
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
            for key in sorted(positions_3d[subject]):
                # VideoPose3D drops this take: its video is corrupted.
                if subject == "S11" and key == "Directions":
                    continue
                try:
                    action = action_of(key)
                except ValueError as error:
                    raise ValueError(f"{self._path_3d}: {subject}: {error}") from None
                if action not in self.actions:
                    continue
                where = f"{subject} {key!r}"
                mocap = np.asarray(positions_3d[subject][key])
                if mocap.ndim != 3 or mocap.shape[1:] != (NUM_MOCAP_JOINTS, 3):
                    raise ValueError(
                        f"{self._path_3d}: {where} has shape {mocap.shape}, "
                        f"expected (frames, {NUM_MOCAP_JOINTS}, 3)"
                    )
                _check_metres(mocap, self._path_3d, where)
                if key not in positions_2d[subject]:
                    raise KeyError(f"{self._path_2d} has no sequence {where}")
                views = [np.asarray(view) for view in positions_2d[subject][key]]
                if len(views) != NUM_CAMERAS:
                    raise ValueError(
                        f"{self._path_2d}: {where} has {len(views)} cameras, "
                        f"expected {NUM_CAMERAS}"
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
                sequences.append((subject, key, mocap, views))
        return sequences

    def _build_split(
        self, subjects: Sequence[str], positions_3d: dict, positions_2d: dict
    ) -> PoseSplit:
        sequences = self._sequences(subjects, positions_3d, positions_2d)
        joints_3d = [
            MOCAP_INDICES_17[H36M_JOINTS_17.index(name)]
            for name in self.skeleton.joint_names
        ]
        num_poses = NUM_CAMERAS * sum(
            len(range(0, len(mocap), self.stride)) for _, _, mocap, _ in sequences
        )
        # Filled in place, so the peak memory is the split itself rather than
        # a list of pieces plus their concatenation.
        split = PoseSplit(
            inputs=torch.empty(num_poses, self.num_joints, 2),
            targets=torch.empty(num_poses, self.num_joints, 3),
            action=torch.empty(num_poses, dtype=torch.long),
            subject=torch.empty(num_poses, dtype=torch.long),
            camera=torch.empty(num_poses, dtype=torch.long),
        )
        inputs, targets = split.inputs.numpy(), split.targets.numpy()
        start = 0
        for subject, key, mocap, views in sequences:
            where = f"{subject} {key!r}"
            world = mocap[:: self.stride, joints_3d].astype(np.float32)
            if not np.isfinite(world).all():
                raise ValueError(f"{self._path_3d}: NaN or infinite values in {where}")
            # Root-relative camera coordinates only need the rotation:
            # R^T (X - t) - R^T (X_root - t) = R^T (X - X_root).
            relative = world - world[:, :1]
            for index, (camera, view) in enumerate(
                zip(h36m_cameras(subject), views, strict=True)
            ):
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
                split.action[start:end] = ACTIONS.index(action_of(key))
                split.subject[start:end] = SUBJECTS.index(subject)
                split.camera[start:end] = index
                start = end
        return split
