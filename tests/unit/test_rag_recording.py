"""describe_recording: the workspace path, the content hash, when it was recorded and its title."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from audio_tools.config import Settings
from audio_tools.errors import InvalidAudioError, InvalidInputError, PathNotAllowedError
from audio_tools.rag.recording import RecordingInfo, describe_recording, parse_creation_time
from audio_tools.workspace import Workspace


def _tagged(source: Path, target: Path, creation_time: str) -> Path:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(source), "-metadata",
                    f"creation_time={creation_time}", str(target)], check=True, timeout=60)
    return target


def test_describes_a_file_in_a_subfolder(workspace: Workspace, settings: Settings,
                                         write_tone: Callable[..., Path]) -> None:
    (workspace.root / "calls").mkdir()
    path = write_tone(workspace.root / "calls" / "weekly_sync_01.wav", seconds=1.5)
    os.utime(path, (1_700_000_000, 1_700_000_000))

    info = describe_recording("calls/weekly_sync_01.wav", settings)

    assert info == RecordingInfo(source="calls/weekly_sync_01.wav",
                                 source_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                                 recorded_at=1_700_000_000.0, title="weekly sync 01", duration_s=pytest.approx(1.5))
    assert describe_recording(path, settings) == info  # absolute inside the workspace: the same


def test_container_creation_time_wins_over_mtime(workspace: Workspace, settings: Settings,
                                                  write_tone: Callable[..., Path], tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav")
    _tagged(tone, workspace.root / "standup.m4a", "2024-03-01T10:20:30.000000Z")

    info = describe_recording("standup.m4a", settings)

    assert info.recorded_at == 1709288430.0
    assert info.title == "standup"


def test_overrides(workspace: Workspace, settings: Settings, write_tone: Callable[..., Path]) -> None:
    write_tone(workspace.root / "a.wav")
    info = describe_recording("a.wav", settings, recorded_at=12.5, title="  Board meeting ")
    assert (info.recorded_at, info.title) == (12.5, "Board meeting")
    with pytest.raises(InvalidInputError, match="recorded_at"):
        describe_recording("a.wav", settings, recorded_at=float("nan"))
    with pytest.raises(InvalidInputError, match="title"):
        describe_recording("a.wav", settings, title=" ")


def test_an_opened_file_is_read_through_its_descriptor(workspace: Workspace, settings: Settings,
                                                        write_tone: Callable[..., Path]) -> None:
    path = write_tone(workspace.root / "meeting.flac")
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    with workspace.open_input("meeting.flac") as opened:
        path.rename(workspace.root / "moved.flac")
        info = describe_recording(opened, settings)
    assert (info.source, info.source_sha256) == ("meeting.flac", expected)


def test_a_file_outside_the_workspace_is_refused(settings: Settings, write_tone: Callable[..., Path],
                                                  tmp_path: Path) -> None:
    outside = write_tone(tmp_path / "elsewhere.wav")
    with pytest.raises(PathNotAllowedError, match="--workspace"):
        describe_recording(outside, settings)
    with pytest.raises(PathNotAllowedError, match="--workspace"):
        describe_recording("../elsewhere.wav", settings)
    with Workspace(tmp_path, Settings(workspace=tmp_path)).open_input("elsewhere.wav") as opened, \
            pytest.raises(PathNotAllowedError, match="--workspace"):
        describe_recording(opened, settings)


def test_missing_and_non_audio_files(workspace: Workspace, settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="No such file"):
        describe_recording("nothing.wav", settings)
    (workspace.root / "notes.txt").write_text("not audio at all")
    with pytest.raises(InvalidAudioError):
        describe_recording("notes.txt", settings)


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-01T10:20:30.000000Z", 1709288430.0),
    ("2024-03-01T10:20:30Z", 1709288430.0),
    ("2024-03-01 10:20:30", 1709288430.0),
    ("2024-03-01T11:20:30+01:00", 1709288430.0),
    ("1904-01-01T00:00:00Z", None),
    ("1970-01-01T00:00:00Z", None),
    ("yesterday", None),
    ("", None),
    (None, None),
])
def test_parse_creation_time(text: str | None, expected: float | None) -> None:
    assert parse_creation_time(text) == expected
