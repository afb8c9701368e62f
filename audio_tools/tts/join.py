"""Join the audio of consecutive text chunks into one seamless take, as the chunks arrive.

Each chunk's first and last few milliseconds are faded (a raised-cosine ramp) so that no
chunk starts or ends on a non-zero sample, which would click, and a short silence, about
a breath between sentences, separates them. A :class:`Joiner` hands each faded piece to a
sink (a list, or a file on disk) at once, so no more than one chunk is held, and stops as
soon as the take would pass its length cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from audio_tools.errors import BackendError
from audio_tools.output_cap import check_output_length

__all__ = ["FADE_S", "PAUSE_S", "Joiner", "join_chunks"]

PAUSE_S = 0.2
FADE_S = 0.005


class Joiner:
    """Chunks in, faded pieces with pauses between out to ``sink``, the running length capped.

    Args:
        sample_rate: the chunks' rate.
        sink: called with each float32 mono piece (a pause, then a chunk) in order.
        max_s: the cap on the whole take; the chunk that would pass it is refused, unwritten.
        pause_s: silence between chunks.
        fade_s: fade at each chunk's edges.

    Attributes:
        samples: samples handed to the sink so far.
        chunks: chunks accepted so far.
    """

    def __init__(self, sample_rate: int, sink: Callable[[np.ndarray], object], *, max_s: float = math.inf,
                 pause_s: float = PAUSE_S, fade_s: float = FADE_S) -> None:
        self.sample_rate = sample_rate
        self.samples = 0
        self.chunks = 0
        self._sink = sink
        self._max_s = max_s
        self._ramp = _ramp(round(fade_s * sample_rate))
        self._gap = np.zeros(round(pause_s * sample_rate), dtype=np.float32)

    @property
    def duration_s(self) -> float:
        """Length of the take so far."""
        return self.samples / self.sample_rate

    def add(self, part: np.ndarray) -> None:
        """Append one chunk, faded, after a pause when it is not the first.

        Raises:
            BackendError: ``part`` is not a 1-D array of finite numbers (a backend bug).
            InputTooLargeError: the take would pass ``max_s``; nothing of this chunk is written.
        """
        samples = np.asarray(part, dtype=np.float32)
        if samples.ndim != 1 or not np.all(np.isfinite(samples)):
            msg = (f"Chunk {self.chunks + 1} of the speech is not mono audio of finite samples (shape "
                   f"{samples.shape}); try another backend.")
            raise BackendError(msg)
        gap = self._gap if self.chunks else self._gap[:0]
        total = self.samples + len(gap) + len(samples)
        check_output_length(total / self.sample_rate, self._max_s,
                            what=f"The speech of the first {self.chunks + 1} chunk(s) of text",
                            advice="Speaking stopped there and nothing was saved. Give shorter text")
        if len(gap):
            self._sink(gap)
        self._sink(_fade(samples, self._ramp))
        self.samples = total
        self.chunks += 1


def join_chunks(
    parts: Iterable[np.ndarray], sample_rate: int, *, max_s: float = math.inf, pause_s: float = PAUSE_S,
    fade_s: float = FADE_S,
) -> np.ndarray:
    """One float32 mono array: the parts in order, edges faded, ``pause_s`` of silence between.

    A single part is returned faded at its edges, without added silence. ``parts`` may be a
    generator: it is consumed one part at a time and not past the one that passes ``max_s``.

    Raises:
        BackendError: a part is not a 1-D array of finite numbers (a backend bug).
        InputTooLargeError: the parts would last longer than ``max_s``.
    """
    pieces: list[np.ndarray] = []
    joiner = Joiner(sample_rate, pieces.append, max_s=max_s, pause_s=pause_s, fade_s=fade_s)
    for part in parts:
        joiner.add(part)
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
