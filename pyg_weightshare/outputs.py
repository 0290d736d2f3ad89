"""How every command writes a file: never over its own input, never over a
file it was not asked to replace, never half.

:func:`atomic_output` hands the writer a temporary path in the target's
directory; only when the writer returns is the file flushed to disk and
renamed over the target, so on any error, Ctrl-C or full disk the previous
file is intact and no partial file remains.
"""

from __future__ import annotations

import contextlib
import errno
import glob
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
    with atomic_outputs([path], inputs, force) as (temporary,):
        yield temporary


@contextlib.contextmanager
def atomic_outputs(
    paths: Sequence[str | os.PathLike],
    inputs: Sequence[str | os.PathLike] = (),
    force: bool = False,
):
    """Temporary paths to write instead of several files that belong
    together (e.g. the files of one dataset), all checked before any is
    written and renamed over their targets when the block ends without an
    exception.

    While the renames run, the directory holds :obj:`INCOMPLETE_MARKER`, so
    a reader that calls :func:`check_complete` refuses a set of files a kill
    left half old, half new. Temporary files a killed writer left behind
    (see :func:`remove_stale_temporaries`) are removed first.

    Args:
        paths (Sequence[str or os.PathLike]): The files to write, in one
            directory.
        inputs (Sequence[str or os.PathLike], optional): The files the
            command reads. (default: :obj:`()`)
        force (bool, optional): Replace existing files.
            (default: :obj:`False`)

    Raises:
        OutputError: A path may not be written (see :func:`check_output`),
            or the paths are in several directories.
        OSError: A file cannot be written, e.g. on a full disk; the message
            names it.
    """
    paths = [check_output(path, inputs, force) for path in paths]
    directories = {path.parent.resolve() for path in paths}
    if len(directories) > 1:
        raise OutputError(f"{', '.join(map(str, paths))} are in several directories")
    if not paths:
        yield []
        return
    directory = paths[0].parent
    remove_stale_temporaries(directory, [path.name for path in paths])
    temporaries = []
    try:
        for path in paths:
            descriptor, name = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=f".partial{path.suffix}", dir=directory
            )
            os.close(descriptor)
            # mkstemp's files are private (0600); a written file honours the umask.
            os.chmod(name, 0o666 & ~_umask())
            temporaries.append(Path(name))
        try:
            yield list(temporaries)
            for temporary in temporaries:
                with open(temporary, "rb+") as written:
                    os.fsync(written.fileno())
        except OSError as error:
            raise _write_error(paths, error) from None
        except RuntimeError as error:  # torch.save's "enforce fail" on a full disk
            if "enforce fail" not in str(error):
                raise
            raise _write_error(paths, error) from None
        marker = directory / INCOMPLETE_MARKER
        if len(paths) > 1:
            marker.touch()
            _fsync_directory(directory)
        for temporary, path in zip(temporaries, paths, strict=True):
            os.replace(temporary, path)
        _fsync_directory(directory)
        if len(paths) > 1:
            marker.unlink()
            _fsync_directory(directory)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


INCOMPLETE_MARKER = ".incomplete-write"
"""The file :func:`atomic_outputs` keeps in a directory while it renames
several files into place."""


def check_complete(directory: str | os.PathLike) -> None:
    """Refuses a directory whose files :func:`atomic_outputs` was still
    renaming into place when it was stopped.

    Args:
        directory (str or os.PathLike): The directory read.

    Raises:
        ValueError: :obj:`directory` holds :obj:`INCOMPLETE_MARKER`.
    """
    if (Path(directory) / INCOMPLETE_MARKER).exists():
        raise ValueError(
            f"{directory} holds files half replaced by a command that was stopped "
            "(see its .incomplete-write): write them again"
        )


def remove_stale_temporaries(
    directory: str | os.PathLike, names: Sequence[str]
) -> None:
    """Removes the temporary files of :obj:`names` that a writer killed
    before it could clean up (:obj:`SIGKILL`, power loss) left in
    :obj:`directory`.

    Args:
        directory (str or os.PathLike): The directory.
        names (Sequence[str]): The file names of the targets.
    """
    for name in names:
        suffix = Path(name).suffix
        for stale in Path(directory).glob(f".{glob.escape(name)}.*.partial{suffix}"):
            stale.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_error(paths: list[Path], error: BaseException) -> OSError:
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        full = error.errno == errno.ENOSPC
    else:
        reason = str(error).splitlines()[0]
        full = True
    names = ", ".join(map(str, paths))
    hint = " (is the disk full?)" if full and "space" not in reason else ""
    return OSError(f"Cannot write {names}{hint}: {reason}; nothing was replaced")


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


__all__ = [
    "INCOMPLETE_MARKER",
    "OutputError",
    "atomic_output",
    "atomic_outputs",
    "check_complete",
    "check_output",
    "remove_stale_temporaries",
]
