"""Join the audio of consecutive text chunks into one seamless take.

Each chunk's first and last few milliseconds are faded (a raised-cosine ramp) so that no
chunk starts or ends on a non-zero sample, which would click, and a short silence, about
a breath between sentences, separates them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from audio_tools.errors import BackendError

__all__ = ["FADE_S", "PAUSE_S", "join_chunks"]

PAUSE_S = 0.2
FADE_S = 0.005


def join_chunks(
    parts: Sequence[np.ndarray], sample_rate: int, *, pause_s: float = PAUSE_S, fade_s: float = FADE_S
) -> np.ndarray:
    """One float32 mono array: the parts in order, edges faded, ``pause_s`` of silence between.

    A single part is returned faded at its edges, without added silence.

    Raises:
        BackendError: a part is not a 1-D array of finite numbers (a backend bug).
    """
    ramp = _ramp(round(fade_s * sample_rate))
    gap = np.zeros(round(pause_s * sample_rate), dtype=np.float32)
    pieces: list[np.ndarray] = []
    for i, part in enumerate(parts):
        samples = np.asarray(part, dtype=np.float32)
        if samples.ndim != 1 or not np.all(np.isfinite(samples)):
            msg = (f"Chunk {i + 1} of the speech is not mono audio of finite samples (shape {samples.shape}); "
                   f"try another backend.")
            raise BackendError(msg)
        if i:
            pieces.append(gap)
        pieces.append(_fade(samples, ramp))
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(pieces)


def _ramp(length: int) -> np.ndarray:
    """Rising raised-cosine from 0 (exclusive of 1) over ``length`` samples."""
    return (0.5 - 0.5 * np.cos(np.pi * np.arange(length) / max(length, 1))).astype(np.float32)


def _fade(samples: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    faded = np.clip(samples, -1.0, 1.0)
    n = min(len(ramp), len(faded) // 2)
    if n:
        faded[:n] *= ramp[:n]
        faded[len(faded) - n:] *= ramp[:n][::-1]
    return faded
