"""Lifting anyone's 2D keypoints to 3D: keypoint layouts and the COCO-17
mapping, readers of keypoint files, the :class:`Lifter`, a kinematic body
fitted to the lift and its BVH animation, animated GIFs and ONNX export."""

from pyg_weightshare.keypoints import (
    COCO_KEYPOINTS,
    COCO_TO_H36M,
    LAYOUTS,
    MEDIAPIPE_TO_COCO,
    OPENPOSE_TO_COCO,
    coco_to_h36m,
    fill_missing,
    layout_joints,
    model_layout,
    to_coco,
)
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
    "COCO_KEYPOINTS",
    "COCO_TO_H36M",
    "LAYOUTS",
    "MEDIAPIPE_TO_COCO",
    "OPENPOSE_TO_COCO",
    "FittedBody",
    "KeypointFile",
    "Keypoints2D",
    "LiftedFile",
    "LiftedVideo",
    "Lifter",
    "coco_to_h36m",
    "fill_missing",
    "fit_skeleton",
    "layout_joints",
    "lifted_path",
    "model_layout",
    "read_keypoints",
    "save_lifted",
    "to_coco",
    "track_people",
    "write_bvh",
]
