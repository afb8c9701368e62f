from pathlib import Path

import pytest

from audio_tools.rag.discover import discover


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "outside.flac").write_bytes(b"x")
    workspace = tmp_path / "ws"
    (workspace / "calls" / ".hidden").mkdir(parents=True)
    for name in ("calls/a.flac", "calls/b.MP3", "calls/notes.txt", "calls/.hidden/c.wav", "d.wav"):
        (workspace / name).write_bytes(b"x")
    return workspace


def test_folders_and_patterns_give_their_audio_files_in_name_order(root: Path) -> None:
    found = discover(["calls", "*.wav", "calls/a.flac"], root)
    assert [p.relative_to(root).as_posix() for p in found.files] == ["calls/a.flac", "calls/b.MP3", "d.wav"]
    assert found.misses == []


@pytest.mark.parametrize("argument", ["..", "../", "/", "../*.flac", "calls/../../*.flac", "/etc"])
def test_folders_and_patterns_outside_the_workspace_are_refused_without_being_listed(root: Path,
                                                                                      argument: str) -> None:
    found = discover([argument], root)
    assert found.files == []
    [(shown, why)] = found.misses
    assert shown == argument and "outside the workspace" in why


def test_a_linked_folder_leading_out_is_refused(root: Path) -> None:
    (root / "link").symlink_to(root.parent, target_is_directory=True)
    found = discover(["link"], root)
    assert found.files == [] and "outside the workspace" in found.misses[0][1]


def test_a_pattern_through_a_linked_folder_finds_nothing_outside(root: Path) -> None:
    (root / "link").symlink_to(root.parent, target_is_directory=True)
    found = discover(["link/*.flac"], root)
    assert found.files == []


def test_a_file_and_a_link_to_it_are_one_file(root: Path) -> None:
    (root / "calls" / "a_copy.flac").symlink_to(root / "calls" / "a.flac")
    (root / "loop.wav").symlink_to(root / "loop.wav")
    found = discover(["calls/*.flac", "calls", "loop.wav"], root)
    assert [p.relative_to(root).as_posix() for p in found.files] == ["calls/a.flac", "calls/b.MP3", "loop.wav"]
