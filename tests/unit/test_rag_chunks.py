"""chunk_transcript: segments merged by characters and seconds, long ones cut, flat metadata, stable ids."""

from __future__ import annotations

import pytest

from audio_tools.errors import InvalidInputError
from audio_tools.rag.chunks import (
    DEFAULT_CHUNK_OPTIONS,
    ChunkOptions,
    chunk_id,
    chunk_passages,
    chunk_segments,
    chunk_transcript,
    passage_from,
    passage_id,
)
from audio_tools.rag.citations import passages
from audio_tools.rag.recording import RecordingInfo
from audio_tools.transcript import Segment, Transcript, Word

INFO = RecordingInfo(source="calls/sync.flac", source_sha256="ab" * 32, recorded_at=1_700_000_000.0,
                     title="sync", duration_s=600.0)


def _segment(start: float, end: float, text: str, speaker: str | None = None, *, words: bool = True) -> Segment:
    tokens = text.split()
    step = (end - start) / len(tokens)
    timed = [Word(start + i * step, start + (i + 1) * step, t) for i, t in enumerate(tokens)] if words else []
    return Segment(start=start, end=end, text=f" {text}", words=timed, speaker=speaker)


def _transcript(segments: list[Segment], *, model: str | None = "tiny.en", language: str | None = "en") -> Transcript:
    return Transcript(source="calls/sync.flac", language=language, duration_s=600.0, backend="faster-whisper",
                      model=model, segments=segments)


def _spans(documents: list) -> list[tuple[int, int]]:
    return [(d.metadata["first_segment"], d.metadata["last_segment"]) for d in documents]


def test_segments_merge_up_to_max_chars() -> None:
    segments = [_segment(i * 2.0, i * 2.0 + 1.5, "word " * 4 + str(i)) for i in range(6)]  # 21-22 chars each
    documents = chunk_transcript(_transcript(segments), INFO, "auto", ChunkOptions(max_chars=50, max_seconds=60))
    assert _spans(documents) == [(0, 1), (2, 3), (4, 5)]
    assert documents[0].page_content == "word word word word 0 word word word word 1"
    assert all(len(d.page_content) <= 50 for d in documents)


def test_segments_merge_up_to_max_seconds() -> None:
    segments = [_segment(i * 10.0, i * 10.0 + 9.0, "short") for i in range(7)]
    documents = chunk_transcript(_transcript(segments), INFO, "auto", ChunkOptions(max_chars=1000, max_seconds=30))
    assert _spans(documents) == [(0, 2), (3, 5), (6, 6)]
    assert [(d.metadata["start"], d.metadata["end"]) for d in documents] == [(0.0, 29.0), (30.0, 59.0), (60.0, 69.0)]


def test_a_segment_over_max_chars_is_a_chunk_of_its_own() -> None:
    segments = [_segment(0, 1, "hi"), _segment(2, 8, "long " * 30), _segment(9, 10, "bye")]
    documents = chunk_transcript(_transcript(segments), INFO, "auto", ChunkOptions(max_chars=40, max_seconds=30))
    assert _spans(documents) == [(0, 0), (1, 1), (2, 2)]


@pytest.mark.parametrize("words", [True, False])
def test_a_segment_over_max_seconds_is_cut_at_word_times(words: bool) -> None:
    text = " ".join(f"w{i}" for i in range(70))
    segments = [_segment(0, 2, "before"), _segment(3, 73, text, words=words), _segment(74, 75, "after")]
    options = ChunkOptions(max_chars=10_000, max_seconds=30)
    documents = chunk_transcript(_transcript(segments), INFO, "auto", options)
    assert all(d.metadata["end"] - d.metadata["start"] <= 30 for d in documents)
    assert " ".join(d.page_content for d in documents) == f"before {text} after"
    assert {d.metadata["first_segment"] for d in documents[1:-1]} == {1}
    transcript = _transcript(segments)
    for document in documents:  # each chunk's segments, cropped to its time, give back its text
        assert " ".join(s.text.strip() for s in chunk_segments(transcript, document.metadata)) == document.page_content


