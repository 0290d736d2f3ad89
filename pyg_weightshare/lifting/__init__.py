"""Lifting anyone's 2D keypoints to 3D: keypoint layouts and the COCO-17
mapping, readers of keypoint files, the :class:`Lifter`, a kinematic body
fitted to the lift and its BVH animation, animated GIFs and ONNX export."""

from pyg_weightshare.lifting.bvh import write_bvh
from pyg_weightshare.lifting.fit import FittedBody, fit_skeleton
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
    "FittedBody",
    "Keypoints2D",
    "LiftedVideo",
    "Lifter",
    "coco_to_h36m",
    "fill_missing",
    "fit_skeleton",
    "layout_joints",
    "read_keypoints",
    "save_lifted",
    "write_bvh",
]
