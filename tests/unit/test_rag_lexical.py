"""The BM25 side: terms, filters as masks, and the cache stamped with the collection's generation."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.meeting_store import STT, fake_embeddings, meeting_files, seed_transcripts

from audio_tools.config import Settings
from audio_tools.rag.chunks import ChunkOptions
from audio_tools.rag.filters import SearchFilters
from audio_tools.rag.lexical import POINTER_NAME, STALE_FOLDER_S, LexicalCache, LexicalIndex
from audio_tools.rag.store import RecordingStore

TEXTS = {
    "a": ("We received nine hundred tickets this week.",
          {"source": "weekly.flac", "speaker": "B", "speakers": ["B"], "recorded_at": 100.0}),
    "b": ("The buttons will be dark blue.",
          {"source": "review.flac", "speaker": "C", "speakers": ["C"], "recorded_at": 200.0}),
    "c": ("Tom finishes the Spanish translation by March 20th.", {"source": "review.flac", "recorded_at": 200.0}),
    "d": ("Most tickets were about password resets.",
          {"source": "weekly.flac", "speaker": "B", "speakers": ["B"], "recorded_at": 100.0}),
}


def _index(stamp: str = "1-aa") -> LexicalIndex:
    return LexicalIndex.build(stamp, list(TEXTS), [t for t, _ in TEXTS.values()], [m for _, m in TEXTS.values()])


def test_bm25_matches_terms_numbers_and_endings() -> None:
    index = _index()
    assert index.search("900 tickets", 1)[0][0] == "a"
    assert index.search("the twentieth of March", 1)[0][0] == "c"
    assert index.search("button", 1)[0][0] == "b"
    assert index.search("the of and", 5) == []  # only stopwords
    assert index.search("xylophone", 5) == []
    assert {i for i, _ in index.search("tickets", 5)} == {"a", "d"}


def test_filters_mask_the_bm25_scores() -> None:
    index = _index()
    assert {i for i, _ in index.search("tickets", 5, SearchFilters(source="weekly.flac"))} == {"a", "d"}
    assert index.search("tickets", 5, SearchFilters(source="review.flac")) == []
    assert {i for i, _ in index.search("buttons translation", 5, SearchFilters(speaker="C"))} == {"b"}
    assert {i for i, _ in index.search("tickets blue", 5, SearchFilters(recorded_after=150.0))} == {"b"}
    assert {i for i, _ in index.search("tickets blue", 5, SearchFilters(recorded_before=150.0))} == {"a", "d"}
    assert {i for i, _ in index.search("tickets", 5, SearchFilters(phrase="password"))} == {"d"}
    assert index.search("tickets", 5, SearchFilters(phrase="Password")) == []
    both = SearchFilters(source=("weekly.flac", "review.flac"))
    assert {i for i, _ in index.search("tickets buttons", 5, both)} == {"a", "b", "d"}


def test_cache_is_found_by_stamp_only(tmp_path: Path) -> None:
    cache = LexicalCache(tmp_path / "lexical" / "recordings")
    assert cache.stamp() is None and cache.get("1-aa") is None
    cache.put(_index("1-aa"))
    fresh = LexicalCache(cache.folder)  # another process: nothing in memory
    loaded = fresh.get("1-aa")
    assert loaded is not None and loaded.ids == list(TEXTS)
    assert loaded.search("900 tickets", 1) == _index().search("900 tickets", 1)
    assert fresh.get("2-bb") is None  # the collection changed since: rebuild
    assert LexicalCache(cache.folder).get("2-bb") is None


def test_a_new_index_replaces_the_pointer_and_old_folders_go_later(tmp_path: Path) -> None:
    cache = LexicalCache(tmp_path / "lexical")
    cache.put(_index("1-aa"))
    first = {p.name for p in cache.folder.iterdir() if p.is_dir()}
    cache.put(_index("3-cc"))
    folders = {p.name for p in cache.folder.iterdir() if p.is_dir()}
    assert first <= folders and len(folders) == 2  # the old one may still be being read
    old = cache.folder / first.pop()
    past = time.time() - STALE_FOLDER_S - 5
    os.utime(old, (past, past))
    cache.put(_index("5-dd"))
    assert not old.exists()
    assert LexicalCache(cache.folder).stamp() == "5-dd"
    assert not list(cache.folder.glob(f".{POINTER_NAME}*"))  # no partial pointer left


def test_a_pointer_to_a_missing_folder_means_no_index(tmp_path: Path) -> None:
    cache = LexicalCache(tmp_path / "lexical")
    cache.put(_index("1-aa"))
    for folder in (p for p in cache.folder.iterdir() if p.is_dir()):
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()
    assert LexicalCache(cache.folder).get("1-aa") is None


def test_an_empty_index_finds_nothing() -> None:
    assert LexicalIndex.build("0-x", [], [], []).search("anything", 3) == []


def test_a_store_rebuilds_its_index_when_another_changed_the_collection(settings: Settings) -> None:
    files = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, files)
    writer = RecordingStore(settings, embeddings=fake_embeddings())
    reader = RecordingStore(settings, embeddings=fake_embeddings())
    writer.ingest("meetings", stt=STT)
    before = reader.lexical_index()
    assert "meetings/support_weekly.flac" in set(before.columns.sources)
    assert writer.remove("meetings/support_weekly.flac")
    after = reader.lexical_index()
    assert after.stamp != before.stamp and after.stamp == reader.stamp()
    assert "meetings/support_weekly.flac" not in set(after.columns.sources)
    assert reader.info().lexical_current
    writer.close()
    reader.close()


def _full(store: RecordingStore) -> LexicalIndex:
    with store.reading():
        collection = store._collection()
        assert collection is not None
        found = collection.get(include=["documents", "metadatas", "embeddings"])
        return LexicalIndex.build(store.stamp() or "", found["ids"], found["documents"], found["metadatas"],
                                  found["embeddings"])


def _rows(index: LexicalIndex) -> list[tuple[object, ...]]:
    """Each chunk's id, text, terms, filter fields and vector row (rounded), by id."""
    assert index.vectors is not None
    return sorted((r.id, r.text, tuple(t), r.source, tuple(sorted(r.speakers)), r.recorded_at,
                   tuple(round(float(x), 5) for x in v))
                  for r, t, v in zip(index.rows, index.row_terms(), index.vectors, strict=True))