def test_overlap_repeats_whole_segments_that_fit() -> None:
    segments = [_segment(i * 2.0, i * 2.0 + 1.5, f"s{i}") for i in range(7)]
    options = ChunkOptions(max_chars=8, max_seconds=60, overlap_segments=1)  # three 2-char segments fit
    documents = chunk_transcript(_transcript(segments), INFO, "auto", options)
    assert _spans(documents) == [(0, 2), (2, 4), (4, 6)]
    assert documents[1].page_content == "s2 s3 s4"


def test_overlap_never_repeats_a_chunk() -> None:
    segments = [_segment(i * 2.0, i * 2.0 + 1.5, "x" * 10) for i in range(5)]
    options = ChunkOptions(max_chars=10, max_seconds=60, overlap_segments=3)
    assert _spans(chunk_transcript(_transcript(segments), INFO, "auto", options)) == [(i, i) for i in range(5)]


def test_metadata_is_flat_and_complete() -> None:
    segments = [_segment(0.5, 2, "hello there", "A"), _segment(2.5, 4, "hi", "A"), _segment(5, 6, "and me", "B")]
    documents = chunk_transcript(_transcript(segments), INFO, "faster-whisper", ChunkOptions(15, 30))
    assert documents[0].metadata == {
        "source": "calls/sync.flac", "source_sha256": "ab" * 32, "start": 0.5, "end": 4.0, "speaker": "A",
        "speakers": ["A"], "chunk_index": 0, "chunk_count": 2, "first_segment": 0, "last_segment": 1,
        "passage_count": 2,
        "stt_backend": "faster-whisper", "stt_model": "tiny.en", "stt_spec": "faster-whisper", "language": "en",
        "recorded_at": 1_700_000_000.0, "title": "sync",
    }
    assert documents[0].id == chunk_id("calls/sync.flac", "ab" * 32, "faster-whisper", 0)
    assert documents[1].metadata["speaker"] == "B"


def test_unknown_values_are_left_out_not_none() -> None:
    segments = [_segment(0, 1, "one", "A"), _segment(1, 2, "two", None), _segment(2, 3, "three", "B")]
    documents = chunk_transcript(_transcript(segments, model=None, language=None), INFO, "auto")
    (metadata,) = [d.metadata for d in documents]
    assert metadata["speakers"] == ["A", "B"]
    assert not {"speaker", "stt_model", "language"} & metadata.keys()
    # flat: scalars, and the speakers as a list of names (Chroma filters it with $contains)
    assert all(isinstance(v, str | int | float | bool) or (isinstance(v, list) and all(isinstance(n, str) for n in v))
               for v in metadata.values())
    unknown = chunk_transcript(_transcript([_segment(0, 1, "one")]), INFO, "auto")[0].metadata
    assert not {"speaker", "speakers"} & unknown.keys()
    mixed = chunk_transcript(_transcript([_segment(0, 1, "one", "A"), _segment(1, 2, "two")]), INFO, "auto")
    assert mixed[0].metadata["speakers"] == ["A"]
    assert "speaker" not in mixed[0].metadata  # one segment's speaker is unknown


def test_silent_segments_are_skipped_and_no_speech_gives_no_chunks() -> None:
    segments = [_segment(0, 1, "one"), Segment(start=1, end=2, text="  "), _segment(2, 3, "two")]
    (document,) = chunk_transcript(_transcript(segments), INFO, "auto")
    assert document.page_content == "one two"
    assert chunk_transcript(_transcript([]), INFO, "auto") == []


def test_chunk_ids_are_stable_and_distinct() -> None:
    one = chunk_id("a.flac", "ff" * 32, "auto", 0)
    assert one == chunk_id("a.flac", "ff" * 32, "auto", 0)
    assert len(one) == 32
    assert int(one, 16) >= 0
    others = {chunk_id("b.flac", "ff" * 32, "auto", 0), chunk_id("a.flac", "ee" * 32, "auto", 0),
              chunk_id("a.flac", "ff" * 32, "faster-whisper", 0), chunk_id("a.flac", "ff" * 32, "auto", 1)}
    assert one not in others
    assert len(others) == 4
    # fields cannot run into each other
    assert chunk_id("a", "b", "c1", 0) != chunk_id("a", "b", "c", 10)


