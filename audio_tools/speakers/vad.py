"""Voiced regions: where someone speaks, from the Silero VAD that faster-whisper bundles.

faster-whisper (already a dependency) ships Silero VAD v6 as ONNX and runs it with
onnxruntime on one thread. Its defaults suit transcription (a region ends after 2 s of
silence and is padded by 0.4 s); speaker turns need tighter regions, so that a pause between
two speakers ends one: the settings below end a region after 0.25 s of silence and pad it by
0.1 s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from audio_tools.speakers.mel import SAMPLE_RATE

__all__ = ["MIN_SILENCE_S", "SPEECH_PAD_S", "voiced_regions"]

SPEECH_THRESHOLD = 0.5  # Silero's own default
MIN_SILENCE_S = 0.25  # a pause this long ends a region: turn gaps in meetings are longer
SPEECH_PAD_S = 0.1  # kept on each side: word onsets and endings under the threshold
MIN_SPEECH_S = 0.2  # shorter bursts are clicks, breaths, coughs
# faster-whisper's VAD gives the whole input to the ONNX runtime at once (up to 320 s), which
# then holds about 1.2 MB per second of audio, 75 times the audio itself. 30 s at a time keep
# that near 40 MB whatever the recording's length, at the same speed; a region cut by a block's
# edge is joined again.
BLOCK_S = 30.0


def voiced_regions(samples: np.ndarray, *, check: Callable[[], None] | None = None) -> list[tuple[float, float]]:
    """The stretches of speech in 16 kHz mono samples, as ``(start, end)`` seconds in order.

    ``check`` is called before each block of :data:`BLOCK_S`; what it raises stops the work.

    Raises:
        ImportError: faster-whisper or onnxruntime is not installed.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    wav = np.asarray(samples, dtype=np.float32).reshape(-1)
    options = VadOptions(threshold=SPEECH_THRESHOLD, min_speech_duration_ms=round(MIN_SPEECH_S * 1000),
                         min_silence_duration_ms=round(MIN_SILENCE_S * 1000),
                         speech_pad_ms=round(SPEECH_PAD_S * 1000))
    block = round(BLOCK_S * SAMPLE_RATE)
    spans: list[tuple[int, int]] = []
    for first in range(0, wav.size, block):
        if check is not None:
            check()
        for found in get_speech_timestamps(wav[first:first + block], options, sampling_rate=SAMPLE_RATE):
            start, end = first + int(found["start"]), first + int(found["end"])
            if end <= start:
                continue
            if spans and start == first and spans[-1][1] == first:  # one region cut by the block's edge
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return [(start / SAMPLE_RATE, end / SAMPLE_RATE) for start, end in spans]
