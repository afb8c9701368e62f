"""Speaker labels in the store: which stored labels an ingest reuses, and renaming speakers.

The store is a real embedded Chroma with the example meetings; transcripts are seeded from
truth.json (speakers A, B, C) and embeddings are a stand-in, so no model runs here. Chunks are
one turn each (no overlap): with the default overlap of one segment, turns that alternate give
no chunk a single speaker, and the ``speaker`` filter has nothing to find.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.meeting_store import STT, fake_embeddings, meeting_files, seed_transcripts, truth_transcript
from typer.testing import CliRunner

import audio_tools.stt
from audio_tools.agents.cli.main import app
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.rag.chunks import ChunkOptions
from audio_tools.rag.search import search
from audio_tools.rag.speaker_labels import check_speaker_name, labels_fit, renamed_metadata, stored_labels
from audio_tools.rag.store import RecordingStore
from audio_tools.transcript import Transcript

SOURCE = "meetings/design_review.flac"
ONE_TURN = ChunkOptions(max_chars=120, max_seconds=20.0, overlap_segments=0)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Speech-to-text replaced by the truth transcript, relabelled; each call's ``speakers`` noted."""
    seen: list[object] = []

    def fake(*args: object, speakers: object = None, **kwargs: object) -> Transcript:
        seen.append(speakers)
        return truth_transcript("design_review")

    monkeypatch.setattr(audio_tools.stt, "transcribe", fake)
    return seen


@pytest.fixture
def store(settings: Settings, calls: list[object]) -> Iterator[RecordingStore]:
    seed_transcripts(settings, meeting_files(settings.workspace / "meetings"))
    made = RecordingStore(settings, embeddings=fake_embeddings(), chunk_options=ONE_TURN)
    yield made
    made.close()


def _speaker_chunks(store: RecordingStore, speaker: str, source: str | None = SOURCE) -> set[str]:
    where = {"$and": [{"speaker": speaker}, {"source": source}]} if source else {"speaker": speaker}
    with store.reading():
        collection = store._collection()
        assert collection is not None
        return set(collection.get(where=where, include=[])["ids"])  # type: ignore[arg-type]


def test_names_are_checked() -> None:
    assert check_speaker_name("  Tom ") == "Tom"
    for bad in ("", "   ", "x" * 65, "To\nm", "Tom\x00", "Tom,Ana"):
        with pytest.raises(InvalidInputError):
            check_speaker_name(bad)


def test_labels_fit_the_option() -> None:
    assert labels_fit([], None) and not labels_fit(["S1"], None)
    assert labels_fit(["S1"], "auto") and not labels_fit([], "auto")
    assert labels_fit(["S1", "S2"], 2) and not labels_fit(["S1", "S2"], 3)
    assert stored_labels([{"chunk_index": 1, "speakers": "S2,S3"}, {"chunk_index": 0, "speakers": "S1,S2"},
                          {"chunk_index": 2}]) == ["S1", "S2", "S3"]


def test_renamed_metadata_without_a_transcript_maps_names_and_merges() -> None:
    merged = renamed_metadata({"speakers": "S1,S2", "start": 1.0}, "S1", "S2", None)
    assert merged == {"speakers": ["S2"], "start": 1.0}
    assert renamed_metadata({"speakers": ["S1"], "speaker": "S1"}, "S1", "Tom", None) == {"speakers": ["Tom"],
                                                                                          "speaker": "Tom"}


def test_labelled_stored_transcripts_are_reused_by_default(store: RecordingStore, calls: list[object]) -> None:
    report = store.ingest("meetings", stt=STT)
    assert report.ok and calls == []
    outcome = next(f for f in report.files if f.source == SOURCE)
    assert outcome.speakers == ["A", "B", "C"]
    again = next(f for f in store.ingest("meetings", stt=STT).files if f.source == SOURCE)
    assert again.outcome == "unchanged" and again.speakers == ["A", "B", "C"]


