"""Equal-power crossfades for joining generated audio windows without a click or a swell.

For two uncorrelated signals the fade-out gain is ``cos(πt/2)`` and the fade-in gain
``sin(πt/2)`` for ``t`` running from 0 to 1 over the overlap, so the summed power stays
constant. The two stretches MusicGen windows share are alike (the same music, decoded
twice), and for correlated signals those gains would swell the level by up to 3 dB in
the middle; so both gains are divided by ``sqrt(1 + 2ρ·cos·sin)``, with ``ρ`` the measured
correlation (clipped to 0–1), which keeps the power constant for any ``ρ`` and turns into
an equal-gain fade for identical signals. The first faded sample equals the outgoing audio
and the last equals the incoming audio, so the joined signal is continuous at both ends.
"""

from __future__ import annotations

import numpy as np

from audio_tools.errors import InvalidInputError

__all__ = ["correlation", "equal_power_crossfade", "equal_power_gains", "join_with_crossfade"]

MIN_OVERLAP = 2


def equal_power_gains(n: int, rho: float | np.ndarray = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The ``(fade_out, fade_in)`` gains over ``n`` samples for signals of correlation ``rho``.

    They satisfy ``fade_out² + fade_in² + 2·rho·fade_out·fade_in = 1``: the power of the
    blend of two equally loud signals with that correlation stays constant. ``rho`` may be
    an array of shape ``(..., 1)`` (one value per channel); the gains then broadcast.

    Raises:
        InvalidInputError: ``n`` is below 2 or ``rho`` is outside 0–1.
    """
    if n < MIN_OVERLAP:
        msg = f"A crossfade needs at least {MIN_OVERLAP} samples, got {n}; use a longer overlap."
        raise InvalidInputError(msg)
    if not np.all((np.asarray(rho) >= 0.0) & (np.asarray(rho) <= 1.0)):
        msg = f"Crossfade correlation must be from 0 to 1, got {rho!r}."
        raise InvalidInputError(msg)
    angle = np.linspace(0.0, np.pi / 2, n)
    fade_out, fade_in = np.cos(angle), np.sin(angle)
    norm = np.sqrt(1.0 + 2.0 * rho * fade_out * fade_in)
    return fade_out / norm, fade_in / norm


def correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Normalised correlation along the last axis (shape ``(..., 1)``), clipped to 0–1; 0 where one is silent."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    energy = np.sqrt(np.sum(a64**2, axis=-1, keepdims=True) * np.sum(b64**2, axis=-1, keepdims=True))
    dot = np.sum(a64 * b64, axis=-1, keepdims=True)
    return np.clip(np.divide(dot, energy, out=np.zeros_like(dot), where=energy > 0), 0.0, 1.0)


def equal_power_crossfade(outgoing: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """Blend ``outgoing`` into ``incoming`` along the last axis (both the same shape).

    Raises:
        InvalidInputError: the shapes differ or the overlap is shorter than 2 samples.
    """
    if outgoing.shape != incoming.shape:
        msg = f"Crossfade parts differ in shape: {outgoing.shape} and {incoming.shape}."
        raise InvalidInputError(msg)
    fade_out, fade_in = equal_power_gains(outgoing.shape[-1], correlation(outgoing, incoming))
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
