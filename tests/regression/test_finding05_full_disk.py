"""Hardening finding 5: a full disk must give a clear error and leave no file, never a truncated "success".

On a 3 MB tmpfs, ``text_to_music`` reported 9.9 s of audio while the WAV was short and its
RIFF size 0xFFFFFFFF: ffmpeg exits 0 after a short final write (and 1 when an earlier write
fails). The tests mount a small tmpfs (they run as root, as CI does) and leave it just too
little room, for ffmpeg's write and for the copy into the workspace.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio_tools import audio, output_log
from audio_tools.audio import save_audio
from audio_tools.errors import FFmpegError, OutputWriteError
from audio_tools.workspace import Workspace, atomic_output

DISK = "3m"
MUSIC_S = 9.9
MUSIC_RATE = 32000  # the synth backend's rate
FULL_DISK = r"(?is)disk is full.*free some space or choose another folder"


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 3 MB tmpfs holding the workspace (``ws``) and the temporary folders (``tmp``)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(disk)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        (disk / "ws").mkdir()
        (disk / "tmp").mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(disk / "tmp"))
        yield disk
    finally:
        monkeypatch.undo()
        subprocess.run(["umount", str(disk)], check=True)


def leave_free(disk: Path, free: int) -> None:
    """Fill ``disk`` until only ``free`` bytes (rounded down to a page) are left."""
    stats = os.statvfs(disk)
    available = stats.f_bavail * stats.f_frsize
    (disk / "filler").write_bytes(bytes((available - free + 4095) // 4096 * 4096))


def music_file_size(tmp_path: Path) -> int:
    """The size of the WAV the synth backend's 9.9 s come to (PCM: it depends on the length only)."""
    probe = save_audio(np.zeros(round(MUSIC_S * MUSIC_RATE), dtype=np.float32), MUSIC_RATE, tmp_path / "size.wav")
    return probe.stat().st_size


def leftovers(disk: Path) -> list[str]:
    """Everything a failed write left on the disk: files in outputs/ and in the temporary folders."""
    outputs = disk / "ws" / "outputs"
    made = [p.name for p in outputs.iterdir() if p.name != output_log.LOG_NAME] if outputs.is_dir() else []
    return made + [p.name for p in (disk / "tmp").rglob("*")]


def spy_on_encoder(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record how each ffmpeg run of :mod:`audio_tools.audio` ended: "exit 0" or "failed"."""
    ends: list[str] = []
    real = audio.run_ffmpeg

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            done = real(*args, **kwargs)
        except FFmpegError:
            ends.append("failed")
            raise
        ends.append(f"exit {done.returncode}")
        return done

    monkeypatch.setattr(audio, "run_ffmpeg", spy)
    return ends


@pytest.mark.parametrize(("short_by", "ffmpeg_end"), [(48 * 1024, "exit 0"), (300 * 1024, "failed")])
def test_text_to_music_on_a_full_disk_fails_clearly(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, short_by: int, ffmpeg_end: str
) -> None:
    from audio_tools.tools import AudioToolkit

    (tool,) = AudioToolkit(root=small_disk / "ws", music="synth", include=("text_to_music",)).get_tools()
    (small_disk / "ws" / "outputs").mkdir()
    output_log.record(small_disk / "ws" / "outputs", "earlier.wav")  # the log has room: an earlier output
    leave_free(small_disk, music_file_size(tmp_path) - short_by)
    ends = spy_on_encoder(monkeypatch)
    message = tool.invoke({"name": tool.name, "args": {"prompt": "calm piano", "duration_s": MUSIC_S},
                           "id": "1", "type": "tool_call"})
    assert ends == [ffmpeg_end]  # both ways ffmpeg meets a full disk
    assert message.status == "error", message.content
    assert re.search(FULL_DISK, message.content), message.content
    assert leftovers(small_disk) == []


def test_room_for_the_encoder_but_not_for_the_workspace_copy(small_disk: Path, tmp_path: Path) -> None:
    size = music_file_size(tmp_path)
    leave_free(small_disk, size + 96 * 1024)
    workspace = Workspace(small_disk / "ws")
    samples = np.zeros(round(MUSIC_S * MUSIC_RATE), dtype=np.float32)
    with pytest.raises(OutputWriteError, match=FULL_DISK):
        save_audio(samples, MUSIC_RATE, workspace.new_output(".wav", stem="music"), settings=workspace.settings)
    assert leftovers(small_disk) == []


def test_text_written_to_a_full_disk_fails_clearly(small_disk: Path) -> None:
    target = small_disk / "ws" / "transcript.txt"
    with pytest.raises(OutputWriteError, match=FULL_DISK), atomic_output(target) as tmp:
        tmp.write_bytes(b"words " * 1_000_000)  # 6 MB on a 3 MB disk
    assert os.listdir(small_disk / "ws") == []
    assert leftovers(small_disk) == []
