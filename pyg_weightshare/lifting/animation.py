"""Pictures of lifted people: the 2D input (on the image when there is one)
beside front and side views of the 3D skeleton. One frame gives a PNG, a
video an MP4 (with ffmpeg) or an animated GIF."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyg_weightshare.lifting.readers import natural_key
from pyg_weightshare.outputs import atomic_output
from pyg_weightshare.plotting import bone_colors
from pyg_weightshare.skeleton import Skeleton

#: The width of every picture, in pixels.
WIDTH_PIXELS = 1500

_DPI = 100
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def picture_suffix(num_frames: int) -> str:
    """:obj:`".png"` for one frame, else :obj:`".mp4"` where matplotlib
    finds ffmpeg, else :obj:`".gif"`."""
    if num_frames == 1:
        return ".png"
    from matplotlib import animation

    return ".mp4" if animation.writers.is_available("ffmpeg") else ".gif"


def draw_lifted(
    video,
    skeleton: Skeleton,
    path: str | os.PathLike,
    title: str = "",
    backgrounds: Sequence[Path | np.ndarray | None] | None = None,
    inputs: Sequence[str | os.PathLike] = (),
    force: bool = False,
    fps: int = 25,
    max_frames: int = 250,
) -> Path:
    r"""Draws one lifted person: the 2D joints the model saw (on the image
    when given, around the person), and the 3D pose seen from the camera
    (front) and from its right (side), on fixed axes. Bones are coloured
    by side (left blue, right red); joints seen in the input are filled
    dots, joints that were missing and filled in or predicted are hollow,
    with dashed bones.

    Args:
        video (LiftedVideo): The person.
        skeleton (Skeleton): The joints' skeleton.
        path (str or os.PathLike): The :obj:`.png`, :obj:`.mp4` or
            :obj:`.gif` to write (see :func:`picture_suffix`).
        title (str, optional): The picture's title. (default: :obj:`""`)
        backgrounds (Sequence, optional): The image of each frame (an
            array, or a file read when the frame is drawn), :obj:`None`
            where there is none.
            (default: :obj:`None`)
        inputs (Sequence[str or os.PathLike], optional): Files never
            written. (default: :obj:`()`)
        force (bool, optional): Replace an existing file.
            (default: :obj:`False`)
        fps (int, optional): Frames per second of a video.
            (default: :obj:`25`)
        max_frames (int, optional): Longer videos are shown every
            :math:`\lceil T / \text{max\_frames} \rceil`-th frame.
            (default: :obj:`250`)

    Returns:
        pathlib.Path: :obj:`path`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    step = -(-len(video.poses) // max_frames)
    frames = range(0, len(video.poses), step)
    keypoints, seen = video.keypoints, video.seen
    # Camera frame (x right, y down, z forward) drawn with z as depth and
    # -y up, so the person stands upright.
    poses = video.poses
    drawn = np.stack([poses[..., 0], poses[..., 2], -poses[..., 1]], axis=-1)
    extent = float(np.nanmax(np.abs(drawn), initial=0.0)) or 1.0
    bones, colours = skeleton.bones, bone_colors(skeleton)
    backgrounds = backgrounds or [None] * len(poses)

    figure = plt.figure(figsize=(WIDTH_PIXELS / _DPI, 5.4), dpi=_DPI)
    flat = figure.add_subplot(1, 3, 1)
    flat.set(aspect="equal", title="2D input (pixels)")
    # The 2D view is a square around the person in every frame, so that a
    # person far smaller than the image stays readable.
    finite = keypoints[np.isfinite(keypoints).all(-1)]
    low, high = finite.min(axis=0), finite.max(axis=0)
    center, half = (low + high) / 2, float((high - low).max()) * 0.65 + 1.0
    flat.set(
        xlim=(center[0] - half, center[0] + half),
        ylim=(center[1] + half, center[1] - half),
    )
    width, height = video.image_size or (1, 1)
    picture = flat.imshow(np.zeros((1, 1, 3)), extent=(0, width, height, 0))
    picture.set_visible(False)
    views = []
    for index, (name, azimuth) in enumerate([("front", -90), ("side", 0)]):
        space = figure.add_subplot(1, 3, index + 2, projection="3d")
        space.set(
            xlim=(-extent, extent),
            ylim=(-extent, extent),
            zlim=(-extent, extent),
            xlabel="x (m)",
            ylabel="depth (m)",
            zlabel="up (m)",
            title=f"3D, {name} view",
        )
        ticks = [-round(extent, 1), 0, round(extent, 1)]
        space.set(xticks=ticks, yticks=ticks, zticks=ticks)
        space.set_box_aspect((1, 1, 1))
        space.view_init(elev=10, azim=azimuth)
        views.append(space)

    def artists(axes, three_d: bool):
        empty = ([], [], []) if three_d else ([], [])
        lines = [axes.plot(*empty, color=c, lw=2.5)[0] for c in colours]
        filled = axes.plot(*empty, "o", color="black", ms=5)[0]
        hollow = axes.plot(*empty, "o", mfc="white", mec="black", ms=6, mew=1.5)[0]
        return lines, filled, hollow

    panels = [(flat, artists(flat, False))]
    panels += [(space, artists(space, True)) for space in views]
    figure.legend(
        handles=[panels[0][1][1], panels[0][1][2]],
        labels=["seen in the input", "missing: filled in or predicted"],
        loc="lower center",
        ncol=2,
    )
    caption = figure.suptitle("")

    def draw(frame: int):
        background = backgrounds[frame]
        if isinstance(background, Path):
            background = _read_image(background)
        picture.set_visible(background is not None)
        if background is not None:
            picture.set_data(background)
        visible = seen[frame]
        for axes, (lines, filled, hollow) in panels:
            points = keypoints[frame] if axes is flat else drawn[frame]
            for line, (joint, parent) in zip(lines, bones, strict=True):
                line.set_data(*points[[joint, parent], :2].T)
                if axes is not flat:
                    line.set_3d_properties(points[[joint, parent], 2])
                both = visible[joint] and visible[parent]
                line.set_linestyle("-" if both else "--")
            for marker, mask in ((filled, visible), (hollow, ~visible)):
                marker.set_data(*points[mask, :2].T)
                if axes is not flat:
                    marker.set_3d_properties(points[mask, 2])
        caption.set_text(f"{title}   frame {video.frame_ids[frame]}")
        return []

    figure.tight_layout(rect=(0, 0.06, 1, 0.95))
    path = Path(path)
    with atomic_output(path, inputs, force) as temporary:
        if len(frames) == 1:
            draw(0)
            figure.savefig(temporary, format="png")
        else:
            animation = FuncAnimation(figure, draw, frames=frames, blit=False)
            if path.suffix == ".mp4":
                writer = FFMpegWriter(fps=fps, codec="h264")
            else:
                writer = PillowWriter(fps=fps)
            animation.save(temporary, writer=writer, dpi=_DPI)
    plt.close(figure)
    return path


def plot_lifted(
    lifted,
    skeleton: Skeleton,
    out: str | os.PathLike,
    image: str | os.PathLike | None = None,
    video_frames: str | os.PathLike | None = None,
    force: bool = False,
) -> list[Path]:
    """Draws every person of a lifted file with :func:`draw_lifted`, beside
    :obj:`out` as ``<out stem>_<person><suffix>``.

    Args:
        lifted (LiftedFile): What :meth:`Lifter.lift_file
            <pyg_weightshare.lifting.Lifter.lift_file>` returns.
        skeleton (Skeleton): The joints' skeleton.
        out (str or os.PathLike): The file of 3D poses the pictures go with.
        image (str or os.PathLike, optional): An image drawn under the 2D
            keypoints of every frame. (default: :obj:`None`)
        video_frames (str or os.PathLike, optional): A directory of the
            frames' images, each named by its frame id (``<id>.png`` or
            ``.jpg``; numbers compare as numbers, so ``000785.jpg`` is frame
            ``785``); frames without an image have none.
            (default: :obj:`None`)
        force (bool, optional): Replace existing pictures.
            (default: :obj:`False`)

    Returns:
        list[pathlib.Path]: The pictures written.
    """
    out = Path(out)
    still = _read_image(Path(image)) if image is not None else None
    images = {}
    if video_frames is not None:
        directory = Path(video_frames)
        if not directory.is_dir():
            raise FileNotFoundError(f"No directory of video frames at {directory}")
        images = {
            natural_key(file.stem): file
            for file in sorted(directory.iterdir())
            if file.suffix.lower() in _IMAGE_SUFFIXES
        }
    inputs = [*lifted.sources, *([image] if image is not None else [])]
    written = []
    for name, path in picture_paths(lifted, out).items():
        video = lifted.videos[name]
        backgrounds = [
            images.get(natural_key(frame), still) for frame in video.frame_ids
        ]
        written.append(
            draw_lifted(video, skeleton, path, name, backgrounds, inputs, force)
        )
    return written


def picture_paths(lifted, out: str | os.PathLike) -> dict[str, Path]:
    """The picture :func:`plot_lifted` writes for each person: beside
    :obj:`out`, ``<out stem>_<person><suffix>``, with the person's name made
    safe for a file name and ``-2``, ``-3``, ... added where two names would
    give the same file.

    Args:
        lifted (LiftedFile): The lifted people.
        out (str or os.PathLike): The file of 3D poses.
    """
    out = Path(out)
    paths, used = {}, set()
    for name, video in lifted.videos.items():
        safe = re.sub(r"[^\w.-]+", "_", name)
        stem = f"{out.stem}_{safe}"
        candidate, copy = stem, 1
        while candidate in used:
            copy += 1
            candidate = f"{stem}-{copy}"
        used.add(candidate)
        paths[name] = out.with_name(candidate + picture_suffix(len(video.poses)))
    return paths


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise ValueError(f"{path} is not a readable image ({error})") from None
