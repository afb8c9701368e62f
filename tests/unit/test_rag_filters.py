"""One meaning for each filter: Chroma's where/where_document and the BM25 mask keep the same chunks."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from audio_tools.errors import InvalidInputError
from audio_tools.rag.filters import ChunkColumns, SearchFilters

CHUNKS = [
    ("c0", "The launch is on March 14.", {"source": "a.flac", "speaker": "A", "recorded_at": 1000.0}),
    ("c1", "the Launch moved to April.", {"source": "a.flac", "recorded_at": 1000.0}),
    ("c2", "Budget review: launch costs.", {"source": "b.flac", "speaker": "B", "recorded_at": 2000.0}),
    ("c3", "Nothing about it here.", {"source": "b.flac", "speaker": "A", "recorded_at": 2000.0}),
    ("c4", "launch launch", {"source": "dir/c.flac", "speaker": "B", "recorded_at": 3000.5}),
]

FILTERS = [
    SearchFilters(),
    SearchFilters(source="a.flac"),
    SearchFilters(source=("a.flac", "dir/c.flac")),
    SearchFilters(speaker="A"),
    SearchFilters(speaker="B", recorded_after=2000.0),
    SearchFilters(recorded_after=1000.0, recorded_before=2000.0),
    SearchFilters(recorded_before=3000.5),
    SearchFilters(phrase="launch"),
    SearchFilters(phrase="Launch"),
    SearchFilters(source="b.flac", phrase="launch cost"),
    SearchFilters(source="a.flac", speaker="A", recorded_after=0.0, recorded_before=5000.0, phrase="March"),
]


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> chromadb.Collection:
    folder: Path = tmp_path_factory.mktemp("chroma")
    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    made = client.get_or_create_collection("filters")
    made.upsert(ids=[c[0] for c in CHUNKS], documents=[c[1] for c in CHUNKS], metadatas=[c[2] for c in CHUNKS],
                embeddings=np.eye(len(CHUNKS), 8).tolist())
    return made


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_chroma_and_the_mask_keep_the_same_chunks(collection: chromadb.Collection, filters: SearchFilters) -> None:
    chroma = set(collection.get(where=filters.where(), where_document=filters.where_document(), include=[])["ids"])
    columns = ChunkColumns.of([c[1] for c in CHUNKS], [c[2] for c in CHUNKS])
    mask = filters.mask(columns)
    masked = {c[0] for c in CHUNKS} if mask is None else {c[0] for c, m in zip(CHUNKS, mask, strict=True) if m}
    assert chroma == masked


def test_one_set_of_columns_serves_filter_after_filter(collection: chromadb.Collection) -> None:
    columns = ChunkColumns.of([c[1] for c in CHUNKS], [c[2] for c in CHUNKS])  # its speaker rows are kept
    for filters in [*FILTERS, *reversed(FILTERS)]:
        chroma = set(collection.get(where=filters.where(), where_document=filters.where_document(), include=[])["ids"])
        mask = filters.mask(columns)
        assert chroma == ({c[0] for c in CHUNKS} if mask is None
                          else {c[0] for c, m in zip(CHUNKS, mask, strict=True) if m}), filters
    assert columns.speaker_rows("A") is columns.speaker_rows("A")


@pytest.mark.parametrize("bad", [
    {"source": ""}, {"source": ()}, {"speaker": " "}, {"phrase": ""}, {"recorded_after": float("nan")},
    {"recorded_before": float("inf")}, {"recorded_after": True},
])
def test_malformed_filters_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        SearchFilters(**bad)  # type: ignore[arg-type]
