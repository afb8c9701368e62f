"""Speaker labels on a transcript: each word gets the speaker of its time, segments split where it changes.

:func:`label_speakers` finds the turns (:func:`~audio_tools.speakers.turns.diarize`) and
:func:`assign_speakers` puts them on a transcript, without audio:

- a word's speaker is the turn that overlaps it most, or, when none does (a word in a pause the
  voice detector left out), the nearest turn;
- a segment with words is split where consecutive words change speaker: each part keeps its
  words, spans from its first word's start to its last word's end, and has their text joined
  by spaces; a segment whose words all have one speaker is kept as it is, with that speaker;
- a segment without words gets the speaker that overlaps it most (or the nearest), unsplit.

Segments are renumbered (``id`` is a position), and every other field is kept.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from audio_tools.audio import AudioSource
from audio_tools.config import Settings
from audio_tools.speakers.cluster import DEFAULT_THRESHOLD
from audio_tools.speakers.turns import SpeakerTurn, diarize
from audio_tools.transcript import Segment, Transcript, Word

__all__ = ["assign_speakers", "label_speakers", "speaker_at"]


def label_speakers(
    transcript: Transcript,
    audio: AudioSource | np.ndarray,
    *,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    settings: Settings | None = None,
) -> Transcript:
    """``transcript`` with speakers ``S1``, ``S2``... found in ``audio``, the recording it was made from.

    Args:
        transcript: what a speech-to-text backend heard in ``audio``; times in seconds from its start.
        audio: a local path, an opened file, an audio file's bytes, or 16 kHz mono float samples.
        num_speakers: exactly this many speakers (when there is enough speech for them).
        min_speakers: at least this many when the count is found automatically.
        max_speakers: at most this many when the count is found automatically.
        threshold: the automatic count's merging distance (see :func:`~audio_tools.speakers.turns.diarize`).
        settings: caps for decoding and ``speaker_threads``; read from the environment when omitted.

    Returns:
        A new transcript; ``transcript`` is not changed. Without speech in ``audio`` every
        speaker is None.

    Raises:
        InvalidInputError: a speaker count below 1, or ``min_speakers > max_speakers``.
        InvalidAudioError, InputTooLargeError, PathNotAllowedError, FFmpegError: the audio cannot be read.
        BackendUnavailableError: the encoder's weights are missing or changed.
    """
    turns = diarize(audio, num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers,
                    threshold=threshold, settings=settings)
    return assign_speakers(transcript, turns)


def assign_speakers(transcript: Transcript, turns: Sequence[SpeakerTurn]) -> Transcript:
    """``transcript`` with the speakers of ``turns`` on its words' times (see the module docstring).

    ``turns`` must not overlap one another, as :func:`~audio_tools.speakers.turns.diarize` returns them.
    """
    timeline = _Timeline(turns)
    segments: list[Segment] = []
    for segment in transcript.segments:
        if not segment.words:
            segments.append(replace(segment, speaker=timeline.speaker(segment.start, segment.end)))
            continue
        speakers = [timeline.speaker(w.start, w.end) for w in segment.words]
        if len(set(speakers)) == 1:
            segments.append(replace(segment, speaker=speakers[0]))
            continue
        first = 0
        for index in range(1, len(speakers) + 1):
            if index == len(speakers) or speakers[index] != speakers[first]:
                segments.append(_part(segment, segment.words[first:index], speakers[first]))
                first = index
    return replace(transcript, segments=segments)


def speaker_at(turns: Sequence[SpeakerTurn], start: float, end: float) -> str | None:
    """The speaker of the turn overlapping ``[start, end]`` most, else of the nearest turn; None without turns."""
    return _Timeline(turns).speaker(start, end)


class _Timeline:
    """Turns sorted by time, for looking up the speaker of a span in O(log n)."""

    def __init__(self, turns: Sequence[SpeakerTurn]) -> None:
        self.turns = sorted(turns, key=lambda t: (t.start, t.end))
        self.starts = [t.start for t in self.turns]
        self.ends = [t.end for t in self.turns]

    def speaker(self, start: float, end: float) -> str | None:
        if not self.turns:
            return None
        # Turns do not overlap, so their ends are sorted too: the turns overlapping the span
        # are those from the first ending after ``start`` to the last starting before ``end``.
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end)
        shared: dict[str, float] = {}
        for turn in self.turns[first:last]:
            shared[turn.speaker] = shared.get(turn.speaker, 0.0) + min(end, turn.end) - max(start, turn.start)
        if shared:
            return max(shared, key=lambda name: shared[name])
        around = self.turns[max(0, first - 1):first + 1]
        return min(around, key=lambda t: max(t.start - end, start - t.end)).speaker


def _part(segment: Segment, words: list[Word], speaker: str | None) -> Segment:
    scores = [w.confidence for w in words if w.confidence is not None]
    return replace(
        segment,
        start=words[0].start,
        end=words[-1].end,
        text=" ".join(w.text.strip() for w in words),
        words=list(words),
        speaker=speaker,
        confidence=sum(scores) / len(scores) if scores else segment.confidence,
    )