def test_the_journal_updates_the_index_as_a_full_rebuild_would(settings: Settings) -> None:
    files = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, files)
    writer = RecordingStore(settings, embeddings=fake_embeddings())
    reader = RecordingStore(settings, embeddings=fake_embeddings())
    writer.ingest("meetings/design_review.flac", stt=STT)
    assert reader.lexical_index().stamp == reader.stamp()
    writer.ingest("meetings", stt=STT)
    writer.remove("meetings/review_opening.flac")
    journal = (reader.lexical.folder / "changes.jsonl").read_text().splitlines()
    assert len(journal) == 4  # design_review; review_opening, support_weekly; the removal
    base = reader.lexical.latest()
    assert base is not None and base.stamp != reader.stamp()
    assert reader.lexical.changes(base.stamp, reader.stamp() or "") is not None
    updated = reader.lexical_index()
    full = _full(reader)
    assert _rows(updated) == _rows(full)
    for query in ("Spanish translation", "password resets", "twenty users"):
        assert sorted(updated.search(query, 5)) == sorted(full.search(query, 5))

    with writer.lock.writing("a test"):  # a change whose writer did not refresh the saved index
        collection = writer._collection()
        assert collection is not None
        writer._change(collection, delete=full.ids[:2])
    fresh = RecordingStore(settings, embeddings=fake_embeddings())  # loads the saved index, terms left on disk
    base = fresh.lexical.latest()
    assert base is not None and base.rows[0].terms is None
    assert _rows(fresh.lexical_index()) == _rows(_full(fresh))
    for store in (writer, reader, fresh):
        store.close()


