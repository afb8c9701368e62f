"""Equal-power crossfades for joining generated audio windows without a click.

The fade-out gain is ``cos(πt/2)`` and the fade-in gain ``sin(πt/2)`` for ``t`` running
from 0 to 1 over the overlap, so the summed power of two uncorrelated signals stays
constant. The first faded sample equals the outgoing audio and the last equals the
incoming audio, so the joined signal is continuous at both ends of the overlap.
"""

from __future__ import annotations

import numpy as np

from audio_tools.errors import InvalidInputError

__all__ = ["equal_power_crossfade", "equal_power_gains", "join_with_crossfade"]

MIN_OVERLAP = 2


def equal_power_gains(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(fade_out, fade_in)`` gains over ``n`` samples; ``fade_out² + fade_in² = 1``.

    Raises:
        InvalidInputError: ``n`` is below 2.
    """
    if n < MIN_OVERLAP:
        msg = f"A crossfade needs at least {MIN_OVERLAP} samples, got {n}; use a longer overlap."
        raise InvalidInputError(msg)
    angle = np.linspace(0.0, np.pi / 2, n)
    return np.cos(angle), np.sin(angle)


def equal_power_crossfade(outgoing: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """Blend ``outgoing`` into ``incoming`` along the last axis (both the same shape).

    Raises:
        InvalidInputError: the shapes differ or the overlap is shorter than 2 samples.
    """
    if outgoing.shape != incoming.shape:
        msg = f"Crossfade parts differ in shape: {outgoing.shape} and {incoming.shape}."
        raise InvalidInputError(msg)
    fade_out, fade_in = equal_power_gains(outgoing.shape[-1])
    mixed = outgoing * fade_out + incoming * fade_in
    return mixed.astype(np.result_type(outgoing, incoming), copy=False)


def join_with_crossfade(audio: np.ndarray, continuation: np.ndarray, overlap: int) -> np.ndarray:
    """Append ``continuation``, whose first ``overlap`` samples repeat the end of ``audio``.

    The repeated stretch is crossfaded; the result is ``len(audio) + len(continuation) -
    overlap`` samples long (last axis; leading axes, e.g. channels, must match).

    Raises:
        InvalidInputError: the overlap is longer than either part or shorter than 2.
    """
    if overlap > min(audio.shape[-1], continuation.shape[-1]):
        msg = (f"Overlap of {overlap} samples is longer than the audio ({audio.shape[-1]}) or the "
               f"continuation ({continuation.shape[-1]}); use a shorter overlap.")
        raise InvalidInputError(msg)
    faded = equal_power_crossfade(audio[..., audio.shape[-1] - overlap:], continuation[..., :overlap])
    return np.concatenate([audio[..., : audio.shape[-1] - overlap], faded, continuation[..., overlap:]], axis=-1)
