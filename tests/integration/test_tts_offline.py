"""The offline engines (flite, Festival, espeak-ng) write real, well-formed speech files."""

from __future__ import annotations

import numpy as np
import pytest

from audio_tools.audio import load_audio, probe
from audio_tools.config import Settings
from audio_tools.tts import synthesize, synthesize_speech
from audio_tools.tts.join import PAUSE_S

ENGLISH = "The night was cold, and the stars were bright above the quiet harbour."
CHINESE = "今天天气很好。我们一起去公园散步吧！"
FRAME_S = 0.02


pytestmark = pytest.mark.usefixtures("offline_tts")


def voiced_fraction(samples: np.ndarray, sample_rate: int) -> float:
    """The share of 20 ms frames louder than -40 dBFS."""
    frame = round(FRAME_S * sample_rate)
    count = len(samples) // frame
    frames = samples[:count * frame].reshape(count, frame).astype(np.float64)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return float(np.mean(level > -40.0))


@pytest.mark.parametrize(
    ("spec", "voice", "text", "rate"),
    [
        ("flite", "slt", ENGLISH, 16000),
        ("flite", "awb", ENGLISH, 16000),
        ("festival", "slt", ENGLISH, 22050),
        ("festival", "cmu_us_slt_arctic_hts", ENGLISH, 22050),
        ("espeak", "en-us", ENGLISH, 22050),
        ("espeak", "cmn", CHINESE, 22050),
    ],
    ids=["flite-slt", "flite-awb", "festival-slt", "festival-full-name", "espeak-en-us", "espeak-cmn"],
)
def test_engine_writes_speech(spec: str, voice: str, text: str, rate: int, settings: Settings) -> None:
    path = synthesize_speech(text, voice, spec, settings=settings).path
    info = probe(path)
    assert (info.codec, info.sample_rate, info.channels) == ("pcm_s16le", rate, 1)
    assert 2.0 < info.duration < 10.0
    samples = load_audio(path, sr=rate)
    assert 0.1 < np.abs(samples).max() <= 1.0
    assert 0.4 < voiced_fraction(samples, rate) < 0.98  # speech with pauses, not silence or noise


def test_auto_speaks_chinese_with_espeak(settings: Settings) -> None:
    speech = synthesize(CHINESE, backend="auto", language="zh", settings=settings)
    assert (speech.backend, speech.voice) == ("espeak", "zh")
    assert speech.duration_s > 2.0


def zero_runs(samples: np.ndarray, min_length: int) -> list[tuple[int, int]]:
    """(start, end) of every run of exact zeros at least ``min_length`` long."""
    padded = np.concatenate([[1.0], samples, [1.0]]) != 0.0
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_length]


def test_long_text_spoken_offline_joins_without_clicks(settings: Settings) -> None:
    text = " ".join(f"Part {i} of the story begins here, and then it ends." for i in range(80))
    speech = synthesize(text, backend="flite", voice="kal", settings=settings)
    assert speech.chunks == 3
    pauses = zero_runs(speech.samples, round(PAUSE_S * speech.sample_rate))
    assert len(pauses) >= 2
    for start, end in pauses:  # the audio fades into and out of every pause
        assert np.abs(speech.samples[max(start - 10, 0):start]).max() < 0.01
        assert np.abs(speech.samples[end:end + 10]).max() < 0.01
