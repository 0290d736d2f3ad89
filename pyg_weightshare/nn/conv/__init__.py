from pyg_weightshare.nn.conv.conv_style_conv import ConvStyleConv
from pyg_weightshare.nn.conv.full_share_conv import FullShareConv
from pyg_weightshare.nn.conv.no_share_conv import NoShareConv
from pyg_weightshare.nn.conv.post_agg_conv import PostAggConv
from pyg_weightshare.nn.conv.pre_agg_conv import PreAggConv
from pyg_weightshare.nn.conv.weight_share_conv import WeightShareConv

__all__ = [
    "ConvStyleConv",
    "FullShareConv",
    "NoShareConv",
    "PostAggConv",
    "PreAggConv",
    "WeightShareConv",
]