def test_default_chunks_span_at_most_30_seconds() -> None:
    assert DEFAULT_CHUNK_OPTIONS.max_seconds <= 30
    segments = [_segment(i * 4.0, i * 4.0 + 3.5, "some words said here") for i in range(100)]
    documents = chunk_transcript(_transcript(segments), INFO, "auto")
    assert all(d.metadata["end"] - d.metadata["start"] <= 30 for d in documents)
    assert [d.metadata["chunk_index"] for d in documents] == list(range(len(documents)))
    assert {d.metadata["chunk_count"] for d in documents} == {len(documents)}


@pytest.mark.parametrize("options", [dict(max_chars=0, max_seconds=30), dict(max_chars=10, max_seconds=0),
                                     dict(max_chars=10, max_seconds=float("inf")),
                                     dict(max_chars=10, max_seconds=30, overlap_segments=-1),
                                     dict(max_chars=True, max_seconds=30)])
def test_bad_options_are_refused(options: dict) -> None:
    with pytest.raises(InvalidInputError):
        ChunkOptions(**options)


def test_chunk_segments_refuses_foreign_metadata() -> None:
    transcript = _transcript([_segment(0, 1, "one")])
    with pytest.raises(InvalidInputError, match="metadata"):
        chunk_segments(transcript, {"source": "x"})
    with pytest.raises(InvalidInputError, match="another transcript"):
        chunk_segments(transcript, {"first_segment": 0, "last_segment": 3, "start": 0.0, "end": 1.0})


def test_a_chunk_does_not_end_on_a_question() -> None:
    segments = [_segment(0, 4, "We shipped it."), _segment(5, 9, "When is the launch?"),
                _segment(10, 14, "The launch is on March 14."), _segment(15, 19, "Good.")]
    options = ChunkOptions(max_chars=1000, max_seconds=10)  # two segments fit
    assert _spans(chunk_transcript(_transcript(segments), INFO, "auto", options)) == [(0, 0), (1, 2), (3, 3)]
    apart = ChunkOptions(max_chars=1000, max_seconds=10, keep_question_with_reply=False)
    assert _spans(chunk_transcript(_transcript(segments), INFO, "auto", apart)) == [(0, 1), (2, 3)]
    alone = ChunkOptions(max_chars=1000, max_seconds=4.5)  # one segment fits: the question stays
    assert _spans(chunk_transcript(_transcript(segments), INFO, "auto", alone)) == [(i, i) for i in range(4)]


def test_passages_of_chunks_have_ids_from_their_chunk_and_flat_metadata() -> None:
    segments = [_segment(0.0, 2.0, "Hello there. How are you?", "A"), _segment(2.5, 4.0, "Fine thanks.", "B"),
                _segment(5.0, 6.0, "Good.", "A")]
    transcript = _transcript(segments)
    chunks = chunk_transcript(transcript, INFO, "faster-whisper", ChunkOptions(40, 30, overlap_segments=1))
    found = chunk_passages(transcript, chunks)
    assert [c.metadata["passage_count"] for c in chunks] == [3, 2]
    assert len(found) == 5
    first = found[0]
    assert first.id == passage_id(str(chunks[0].id), 0)
    assert first.page_content == "Hello there."
    assert first.metadata == {
        "source": "calls/sync.flac", "source_sha256": "ab" * 32, "stt_spec": "faster-whisper",
        "chunk_id": chunks[0].id, "chunk_index": 0, "passage_index": 0, "start": 0.0, "end": pytest.approx(0.8),
        "first_segment": 0, "last_segment": 0, "question": False, "words": "hello there", "speaker": "A",
    }
    assert found[1].metadata["question"] is True
    assert len({d.id for d in found}) == 5  # a passage repeated by the overlap has an id per chunk
    # stored and read back, a passage is the one citations cut from the chunk's segments
    again = [passage_from(d.page_content, d.metadata) for d in found[3:]]
    assert again == passages(chunk_segments(transcript, chunks[1].metadata))
    assert passage_id(str(chunks[0].id), 1) != passage_id(str(chunks[1].id), 1)
