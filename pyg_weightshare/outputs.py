"""How every command writes a file: never over its own input, never over a
file it was not asked to replace, never half.

:func:`atomic_output` hands the writer a temporary path in the target's
directory; only when the writer returns is the file flushed to disk and
renamed over the target, so on any error, Ctrl-C or full disk the previous
file is intact and no partial file remains.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


class OutputError(ValueError):
    """A path a command must not write; the message names it and says why."""


def check_output(
    path: str | os.PathLike,
    inputs: Sequence[str | os.PathLike] = (),
    force: bool = False,
) -> Path:
    """Checks that a command may write :obj:`path`.

    Args:
        path (str or os.PathLike): The file to write.
        inputs (Sequence[str or os.PathLike], optional): The files the
            command reads; the output may never be one of them, even with
            :obj:`force`. (default: :obj:`()`)
        force (bool, optional): Replace an existing file.
            (default: :obj:`False`)

    Returns:
        pathlib.Path: The path.

    Raises:
        OutputError: :obj:`path` is an input, a symbolic link, a directory,
            in a directory that does not exist, or an existing file without
            :obj:`force`.
    """
    path = Path(path)
    for source in inputs:
        if _same_file(path, Path(source)):
            raise OutputError(f"{path} is also an input of this command: not written")
    if path.is_symlink():
        raise OutputError(f"{path} is a symbolic link: not followed, not written")
    if path.is_dir():
        raise OutputError(f"{path} is a directory, not a file")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the directory {path.parent} does not exist")
    if path.exists() and not force:
        raise OutputError(f"{path} exists: pass --force to replace it")
    return path


def _same_file(first: Path, second: Path) -> bool:
    if first.resolve() == second.resolve():
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # either does not exist
        return False


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike,
    inputs: Sequence[str | os.PathLike] = (),
    force: bool = False,
):
    """A temporary path to write instead of :obj:`path`, renamed over it
    when the block ends without an exception (see :func:`check_output`).

    The temporary file is in the target's directory (so the rename is
    atomic), is hidden, and ends with the target's suffix (so writers that
    append a suffix, like ``numpy.savez``, do not).

    Args:
        path (str or os.PathLike): The file to write.
        inputs (Sequence[str or os.PathLike], optional): The files the
            command reads. (default: :obj:`()`)
        force (bool, optional): Replace an existing file.
            (default: :obj:`False`)

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "poses.txt"
        >>> with atomic_output(target) as temporary:
        ...     _ = temporary.write_text("42")
        >>> target.read_text()
        '42'
    """
    path = check_output(path, inputs, force)
    descriptor, name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=f".partial{path.suffix}", dir=path.parent
    )
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


__all__ = ["OutputError", "atomic_output", "check_output"]
