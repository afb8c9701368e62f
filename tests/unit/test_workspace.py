"""The workspace: confined inputs, fresh output names, atomic writes, private temp folders."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from audio_tools import output_log
from audio_tools.config import Settings
from audio_tools.errors import (
    AudioToolsError,
    FFmpegError,
    InvalidInputError,
    OutputExistsError,
    OutputWriteError,
    PathNotAllowedError,
)
from audio_tools.workspace import Workspace, atomic_output


def test_root_defaults_to_settings_workspace(tmp_path: Path) -> None:
    workspace = Workspace(settings=Settings(workspace=tmp_path))
    assert workspace.root == tmp_path.resolve()
    assert repr(workspace) == f"Workspace({str(tmp_path.resolve())!r})"


def test_root_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a directory"):
        Workspace(tmp_path / "missing", Settings(workspace=tmp_path))


def test_inputs_inside_resolve(workspace: Workspace) -> None:
    root = workspace.root
    (root / "sub").mkdir()
    (root / "sub" / "a.wav").write_bytes(b"x")
    (root / "alias.wav").symlink_to(root / "sub" / "a.wav")
    target = root / "sub" / "a.wav"
    assert workspace.resolve_input("sub/a.wav") == target
    assert workspace.resolve_input(Path("sub") / "a.wav") == target
    assert workspace.resolve_input(str(target)) == target
    assert workspace.resolve_input("alias.wav") == target  # a link that stays inside is fine
    assert workspace.contains(target)
    assert not workspace.contains(root.parent)


def test_new_output_names_are_fresh_and_inside(workspace: Workspace) -> None:
    names = {workspace.new_output(".mp3", stem="My story: part 1!") for _ in range(50)}
    assert len(names) == 50
    for path in names:
        assert path.parent == workspace.root / "outputs"
        assert path.name.startswith("My_story_part_1-") and path.suffix == ".mp3"
        assert not path.exists()
    assert workspace.new_output(stem="../../etc/passwd").parent == workspace.outputs
    assert workspace.new_output(stem="***").name.startswith("audio-")


@pytest.mark.parametrize("suffix", ["wav", ".WAV", "../x", ".toolong", ".w/v", ""])
def test_new_output_refuses_odd_suffixes(suffix: str, workspace: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="suffix"):
        workspace.new_output(suffix)


def test_outputs_linked_outside_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (workspace.root / "outputs").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PathNotAllowedError, match="outside the workspace"):
        workspace.new_output()


def test_temp_dir_is_private_and_removed(workspace: Workspace) -> None:
    with workspace.temp_dir() as first, workspace.temp_dir() as second:
        assert first != second and first.is_dir()
        assert oct(first.stat().st_mode & 0o777) == oct(0o700)
        (first / "x.wav").write_bytes(b"x")
    assert not first.exists() and not second.exists()


def test_atomic_output_moves_into_place(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    with atomic_output(target) as tmp:
        # made in a private folder, named like the target, so nothing else can reach it by path
        assert tmp.name == target.name and tmp != target
        assert oct(tmp.parent.stat().st_mode & 0o777) == oct(0o700)
        tmp.write_bytes(b"data")
        assert not target.exists()  # readers never see a half-written file
    assert target.read_bytes() == b"data"
    assert os.listdir(tmp_path) == ["out.wav"]


def test_atomic_output_never_replaces_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"old")
    with pytest.raises(OutputExistsError, match="already exists"), atomic_output(target):
        pytest.fail("the block must not run")
    with atomic_output(target, overwrite=True) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_atomic_output_loses_the_race_safely(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    with pytest.raises(OutputExistsError, match="appeared while"), atomic_output(target) as tmp:
        tmp.write_bytes(b"mine")
        target.write_bytes(b"theirs")  # another writer got there first
    assert target.read_bytes() == b"theirs"
    assert os.listdir(tmp_path) == ["out.wav"]


def test_atomic_output_cleans_up_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError
    with pytest.raises(AudioToolsError, match="Nothing was written"), atomic_output(target):
        pass
    assert os.listdir(tmp_path) == []


def test_atomic_output_needs_the_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"), atomic_output(tmp_path / "no" / "out.wav"):
        pass


def test_a_generated_name_is_published_in_outputs_and_recorded(workspace: Workspace) -> None:
    target = workspace.new_output(".txt", stem="notes")
    with atomic_output(target) as tmp:
        tmp.write_bytes(b"data")
    assert target.read_bytes() == b"data"
    assert set(output_log.read(workspace.outputs)) == {target.name}
    mine = workspace.outputs / "mine.txt"  # a name the caller chose: written, never recorded
    with atomic_output(mine) as tmp:
        tmp.write_bytes(b"data")
    assert mine.read_bytes() == b"data"
    assert set(output_log.read(workspace.outputs)) == {target.name}


def test_a_generated_name_never_follows_outputs_swapped_for_a_link(workspace: Workspace, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = workspace.new_output(".txt")
    workspace.outputs.rename(workspace.root / "moved")
    workspace.outputs.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PathNotAllowedError, match="link"), atomic_output(target) as tmp:
        tmp.write_bytes(b"data")
    assert os.listdir(elsewhere) == []


def test_a_full_disk_inside_the_block_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    with pytest.raises(OutputWriteError, match=r"disk is full.*Free some space"), atomic_output(target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    stderr = f"av_interleaved_write_frame(): {os.strerror(errno.ENOSPC)}"
    with pytest.raises(OutputWriteError, match="ffmpeg: No space left"), atomic_output(target):
        raise FFmpegError("ffmpeg failed (exit 1)", stderr)
    with pytest.raises(FFmpegError), atomic_output(target):  # other ffmpeg failures stay what they are
        raise FFmpegError("ffmpeg failed (exit 1)", "Invalid data found when processing input")
    assert os.listdir(tmp_path) == []