def test_a_count_that_differs_transcribes_again_and_none_drops_labels_without(
        store: RecordingStore, calls: list[object]) -> None:
    store.ingest(SOURCE, stt=STT)
    assert store.ingest(SOURCE, stt=STT, speakers=3).files[0].outcome == "unchanged"
    assert calls == []
    store.ingest(SOURCE, stt=STT, speakers=2)
    assert calls == [2]
    dropped = store.ingest(SOURCE, stt=STT, speakers=None).files[0]
    assert calls == [2] and not dropped.transcribed and dropped.speakers == []
    assert dropped.outcome == "replaced"
    transcript = store.transcript(SOURCE)
    assert transcript is not None and transcript.speakers == []
    with pytest.raises(InvalidInputError):
        store.ingest(SOURCE, stt=STT, speakers=0)  # type: ignore[arg-type]


def test_rename_changes_transcript_and_chunks_only(store: RecordingStore, calls: list[object]) -> None:
    store.ingest("meetings", stt=STT)
    before = _speaker_chunks(store, "A")
    generation = store.info().generation
    assert before

    changed = store.rename_speaker(SOURCE, "A", "Tom")

    assert changed >= len(before)
    assert _speaker_chunks(store, "Tom") >= before and not (_speaker_chunks(store, "A") & before)
    assert store.info().generation == generation + 2
    transcript = store.transcript(SOURCE)
    assert transcript is not None and transcript.speakers == ["Tom", "B", "C"]
    hits = search(store, "design review website", 5, source=SOURCE, speaker="Tom")
    assert hits and all(h.speaker == "Tom" for h in hits)
    assert search(store, "design review website", 5, source=SOURCE, speaker="A") == []
    # The other meeting keeps its own labels; nothing was transcribed; a re-ingest keeps the names.
    assert _speaker_chunks(store, "A", "meetings/review_opening.flac")
    assert calls == []
    again = next(f for f in store.ingest("meetings", stt=STT).files if f.source == SOURCE)
    assert again.outcome == "unchanged" and again.speakers == ["Tom", "B", "C"]
    # Run again, it finds nothing left to rename.
    with pytest.raises(InvalidInputError, match="No speaker 'A'"):
        store.rename_speaker(SOURCE, "A", "Tom")


def test_rename_merges_two_speakers_and_refuses_bad_input(store: RecordingStore) -> None:
    store.ingest(SOURCE, stt=STT)
    store.rename_speaker(SOURCE, "C", "B")
    transcript = store.transcript(SOURCE)
    assert transcript is not None and transcript.speakers == ["A", "B"]
    assert not _speaker_chunks(store, "C")
    with pytest.raises(InvalidInputError):
        store.rename_speaker(SOURCE, "A", "")
    with pytest.raises(InvalidInputError, match="not in the store"):
        store.rename_speaker("meetings/nothing.flac", "A", "Tom")


@pytest.mark.parametrize("as_json", [False, True])
def test_renaming_a_speaker_to_its_own_name_says_nothing_changed(store: RecordingStore, settings: Settings,
                                                                  as_json: bool) -> None:
    store.ingest(SOURCE, stt=STT)
    generation = store.info().generation
    transcripts = {p: p.stat().st_mtime_ns for p in (settings.store_path / "transcripts").rglob("*.json")}
    args = ["--workspace", str(settings.workspace), "store", "rename-speaker", SOURCE, "A", " A "]
    result = CliRunner().invoke(app, [*args, *(["--json"] if as_json else [])])
    assert result.exit_code == 0, result.output
    if as_json:
        assert json.loads(result.stdout) == {"source": SOURCE, "old": "A", "new": "A", "chunks": 0}
    else:
        assert result.stdout == f"A is already called A in {SOURCE}; nothing changed.\n"
    assert store.info().generation == generation
    assert {p: p.stat().st_mtime_ns for p in transcripts} == transcripts  # nothing written
    with pytest.raises(InvalidInputError, match="No speaker 'Z'"):
        store.rename_speaker(SOURCE, "Z", "Z")


