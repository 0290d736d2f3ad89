"""Where generated data lives, and the default dataset generated into it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """Where generated data lives: :obj:`$PYG_WEIGHTSHARE_CACHE`, or
    :obj:`~/.cache/pyg_weightshare`."""
    default = Path.home() / ".cache" / "pyg_weightshare"
    return Path(os.environ.get("PYG_WEIGHTSHARE_CACHE", default))


#: The version of the synthetic data: a new generator writes a new directory,
#: so a cache from an older one is never used (2: the pose prior, with the
#: body's handedness fixed).
SYNTHETIC_VERSION = 2


def synthetic_data_dir() -> Path:
    """The default dataset: a synthetic Human3.6M (ground-truth 2D and noisy
    detections named like CPN's), generated once into :func:`cache_dir`."""
    from pyg_weightshare.datasets.synthetic import synthesize_h36m

    root = cache_dir() / f"synthetic-h36m-v{SYNTHETIC_VERSION}"
    if not (root / "data_3d_h36m.npz").is_file():
        print(f"Generating the synthetic Human3.6M dataset in {root} (once) ...")
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=".synthetic-"))
        synthesize_h36m(staging, detections="cpn_ft_h36m_dbb")
        with contextlib.suppress(OSError):  # another process won the race
            staging.rename(root)
        shutil.rmtree(staging, ignore_errors=True)
    return root
