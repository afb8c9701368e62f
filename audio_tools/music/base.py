"""What a text-to-music backend provides, and what generating music returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from audio_tools.results import Progress

__all__ = ["Music", "MusicBackend", "sample_count"]



def sample_count(duration_s: float, sample_rate: int) -> int:
    """How many samples ``duration_s`` seconds are at ``sample_rate`` (at least one)."""
    return max(1, round(duration_s * sample_rate))


@dataclass
class Music:
    """Generated music.

    Attributes:
        samples: float32 mono samples in [-1, 1].
        sample_rate: their rate in Hz.
        backend: the spec of the backend that made them (``synth``, ``musicgen:facebook/musicgen-small``).
        prompt: the description the music was generated from.
        seed: the random seed used; the same prompt, duration, backend and seed give the same music.
    """

    samples: np.ndarray
    sample_rate: int
    backend: str
    prompt: str
    seed: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


@runtime_checkable
class MusicBackend(Protocol):
    """A loaded text-to-music model (or generator), shared by every call in the process.

    Attributes:
        name: the spec it answers to, as recorded in :class:`Music.backend`.
        sample_rate: the rate of the samples :meth:`generate` returns.
    """

    name: str
    sample_rate: int

    def generate(
        self, prompt: str, duration_s: float, *, seed: int, progress: Progress | None = None
    ) -> np.ndarray:
        """Mono float32 samples, at least ``duration_s`` long (the caller trims the excess).

        Args:
            prompt: a description of the music (validated by the caller: non-empty).
            duration_s: seconds wanted (validated by the caller: positive, under the cap).
            seed: makes the result reproducible.
            progress: called with ``(seconds_done, seconds_total)`` as the work advances.

        Raises:
            BackendError: the model failed while generating.
        """
        ...
