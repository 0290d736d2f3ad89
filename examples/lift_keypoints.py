"""Lift a file of 2D keypoints to 3D poses, and draw each person.

Run: python examples/lift_keypoints.py KEYPOINTS [--checkpoint CHECKPOINT]
     [--image-size W H] [--layout coco|h36m|openpose|mediapipe]

KEYPOINTS is a COCO annotation or results .json, an OpenPose directory of
*_keypoints.json, a MediaPipe Pose .json, VideoPose3D's custom 2D .npz or a
.npy [frames, keypoints, 2 or 3]; see docs/guide/lift.rst. Without
--checkpoint, the model bundled with the package lifts them.
"""

import argparse
from pathlib import Path

from pyg_weightshare.keypoints import model_layout
from pyg_weightshare.lifting import Lifter, read_keypoints
from pyg_weightshare.lifting.animation import plot_lifted

parser = argparse.ArgumentParser()
parser.add_argument("keypoints")
parser.add_argument("--checkpoint")
parser.add_argument("--image-size", nargs=2, type=int, metavar=("W", "H"))
parser.add_argument("--layout")
args = parser.parse_args()

people = read_keypoints(args.keypoints, args.layout, args.image_size)
if args.checkpoint:
    lifter = Lifter.from_checkpoint(args.checkpoint)
else:
    layout = next(iter(people.videos.values())).layout
    lifter = Lifter.pretrained(model_layout(layout))
lifted = lifter.lift_people(people)
for name, reason in lifted.failures.items():
    print(f"{name}: not lifted: {reason}")
for name, video in lifted.videos.items():
    # video.poses: [frames, joints, 3], metres, root-relative, camera frame;
    # video.seen: [frames, joints], False where the joint was predicted.
    print(f"{name}: {len(video.poses)} frame(s) of {lifter.joint_names}")
out = Path(args.keypoints).with_name(Path(args.keypoints).stem + "_3d")
for picture in plot_lifted(lifted, lifter.skeleton, out, force=True):
    print(f"Wrote {picture}")