def test_a_broken_journal_means_a_full_rebuild(settings: Settings) -> None:
    files = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, files)
    store = RecordingStore(settings, embeddings=fake_embeddings())
    store.ingest("meetings/design_review.flac", stt=STT)
    old = store.lexical_index().stamp
    store.ingest("meetings", stt=STT)
    journal = store.lexical.folder / "changes.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:-1]) + '\n{"from": "torn')  # the last change was not noted whole
    assert store.lexical.changes(old, store.stamp() or "") is None
    store.lexical._loaded = None
    with store.lock.writing("a test"):
        collection = store._collection()
        assert collection is not None
        store._bump(collection)  # stale now; only a full rebuild can catch up
    assert _rows(store.lexical_index()) == _rows(_full(store))


def _brute(vectors: np.ndarray, query: np.ndarray, keep: np.ndarray, n: int) -> list[str]:
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = units @ (query / np.linalg.norm(query))
    order = [i for i in np.argsort(-scores, kind="stable") if keep[i]]
    return [list(TEXTS)[i] for i in order[:n]]


def test_nearest_is_exact_brute_force_under_the_filters() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(len(TEXTS), 8)).astype(np.float32)
    index = LexicalIndex.build("1-aa", list(TEXTS), [t for t, _ in TEXTS.values()], [m for _, m in TEXTS.values()],
                               vectors)
    query = rng.normal(size=8).astype(np.float32)
    everything = np.ones(len(TEXTS), dtype=bool)
    found = index.nearest(query.tolist(), 3)
    assert found is not None and [i for i, _ in found] == _brute(vectors, query, everything, 3)
    unit = vectors[0] / np.linalg.norm(vectors[0])
    assert index.nearest(unit.tolist(), 1) == [("a", pytest.approx(0.0, abs=1e-6))]
    for filters in (SearchFilters(source="weekly.flac"), SearchFilters(speaker="C"),  # many rows, few rows
                    SearchFilters(recorded_after=150.0), SearchFilters(phrase="tickets")):
        keep = filters.mask(index.columns) > 0
        found = index.nearest(query, 10, filters)
        assert found is not None and [i for i, _ in found] == _brute(vectors, query, keep, 10)
        distances = [d for _, d in found]
        assert distances == sorted(distances) and all(-1e-6 <= d <= 2 + 1e-6 for d in distances)
    assert index.nearest(query, 5, SearchFilters(phrase="nowhere")) == []
    assert index.nearest(query[:4], 5) is None  # another dimension: ask Chroma
    assert _index().nearest(query, 5) is None  # no vectors kept
    assert index.nearest(query, 0) == []


def test_cache_keeps_the_vectors_and_an_older_format_counts_as_no_index(tmp_path: Path) -> None:
    vectors = np.arange(len(TEXTS) * 3, dtype=np.float32).reshape(len(TEXTS), 3) + 1
    cache = LexicalCache(tmp_path / "lexical")
    cache.put(LexicalIndex.build("1-aa", list(TEXTS), [t for t, _ in TEXTS.values()],
                                 [m for _, m in TEXTS.values()], vectors))
    loaded = LexicalCache(cache.folder).get("1-aa")
    assert loaded is not None and loaded.vectors is not None
    np.testing.assert_allclose(loaded.vectors, vectors / np.linalg.norm(vectors, axis=1, keepdims=True), rtol=1e-6)
    pointer = cache.folder / POINTER_NAME
    record = json.loads(pointer.read_text())
    del record["format"]  # saved before the vectors were kept
    pointer.write_text(json.dumps(record))
    assert LexicalCache(cache.folder).get("1-aa") is None and LexicalCache(cache.folder).stamp() is None


FILTERS = (
    SearchFilters(source="meetings/support_weekly.flac"),
    SearchFilters(source=("meetings/support_weekly.flac", "meetings/review_opening.flac")),
    SearchFilters(speaker="C"),
    SearchFilters(phrase="the"),
    SearchFilters(source="meetings/design_review.flac", phrase="the"),
    SearchFilters(recorded_after=0.0),
    SearchFilters(speaker="nobody"),
)


