"""Speaker labels in the store: whether stored ones fit an ingest's ``speakers`` option, and renaming them.

Ingest labels speakers by default (``speakers="auto"``). A stored transcript (and the chunks cut
from it) is reused when its labels fit the option asked: any labels for ``"auto"``, exactly N
for a count, none for None (an unlabelled transcript is made from a labelled one by dropping its
labels, without transcribing). Otherwise the recording is transcribed again, with labels.

Renaming (``S1`` to ``Tom``) changes the stored transcript's segments and the chunks' ``speaker``
and ``speakers`` metadata, nothing else: no transcription, no embedding.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from audio_tools.errors import InvalidInputError
from audio_tools.rag.chunks import chunk_segments, chunk_speakers, speaker_metadata
from audio_tools.transcript import Segment, Transcript

if TYPE_CHECKING:
    from audio_tools.stt import Speakers

__all__ = ["MAX_NAME_CHARS", "check_speaker_name", "labels_fit", "renamed_metadata", "renamed_transcript",
           "stored_labels", "unlabelled"]

MAX_NAME_CHARS = 64
_SPEAKER_KEYS = ("speaker", "speakers")


def check_speaker_name(name: str) -> str:
    """A speaker's name, stripped: 1 to 64 characters, no control characters and no comma.

    (Chunks list their speakers comma-separated, so a comma in a name would split it.)

    Raises:
        InvalidInputError: an empty or too long name, or one with control characters or a comma.
    """
    stripped = name.strip() if isinstance(name, str) else ""
    if not stripped or len(stripped) > MAX_NAME_CHARS:
        msg = f"A speaker's name is 1 to {MAX_NAME_CHARS} characters, not {name!r}."
        raise InvalidInputError(msg)
    if any(unicodedata.category(c).startswith("C") for c in stripped) or "," in stripped:
        msg = f"A speaker's name has no control characters and no comma: {name!r}."
        raise InvalidInputError(msg)
    return stripped


def labels_fit(labels: list[str], speakers: Speakers) -> bool:
    """Whether stored speaker labels are what the ``speakers`` option asks for.

    Args:
        labels: the speakers of a stored transcript or its chunks ([] when unlabelled).
        speakers: None (no labels), ``"auto"`` (any labels) or a count (exactly that many).
    """
    if speakers is None:
        return not labels
    if isinstance(speakers, str):
        return bool(labels)
    return len(labels) == speakers


def stored_labels(metadatas: Iterable[Mapping[str, Any]]) -> list[str]:
    """The speakers named by a source's chunk metadata, in the order they first speak."""
    ordered = sorted(metadatas, key=lambda m: int(m.get("chunk_index", 0)))
    names = (name for m in ordered for name in chunk_speakers(m))
    return list(dict.fromkeys(names))


def unlabelled(transcript: Transcript) -> Transcript:
    """The transcript without speaker labels (its segments stay as they were cut)."""
    return replace(transcript, segments=[replace(s, speaker=None) for s in transcript.segments])


def renamed_transcript(transcript: Transcript, old: str, new: str) -> tuple[Transcript, int]:
    """The transcript with speaker ``old`` called ``new``, and how many segments changed."""
    segments = [replace(s, speaker=new) if s.speaker == old else s for s in transcript.segments]
    changed = sum(1 for s in transcript.segments if s.speaker == old)
    return replace(transcript, segments=segments), changed


def renamed_metadata(metadata: Mapping[str, Any], old: str, new: str,
                     transcript: Transcript | None) -> dict[str, Any]:
    """A chunk's metadata with ``old`` renamed ``new`` (a key set to None is one to delete).

    With the (renamed) transcript the chunk was cut from, its ``speaker``/``speakers`` are made
    again from its segments, as chunking makes them (so that merging two speakers into one name
    gives the chunks they share a single ``speaker``); without it, names are mapped in place.
    """
    segments: list[Segment] | None = None
    wanted: dict[str, Any]
    if transcript is not None:
        try:
            segments = chunk_segments(transcript, metadata)
        except InvalidInputError:
            segments = None
    if segments:
        wanted = speaker_metadata(segments)
    else:
        names = [new if n == old else n for n in chunk_speakers(metadata)]
        wanted = {"speakers": list(dict.fromkeys(names))} if names else {}
        if "speaker" in metadata:
            wanted["speaker"] = new if metadata["speaker"] == old else str(metadata["speaker"])
    result: dict[str, Any] = {k: v for k, v in metadata.items() if k not in _SPEAKER_KEYS}
    result.update(wanted)
    for key in _SPEAKER_KEYS:
        if key in metadata and key not in wanted:
            result[key] = None
    return result
