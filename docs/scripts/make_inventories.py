"""Writes the fallback intersphinx inventories in ``docs/_inventories/``.

``docs/conf.py`` links to Python, NumPy, PyTorch and PyTorch Geometric through
their own ``objects.inv``. A machine with no route to those sites (CI here)
uses these small inventories instead: they hold only the names the
documentation links to, at the addresses the projects' documentation uses.
Add a line below when a page or docstring links a new external name, then run::

    python docs/scripts/make_inventories.py
"""

from __future__ import annotations

import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "_inventories"

# project name: (title, version, [(name, domain:role, uri)]); a uri ending in
# "#" gets the name appended, as in Sphinx inventories.
INVENTORIES = {
    "python": (
        "Python",
        "3",
        [
            ("int", "py:class", "library/functions.html#"),
            ("float", "py:class", "library/functions.html#"),
            ("bool", "py:class", "library/functions.html#"),
            ("object", "py:class", "library/functions.html#"),
            ("str", "py:class", "library/stdtypes.html#"),
            ("dict", "py:class", "library/stdtypes.html#"),
            ("list", "py:class", "library/stdtypes.html#"),
            ("tuple", "py:class", "library/stdtypes.html#"),
            ("None", "py:data", "library/constants.html#"),
            ("True", "py:data", "library/constants.html#"),
            ("False", "py:data", "library/constants.html#"),
            ("ValueError", "py:exception", "library/exceptions.html#"),
            ("KeyError", "py:exception", "library/exceptions.html#"),
            ("FileNotFoundError", "py:exception", "library/exceptions.html#"),
            ("collections.abc.Sequence", "py:class", "library/collections.abc.html#"),
            ("collections.abc.Callable", "py:class", "library/collections.abc.html#"),
            ("os.PathLike", "py:class", "library/os.html#"),
            ("pathlib.Path", "py:class", "library/pathlib.html#"),
            ("argparse.ArgumentParser", "py:class", "library/argparse.html#"),
            ("argparse.Namespace", "py:class", "library/argparse.html#"),
            ("typing.Any", "py:data", "library/typing.html#"),
            ("typing.TypeVar", "py:class", "library/typing.html#"),
        ],
    ),
    "numpy": (
        "NumPy",
        "stable",
        [
            ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#"),
            ("numpy.typing.ArrayLike", "py:data", "reference/typing.html#"),
            ("numpy.random.Generator", "py:class", "reference/random/generator.html#"),
        ],
    ),
    "torch": (
        "PyTorch",
        "stable",
        [
            ("torch.Tensor", "py:class", "tensors.html#"),
            ("torch.device", "py:class", "tensor_attributes.html#"),
            ("torch.dtype", "py:class", "tensor_attributes.html#"),
            ("torch.bmm", "py:function", "generated/torch.bmm.html#"),
            ("torch.mm", "py:function", "generated/torch.mm.html#"),
            ("torch.compile", "py:function", "generated/torch.compile.html#"),
            ("torch.save", "py:function", "generated/torch.save.html#"),
            (
                "torch.get_num_threads",
                "py:function",
                "generated/torch.get_num_threads.html#",
            ),
            ("torch.nn.Module", "py:class", "generated/torch.nn.Module.html#"),
            (
                "torch.nn.Module.load_state_dict",
                "py:method",
                "generated/torch.nn.Module.html#",
            ),
            (
                "torch.nn.BatchNorm1d",
                "py:class",
                "generated/torch.nn.BatchNorm1d.html#",
            ),
            (
                "torch.nn.SyncBatchNorm",
                "py:class",
                "generated/torch.nn.SyncBatchNorm.html#",
            ),
            ("torch.nn.init.xavier_uniform_", "py:function", "nn.init.html#"),
            (
                "torch.nn.parallel.DistributedDataParallel",
                "py:class",
                "generated/torch.nn.parallel.DistributedDataParallel.html#",
            ),
            ("torch.testing.assert_close", "py:function", "testing.html#"),
            ("torch.optim.Optimizer", "py:class", "optim.html#"),
            ("torch.amp.GradScaler", "py:class", "amp.html#"),
        ],
    ),
    "torch_geometric": (
        "pytorch_geometric",
        "latest",
        [
            (
                "torch_geometric.nn.conv.MessagePassing",
                "py:class",
                "generated/torch_geometric.nn.conv.MessagePassing.html#",
            ),
            (
                "torch_geometric.nn.conv.MessagePassing.propagate",
                "py:method",
                "generated/torch_geometric.nn.conv.MessagePassing.html#",
            ),
            (
                "torch_geometric.nn.conv.GCNConv",
                "py:class",
                "generated/torch_geometric.nn.conv.GCNConv.html#",
            ),
            (
                "torch_geometric.nn.conv.RGCNConv",
                "py:class",
                "generated/torch_geometric.nn.conv.RGCNConv.html#",
            ),
            (
                "torch_geometric.nn.dense.HeteroLinear",
                "py:class",
                "generated/torch_geometric.nn.dense.HeteroLinear.html#",
            ),
            (
                "torch_geometric.data.Data",
                "py:class",
                "generated/torch_geometric.data.Data.html#",
            ),
            (
                "torch_geometric.data.Batch",
                "py:class",
                "generated/torch_geometric.data.Batch.html#",
            ),
            (
                "torch_geometric.data.Batch.from_data_list",
                "py:method",
                "generated/torch_geometric.data.Batch.html#",
            ),
            (
                "torch_geometric.loader.DataLoader",
                "py:class",
                "generated/torch_geometric.loader.DataLoader.html#",
            ),
            (
                "torch_geometric.nn.conv.FastRGCNConv",
                "py:class",
                "generated/torch_geometric.nn.conv.FastRGCNConv.html#",
            ),
            (
                "torch_geometric.transforms.BaseTransform",
                "py:class",
                "generated/torch_geometric.transforms.BaseTransform.html#",
            ),
            (
                "torch_geometric.transforms.base_transform.BaseTransform",
                "py:class",
                "generated/torch_geometric.transforms.BaseTransform.html#",
            ),
        ],
    ),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (title, version, entries) in INVENTORIES.items():
        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {title}\n"
            f"# Version: {version}\n"
            "# The remainder of this file is compressed using zlib.\n"
        )
        lines = []
        for obj, role, uri in sorted(entries):
            if uri.endswith("#"):
                uri += "$"
            lines.append(f"{obj} {role} 1 {uri} -\n")
        path = OUT / f"{name}.inv"
        path.write_bytes(header.encode() + zlib.compress("".join(lines).encode(), 9))
        print(f"Wrote {path} ({len(entries)} names)")


if __name__ == "__main__":
    main()
