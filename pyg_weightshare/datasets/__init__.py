"""Human3.6M data: the VideoPose3D files, a synthetic stand-in, and cameras."""

from pyg_weightshare.datasets.camera import CAMERA_IDS, Camera, h36m_cameras
from pyg_weightshare.datasets.human36m import (
    ACTIONS,
    SUBJECTS,
    TEST_SUBJECTS,
    TRAIN_SUBJECTS,
    Human36M,
    PoseSplit,
    action_of,
)

__all__ = [
    "ACTIONS",
    "CAMERA_IDS",
    "SUBJECTS",
    "TEST_SUBJECTS",
    "TRAIN_SUBJECTS",
    "Camera",
    "Human36M",
    "PoseSplit",
    "action_of",
    "h36m_cameras",
    "synthesize_h36m",
]


def __getattr__(name: str):
    # Imported on first use so that ``python -m pyg_weightshare.datasets.synthetic``
    # does not find the module already imported by its own package.
    if name == "synthesize_h36m":
        from pyg_weightshare.datasets.synthetic import synthesize_h36m

        return synthesize_h36m
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
