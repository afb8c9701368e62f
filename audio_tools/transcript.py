"""Transcripts as data: words and segments with times in seconds from the start of the file.

``Transcript.to_json()`` is the one serialised form (the CLI's ``--format json`` and the
artifact of the speech-to-text tool)::

    {"source", "language", "duration", "backend", "model",
     "segments": [{"start", "end", "text", "speaker", "confidence",
                   "words": [{"start", "end", "text", "confidence"}]}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["DEFAULT_PAUSE_S", "Segment", "Transcript", "Word", "split_at_pauses"]

DEFAULT_PAUSE_S = 0.4


@dataclass
class Word:
    """One recognised word."""

    start: float
    end: float
    text: str
    confidence: float | None = None


@dataclass
class Segment:
    """A stretch of speech by one speaker, with its words when the backend gives them."""

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    confidence: float | None = None


@dataclass
class Transcript:
    """What a speech-to-text backend heard in one recording."""

    source: str
    language: str | None
    duration: float
    backend: str
    model: str | None
    segments: list[Segment] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All segment texts joined by spaces."""
        return " ".join(s.text.strip() for s in self._spoken())

    def to_dict(self) -> dict[str, Any]:
        """A plain dict in the documented JSON layout."""
        return {
            "source": self.source,
            "language": self.language,
            "duration": self.duration,
            "backend": self.backend,
            "model": self.model,
            "segments": [
                {
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "words": [asdict(w) for w in s.words],
                    "speaker": s.speaker,
                    "confidence": s.confidence,
                }
                for s in self.segments
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The transcript as JSON text (see the module docstring for the layout)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        """Inverse of :meth:`to_dict`."""
        segments = [
            Segment(
                start=float(s["start"]),
                end=float(s["end"]),
                text=s["text"],
                words=[Word(**w) for w in s.get("words", [])],
                speaker=s.get("speaker"),
                confidence=s.get("confidence"),
            )
            for s in data.get("segments", [])
        ]
        return cls(
            source=data["source"],
            language=data.get("language"),
            duration=float(data["duration"]),
            backend=data["backend"],
            model=data.get("model"),
            segments=segments,
        )

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    def to_srt(self) -> str:
        """SubRip subtitles, one cue per segment that has text."""
        cues = [
            f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{s.text.strip()}\n"
            for i, s in enumerate(self._spoken(), start=1)
        ]
        return "\n".join(cues)

    def to_vtt(self) -> str:
        """WebVTT subtitles, one cue per segment that has text."""
        cues = [
            f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{s.text.strip()}\n"
            for s in self._spoken()
        ]
        return "WEBVTT\n\n" + "\n".join(cues)

    def _spoken(self) -> list[Segment]:
        # A cue without text ends an SRT block early and shows nothing: leave it out.
        return [s for s in self.segments if s.text.strip()]


def split_at_pauses(words: Iterable[Word], pause_s: float = DEFAULT_PAUSE_S) -> list[Segment]:
    """Group consecutive words into segments, starting a new one at every pause ≥ ``pause_s``.

    A segment's confidence is the mean of its words' confidences (None when none have one).
    """
    segments: list[Segment] = []
    current: list[Word] = []
    for word in words:
        if current and word.start - current[-1].end >= pause_s:
            segments.append(_segment_of(current))
            current = []
        current.append(word)
    if current:
        segments.append(_segment_of(current))
    return segments


def _segment_of(words: list[Word]) -> Segment:
    scores = [w.confidence for w in words if w.confidence is not None]
    return Segment(
        start=words[0].start,
        end=words[-1].end,
        text=" ".join(w.text for w in words),
        words=list(words),
        confidence=sum(scores) / len(scores) if scores else None,
    )


def _timestamp(seconds: float, decimal_mark: str) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_mark}{millis:03d}"
