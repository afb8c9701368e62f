"""Transcripts as data: words and segments with times in seconds from the start of the file.

``Transcript.to_json()`` is the one serialised form (the CLI's ``--format json`` and the
``transcript`` in the artifact of the speech-to-text tool)::

    {"schema_version": 1, "source", "display_name", "language", "duration_s", "backend", "model",
     "segments": [{"id", "start", "end", "text",
                   "words": [{"start", "end", "text", "confidence"}],
                   "speaker", "confidence"}]}

``source`` identifies the recording (the speech-to-text tool: its path relative to the
workspace); ``display_name`` is a short name for people, or null. A segment's ``id`` is its
position in the transcript (0, 1, 2...), so it is unique and stable for a given transcript.
A segment's ``speaker`` (``S1``, ``S2``... when speakers were labelled, else null) is shown
before its text in the text renderings: ``[S1] Welcome...`` (:func:`labelled_text`).
:meth:`Transcript.from_json` reads every schema version up to :data:`SCHEMA_VERSION` (JSON
without ``schema_version`` is version 1) and refuses newer ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from audio_tools.errors import InvalidInputError

__all__ = [
    "DEFAULT_PAUSE_S",
    "SCHEMA_VERSION",
    "Segment",
    "Transcript",
    "Word",
    "clock",
    "joined_words",
    "labelled_text",
    "split_at_pauses",
    "timed_words",
]

DEFAULT_PAUSE_S = 0.4
SENTENCE_ENDS = (".", "?", "!")
CONTINUATIONS = (",", ".", ";", ":", "!", "?", "%", "'", "’", ")")  # a word starting so belongs to the one before
SCHEMA_VERSION = 1

_Record = TypeVar("_Record")


@dataclass
class Word:
    """One recognised word."""

    start: float
    end: float
    text: str
    confidence: float | None = None


@dataclass
class Segment:
    """A stretch of speech by one speaker, with its words when the backend gives them.

    ``id`` is the segment's position in its :class:`Transcript`, which sets it.
    """

    id: int = field(default=0, kw_only=True)
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    confidence: float | None = None


@dataclass
class Transcript:
    """What a speech-to-text backend heard in one recording.

    Building one numbers its segments: each gets a copy with ``id`` set to its position.

    Attributes:
        source: what identifies the recording; the speech-to-text tool keeps the file's path
            relative to the workspace.
        display_name: a short name to show people (the tool: the file's name), or None.
    """

    source: str
    display_name: str | None = field(default=None, kw_only=True)
    language: str | None
    duration_s: float
    backend: str
    model: str | None
    segments: list[Segment] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.segments = [replace(s, id=i) for i, s in enumerate(self.segments)]

    @property
    def text(self) -> str:
        """All segment texts joined by spaces."""
        return " ".join(s.text.strip() for s in self._spoken())

    @property
    def speakers(self) -> list[str]:
        """The segments' speakers (``S1``, ``S2``...), each once, in the order they first speak; [] unlabelled."""
        return list(dict.fromkeys(s.speaker for s in self.segments if s.speaker))

    def to_dict(self) -> dict[str, Any]:
        """A plain dict in the documented JSON layout.

        Built field by field rather than with ``dataclasses.asdict``, whose deep copy made this
        8x slower (65 vs 8 ms for a long transcript; every ingest and store fill writes one).
        """
        record = {name: value for name, value in vars(self).items() if name != "segments"}
        segments = [{**vars(s), "words": [dict(vars(w)) for w in s.words]} for s in self.segments]
        return {"schema_version": SCHEMA_VERSION, **record, "segments": segments}

    def to_json(self, indent: int | None = 2) -> str:
        """The transcript as JSON text (see the module docstring for the layout)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        """Inverse of :meth:`to_dict`; optional keys may be missing and unknown keys are ignored.

        Segment ids are positions, so they are set afresh rather than read.

        Raises:
            InvalidInputError: ``data`` is not a transcript, or is of a newer schema version.
        """
        if not isinstance(data, dict):
            msg = f"A transcript is a JSON object, not {type(data).__name__}."
            raise InvalidInputError(msg)
        _check_version(data.get("schema_version", 1))
        try:
            segments = [
                _record(Segment, s, start=float(s["start"]), end=float(s["end"]),
                        words=[_record(Word, w) for w in s.get("words", [])])
                for s in data.get("segments", [])
            ]
            return _record(cls, data, language=data.get("language"), duration_s=float(data["duration_s"]),
                           model=data.get("model"), segments=segments)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            msg = f"Not a transcript ({type(error).__name__}: {error}); expected the layout Transcript.to_json writes."
            raise InvalidInputError(msg) from error

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        """Inverse of :meth:`to_json`.

        Raises:
            InvalidInputError: ``text`` is not JSON, not a transcript, or of a newer schema version.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            msg = f"A transcript must be JSON: {error}."
            raise InvalidInputError(msg) from error
        return cls.from_dict(data)

    def to_srt(self) -> str:
        """SubRip subtitles, one cue per segment that has text (``[S1] `` first when it has a speaker)."""
        cues = [
            f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{labelled_text(s)}\n"
            for i, s in enumerate(self._spoken(), start=1)
        ]
        return "\n".join(cues)

    def to_vtt(self) -> str:
        """WebVTT subtitles, one cue per segment that has text (``[S1] `` first when it has a speaker)."""
        cues = [
            f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{labelled_text(s)}\n"
            for s in self._spoken()
        ]
        return "WEBVTT\n\n" + "\n".join(cues)

    def _spoken(self) -> list[Segment]:
        # A cue without text ends an SRT block early and shows nothing: leave it out.
        return [s for s in self.segments if s.text.strip()]


def labelled_text(segment: Segment) -> str:
    """The segment's text, stripped, after ``[S1] `` when it has a speaker: a line of a text rendering."""
    text = segment.text.strip()
    return f"[{segment.speaker}] {text}" if segment.speaker else text


def split_at_pauses(words: Iterable[Word], pause_s: float = DEFAULT_PAUSE_S, *, sentence_ends: bool = False
                    ) -> list[Segment]:
    """Group consecutive words into segments, starting a new one at every pause ≥ ``pause_s``.

    With ``sentence_ends``, a word ending in ``.``, ``?`` or ``!`` also ends its segment.
    A segment's confidence is the mean of its words' confidences (None when none have one).
    """
    segments: list[Segment] = []
    current: list[Word] = []
    for word in words:
        ended = sentence_ends and current and current[-1].text.endswith(SENTENCE_ENDS)
        if current and (ended or word.start - current[-1].end >= pause_s):
            segments.append(_segment_of(current))
            current = []
        current.append(word)
    if current:
        segments.append(_segment_of(current))
    return segments


def timed_words(segment: Segment) -> list[Word]:
    """The segment's words; when the backend gave none, its text's words timed by their share of characters.

    The estimate spreads the segment's time over its words in proportion to their length: good
    enough to cut a long segment or point into it, not to align words.
    """
    if segment.words:
        return segment.words
    tokens = segment.text.split()
    total = len(" ".join(tokens))
    span = segment.end - segment.start
    words, offset = [], 0
    for token in tokens:
        words.append(Word(start=segment.start + span * offset / total,
                          end=segment.start + span * (offset + len(token)) / total, text=token))
        offset += len(token) + 1
    return words


def joined_words(words: Iterable[Word]) -> str:
    """The words as text: spaces between them, except before a piece that continues the word before it.

    Whisper gives ``$94`` ``,000`` and ``1`` ``.8`` as separate words; they read ``$94,000`` and ``1.8``.
    """
    text = ""
    for word in words:
        piece = word.text.strip()
        text += piece if not text or piece.startswith(CONTINUATIONS) else f" {piece}"
    return text


def clock(seconds: float) -> str:
    """A time in a recording as people read it: ``mm:ss``, or ``h:mm:ss`` from an hour on (``01:05``, ``1:02:03``).

    Seconds are truncated (a moment at 65.9 s is shown as ``01:05``, where it starts playing);
    negative times show as ``00:00``.
    """
    whole = int(max(0.0, seconds)) if math.isfinite(seconds) else 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _segment_of(words: list[Word]) -> Segment:
    scores = [w.confidence for w in words if w.confidence is not None]
    return Segment(
        start=words[0].start,
        end=words[-1].end,
        text=joined_words(words),
        words=list(words),
        confidence=sum(scores) / len(scores) if scores else None,
    )


def _check_version(version: Any) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        msg = f"A transcript's schema_version is a whole number from 1, not {version!r}."
        raise InvalidInputError(msg)
    if version > SCHEMA_VERSION:
        msg = (f"This transcript has schema version {version}, newer than this audio_tools reads (up to "
               f"{SCHEMA_VERSION}); upgrade audio_tools to read it.")
        raise InvalidInputError(msg)


def _record(kind: type[_Record], data: dict[str, Any], **values: Any) -> _Record:
    """A ``kind`` from the keys of ``data`` that are its fields, with ``values`` taking precedence."""
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    return kind(**{**{k: v for k, v in data.items() if k in names}, **values})


def _timestamp(seconds: float, decimal_mark: str) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_mark}{millis:03d}"
