import pytest

from pyg_weightshare import h36m_skeleton
from pyg_weightshare.plotting import (
    CENTER_COLOR,
    LEFT_COLOR,
    RIGHT_COLOR,
    bone_colors,
)


@pytest.mark.parametrize("num_joints", [16, 17])
def test_bones_take_the_colour_of_their_side(num_joints):
    skeleton = h36m_skeleton(num_joints)
    colors = dict(zip(skeleton.bones, bone_colors(skeleton), strict=True))
    names = skeleton.joint_names
    for (child, _), color in colors.items():
        expected = {"L": LEFT_COLOR, "R": RIGHT_COLOR}.get(names[child][0])
        assert color == (expected or CENTER_COLOR), names[child]
