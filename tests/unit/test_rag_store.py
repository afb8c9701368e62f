"""The meeting store on a real embedded Chroma: ids, idempotence, remove, sync, moves, rebuild, generations.

Recordings are the real example meetings; their transcripts are seeded from truth.json
(:mod:`helpers.meeting_store`), so no speech-to-text model runs here, and embeddings are a
deterministic stand-in, for speed.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.meeting_store import STT, fake_embeddings, meeting_files, seed_transcripts, sha256_of, truth_transcript
from helpers.scripted_chat import ScriptedChatModel
from langchain_core.messages import AIMessage

import audio_tools.stt
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.rag.answers import ask
from audio_tools.rag.chunks import DEFAULT_CHUNK_OPTIONS, ChunkOptions, chunk_id, passage_id
from audio_tools.rag.reports import IngestEvent
from audio_tools.rag.search import search
from audio_tools.rag.store import RecordingStore
from audio_tools.rag.transcripts import TranscriptStore


@pytest.fixture
def files(settings: Settings) -> dict[str, Path]:
    found = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, found)
    return found


@pytest.fixture
def no_transcription(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything runs speech-to-text (every transcript here is seeded)."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("speech-to-text ran, though a stored transcript of the same content was there")

    monkeypatch.setattr(audio_tools.stt, "transcribe", refuse)


@pytest.fixture
def store(settings: Settings, no_transcription: None) -> Iterator[RecordingStore]:
    made = RecordingStore(settings, embeddings=fake_embeddings())
    yield made
    made.close()


def _ids(store: RecordingStore, source: str | None = None) -> set[str]:
    with store.reading():
        collection = store._collection()
        if collection is None:
            return set()
        return set(collection.get(where={"source": source} if source else None, include=[])["ids"])


def _passages(store: RecordingStore, source: str | None = None) -> dict[str, dict]:
    """The stored passages (of one source): id -> text, metadata and vector."""
    with store.reading():
        collection = store._passage_collection()
        if collection is None:
            return {}
        found = collection.get(where={"source": source} if source else None,
                               include=["documents", "metadatas", "embeddings"])
    return {i: {"text": t, "metadata": m, "vector": [round(float(x), 6) for x in v]}
            for i, t, m, v in zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"],
                                  strict=True)}


def _expected_passages(store: RecordingStore, source: str | None = None) -> set[str]:
    """The passage ids the stored chunks count."""
    with store.reading():
        collection = store._collection()
        assert collection is not None
        found = collection.get(where={"source": source} if source else None, include=["metadatas"])
    return {passage_id(i, n) for i, m in zip(found["ids"], found["metadatas"], strict=True)
            for n in range(int(m["passage_count"]))}


def _generation(store: RecordingStore) -> int:
    return store.info().generation


def test_ingest_folder_gives_deterministic_ids_and_reingest_adds_nothing(
        store: RecordingStore, files: dict[str, Path]) -> None:
    events: list[IngestEvent] = []
    report = store.ingest("meetings", stt=STT, progress=events.append)

    assert [f.outcome for f in report.files] == ["added"] * 3
    assert not any(f.transcribed for f in report.files)
    sources = sorted(f.source or "" for f in report.files)
    assert sources == ["meetings/design_review.flac", "meetings/review_opening.flac", "meetings/support_weekly.flac"]
    for outcome in report.files:
        sha = sha256_of(files[Path(outcome.path).stem])
        expected = {chunk_id(outcome.source or "", sha, STT, i) for i in range(outcome.chunks)}
        assert _ids(store, outcome.source) == expected
    assert store.info().chunks == report.chunks_added
    assert [e.stage for e in events if e.index == 0] == ["checking", "embedding", "writing", "done"]

    generation = _generation(store)
    again = store.ingest(["meetings/*.flac"], stt=STT)
    assert [f.outcome for f in again.files] == ["unchanged"] * 3
    assert again.chunks_added == again.chunks_removed == 0
    assert _generation(store) == generation  # nothing changed, nothing bumped


def test_each_change_bumps_the_generation_twice(store: RecordingStore, files: dict[str, Path]) -> None:
    assert store.info().generation == 0
    store.ingest("meetings/design_review.flac", stt=STT)
    assert store.info().generation == 2
    store.remove("meetings/design_review.flac")
    assert store.info().generation == 4


def test_a_pattern_matching_a_file_and_a_link_to_it_ingests_it_once(store: RecordingStore,
                                                                   files: dict[str, Path]) -> None:
    (files["design_review"].parent / "review_link.flac").symlink_to(files["design_review"])
    report = store.ingest("meetings/*.flac", stt=STT)
    assert sorted(f.source or "" for f in report.files) == [
        "meetings/design_review.flac", "meetings/review_opening.flac", "meetings/support_weekly.flac"]


def test_identical_files_at_two_paths_do_not_collide(store: RecordingStore, files: dict[str, Path],
                                                     settings: Settings) -> None:
    copy = Path(shutil.copy(files["support_weekly"], settings.workspace / "copy_of_weekly.flac"))
    report = store.ingest([files["support_weekly"], copy], stt=STT)
    assert [f.outcome for f in report.files] == ["added", "added"]
    first, second = (_ids(store, f.source) for f in report.files)
    assert first and second and not first & second


def test_changed_content_replaces_the_chunks(store: RecordingStore, files: dict[str, Path],
                                             settings: Settings) -> None:
    target = files["design_review"]
    store.ingest(target, stt=STT)
    before = _ids(store, "meetings/design_review.flac")
    shutil.copy(files["support_weekly"], target)  # new content at the same path
    seed_transcripts(settings, {"support_weekly": target})
    report = store.ingest(target, stt=STT)
    (outcome,) = report.files
    assert outcome.outcome == "replaced"
    assert outcome.removed == len(before)
    after = _ids(store, "meetings/design_review.flac")
    assert after and not before & after
    assert store.info().chunks == len(after)


def test_another_stt_spec_is_a_change(store: RecordingStore, files: dict[str, Path], settings: Settings) -> None:
    store.ingest(files["support_weekly"], stt=STT)
    better = "faster-whisper:tiny.en"
    seed_transcripts(settings, {"support_weekly": files["support_weekly"]}, spec=better)
    (outcome,) = store.ingest(files["support_weekly"], stt=better).files
    assert outcome.outcome == "replaced"
    specs = {s.stt_spec for s in store.list_sources()}
    assert specs == {better}


def test_a_stored_transcript_is_reused_after_the_chunk_options_change(
        settings: Settings, files: dict[str, Path], no_transcription: None) -> None:
    first = RecordingStore(settings, embeddings=fake_embeddings())
    first.ingest(files["design_review"], stt=STT)
    before = first.info().chunks
    first.close()
    finer = ChunkOptions(max_chars=120, max_seconds=10.0, overlap_segments=0)
    assert finer != DEFAULT_CHUNK_OPTIONS
    second = RecordingStore(settings, embeddings=fake_embeddings(), chunk_options=finer)
    (outcome,) = second.ingest(files["design_review"], stt=STT).files
    assert outcome.outcome == "replaced" and not outcome.transcribed
    assert second.info().chunks == outcome.chunks > before
    assert second.ingest(files["design_review"], stt=STT).files[0].outcome == "unchanged"
    second.close()


def test_remove_drops_one_source(store: RecordingStore, files: dict[str, Path]) -> None:
    store.ingest("meetings", stt=STT)
    count = len(_ids(store, "meetings/support_weekly.flac"))
    assert store.remove("meetings/support_weekly.flac") == count
    with pytest.raises(InvalidInputError, match=r"meetings/support_weekly.flac is not in the store .*store list"):
        store.remove("./meetings/support_weekly.flac")
    assert {s.source for s in store.list_sources()} == {"meetings/design_review.flac", "meetings/review_opening.flac"}
    # Its transcript stays: adding it back transcribes nothing.
    (outcome,) = store.ingest(files["support_weekly"], stt=STT).files
    assert outcome.outcome == "added" and not outcome.transcribed


def test_removing_from_an_empty_store_names_the_recording(store: RecordingStore) -> None:
    with pytest.raises(InvalidInputError, match=r"nope\.flac is not in the store"):
        store.remove("nope.flac")


def test_sync_drops_deleted_files_and_rekeys_moved_ones(store: RecordingStore, files: dict[str, Path],
                                                        settings: Settings) -> None:
    store.ingest("meetings", stt=STT)
    old_ids = _ids(store, "meetings/design_review.flac")
    with store.reading():
        collection = store._collection()
        assert collection is not None
        old_vectors = collection.get(ids=sorted(old_ids), include=["embeddings", "documents"])
    files["support_weekly"].unlink()
    moved = settings.workspace / "archive" / "2026" / "review.flac"
    moved.parent.mkdir(parents=True)
    files["design_review"].rename(moved)

    report = store.sync()

    assert report.removed == ["meetings/support_weekly.flac"]
    assert report.moved == [("meetings/design_review.flac", "archive/2026/review.flac")]
    assert report.kept == ["meetings/review_opening.flac"]
    sha = sha256_of(moved)
    new_ids = _ids(store, "archive/2026/review.flac")
    assert new_ids == {chunk_id("archive/2026/review.flac", sha, STT, i) for i in range(len(old_ids))}
    assert not _ids(store, "meetings/design_review.flac")
    with store.reading():
        collection = store._collection()
        assert collection is not None
        now = collection.get(ids=sorted(new_ids), include=["embeddings", "documents", "metadatas"])
    assert sorted(now["documents"]) == sorted(old_vectors["documents"])
    kept = np.array(sorted(map(tuple, now["embeddings"].tolist())))
    assert np.allclose(kept, sorted(map(tuple, old_vectors["embeddings"].tolist())), atol=1e-6)  # not embedded again
    assert {m["title"] for m in now["metadatas"]} == {"design review"}  # the recording's labels stay
    # A moved file is then unchanged where it is now.
    assert store.ingest(moved, stt=STT).files[0].outcome == "unchanged"
    assert store.sync().kept == ["archive/2026/review.flac", "meetings/review_opening.flac"]


def test_sync_reports_a_changed_file_and_leaves_it(store: RecordingStore, files: dict[str, Path]) -> None:
    store.ingest(files["design_review"], stt=STT)
    before = _ids(store)
    shutil.copy(files["support_weekly"], files["design_review"])
    report = store.sync()
    assert report.changed == ["meetings/design_review.flac"]
    assert _ids(store) == before


def test_other_embeddings_are_refused_until_a_rebuild(settings: Settings, files: dict[str, Path],
                                                      no_transcription: None) -> None:
    first = RecordingStore(settings, embeddings=fake_embeddings(64))
    first.ingest("meetings", stt=STT)
    ids = _ids(first)
    generation = first.info().generation
    first.close()

    other = RecordingStore(settings, embeddings=fake_embeddings(32))
    with pytest.raises(InvalidInputError, match=r"store rebuild") as refused:
        other.ingest(files["design_review"], stt=STT)
    assert "64 dimensions" in str(refused.value)
    with pytest.raises(InvalidInputError, match=r"store rebuild"):
        search(other, "launch date")

    assert other.rebuild() == len(ids)
    info = other.info()
    assert info.embedding_dimension == 32
    assert info.generation > generation
    assert info.lexical_current and not info.rebuild_pending
    assert _ids(other) == ids  # the same chunks, from the stored transcripts
    assert search(other, "Spanish translation", k=2)
    other.close()


def test_an_interrupted_rebuild_blocks_changes_until_it_is_run_again(
        store: RecordingStore, files: dict[str, Path]) -> None:
    store.ingest("meetings", stt=STT)
    ids = _ids(store)
    sources = [{"source": s.source, "sha256": s.source_sha256, "stt_spec": s.stt_spec, "title": s.title,
                "recorded_at": s.recorded_at} for s in store.list_sources()]
    store._manifest_path().write_text(json.dumps({"sources": sources}))  # as a rebuild killed midway leaves it
    with store.reading():
        collection = store._collection()
        assert collection is not None
        collection.delete(ids=sorted(ids)[:3])  # ... after writing part of the new collection
    assert store.info().rebuild_pending
    with pytest.raises(InvalidInputError, match=r"rebuild .* interrupted"):
        store.ingest(files["design_review"], stt=STT)
    assert store.rebuild() == len(ids)
    assert _ids(store) == ids and not store.info().rebuild_pending


def test_rebuild_refuses_when_a_transcript_is_missing(store: RecordingStore, files: dict[str, Path],
                                                      settings: Settings) -> None:
    store.ingest("meetings", stt=STT)
    transcripts = TranscriptStore(settings.store_path / "transcripts")
    transcripts.path(sha256_of(files["support_weekly"]), STT).unlink()
    with pytest.raises(InvalidInputError, match=r"support_weekly\.flac"):
        RecordingStore(settings, embeddings=fake_embeddings()).rebuild()
    assert not store.info().rebuild_pending


def test_transcripts_are_kept_by_content_and_reused_by_a_new_store(
        settings: Settings, files: dict[str, Path], tmp_path: Path) -> None:
    path = TranscriptStore(settings.store_path / "transcripts").path(sha256_of(files["design_review"]), STT)
    assert path.is_file() and path.name.startswith(sha256_of(files["design_review"]))
    other = RecordingStore(settings, location=tmp_path / "other-store", embeddings=fake_embeddings())
    (outcome,) = other.ingest(files["design_review"], stt=STT).files
    assert outcome.outcome == "added" and not outcome.transcribed
    assert (tmp_path / "other-store" / "chroma").is_dir()
    other.close()


def test_a_file_that_fails_does_not_stop_the_others(store: RecordingStore, files: dict[str, Path],
                                                    settings: Settings) -> None:
    (settings.workspace / "meetings" / "notes.wav").write_bytes(b"not audio at all")
    report = store.ingest(["meetings", "nowhere/*.mp3"], stt=STT)
    outcomes = {f.path: f for f in report.files}
    assert outcomes["nowhere/*.mp3"].outcome == "failed"
    assert outcomes["meetings/notes.wav"].outcome == "failed" and outcomes["meetings/notes.wav"].reason
    assert report.count("added") == 3 and not report.ok


def test_search_filters_and_citations(store: RecordingStore, files: dict[str, Path]) -> None:
    store.ingest("meetings", stt=STT)
    hits = search(store, "Spanish translation deadline", k=3)
    assert hits[0].cite_start >= hits[0].start and hits[0].cite_end <= hits[0].end
    assert "Spanish" in hits[0].cite_text
    assert all(h.source == "meetings/support_weekly.flac"
               for h in search(store, "Spanish translation", k=5, source="meetings/support_weekly.flac"))
    phrase = search(store, "buttons", k=5, phrase="dark blue")
    assert phrase and all("dark blue" in h.text for h in phrase)
    assert not search(store, "buttons", k=5, phrase="Dark Blue")  # exact, case-sensitive, as Chroma's $contains
    later = store.list_sources()[0].recorded_at + 1
    assert not search(store, "buttons", k=5, recorded_after=later)
    assert search(store, "buttons", k=5, recorded_before=later)


def test_hits_and_answers_never_cite_one_moment_twice(store: RecordingStore, files: dict[str, Path]) -> None:
    # Chunks repeat a segment of the one before, so two chunks often cite the same sentence.
    store.ingest([files["design_review"], files["support_weekly"]], stt=STT)
    for query in ("when is the launch", "What caused the increase in tickets?", "password reset"):
        hits = search(store, query, k=3)
        assert len(hits) == 3, query  # filled from the next candidates
        assert hits[0] == search(store, query, k=1)[0]  # the better of two is kept
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        for a, b in itertools.combinations(hits, 2):
            assert a.source != b.source or min(a.cite_end, b.cite_end) <= max(a.cite_start, b.cite_start), query
    llm = ScriptedChatModel(messages=iter([AIMessage("Early April [1], or later [2] [3].")]))
    answer = ask(store, "when is the launch", k=3, llm=llm)
    labels = [c.label for c in answer.citations]
    assert len(labels) == 3 and len(set(labels)) == 3


def test_speaker_filter_keeps_only_that_speakers_chunks(settings: Settings, files: dict[str, Path],
                                                        no_transcription: None) -> None:
    one_turn_each = ChunkOptions(max_chars=60, max_seconds=30.0)
    store = RecordingStore(settings, embeddings=fake_embeddings(), chunk_options=one_turn_each)
    store.ingest(files["support_weekly"], stt=STT)
    hits = search(store, "help article about password resets", k=10, speaker="C")
    truth = {t.text for t in truth_transcript("support_weekly").segments if t.speaker == "C"}
    assert hits and all(h.speaker == "C" for h in hits)
    assert {h.text for h in hits} <= truth
    store.close()


def test_location_urls_are_checked(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="HOST:PORT"):
        RecordingStore(settings, location="http://localhost:8000/some/path", embeddings=fake_embeddings())
    store = RecordingStore(settings, location="http://127.0.0.1:9", embeddings=fake_embeddings())
    assert store.server and store.location == "http://127.0.0.1:9"


def test_an_unreachable_server_is_named_with_what_to_do(settings: Settings) -> None:
    store = RecordingStore(settings, location="http://127.0.0.1:9", embeddings=fake_embeddings())
    with pytest.raises(BackendUnavailableError, match=r"http://127\.0\.0\.1:9 .*chroma run"):
        store.info()


def test_the_collection_is_a_langchain_vector_store(store: RecordingStore, files: dict[str, Path]) -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        _ = store.vectorstore
    store.ingest(files["design_review"], stt=STT)
    with store.reading():
        found = store.vectorstore.similarity_search("When can the new website go live?", k=2,
                                                    filter={"source": "meetings/design_review.flac"})
    assert len(found) == 2 and all(d.metadata["source"] == "meetings/design_review.flac" for d in found)


def test_passages_follow_their_chunks(store: RecordingStore, files: dict[str, Path], settings: Settings) -> None:
    store.ingest("meetings", stt=STT)
    stored = _passages(store)
    assert set(stored) == _expected_passages(store) and len(stored) > _ids(store).__len__()
    sample = next(iter(stored.values()))
    assert all(isinstance(v, str | int | float | bool) for v in sample["metadata"].values())
    assert store.ingest("meetings", stt=STT).chunks_added == 0 and _passages(store) == stored

    assert store.remove("meetings/support_weekly.flac") > 0
    assert not _passages(store, "meetings/support_weekly.flac")
    assert set(_passages(store)) == _expected_passages(store)

    target = files["design_review"]
    shutil.copy(files["support_weekly"], target)  # new content at the same path
    seed_transcripts(settings, {"support_weekly": target})
    before = set(_passages(store, "meetings/design_review.flac"))
    assert store.ingest(target, stt=STT).files[0].outcome == "replaced"
    after = set(_passages(store, "meetings/design_review.flac"))
    assert after == _expected_passages(store, "meetings/design_review.flac") and not before & after


def test_passages_get_a_sparse_graph_and_chunks_the_default(store: RecordingStore, files: dict[str, Path]) -> None:
    store.ingest("meetings", stt=STT)
    with store.reading():
        chunks = store._collection()
        passages = store._passage_collection()
    assert chunks is not None and passages is not None
    graph = passages.configuration["hnsw"]
    assert (graph["ef_construction"], graph["max_neighbors"], graph["space"]) == (8, 4, "cosine")
    assert (chunks.configuration["hnsw"]["ef_construction"], chunks.configuration["hnsw"]["max_neighbors"]) == (100, 16)


def test_missing_and_left_over_passages_are_put_right_by_the_next_ingest(
        store: RecordingStore, files: dict[str, Path]) -> None:
    store.ingest("meetings", stt=STT)
    clean = _passages(store)
    chunks = _ids(store)
    with store.reading():  # as a run killed between writing chunks and passages could leave them
        collection = store._passage_collection()
        assert collection is not None
        collection.delete(ids=sorted(clean)[:4])
        collection.upsert(ids=["0" * 32], documents=["left over"], embeddings=[[0.5] * 64],
                          metadatas=[{**next(iter(clean.values()))["metadata"], "passage_index": 999}])
    report = store.ingest("meetings", stt=STT)
    assert report.chunks_added == report.chunks_removed == 0  # the chunks were right
    assert _ids(store) == chunks and _passages(store) == clean
    assert [f.outcome for f in store.ingest("meetings", stt=STT).files] == ["unchanged"] * 3


def test_moved_and_rebuilt_stores_keep_their_passages(store: RecordingStore, files: dict[str, Path],
                                                      settings: Settings) -> None:
    store.ingest("meetings", stt=STT)
    old = _passages(store, "meetings/design_review.flac")
    moved = settings.workspace / "archive" / "review.flac"
    moved.parent.mkdir()
    files["design_review"].rename(moved)
    assert store.sync().moved == [("meetings/design_review.flac", "archive/review.flac")]
    assert not _passages(store, "meetings/design_review.flac")
    now = _passages(store, "archive/review.flac")
    assert set(now) == _expected_passages(store, "archive/review.flac") and not set(now) & set(old)
    kept, before = (sorted((p["text"], p["vector"]) for p in found.values()) for found in (now, old))
    assert [t for t, _ in kept] == [t for t, _ in before]
    assert np.allclose([v for _, v in kept], [v for _, v in before], atol=1e-5)  # not embedded again
    everything = _passages(store)
    assert store.rebuild() == len(_ids(store))
    rebuilt = _passages(store)
    assert set(rebuilt) == set(everything)
    assert all(rebuilt[i]["text"] == p["text"] and rebuilt[i]["metadata"] == p["metadata"]
               for i, p in everything.items())


def test_search_cites_from_the_stored_passages_without_the_transcripts(
        settings: Settings, files: dict[str, Path], no_transcription: None) -> None:
    first = RecordingStore(settings, embeddings=fake_embeddings())
    first.ingest("meetings", stt=STT)
    with_transcripts = search(first, "When can the new version go live?", k=3)
    first.close()
    shutil.rmtree(settings.store_path / "transcripts")
    second = RecordingStore(settings, embeddings=fake_embeddings())
    without = search(second, "When can the new version go live?", k=3)
    second.close()
    assert [(h.id, h.cite_start, h.cite_end, h.cite_text) for h in without] == [
        (h.id, h.cite_start, h.cite_end, h.cite_text) for h in with_transcripts]
    assert all(h.start <= h.cite_start <= h.cite_end <= h.end for h in without)
