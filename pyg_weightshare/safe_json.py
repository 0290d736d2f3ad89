"""Reading JSON files that may be hostile: bounded in size and depth.

``json.loads`` recurses once per nesting level, so a file of 100,000
``[`` ends in a :class:`RecursionError` traceback, and it reads a file of any
size. :func:`load_json` and :func:`load_json_lines` read at most
:obj:`MAX_JSON_BYTES` bytes nested at most :obj:`MAX_JSON_DEPTH` levels, and
report every problem as one :class:`ValueError` line naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 16 * 2**20
"""Files of more bytes than this (16 MiB) are not read; a run's
:obj:`metrics.jsonl` of 10,000 epochs is about 2 MiB."""

MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects read; the package's own files
nest at most four levels."""


def json_depth(value: Any) -> int:
    """The deepest nesting of lists and dicts in a parsed JSON value,
    counted without recursion.

    Args:
        value (Any): The value.

    Example:
        >>> json_depth({"a": [1, [2, "]]]"]]})
        3
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def loads_json(
    text: str | bytes, source: str = "JSON", max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parses a JSON text nested at most :obj:`max_depth` levels.

    ``json.loads`` stops at Python's recursion limit (a
    :class:`RecursionError`, reported here as too deep), so the depth is
    measured on a value of at most about a thousand levels.

    Args:
        text (str or bytes): The JSON text.
        source (str, optional): Where the text comes from, for errors.
            (default: :obj:`"JSON"`)
        max_depth (int, optional): The deepest nesting accepted.
            (default: :obj:`MAX_JSON_DEPTH`)

    Raises:
        ValueError: The text is not JSON or nests too deep; one line naming
            :obj:`source`.
    """
    too_deep = f"{source} nests deeper than the {max_depth} levels read"
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(too_deep) from None
    except ValueError as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{source} is not valid JSON: {reason}") from None
    if json_depth(value) > max_depth:
        raise ValueError(too_deep)
    return value


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist") from None
    except OSError as error:
        raise OSError(f"Cannot read {path}: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise ValueError(f"{path} is larger than the {max_bytes:,} bytes read")
    return data


def load_json(
    path: str | os.PathLike,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """The content of a JSON file of at most :obj:`max_bytes` bytes nested
    at most :obj:`max_depth` levels.

    Args:
        path (str or os.PathLike): The file.
        max_bytes (int, optional): The largest file read.
            (default: :obj:`MAX_JSON_BYTES`)
        max_depth (int, optional): The deepest nesting accepted.
            (default: :obj:`MAX_JSON_DEPTH`)

    Raises:
        FileNotFoundError: :obj:`path` does not exist.
        ValueError: The file is too large, too deep or not JSON; one line
            naming it.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "deep.json"
        >>> _ = path.write_text("[" * 100_000 + "]" * 100_000)
        >>> load_json(path)
        Traceback (most recent call last):
        ...
        ValueError: ...deep.json nests deeper than the 64 levels read
    """
    path = Path(path)
    return loads_json(_read_bounded(path, max_bytes), str(path), max_depth)


def load_json_lines(
    path: str | os.PathLike,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> list[Any]:
    """The values of a JSON Lines file (one JSON value a line, blank lines
    skipped), with the bounds of :func:`load_json`.

    Args:
        path (str or os.PathLike): The file.
        max_bytes (int, optional): The largest file read.
            (default: :obj:`MAX_JSON_BYTES`)
        max_depth (int, optional): The deepest nesting accepted in a line.
            (default: :obj:`MAX_JSON_DEPTH`)

    Raises:
        FileNotFoundError: :obj:`path` does not exist.
        ValueError: The file is too large, or a line too deep or not JSON;
            one line naming the file and the line.
    """
    path = Path(path)
    data = _read_bounded(path, max_bytes)
    return [
        loads_json(line, f"{path} line {number}", max_depth)
        for number, line in enumerate(data.splitlines(), start=1)
        if line.strip()
    ]


__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "json_depth",
    "load_json",
    "load_json_lines",
    "loads_json",
]
