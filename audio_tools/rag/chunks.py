"""Transcripts cut into search chunks: consecutive segments merged up to a length in characters and seconds.

A chunk is a LangChain ``Document`` whose ``page_content`` is its segments' text and whose
metadata is flat (``str``/``int``/``float``/``bool`` only, no None: Chroma refuses the rest)::

    source, source_sha256, start, end, speaker?, speakers?, chunk_index, chunk_count,
    first_segment, last_segment, passage_count, stt_backend, stt_model?, stt_spec, language?,
    recorded_at, title

(``?``: left out when unknown). ``speaker`` is there only when every segment of the chunk has
the same one; ``speakers`` lists the known ones (a list: Chroma filters it with ``$contains``).
``first_segment`` and ``last_segment`` are segment ids (inclusive): :func:`chunk_segments` gives
a chunk's segments back from its transcript. A segment longer than ``max_seconds`` is cut at its
word times into pieces of its own chunks, so that no chunk spans more than ``max_seconds``.

Each chunk is also cut into its *passages* (:func:`audio_tools.rag.citations.passages`: its
sentences, what a citation points at); ``passage_count`` says how many. :func:`chunk_passages`
gives them as Documents of their own, for the store's passage collection, each with the id
:func:`passage_id` derives from its chunk's id and its position, and flat metadata::

    source, source_sha256, stt_spec, chunk_id, chunk_index, passage_index, start, end,
    first_segment, last_segment, question, words, speaker?

(``first_segment``/``last_segment`` here are positions among the chunk's segments, as
:class:`~audio_tools.rag.citations.Passage` has them; ``words`` its
:func:`~audio_tools.rag.terms.words`, space-separated, so that citing cuts no text.)
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.documents import Document

from audio_tools.errors import InvalidInputError
from audio_tools.rag.citations import Passage, passages
from audio_tools.rag.recording import RecordingInfo
from audio_tools.transcript import Segment, Transcript, Word, joined_words, timed_words

__all__ = [
    "DEFAULT_CHUNK_OPTIONS",
    "ChunkOptions",
    "chunk_id",
    "chunk_passages",
    "chunk_segments",
    "chunk_transcript",
    "count_passages",
    "passage_from",
    "passage_id",
]

_ID_SEPARATOR = "\x1f"
_ID_HEX_CHARS = 32
_EPSILON = 1e-6  # seconds: a word at a chunk's very edge belongs to it


@dataclass(frozen=True)
class ChunkOptions:
    """How a transcript is cut into chunks.

    Attributes:
        max_chars: most characters of text in a chunk; a single segment longer than this is a
            chunk of its own.
        max_seconds: longest time a chunk spans (first start to last end); a longer segment is
            cut at its word times.
        overlap_segments: whole segments each chunk repeats from the end of the one before it.
        keep_question_with_reply: a chunk does not end on a question (a segment ending in ``?``)
            when the next chunk can start with it instead, so that the question and its reply
            are found together.
    """

    max_chars: int
    max_seconds: float
    overlap_segments: int = 0
    keep_question_with_reply: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.max_chars, bool) or not isinstance(self.max_chars, int) or self.max_chars < 1:
            msg = f"max_chars must be a whole number of characters, 1 or more, not {self.max_chars!r}."
            raise InvalidInputError(msg)
        if isinstance(self.max_seconds, bool) or not math.isfinite(self.max_seconds) or self.max_seconds <= 0:
            msg = f"max_seconds must be a finite number of seconds above 0, not {self.max_seconds!r}."
            raise InvalidInputError(msg)
        overlap = self.overlap_segments
        if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
            msg = f"overlap_segments must be a whole number, 0 or more, not {overlap!r}."
            raise InvalidInputError(msg)


# Measured on six rendered meetings (30 questions, Whisper tiny.en, MiniLM + BM25 fused): 20 s and one
# segment of overlap found the answer's chunk first for 29 of 30 questions, against 27 for 30 s
# without overlap; chunks of 300 characters fit MiniLM's 256 tokens with room to spare.
# Re-measured with the sentence re-ranking of search (63 questions, 8 meetings; the best weights for
# each, on the tuning half): top citation inside the answer turn 0.69 for these options, 0.72 with two
# segments of overlap, 0.69 for 350/25 s/2, 0.67 for 400/30 s/2 and 250/20 s/2: one question apart,
# within the noise of 36 questions; the defaults stay. Larger chunks find the answer's chunk more
# often (0.86 at 400/30 s/2) but cite inside it less often.
DEFAULT_CHUNK_OPTIONS = ChunkOptions(max_chars=300, max_seconds=20.0, overlap_segments=1)


def chunk_id(source: str, source_sha256: str, stt_spec: str, chunk_index: int) -> str:
    """The stable id of one chunk: the same file, transcript spec and position give the same id.

    Two identical files at two paths, or one file transcribed by two specs, get different ids.
    """
    key = _ID_SEPARATOR.join((source, source_sha256, stt_spec, str(chunk_index)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:_ID_HEX_CHARS]


def passage_id(chunk: str, passage_index: int) -> str:
    """The stable id of one passage: its chunk's id (:func:`chunk_id`) and its position in the chunk."""
    key = _ID_SEPARATOR.join((chunk, "passage", str(passage_index)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:_ID_HEX_CHARS]


def chunk_transcript(
    transcript: Transcript,
    info: RecordingInfo,
    stt_spec: str,
    options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
) -> list[Document]:
    """Cut a transcript into chunk Documents (see the module docstring for their metadata).

    Args:
        transcript: what was heard in the recording.
        info: the recording (its ``source``, hash, time and title go into every chunk).
        stt_spec: the speech-to-text spec that made the transcript (part of each chunk's id).
        options: chunk lengths and overlap.

    Returns:
        The chunks in time order, each with its :func:`chunk_id` as ``id``; none for a
        transcript without speech.
    """
    pieces = _pieces(transcript.segments, options.max_seconds)
    groups = _groups(pieces, options)
    common = _common_metadata(transcript, info, stt_spec)
    documents = []
    for index, group in enumerate(groups):
        metadata = {
            **common,
            "start": float(group[0].start),
            "end": float(group[-1].end),
            **speaker_metadata(group),
            "chunk_index": index,
            "chunk_count": len(groups),
            "first_segment": int(group[0].id),
            "last_segment": int(group[-1].id),
        }
        metadata["passage_count"] = count_passages(transcript, metadata)
        documents.append(Document(
            page_content=" ".join(s.text.strip() for s in group),
            metadata=metadata,
            id=chunk_id(info.source, info.source_sha256, stt_spec, index),
        ))
    return documents


def chunk_passages(transcript: Transcript, chunks: Sequence[Document]) -> list[Document]:
    """The passages of chunks cut from ``transcript`` (by :func:`chunk_transcript`), as Documents.

    Raises:
        InvalidInputError: a chunk was not cut from this transcript, or its ``passage_count``
            disagrees with its segments.
    """
    documents = []
    for chunk in chunks:
        metadata = chunk.metadata
        found = passages(chunk_segments(transcript, metadata))
        if len(found) != metadata.get("passage_count"):
            msg = f"Chunk {chunk.id} counts {metadata.get('passage_count')} passages, its segments hold {len(found)}."
            raise InvalidInputError(msg)
        for index, passage in enumerate(found):
            passage_metadata: dict[str, Any] = {
                "source": metadata["source"], "source_sha256": metadata["source_sha256"],
                "stt_spec": metadata["stt_spec"], "chunk_id": str(chunk.id), "chunk_index": metadata["chunk_index"],
                "passage_index": index, "start": passage.start, "end": passage.end,
                "first_segment": passage.segment, "last_segment": passage.last_segment, "question": passage.question,
                "words": " ".join(passage.words),
            }
            if passage.speaker:
                passage_metadata["speaker"] = passage.speaker
            documents.append(Document(page_content=passage.text, metadata=passage_metadata,
                                      id=passage_id(str(chunk.id), index)))
    return documents


def count_passages(transcript: Transcript, metadata: Mapping[str, Any]) -> int:
    """How many passages the chunk with this metadata holds (its ``passage_count``), cut from ``transcript``.

    Raises:
        InvalidInputError: the chunk was not cut from this transcript.
    """
    return len(passages(chunk_segments(transcript, metadata)))


def passage_from(text: str, metadata: Mapping[str, Any]) -> Passage:
    """A passage as :func:`chunk_passages` stored it (its text and metadata)."""
    speaker = metadata.get("speaker")
    return Passage(start=float(metadata["start"]), end=float(metadata["end"]), text=text,
                   segment=int(metadata["first_segment"]), last_segment=int(metadata["last_segment"]),
                   speaker=str(speaker) if speaker else None, question=bool(metadata["question"]),
                   words=tuple(str(metadata.get("words", "")).split()))


def chunk_segments(transcript: Transcript, metadata: Mapping[str, Any]) -> list[Segment]:
    """The segments of one chunk, from the transcript it was cut from and its metadata.

    Segments are cropped to the chunk's ``start``/``end`` (at word times), so a long segment
    cut into several chunks gives each only its own words.

    Raises:
        InvalidInputError: the metadata has no ``first_segment``/``last_segment``, or they are
            not segments of this transcript.
    """
    try:
        first, last = int(metadata["first_segment"]), int(metadata["last_segment"])
        start, end = float(metadata["start"]), float(metadata["end"])
    except (KeyError, TypeError, ValueError) as error:
        msg = f"Not a chunk's metadata ({type(error).__name__}: {error}); expected what chunk_transcript writes."
        raise InvalidInputError(msg) from error
    if not 0 <= first <= last < len(transcript.segments):
        msg = (f"Segments {first}..{last} are not in this transcript of {len(transcript.segments)} segments; "
               f"the chunk was cut from another transcript.")
        raise InvalidInputError(msg)
    segments = []
    for segment in transcript.segments[first:last + 1]:
        if not segment.text.strip():
            continue
        if segment.start >= start - _EPSILON and segment.end <= end + _EPSILON:
            segments.append(segment)
            continue
        words = [w for w in timed_words(segment) if w.start >= start - _EPSILON and w.end <= end + _EPSILON]
        if words:
            segments.append(_piece(segment, words))
    return segments


def _pieces(segments: Sequence[Segment], max_seconds: float) -> list[Segment]:
    """The segments with text, each longer than ``max_seconds`` cut at word times into shorter pieces."""
    pieces: list[Segment] = []
    for segment in segments:
        if not segment.text.strip():
            continue
        if segment.end - segment.start <= max_seconds:
            pieces.append(segment)
            continue
        current: list[Word] = []
        for word in timed_words(segment):
            if current and word.end - current[0].start > max_seconds:
                pieces.append(_piece(segment, current))
                current = []
            current.append(word)
        if current:
            pieces.append(_piece(segment, current))
    return pieces


def _piece(segment: Segment, words: list[Word]) -> Segment:
    return replace(segment, start=words[0].start, end=words[-1].end,
                   text=joined_words(words), words=list(words))


def _groups(pieces: list[Segment], options: ChunkOptions) -> list[list[Segment]]:
    """Consecutive pieces merged while the text stays within ``max_chars`` and the span within ``max_seconds``.

    Each chunk after the first starts with up to ``overlap_segments`` pieces of the one before,
    as many as fit with its first new piece. A chunk that would end on a question leaves it to
    the next one (``keep_question_with_reply``), unless the question is its only new piece.
    """
    groups: list[list[Segment]] = []
    new = 0
    while new < len(pieces):
        first = new
        while first > new - options.overlap_segments and first > 0 and _fits(pieces[first - 1:new + 1], options):
            first -= 1
        last = new
        while last + 1 < len(pieces) and _fits(pieces[first:last + 2], options):
            last += 1
        if (options.keep_question_with_reply and last > new and last + 1 < len(pieces)
                and pieces[last].text.strip().endswith("?")):
            last -= 1  # the question starts the next chunk, with its reply
        groups.append(pieces[first:last + 1])
        new = last + 1
    return groups


def _fits(group: Sequence[Segment], options: ChunkOptions) -> bool:
    chars = sum(len(s.text.strip()) for s in group) + len(group) - 1
    return chars <= options.max_chars and group[-1].end - group[0].start <= options.max_seconds


def speaker_metadata(group: Sequence[Segment]) -> dict[str, Any]:
    """``speakers`` (a list, in the order they speak) and ``speaker`` (when one speaks every segment)."""
    known = list(dict.fromkeys(s.speaker for s in group if s.speaker))
    if not known:
        return {}
    metadata: dict[str, Any] = {"speakers": known}
    if len(known) == 1 and all(s.speaker for s in group):
        metadata["speaker"] = known[0]
    return metadata


def chunk_speakers(metadata: Mapping[str, Any]) -> list[str]:
    """The speakers a chunk's metadata lists (a list; stores written before 0.1 kept them comma-joined)."""
    value = metadata.get("speakers")
    if isinstance(value, str):
        return [name for name in value.split(",") if name]
    return [str(name) for name in value] if isinstance(value, list | tuple) else []


def _common_metadata(transcript: Transcript, info: RecordingInfo, stt_spec: str) -> dict[str, str | float]:
    metadata: dict[str, str | float] = {
        "source": info.source,
        "source_sha256": info.source_sha256,
        "stt_backend": transcript.backend,
        "stt_spec": stt_spec,
        "recorded_at": info.recorded_at,
        "title": info.title,
    }
    if transcript.model is not None:
        metadata["stt_model"] = transcript.model
    if transcript.language is not None:
        metadata["language"] = transcript.language
    return metadata
