"""Who spoke when: speaker turns of a recording, from voiced regions, window embeddings and clustering.

1. Voiced regions (:mod:`audio_tools.speakers.vad`).
2. Each region is cut into windows of :data:`WINDOW_S` every :data:`HOP_S` (the last one
   ending at the region's end; a region shorter than a window is one window), and each window
   is embedded by the speaker encoder (:mod:`audio_tools.speakers.encoder`).
3. The windows of at least :data:`MIN_WINDOW_S` are clustered (:mod:`audio_tools.speakers.cluster`);
   shorter ones, too short to embed a voice reliably, take the nearest cluster.
4. Every 10 ms of a region takes the cluster of the window whose centre is nearest; runs
   shorter than :data:`MIN_RUN_S` inside a region (a window that flipped) take a neighbour's.
5. Clusters are named ``S1``, ``S2``... in the order they first speak.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from audio_tools.audio import AudioSource, load_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.speakers.cluster import DEFAULT_THRESHOLD, centroids, check_counts, cluster, nearest
from audio_tools.speakers.encoder import BATCH, EMBEDDING_SIZE, TARGET_DBFS, embed_frames
from audio_tools.speakers.mel import HOP, SAMPLE_RATE, mel_spectrogram
from audio_tools.speakers.vad import voiced_regions

__all__ = [
    "HOP_S", "MIN_RUN_S", "MIN_WINDOW_S", "WINDOW_S", "SpeakerTurn", "SpeechWindows", "diarize", "diarize_samples",
    "speaker_count", "speech_windows", "windows_to_turns",
]

WINDOW_S = 1.5  # long enough for a stable voice embedding, short enough to fall inside most turns
HOP_S = 0.75  # half a window: every moment of speech is in two windows
MIN_WINDOW_S = 1.0  # shorter windows (regions under 1 s) take the nearest cluster instead of shaping them
# A speaker run shorter than this inside one voiced region is a flip, not a turn: one window
# that went astray holds the timeline for one hop (0.75 s).
MIN_RUN_S = 1.0
FRAME_S = HOP / SAMPLE_RATE  # the timeline's step: one mel frame, 10 ms
SPEAKER_PREFIX = "S"
STACK = 1024  # windows copied out of the mel frames at a time (1024 x 150 frames x 40 bands x 4 bytes = 25 MB)


@dataclass(frozen=True)
class SpeakerTurn:
    """A stretch of speech by one speaker: ``start`` and ``end`` in seconds, ``speaker`` ``S1``, ``S2``..."""

    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class _Window:
    region: int
    start: float  # seconds from the region's start
    end: float


def diarize(
    audio: AudioSource | np.ndarray,
    *,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    settings: Settings | None = None,
) -> list[SpeakerTurn]:
    """The speaker turns of a recording, in time order.

    Args:
        audio: a local path, an opened file, an audio file's bytes, or 16 kHz mono float samples.
        num_speakers: exactly this many speakers (when there is enough speech for them).
        min_speakers: at least this many when the count is found automatically.
        max_speakers: at most this many when the count is found automatically.
        threshold: the cosine distance at which the automatic count stops merging voices; lower
            finds more speakers.
        settings: caps for decoding and ``speaker_threads``; read from the environment when omitted.

    Returns:
        Turns without overlap; silence belongs to no turn. Empty when nobody speaks.

    Raises:
        InvalidInputError: a speaker count below 1, ``min_speakers > max_speakers``, or a threshold
            outside (0, 2).
        InvalidAudioError, InputTooLargeError, PathNotAllowedError, FFmpegError: the audio cannot be read.
        BackendUnavailableError: the encoder's weights are missing or changed.
    """
    check_counts(num_speakers, min_speakers, max_speakers)
    settings = settings if settings is not None else Settings.from_env()
    if isinstance(audio, np.ndarray):
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    else:
        samples = load_audio(audio, SAMPLE_RATE, settings=settings)
    return diarize_samples(samples, num_speakers=num_speakers, min_speakers=min_speakers,
                           max_speakers=max_speakers, threshold=threshold, threads=settings.speaker_threads)


def diarize_samples(
    samples: np.ndarray,
    *,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    threads: int | None = 1,
    check: Callable[[], None] | None = None,
) -> list[SpeakerTurn]:
    """:func:`diarize` of 16 kHz mono samples, with the encoder's thread count given.

    ``check`` is called now and then (see :func:`speech_windows`); what it raises stops the work.
    """
    check_counts(num_speakers, min_speakers, max_speakers)
    _check_threshold(threshold)
    return windows_to_turns(speech_windows(samples, threads=threads, check=check), num_speakers=num_speakers,
                            min_speakers=min_speakers, max_speakers=max_speakers, threshold=threshold)


@dataclass(frozen=True)
class SpeechWindows:
    """The voiced regions of a recording, their windows and the windows' embeddings.

    The costly half of :func:`diarize_samples`; :func:`windows_to_turns` is the cheap half, so
    that one recording can be labelled with several thresholds or counts.
    """

    regions: list[tuple[float, float]]
    windows: list[_Window]
    embeddings: np.ndarray


def speech_windows(samples: np.ndarray, *, threads: int | None = 1,
                   check: Callable[[], None] | None = None) -> SpeechWindows:
    """Voiced regions, windows and their embeddings (steps 1 and 2 of the module docstring).

    ``check`` (a cancellation check) is called before each 30 s block of voice detection and
    each batch of the encoder (64 windows, about 48 s of speech); what it raises stops the work.
    """
    regions = voiced_regions(samples, check=check)
    windows = [w for i, (start, end) in enumerate(regions) for w in _windows(i, end - start)]
    if not windows:
        return SpeechWindows(regions, windows, np.zeros((0, EMBEDDING_SIZE), dtype=np.float32))
    return SpeechWindows(regions, windows, _embed(samples, _gain(samples, regions), regions, windows, threads, check))


def windows_to_turns(
    speech: SpeechWindows,
    *,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[SpeakerTurn]:
    """Speaker turns from embedded windows (steps 3 to 5 of the module docstring)."""
    _check_threshold(threshold)
    windows, embeddings = speech.windows, speech.embeddings
    if not windows:
        return []
    long = np.array([w.end - w.start >= MIN_WINDOW_S - 1e-9 for w in windows])
    if not long.any():
        long[:] = True
    groups = np.empty(len(windows), dtype=int)
    groups[long] = cluster(embeddings[long], threshold=threshold, num_speakers=num_speakers,
                           min_speakers=min_speakers, max_speakers=max_speakers)
    if not long.all():
        groups[~long] = nearest(embeddings[~long], centroids(embeddings[long], groups[long]))
    by_region = itertools.groupby(zip(windows, groups.tolist(), strict=True), key=lambda pair: pair[0].region)
    runs = [run for i, labelled in by_region for run in _runs(speech.regions[i], list(labelled))]
    return _named(runs)


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold < 2.0:  # cosine distances lie in [0, 2]; NaN fails too
        msg = f"threshold is a cosine distance between 0 and 2 (about {DEFAULT_THRESHOLD} works), not {threshold!r}."
        raise InvalidInputError(msg)


def speaker_count(turns: Sequence[SpeakerTurn]) -> int:
    """How many different speakers ``turns`` name."""
    return len({turn.speaker for turn in turns})


def _gain(samples: np.ndarray, regions: Sequence[tuple[float, float]]) -> float:
    """The gain that raises the speech to :data:`TARGET_DBFS` RMS, or 1 when it is louder.

    resemblyzer raises a whole recording so before it trims its silences; the level of the speech
    alone is measured here, so that long silences do not raise it further.
    """
    total = count = 0.0
    for a, b in regions:
        part = samples[round(a * SAMPLE_RATE):round(b * SAMPLE_RATE)]
        total += float(np.dot(part.astype(np.float64), part.astype(np.float64)))
        count += part.size
    if total == 0.0:
        return 1.0
    gain_db = TARGET_DBFS - 10.0 * np.log10(total / count)
    return 1.0 if gain_db <= 0 else float(10.0 ** (gain_db / 20.0))


def _windows(region: int, length: float) -> list[_Window]:
    if length <= WINDOW_S:
        return [_Window(region, 0.0, length)]
    starts = list(np.arange(0.0, length - WINDOW_S + 1e-9, HOP_S))
    if starts[-1] + WINDOW_S < length - FRAME_S:
        starts.append(length - WINDOW_S)
    return [_Window(region, float(s), float(s) + WINDOW_S) for s in starts]


def _embed(samples: np.ndarray, gain: float, regions: Sequence[tuple[float, float]], windows: Sequence[_Window],
           threads: int | None, check: Callable[[], None] | None = None) -> np.ndarray:
    # The mel frames are power: raising the samples by ``gain`` raises them by its square.
    power_gain = np.float32(gain**2)
    mels = [mel_spectrogram(samples[round(a * SAMPLE_RATE):round(b * SAMPLE_RATE)]) * power_gain for a, b in regions]
    cuts: dict[int, list[tuple[int, np.ndarray]]] = {}  # frame count -> (window, its frames: a view)
    for index, window in enumerate(windows):
        mel = mels[window.region]
        first = min(round(window.start / FRAME_S), max(0, len(mel) - 1))
        frames = mel[first:first + max(1, round((window.end - window.start) / FRAME_S))]
        cuts.setdefault(len(frames), []).append((index, frames))
    embeddings = np.empty((len(windows), EMBEDDING_SIZE), dtype=np.float32)
    for group in cuts.values():
        for first in range(0, len(group), STACK):
            part = group[first:first + STACK]
            stacked = np.stack([f for _, f in part])
            for batch in range(0, len(part), BATCH):  # the encoder's own batches, with a check between them
                if check is not None:
                    check()
                embeddings[[i for i, _ in part[batch:batch + BATCH]]] = embed_frames(
                    stacked[batch:batch + BATCH], threads=threads)
    return embeddings


def _runs(region: tuple[float, float], labelled: Sequence[tuple[_Window, int]]) -> list[tuple[float, float, int]]:
    """(start, end, group) runs of one region: each 10 ms takes the window with the nearest centre."""
    start, end = region
    count = max(1, round((end - start) / FRAME_S))
    times = (np.arange(count) + 0.5) * FRAME_S
    centres = np.array([(w.start + w.end) / 2 for w, _ in labelled])
    labels = np.array([g for _, g in labelled])[np.argmin(np.abs(times[:, None] - centres[None, :]), axis=1)]
    labels = _smoothed(labels, round(MIN_RUN_S / FRAME_S))
    return [(start + a * FRAME_S, min(end, start + b * FRAME_S), int(labels[a])) for a, b in _spans(labels)]


def _spans(labels: np.ndarray) -> list[tuple[int, int]]:
    """``(first, stop)`` of each run of equal labels."""
    edges = [0, *(np.flatnonzero(np.diff(labels)) + 1).tolist(), len(labels)]
    return list(itertools.pairwise(edges))


def _smoothed(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Runs shorter than ``min_frames`` merged into a neighbour, shortest first, until none is left."""
    labels = labels.copy()
    while True:
        runs = _spans(labels)
        if len(runs) == 1:
            return labels
        shortest = min(range(len(runs)), key=lambda i: runs[i][1] - runs[i][0])
        a, b = runs[shortest]
        if b - a >= min_frames:
            return labels
        neighbours = [runs[i] for i in (shortest - 1, shortest + 1) if 0 <= i < len(runs)]
        donor = max(neighbours, key=lambda run: run[1] - run[0])
        labels[a:b] = labels[donor[0]]


def _named(runs: Sequence[tuple[float, float, int]]) -> list[SpeakerTurn]:
    order: dict[int, str] = {}
    for _, _, group in sorted(runs):
        order.setdefault(group, f"{SPEAKER_PREFIX}{len(order) + 1}")
    return [SpeakerTurn(round(a, 3), round(b, 3), order[g]) for a, b, g in sorted(runs)]
