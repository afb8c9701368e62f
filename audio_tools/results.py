"""The shape every capability shares: how it reports progress, and what a written file is called."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AudioFile", "Progress"]

Progress = Callable[[float, float], None]
"""Called as ``progress(done, total)`` while long work advances (seconds of audio, or chunks of text)."""


@dataclass(frozen=True)
class AudioFile:
    """An audio file a capability wrote.

    Attributes:
        path: the file written.
        duration_s: its length in seconds.
        sample_rate: its sample rate in Hz.
        backend: the spec of the backend that made it (``flite:slt``, ``synth``, ``ffmpeg``).
    """

    path: Path
    duration_s: float
    sample_rate: int
    backend: str
