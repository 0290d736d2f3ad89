import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pyg_weightshare.outputs import OutputError, atomic_output, check_output


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