def test_filtered_dense_results_equal_chromas(settings: Settings) -> None:
    files = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, files)
    store = RecordingStore(settings, embeddings=fake_embeddings(),
                          chunk_options=ChunkOptions(max_chars=60, max_seconds=30.0))
    store.ingest("meetings", stt=STT)
    collection = store._collection()
    assert collection is not None and collection.count() > 10
    assert store.lexical_index().vectors is not None
    checked = 0
    for query in ("Spanish translation deadline", "buttons", "password resets", "budget"):
        vector = store.embeddings.embed_query(query)
        for filters in FILTERS:
            for n in (1, 5, 40):
                mine = store.dense(vector, n, filters)
                theirs = collection.query(query_embeddings=[vector], n_results=n, where=filters.where(),
                                          where_document=filters.where_document(),
                                          include=["documents", "metadatas", "distances"])
                assert [d for _, d in mine] == pytest.approx(theirs["distances"][0], abs=1e-4), (query, filters, n)
                # the same ids but for ties (overlapping chunks may repeat a text), also at the cut
                cut = theirs["distances"][0][-1] - 1e-4 if mine else 0.0
                assert ({c.id for c, d in mine if d < cut}
                        == {i for i, d in zip(theirs["ids"][0], theirs["distances"][0], strict=True) if d < cut})
                held = dict(zip(theirs["ids"][0], zip(theirs["documents"][0], theirs["metadatas"][0], strict=True),
                                strict=True))
                assert all(held[c.id] == (c.text, c.metadata) for c, d in mine if d < cut)
                checked += bool(mine)
    assert checked > 40
    store.close()


def test_dense_falls_back_to_chroma_without_vectors(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    files = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, files)
    store = RecordingStore(settings, embeddings=fake_embeddings())
    store.ingest("meetings", stt=STT)
    vector = store.embeddings.embed_query("buttons")
    filters = SearchFilters(source="meetings/design_review.flac")
    expected = store.dense(vector, 5, filters)
    monkeypatch.setattr(LexicalIndex, "nearest", lambda *_args, **_kwargs: None)
    assert [(c.id, round(d, 4)) for c, d in store.dense(vector, 5, filters)] == [
        (c.id, round(d, 4)) for c, d in expected]
    store.close()


def test_filtered_dense_results_equal_chromas_after_the_journal_caught_up(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    files = meeting_files(settings.workspace / "meetings")
    seed_transcripts(settings, files)
    store = RecordingStore(settings, embeddings=fake_embeddings(),
                           chunk_options=ChunkOptions(max_chars=60, max_seconds=30.0))
    store.ingest(["meetings/design_review.flac", "meetings/review_opening.flac"], stt=STT)
    assert store.lexical_index().vectors is not None

    def whole(*_args: object) -> None:
        raise AssertionError("the index was made again from every chunk")

    monkeypatch.setattr(RecordingStore, "_all_rows", whole)  # from here on, only the journal may update it
    store.ingest("meetings", stt=STT)  # support_weekly added
    store.remove("meetings/review_opening.flac")
    store.rename_speaker("meetings/design_review.flac", "C", "Cleo")  # chunk metadata only
    index = store.lexical_index()
    monkeypatch.undo()
    assert index.stamp == store.stamp() and _rows(index) == _rows(_full(store))
    collection = store._collection()
    assert collection is not None
    for query in ("Spanish translation deadline", "password resets", "buttons"):
        vector = store.embeddings.embed_query(query)
        for filters in (*FILTERS, SearchFilters(speaker="Cleo"), SearchFilters(source="meetings/review_opening.flac")):
            mine = store.dense(vector, 10, filters)
            theirs = collection.query(query_embeddings=[vector], n_results=10, where=filters.where(),
                                      where_document=filters.where_document(), include=["distances"])
            assert [d for _, d in mine] == pytest.approx(theirs["distances"][0], abs=1e-4), (query, filters)
            cut = theirs["distances"][0][-1] - 1e-4 if mine else 0.0  # ties at the cut may differ
            assert ({c.id for c, d in mine if d < cut}
                    == {i for i, d in zip(theirs["ids"][0], theirs["distances"][0], strict=True) if d < cut})
    assert store.dense(store.embeddings.embed_query("buttons"), 5, SearchFilters(speaker="Cleo"))
    store.close()
