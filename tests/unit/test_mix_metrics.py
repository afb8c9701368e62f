"""The loudness meter and the number checks behind every filter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import save_audio
from audio_tools.errors import FFmpegError, InvalidAudioError, InvalidInputError
from audio_tools.metrics import ebur128_summary, loudness, momentary_loudness
from audio_tools.numbers import checked_number, decibels_to_gain, filter_number


def test_loudness_and_true_peak_of_a_known_tone(tmp_path: Path) -> None:
    # A 1 kHz sine: K-weighting adds about +0.7 dB there, so amplitude A gives
    # 20*log10(A) - 3.01 + 0.69 - 0.691 LUFS (BS.1770); its true peak is 20*log10(A).
    sr = 48000
    t = np.arange(5 * sr) / sr
    path = save_audio(0.25 * np.sin(2 * np.pi * 1000 * t), sr, tmp_path / "tone.wav")
    lufs, peak = loudness(path)
    assert lufs == pytest.approx(20 * math.log10(0.25) - 3.01, abs=0.3)
    assert peak == pytest.approx(20 * math.log10(0.25), abs=0.2)
    windowed, _ = loudness(path, start=1.0, dur=2.0)
    assert windowed == pytest.approx(lufs, abs=0.1)


def test_momentary_loudness_every_tenth_of_a_second_follows_the_level(tmp_path: Path) -> None:
    # 2 s of a quiet tone then 2 s twelve dB louder: after each 400 ms window fills, M reads each level.
    sr = 48000
    t = np.arange(2 * sr) / sr
    tone = np.sin(2 * np.pi * 1000 * t)
    path = save_audio(np.concatenate([0.05 * tone, 0.2 * tone]), sr, tmp_path / "steps.wav")
    readings = momentary_loudness(path)
    times = [seconds for seconds, _ in readings]
    assert len(readings) == pytest.approx(40, abs=1) and times == sorted(times)
    level = {round(seconds, 1): lufs for seconds, lufs in readings}
    assert level[1.5] == pytest.approx(20 * math.log10(0.05) - 3.01, abs=0.3)
    assert level[3.5] == pytest.approx(20 * math.log10(0.2) - 3.01, abs=0.3)


def test_loudness_of_silence_is_the_absolute_gate(tmp_path: Path) -> None:
    path = save_audio(np.zeros(16000 * 2, dtype=np.float32), 16000, tmp_path / "silence.wav")
    lufs, peak = loudness(path)
    assert lufs == pytest.approx(-70.0)
    assert peak == -math.inf


@pytest.mark.parametrize(
    ("start", "dur"), [(-1.0, 1.0), (math.nan, 1.0), (0.0, 0.0), (0.0, math.inf), ("1", 1.0)]
)
def test_meters_refuse_bad_windows(speech_wav: Path, start: object, dur: object) -> None:
    with pytest.raises(InvalidInputError):
        loudness(speech_wav, start, dur)  # type: ignore[arg-type]


def test_meters_refuse_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        loudness(tmp_path / "nowhere.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF not really a wave file" * 10)
    with pytest.raises((FFmpegError, InvalidAudioError)):
        loudness(junk)


def test_ebur128_summary_without_a_summary_is_an_ffmpeg_error() -> None:
    with pytest.raises(FFmpegError, match="no summary"):
        ebur128_summary("[ebur128] t: 0.1 M: -20\n")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "3", None, -0.5, 10.5])
def test_checked_number_refuses_what_is_not_a_number_in_range(value: object) -> None:
    with pytest.raises(InvalidInputError):
        checked_number("x", value, 0.0, 10.0)


def test_checked_number_accepts_numpy_numbers_and_formats_without_exponents() -> None:
    assert checked_number("x", np.float32(2.5), 0.0, 10.0) == 2.5
    assert checked_number("x", np.int64(3), 0.0, 10.0) == 3.0
    assert filter_number(1e-9) == "0.000000"
    assert filter_number(-12.3456789, 2) == "-12.35"
    assert decibels_to_gain(-20.0) == pytest.approx(0.1)
    with pytest.raises(InvalidInputError):
        filter_number(math.nan)
