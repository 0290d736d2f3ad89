"""Lift a file of 2D keypoints to 3D poses with a trained checkpoint, and
draw each video as an animated GIF.

Run: python examples/lift_keypoints.py CHECKPOINT KEYPOINTS [--image-size W H]
     [--layout coco|h36m]

KEYPOINTS is VideoPose3D's custom 2D .npz, a COCO keypoint results .json or a
.npy [frames, keypoints, 2 or 3]; see docs/guide/lift.rst.
"""

import argparse
from pathlib import Path

from pyg_weightshare.lifting import Lifter
from pyg_weightshare.lifting.animation import animate_lift

parser = argparse.ArgumentParser()
parser.add_argument("checkpoint")
parser.add_argument("keypoints")
parser.add_argument("--image-size", nargs=2, type=int, metavar=("W", "H"))
parser.add_argument("--layout", choices=("h36m", "coco"))
args = parser.parse_args()

lifter = Lifter.from_checkpoint(args.checkpoint)
videos = lifter.lift_file(args.keypoints, args.layout, args.image_size)
for name, video in videos.items():
    # video.poses: [frames, joints, 3], metres, root-relative, camera frame.
    gif = animate_lift(
        video.keypoints,
        video.poses,
        lifter.skeleton,
        Path(args.keypoints).with_name(f"{Path(name).stem}_3d.gif"),
        video.image_size,
    )
    print(f"{name}: {len(video.poses)} frames of {lifter.joint_names} -> {gif}")
