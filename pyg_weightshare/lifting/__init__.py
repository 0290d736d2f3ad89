"""Lifting anyone's 2D keypoints to 3D: readers of keypoint files, the
:class:`Lifter`, a kinematic body fitted to the lift and its BVH animation,
pictures and ONNX export. The keypoint layouts and their mapping to the
model's joints are in :mod:`pyg_weightshare.keypoints`."""

from pyg_weightshare.lifting.bvh import write_bvh
from pyg_weightshare.lifting.fit import FittedBody, fit_skeleton
from pyg_weightshare.lifting.lifter import (
    LiftedFile,
    LiftedVideo,
    Lifter,
    lifted_path,
    save_lifted,
)
from pyg_weightshare.lifting.readers import (
    KeypointFile,
    Keypoints2D,
    read_keypoints,
    track_people,
)

__all__ = [
    "FittedBody",
    "KeypointFile",
    "Keypoints2D",
    "LiftedFile",
    "LiftedVideo",
    "Lifter",
    "fit_skeleton",
    "lifted_path",
    "read_keypoints",
    "save_lifted",
    "track_people",
    "write_bvh",
]
