"""Reading the VideoPose3D :obj:`.npz` files without running code from them.

The format stores each dataset as a pickled :obj:`{subject: {sequence: ...}}`
dict inside a NumPy archive, and :obj:`numpy.load` with
:obj:`allow_pickle=True` would unpickle anything, including a call to
:obj:`os.system`. :func:`load_pickled_dict` reads the same files with an
unpickler that admits only what the format holds: dicts, lists, strings,
numbers, NumPy arrays and dtypes, and within bounds: a member inflates to at
most :obj:`MAX_MEMBER_BYTES`, and what it unpickles holds at most
:obj:`MAX_ITEMS` container entries and :obj:`MAX_ELEMENTS` array elements,
counted each time they are reached (a pickle of one list shared a million
times is a million entries), so a small hostile file cannot fill the
memory.
"""

from __future__ import annotations

import math
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

MAX_MEMBER_BYTES = 2**30
"""The largest uncompressed array read from an archive (1 GiB; the largest
VideoPose3D Human3.6M file holds about 200 MiB)."""

MAX_ITEMS = 1_000_000
"""The most dict, list and object-array entries an unpickled array holds
(a VideoPose3D dict has a few hundred)."""

MAX_ELEMENTS = 2**30
"""The most numbers in the arrays of an unpickled array, counted each time
an array is reached (about 10^9: 4 GiB once converted to float32)."""

# The only globals a pickled dict of arrays refers to (NumPy 1 and 2 names).
_SAFE_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        # Protocol 2 pickles (Python 2 era files) encode bytes this way.
        ("_codecs", "encode"),
    }
)


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _SAFE_GLOBALS:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: the file holds more than "
                "dicts, lists, strings, numbers and NumPy arrays"
            )
        return super().find_class(module, name)


def _read_array(file) -> np.ndarray:
    """One :obj:`.npy` member; object arrays through :class:`_ArrayUnpickler`."""
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(file)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(file)
    if not dtype.hasobject:
        size = math.prod(shape) * dtype.itemsize
        if size > MAX_MEMBER_BYTES:
            raise ValueError(
                f"an array of {size:,} bytes, more than the {MAX_MEMBER_BYTES:,} read"
            )
        file.seek(0)
        return np.lib.format.read_array(file, allow_pickle=False)
    array = _ArrayUnpickler(file, encoding="latin1").load()
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise pickle.UnpicklingError(f"the pickled array is not of shape {shape}")
    _check_contents(array)
    return array


def _check_contents(value: object) -> None:
    """Counts the entries and array elements reachable from :obj:`value`
    (shared objects once per reference), stopping at the first limit."""
    items = elements = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, np.ndarray) and not item.dtype.hasobject:
            elements += item.size
        elif isinstance(item, dict | list | tuple | np.ndarray):
            children = item.values() if isinstance(item, dict) else item
            if isinstance(item, np.ndarray):
                children = item.ravel()
            items += len(children)
            if items > MAX_ITEMS:
                raise ValueError(
                    f"it unpickles to more than {MAX_ITEMS:,} dict, list or "
                    "array entries"
                )
            stack.extend(children)
        if elements > MAX_ELEMENTS:
            raise ValueError(
                f"its arrays hold more than {MAX_ELEMENTS:,} numbers (shared "
                "arrays counted each time)"
            )


def load_pickled_dict(
    path: str | os.PathLike, key: str, required: bool = True
) -> dict | None:
    """The dict stored under :obj:`key` in a VideoPose3D :obj:`.npz` file,
    read without executing code from the file.

    Args:
        path (str or os.PathLike): The :obj:`.npz` file.
        key (str): The array holding the dict, e.g. :obj:`"positions_3d"`.
        required (bool, optional): If set to :obj:`False`, a missing
            :obj:`key` gives :obj:`None` instead of an error (the optional
            :obj:`metadata` of a 2D file). (default: :obj:`True`)

    Returns:
        dict: The unpickled dict (or :obj:`None`).

    Raises:
        FileNotFoundError: If :obj:`path` does not exist.
        KeyError: If the archive has no :obj:`key`.
        ValueError: If the file is not a readable archive, or holds anything
            but plain data under :obj:`key`; the message names the file.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "data.npz"
        >>> np.savez(path, positions_3d={"S1": {"Walking": np.zeros((2, 32, 3))}})
        >>> load_pickled_dict(path, "positions_3d")["S1"]["Walking"].shape
        (2, 32, 3)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Human3.6M file not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                name.removesuffix(".npy")
                for name in archive.namelist()
                if name.endswith(".npy")
            )
            if key not in members:
                if not required:
                    return None
                raise KeyError(
                    f"{path} has no key {key!r} (keys: {members}); is it a "
                    "VideoPose3D Human3.6M file?"
                )
            info = archive.getinfo(f"{key}.npy")
            if info.file_size > MAX_MEMBER_BYTES:
                raise ValueError(
                    f"{key!r} inflates to {info.file_size:,} bytes, more than the "
                    f"{MAX_MEMBER_BYTES:,} read"
                )
            with archive.open(info) as member:
                content = _read_array(member)
    except KeyError:
        raise
    except Exception as error:  # zipfile, the .npy header and pickle raise many
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(
            f"{path} is not a readable VideoPose3D .npz file: {reason}"
        ) from None
    if content.shape != () or not isinstance(content.item(), dict):
        raise ValueError(
            f"{path}: {key!r} must hold a {{subject: {{action: ...}}}} dict"
        )
    return content.item()
