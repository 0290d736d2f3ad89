import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pyg_weightshare.outputs import (
    INCOMPLETE_MARKER,
    OutputError,
    atomic_output,
    atomic_outputs,
    check_complete,
    check_output,
    remove_stale_temporaries,
)


def test_writes_the_target_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "poses.npz"
    with atomic_output(target) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".npz"
        temporary.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(tmp_path.iterdir()) == [target]


def test_an_existing_file_needs_force(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    with (
        pytest.raises(OutputError, match="exists: pass --force"),
        atomic_output(target),
    ):
        pass
    with atomic_output(target, force=True) as temporary:
        temporary.write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_an_input_is_never_written_even_with_force(tmp_path):
    source = tmp_path / "poses.npz"
    source.write_bytes(b"input")
    alias = tmp_path / "alias.npz"
    os.link(source, alias)
    for target in (source, tmp_path / "." / "poses.npz", alias):
        with pytest.raises(OutputError, match="also an input"):
            check_output(target, inputs=[source], force=True)
    assert source.read_bytes() == b"input"


def test_a_symlink_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep")
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        check_output(link, force=True)
    assert victim.read_bytes() == b"keep"


def test_a_failing_writer_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(OSError), atomic_output(target, force=True) as temporary:
        temporary.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"old"
    assert sorted(tmp_path.iterdir()) == [target]


def test_sigint_while_writing_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.bin"
    script = textwrap.dedent(
        f"""
        import time
        from pyg_weightshare.outputs import atomic_output
        with atomic_output({str(target)!r}) as temporary:
            temporary.write_bytes(b"half")
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "writing\n"
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert process.returncode != 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["directory", "missing parent"])
def test_unwritable_targets(tmp_path, kind):
    target = tmp_path if kind == "directory" else tmp_path / "no" / "out.txt"
    with pytest.raises(OutputError, match=str(tmp_path)):
        check_output(target)


def test_a_full_disk_names_the_file_and_replaces_nothing(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with (
        pytest.raises(OSError, match=r"Cannot write .*out.bin: No space left"),
        atomic_output(target, force=True) as temporary,
    ):
        temporary.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert sorted(tmp_path.iterdir()) == [target]


def test_files_written_together_are_all_checked_before_any_is_written(tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    second.write_bytes(b"old")
    with (
        pytest.raises(OutputError, match=r"b.npz exists"),
        atomic_outputs([first, second]),
    ):
        pass
    assert sorted(tmp_path.iterdir()) == [second]
    with atomic_outputs([first, second], force=True) as temporaries:
        for temporary in temporaries:
            temporary.write_bytes(b"new")
    assert first.read_bytes() == second.read_bytes() == b"new"
    assert sorted(tmp_path.iterdir()) == [first, second]
    check_complete(tmp_path)


def test_a_stop_between_renames_marks_the_directory(tmp_path, monkeypatch):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    replace = os.replace

    def stopped_after_the_first(source, target):
        replace(source, target)
        monkeypatch.setattr(os, "replace", replace)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", stopped_after_the_first)
    with pytest.raises(KeyboardInterrupt), atomic_outputs([first, second]) as paths:
        for temporary in paths:
            temporary.write_bytes(b"new")
    assert (tmp_path / INCOMPLETE_MARKER).exists() and not second.exists()
    with pytest.raises(ValueError, match="half replaced"):
        check_complete(tmp_path)
    with atomic_outputs([first, second], force=True) as paths:  # written again
        for temporary in paths:
            temporary.write_bytes(b"new")
    check_complete(tmp_path)


def test_temporaries_of_a_killed_writer_are_removed(tmp_path):
    stale = tmp_path / ".a.npz.x1y2.partial.npz"
    other = tmp_path / ".b.npz.x1y2.partial.npz"
    stale.write_bytes(b"half")
    other.write_bytes(b"someone else's")
    remove_stale_temporaries(tmp_path, ["a.npz"])
    assert sorted(tmp_path.iterdir()) == [other]


def test_a_written_file_honours_the_umask(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_output(target) as temporary:
        temporary.write_text("x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~_current_umask()


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
