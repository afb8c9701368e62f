"""Transcripts kept by content and speech-to-text spec, written whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_tools.errors import InvalidInputError
from audio_tools.rag.transcripts import TranscriptStore
from audio_tools.transcript import Segment, Transcript

SHA = "ab" * 32


def _transcript(text: str = "Hello there.") -> Transcript:
    return Transcript(source="a.flac", language="en", duration_s=2.0, backend="pocketsphinx", model=None,
                      segments=[Segment(start=0.0, end=1.5, text=text)])


def test_saved_transcripts_come_back_by_content_and_spec(tmp_path: Path) -> None:
    store = TranscriptStore(tmp_path / "transcripts")
    path = store.save(SHA, "faster-whisper", _transcript())
    assert path.parent == tmp_path / "transcripts" and path.name.startswith(SHA)
    assert store.path(SHA, "faster-whisper:tiny.en") != path  # another spec, another file
    fresh = TranscriptStore(tmp_path / "transcripts")
    loaded = fresh.load(SHA, "faster-whisper")
    assert loaded is not None and loaded.segments[0].text == "Hello there."
    assert fresh.load(SHA, "pocketsphinx") is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # nothing partial left
    assert store.count() == 1


def test_an_unreadable_transcript_counts_as_missing(tmp_path: Path) -> None:
    store = TranscriptStore(tmp_path)
    store.path(SHA, "whisper").write_text("{not json")
    assert store.load(SHA, "whisper") is None


def test_a_new_save_replaces_the_old_one_and_the_cache_is_bounded(tmp_path: Path) -> None:
    store = TranscriptStore(tmp_path, cached=2)
    store.save(SHA, "a", _transcript("one"))
    store.save(SHA, "a", _transcript("two"))
    assert TranscriptStore(tmp_path).load(SHA, "a").segments[0].text == "two"  # type: ignore[union-attr]
    for spec in ("b", "c", "d"):
        store.save(SHA, spec, _transcript(spec))
    assert len(store._memory) == 2


def test_only_a_sha256_names_a_transcript(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        TranscriptStore(tmp_path).path("../../etc/passwd", "a")