def test_a_rename_killed_between_transcript_and_chunks_converges(store: RecordingStore, settings: Settings) -> None:
    store.ingest(SOURCE, stt=STT)
    transcript = store.transcript(SOURCE)
    assert transcript is not None
    from audio_tools.rag.speaker_labels import renamed_transcript

    sha = next(iter(store.chunks(list(_speaker_chunks(store, "A"))).values())).metadata["source_sha256"]
    store.transcripts.save(str(sha), STT, renamed_transcript(transcript, "A", "Tom")[0])  # the transcript only
    assert _speaker_chunks(store, "A")
    assert store.rename_speaker(Path(settings.workspace, SOURCE).as_posix(), "A", "Tom") > 0
    assert not _speaker_chunks(store, "A") and _speaker_chunks(store, "Tom")


def _passages(store: RecordingStore) -> dict[str, tuple[str, str | None, float, list[float]]]:
    """Each stored passage of SOURCE: text, speaker, start (rounded) and vector."""
    with store.reading():
        collection = store._passage_collection()
        assert collection is not None
        found = collection.get(where={"source": SOURCE}, include=["documents", "metadatas", "embeddings"])
    return {i: (t, m.get("speaker"), round(float(m["start"]), 3), [float(x) for x in v])
            for i, t, m, v in zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"],
                                  strict=True)}


def _chunk_speakers(store: RecordingStore) -> dict[str, tuple[object, object, object]]:
    with store.reading():
        collection = store._collection()
        assert collection is not None
        found = collection.get(where={"source": SOURCE}, include=["metadatas"])
    return {i: (m.get("speaker"), m.get("speakers"), m.get("passage_count"))
            for i, m in zip(found["ids"], found["metadatas"], strict=True)}


def test_renames_and_merges_reach_the_passages_as_a_clean_ingest_cuts_them(
        settings: Settings, calls: list[object], tmp_path: Path) -> None:
    seed_transcripts(settings, meeting_files(settings.workspace / "meetings"))
    store = RecordingStore(settings, embeddings=fake_embeddings())  # default chunks: several speakers each
    store.ingest(SOURCE, stt=STT)
    generation = store.info().generation
    store.rename_speaker(SOURCE, "A", "Tom")
    store.rename_speaker(SOURCE, "C", "B")  # a merge: B's and C's turns are one speaker's now
    assert store.info().generation == generation + 4
    renamed = _passages(store)
    assert {s for _, s, _, _ in renamed.values()} == {"Tom", "B"}
    # a clean ingest of the renamed transcript (shared: same settings) into another store
    clean = RecordingStore(settings, location=tmp_path / "clean", embeddings=fake_embeddings())
    assert not clean.ingest(SOURCE, stt=STT).files[0].transcribed
    cut = _passages(clean)
    assert {i: p[:3] for i, p in renamed.items()} == {i: p[:3] for i, p in cut.items()}
    assert all(np.allclose(p[3], cut[i][3], atol=1e-6) for i, p in renamed.items())  # kept, not embedded again
    assert _chunk_speakers(store) == _chunk_speakers(clean)
    hits = search(store, "When can the new website go live?", 5, speaker="Tom")
    assert hits and all(h.speaker == "Tom" for h in hits)
    assert calls == []
    clean.close()
    store.close()


def test_a_speaker_search_cites_what_that_speaker_says(settings: Settings, calls: list[object]) -> None:
    seed_transcripts(settings, meeting_files(settings.workspace / "meetings"))
    store = RecordingStore(settings, embeddings=fake_embeddings())  # default chunks: several speakers each
    store.ingest("meetings", stt=STT)
    said = {speaker: {(start, text) for text, s, start, _ in _passages(store).values() if s == speaker}
            for speaker in ("A", "B", "C")}
    for speaker in ("A", "B", "C"):
        hits = search(store, "the buttons and the release date", 5, source=SOURCE, speaker=speaker)
        assert hits
        for hit in hits:  # the citation is one or more of that speaker's sentences, not another's
            assert (round(hit.cite_start, 3), hit.cite_text.split(". ")[0].split("? ")[0]) in {
                (start, text.split(". ")[0].split("? ")[0]) for start, text in said[speaker]}
    store.close()
