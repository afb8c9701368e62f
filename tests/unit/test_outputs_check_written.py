"""``check_written``: a file is decoded, and its length compared, before it is published."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.errors import OutputWriteError
from audio_tools.outputs import check_written, progress_seconds

RATE = 16000


@pytest.fixture
def tone(tmp_path: Path) -> Path:
    samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * RATE) / RATE)).astype(np.float32)
    return save_audio(samples, RATE, tmp_path / "tone.wav")


def test_a_whole_file_passes(tone: Path, settings: Settings) -> None:
    check_written(tone, 2.0, "tone.wav", settings=settings)


def test_a_file_cut_short_is_refused(tone: Path, settings: Settings) -> None:
    os.truncate(tone, tone.stat().st_size - 8000)  # a full disk dropped the last write
    with pytest.raises(OutputWriteError, match=r"tone\.wav: the disk is full.*1\.75 s of the 2\.00 s"):
        check_written(tone, 2.0, "tone.wav", settings=settings)


def test_a_longer_file_is_refused_too(tone: Path, settings: Settings) -> None:
    with pytest.raises(OutputWriteError, match=r"2\.00 s of the 1\.00 s"):
        check_written(tone, 1.0, "tone.wav", settings=settings)


def test_what_does_not_decode_is_refused(tmp_path: Path, settings: Settings) -> None:
    garbage = tmp_path / "x.wav"
    garbage.write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(OutputWriteError, match="does not decode"):
        check_written(garbage, 1.0, "x.wav", settings=settings)


def test_progress_seconds() -> None:
    assert progress_seconds(b"out_time_us=1000\nprogress=continue\nout_time_us=2500000\nprogress=end\n") == 2.5
    assert progress_seconds(b"out_time_us=N/A\n") == 0.0
    assert progress_seconds(b"") == 0.0
