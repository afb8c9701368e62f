"""Voiced regions: where someone speaks, from the Silero VAD that faster-whisper bundles.

faster-whisper (already a dependency) ships Silero VAD v6 as ONNX and runs it with
onnxruntime on one thread. Its defaults suit transcription (a region ends after 2 s of
silence and is padded by 0.4 s); speaker turns need tighter regions, so that a pause between
two speakers ends one: the settings below end a region after 0.25 s of silence and pad it by
0.1 s.
"""

from __future__ import annotations

import numpy as np

from audio_tools.speakers.mel import SAMPLE_RATE

__all__ = ["MIN_SILENCE_S", "SPEECH_PAD_S", "voiced_regions"]

SPEECH_THRESHOLD = 0.5  # Silero's own default
MIN_SILENCE_S = 0.25  # a pause this long ends a region: turn gaps in meetings are longer
SPEECH_PAD_S = 0.1  # kept on each side: word onsets and endings under the threshold
MIN_SPEECH_S = 0.2  # shorter bursts are clicks, breaths, coughs


def voiced_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """The stretches of speech in 16 kHz mono samples, as ``(start, end)`` seconds in order.

    Raises:
        ImportError: faster-whisper or onnxruntime is not installed.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    wav = np.asarray(samples, dtype=np.float32).reshape(-1)
    if wav.size == 0:
        return []
    options = VadOptions(threshold=SPEECH_THRESHOLD, min_speech_duration_ms=round(MIN_SPEECH_S * 1000),
                         min_silence_duration_ms=round(MIN_SILENCE_S * 1000),
                         speech_pad_ms=round(SPEECH_PAD_S * 1000))
    found = get_speech_timestamps(wav, options, sampling_rate=SAMPLE_RATE)
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in found if s["end"] > s["start"]]
