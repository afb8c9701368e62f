"""Opening inputs once: the walk under the root, checks on the descriptor, the copy where /dev/fd is missing."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from audio_tools import safe_open
from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, PathNotAllowedError
from audio_tools.ffmpeg import DREFS_OFF, input_args
from audio_tools.safe_open import open_beneath, open_local
from audio_tools.workspace import Workspace


@pytest.fixture
def tree(workspace: Workspace, tmp_path: Path) -> Path:
    root = workspace.root
    (root / "sub").mkdir()
    (root / "sub" / "a.wav").write_bytes(b"RIFF" + b"x" * 60)
    (tmp_path / "outside.wav").write_bytes(b"RIFF" + b"y" * 60)
    (root / "rel.wav").symlink_to("sub/a.wav")
    (root / "abs.wav").symlink_to(root / "sub" / "a.wav")
    (root / "up").symlink_to("sub/../sub", target_is_directory=True)
    (root / "escape.wav").symlink_to("../outside.wav")
    (root / "loop.wav").symlink_to("loop.wav")
    os.mkfifo(root / "fifo.wav")
    return root


@pytest.mark.parametrize("name", ["sub/a.wav", "rel.wav", "abs.wav", "up/a.wav", "./sub/./a.wav"])
def test_links_that_stay_inside_are_followed(name: str, tree: Path, settings: Settings) -> None:
    with open_beneath(tree, name, settings) as opened:
        assert opened.path == tree / "sub" / "a.wav" and os.pread(opened.fd, 4, 0) == b"RIFF"


@pytest.mark.parametrize(("name", "error", "match"), [
    ("escape.wav", PathNotAllowedError, "outside the workspace"),
    ("loop.wav", PathNotAllowedError, "symbolic links"),
    ("fifo.wav", InvalidInputError, "not a regular file"),  # refused at once: open() does not block
    ("sub", InvalidInputError, "not a regular file"),
    ("sub/a.wav/x.wav", InvalidInputError, "No such file"),
])
def test_what_is_refused(name: str, error: type[Exception], match: str, tree: Path, settings: Settings) -> None:
    with pytest.raises(error, match=match):
        open_beneath(tree, name, settings)


def test_hard_links_need_the_setting(tree: Path, settings: Settings) -> None:
    os.link(tree / "sub" / "a.wav", tree / "copy.wav")
    with pytest.raises(PathNotAllowedError, match="AUDIO_TOOLS_ALLOW_HARDLINKS"):
        open_beneath(tree, "copy.wav", settings)
    with open_beneath(tree, "copy.wav", settings.with_(allow_hardlinks=True)) as opened:
        assert opened.size == 64
    with open_local(tree / "copy.wav", settings) as opened:  # people name any file they like
        assert opened.size == 64


def test_nothing_is_left_open(tree: Path, settings: Settings) -> None:
    before = len(os.listdir("/proc/self/fd"))
    for name in ("sub/a.wav", "escape.wav", "fifo.wav", "loop.wav", "missing.wav"):
        with contextlib.suppress(InvalidInputError, PathNotAllowedError):
            open_beneath(tree, name, settings).close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_without_dev_fd_ffmpeg_reads_a_private_copy(speech_wav: Path, settings: Settings, spawns: list[Any],
                                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    whole = load_audio(speech_wav, settings=settings)
    monkeypatch.setattr(safe_open, "FD_DIR", str(tmp_path / "no-dev-fd"))
    private = tmp_path / "private"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    first = len(spawns)
    assert (load_audio(speech_wav, settings=settings) == whole).all()
    sources = [s.args[-1] if Path(s.args[0]).name == "ffprobe" else s.args[s.args.index("-i") + 1]
               for s in spawns[first:]]
    assert sources and all(Path(s.removeprefix("file:")).is_relative_to(private) for s in sources), sources
    assert os.listdir(private) == []  # removed with the descriptor


@pytest.mark.parametrize(("demuxer", "pinned"), [
    ("mov,mp4,m4a,3gp,3g2,mj2", ["-f", "mov", *DREFS_OFF]),
    ("wav", ["-f", "wav"]),
    ("matroska,webm", ["-f", "matroska"]),
    ("hls", []),
    (None, []),
])
def test_inputs_are_read_with_the_demuxer_probed(demuxer: str | None, pinned: list[str]) -> None:
    found = input_args("/dev/fd/7", demuxer)
    assert found[-2:] == ["-i", "file:/dev/fd/7"] and found[4:-2] == pinned
