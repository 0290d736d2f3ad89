import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pyg_weightshare.cli import main
from pyg_weightshare.datasets import h36m_cameras
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import sample_body, sample_take
from pyg_weightshare.lifting.bvh import euler_zxy, write_bvh
from pyg_weightshare.lifting.fit import fit_skeleton
from pyg_weightshare.outputs import OutputError

FPS = 25
NECK = 9

# Imports a BVH file in Blender and writes every bone's head (world space)
# per frame as JSON. Blender 3.4's importer opens the file with mode "rU",
# which its Python 3.11 refuses: open is wrapped to drop the "U".
BLENDER_SCRIPT = """
import builtins, json, sys
import bpy

real_open = builtins.open
def open_without_u(file, mode="r", *args, **kwargs):
    return real_open(file, mode.replace("U", ""), *args, **kwargs)
builtins.open = open_without_u
bvh, out = sys.argv[sys.argv.index("--") + 1:]
bpy.ops.import_anim.bvh(
    filepath=bvh, update_scene_duration=True, update_scene_fps=True
)
builtins.open = real_open
armature = bpy.context.object
scene = bpy.context.scene
first, last = (int(frame) for frame in armature.animation_data.action.frame_range)
heads = []
for frame in range(first, last + 1):
    scene.frame_set(frame)
    heads.append({bone.name: list(armature.matrix_world @ bone.head)
                  for bone in armature.pose.bones})
with open(out, "w") as file:
    json.dump({"fps": scene.render.fps / scene.render.fps_base,
               "frame_end": scene.frame_end, "heads": heads}, file)
"""


@pytest.fixture(scope="module")
def body():
    """A fitted walk of the pose prior, placed by its 2D keypoints."""
    rng = np.random.default_rng(2)
    world = sample_take(rng, sample_body(rng), 40, {"walk": 1.0})
    world = world[:, [index for k, index in enumerate(MOCAP_INDICES_17) if k != NECK]]
    camera = h36m_cameras("S9")[1]
    joints = camera.world_to_camera(world)
    return fit_skeleton(
        joints - joints[:, :1],
        camera.project(joints),
        (camera.res_w, camera.res_h),
        camera.focal_length[0],
        FPS,
    )


def test_bvhio_reads_back_the_fitted_joints(body, tmp_path):
    bvhio = pytest.importorskip("bvhio")
    path = write_bvh(tmp_path / "walk.bvh", body, FPS)
    root = bvhio.readAsHierarchy(str(path))
    names = [joint.Name for joint, _, _ in root.layout()]
    assert sorted(names) == sorted(body.joint_names)
    expected = body.world_joints()
    for frame in range(len(expected)):
        root.loadPose(frame)
        read = {joint.Name: list(joint.PositionWorld) for joint, _, _ in root.layout()}
        positions = np.array([read[name] for name in body.joint_names])
        np.testing.assert_allclose(positions, expected[frame], atol=1e-3)
    text = path.read_text()
    assert f"Frames: {len(expected)}" in text and "Frame Time: 0.04000000" in text


@pytest.mark.skipif(shutil.which("blender") is None, reason="needs Blender")
def test_blender_imports_the_fitted_joints(body, tmp_path):
    path = write_bvh(tmp_path / "walk.bvh", body, FPS)
    script = tmp_path / "import_bvh.py"
    script.write_text(BLENDER_SCRIPT)
    out = tmp_path / "heads.json"
    command = ["blender", "-b", "--factory-startup", "--python", str(script)]
    subprocess.run(
        [*command, "--", str(path), str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = json.loads(out.read_text())
    assert result["fps"] == pytest.approx(FPS, rel=1e-4)
    expected = body.world_joints()
    assert len(result["heads"]) == len(expected)
    for frame, heads in enumerate(result["heads"]):
        # Blender stands BVH's Y-up frame on its Z-up floor: (x, -z, y).
        positions = np.array([heads[name] for name in body.joint_names])
        np.testing.assert_allclose(
            positions, expected[frame][:, [0, 2, 1]] * [1, -1, 1], atol=1e-3
        )


def test_euler_angles_rebuild_the_rotations(body):
    z, x, y = np.radians(euler_zxy(body.rotations)).transpose(2, 0, 1)

    def about(axis, angle):
        cos, sin, one, zero = np.cos(angle), np.sin(angle), 1 + 0 * angle, 0 * angle
        i, j = [(1, 2), (2, 0), (0, 1)][axis]
        matrix = np.zeros((*angle.shape, 3, 3))
        matrix[..., axis, axis] = one
        matrix[..., i, i] = matrix[..., j, j] = cos
        matrix[..., i, j], matrix[..., j, i] = -sin, sin
        return matrix + zero[..., None, None]

    rebuilt = about(2, z) @ about(0, x) @ about(1, y)
    np.testing.assert_allclose(rebuilt, body.rotations, atol=1e-9)


def test_writes_atomically(body, tmp_path, monkeypatch):
    path = tmp_path / "walk.bvh"
    path.write_text("an older file")
    with pytest.raises(OutputError, match="exists: pass --force"):
        write_bvh(path, body, FPS)
    with pytest.raises(OutputError, match="also an input"):
        write_bvh(path, body, FPS, inputs=[path], force=True)

    def half_written(self, text):
        Path.write_bytes(self, text[:100].encode())
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_written)
    with pytest.raises(OSError, match="disk full"):
        write_bvh(path, body, FPS, force=True)
    monkeypatch.undo()
    assert path.read_text() == "an older file"
    assert [file.name for file in tmp_path.iterdir()] == ["walk.bvh"]
    with pytest.raises(ValueError, match="frame rate"):
        write_bvh(tmp_path / "other.bvh", body, 0)


def test_lift_command_fits_and_writes_bvh(tmp_path, capsys):
    rng = np.random.default_rng(3)
    world = sample_take(rng, sample_body(rng), 30, {"walk": 1.0})
    camera = h36m_cameras("S9")[0]
    pixels = camera.project(camera.world_to_camera(world[:, list(MOCAP_INDICES_17)]))
    np.save(tmp_path / "clip.npy", pixels)
    bvh = tmp_path / "clip.bvh"
    argv = ["lift", "--input", str(tmp_path / "clip.npy"), "--layout", "h36m",
            "--image-size", "1000", "1002", "--out", str(tmp_path / "poses.npz"),
            "--fit", "--bvh", str(bvh), "--fps", "25",
            "--focal-length", "1145"]  # fmt: skip
    assert main(argv) == 0
    assert f"Wrote {bvh}" in capsys.readouterr().out
    with np.load(tmp_path / "poses.npz") as saved:
        poses = saved["poses_0"]
    thigh = np.linalg.norm(poses[:, 2] - poses[:, 1], axis=-1)
    # Constant bones, to the rounding of float32 poses.
    np.testing.assert_allclose(thigh, thigh[0], rtol=1e-6)
    assert "Frames: 30\nFrame Time: 0.04000000\n" in bvh.read_text()
    # The BVH is checked before anything is written: nothing is replaced
    # without --force, and no poses are written beside a refused BVH.
    (tmp_path / "poses.npz").unlink()
    assert main(argv) == 2
    assert "clip.bvh exists: pass --force" in capsys.readouterr().err
    assert not (tmp_path / "poses.npz").exists()
    assert main([*argv, "--force"]) == 0
