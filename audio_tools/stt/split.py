"""Cutting long audio into parts at its quietest moments, so that no word is cut in two."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from audio_tools.audio import AudioBlock
from audio_tools.errors import InvalidInputError

__all__ = ["quiet_cuts", "quiet_parts"]

FRAME_S = 0.01
SMOOTH_S = 0.2  # a cut lands in the middle of the quietest 200 ms
SEARCH_FRACTION = 0.3  # look for the quiet moment in the last 30 % of each part


def quiet_cuts(samples: np.ndarray, sr: int, max_part_s: float) -> list[int]:
    """Sample indices that cut ``samples`` into parts no longer than ``max_part_s`` seconds.

    Each cut is at the quietest moment (lowest energy over 200 ms) in the last 30 % of the
    part it ends, so between words or, better, between turns.

    Args:
        samples: mono audio.
        sr: its sample rate.
        max_part_s: the longest part allowed.

    Returns:
        Increasing cut positions, excluding 0 and ``len(samples)``; empty when the audio
        fits in one part.

    Raises:
        InvalidInputError: ``max_part_s`` is shorter than a second.
    """
    if not max_part_s >= 1.0:
        msg = f"Parts must be at least 1 s long, got {max_part_s!r}; raise the size limit."
        raise InvalidInputError(msg)
    frame = max(1, round(FRAME_S * sr))
    count = len(samples) // frame
    frames = np.asarray(samples[:count * frame]).reshape(count, frame)
    width = max(1, round(SMOOTH_S / FRAME_S))
    # einsum sums the squares in float64 without a float64 copy of the audio
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / frame
    energy = np.convolve(power, np.ones(width) / width, mode="same")
    max_frames = int(max_part_s / FRAME_S)
    search = max(1, int(max_frames * SEARCH_FRACTION))
    cuts: list[int] = []
    position = 0
    while len(samples) - position * frame > max_part_s * sr:
        low, high = position + max_frames - search, min(position + max_frames, count)
        position = low + int(np.argmin(energy[low:high]))
        cuts.append(position * frame)
    return cuts


def quiet_parts(blocks: Iterable[AudioBlock], sr: int, max_part_s: float) -> Iterator[AudioBlock]:
    """The audio of a stream of blocks in parts cut as :func:`quiet_cuts` cuts the whole.

    Memory is bounded by the part size, whatever the length: a part is cut as soon as the
    audio after its quietest moment is in (a little past ``max_part_s``, for the smoothing).

    Args:
        blocks: consecutive mono blocks at ``sr``, as :func:`audio_tools.audio.stream_audio` yields them.
        sr: their sample rate.
        max_part_s: the longest part allowed.

    Raises:
        InvalidInputError: ``max_part_s`` is shorter than a second.
    """
    ready = round((max_part_s + SMOOTH_S) * sr)
    held: list[np.ndarray] = []
    count = 0
    start = 0  # stream index of the first held sample
    for block in blocks:
        held.append(block.samples)
        count += block.samples.size
        while count > ready:
            window = np.concatenate(held)
            cut = quiet_cuts(window, sr, max_part_s)[0]
            yield AudioBlock(start / sr, window[:cut])
            held, count, start = [window[cut:]], window.size - cut, start + cut
    if count:
        window = np.concatenate(held)
        bounds = [0, *quiet_cuts(window, sr, max_part_s), window.size]
        for first, last in itertools.pairwise(bounds):
            yield AudioBlock((start + first) / sr, window[first:last])
