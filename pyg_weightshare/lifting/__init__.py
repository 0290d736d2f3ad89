"""Lifting anyone's 2D keypoints to 3D: keypoint layouts and the COCO-17
mapping, readers of keypoint files, the :class:`Lifter`, animations and
ONNX export."""

from pyg_weightshare.lifting.keypoints import (
    COCO_KEYPOINTS,
    COCO_TO_H36M,
    LAYOUTS,
    coco_to_h36m,
    fill_missing,
    layout_joints,
)
from pyg_weightshare.lifting.lifter import LiftedVideo, Lifter, save_lifted
from pyg_weightshare.lifting.readers import Keypoints2D, read_keypoints

__all__ = [
    "COCO_KEYPOINTS",
    "COCO_TO_H36M",
    "LAYOUTS",
    "Keypoints2D",
    "LiftedVideo",
    "Lifter",
    "coco_to_h36m",
    "fill_missing",
    "layout_joints",
    "read_keypoints",
    "save_lifted",
]
