"""Meeting recordings and their transcripts for the store tests, without running speech-to-text.

The recordings are the real ones in ``examples/meetings`` (plus a clip cut from one with ffmpeg,
so that there are three different files). Their transcripts are made from ``truth.json`` (who
said what, when) and stored in the store's transcript folder under the sha256 of each file, as
a transcription would have left them: ingest then reuses them and runs no model. Tests that
need real speech-to-text run it themselves.

Embeddings are ``DeterministicFakeEmbedding``: a stand-in for the real model, for speed (the
vectors depend only on the text, so they are equal across processes).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from audio_tools.config import Settings
from audio_tools.rag.store import RecordingStore
from audio_tools.rag.transcripts import TRANSCRIPTS_DIR, TranscriptStore
from audio_tools.transcript import Segment, Transcript

__all__ = [
    "CLIP_SECONDS",
    "MEETINGS",
    "STT",
    "fake_embeddings",
    "meeting_files",
    "read_snapshot",
    "seed_transcripts",
    "sha256_of",
    "store_snapshot",
    "truth_transcript",
]

MEETINGS = Path(__file__).resolve().parents[2] / "examples" / "meetings"
STT = "faster-whisper"  # the spec the seeded transcripts are stored under (the bundled tiny.en)
CLIP_SECONDS = 16.0  # review_opening.flac: the first seconds of design_review.flac
EMBEDDING_SIZE = 64


def fake_embeddings(size: int = EMBEDDING_SIZE) -> Embeddings:
    """Deterministic stand-in embeddings (for speed; real models are tested with the embeddings module)."""
    return DeterministicFakeEmbedding(size=size)


def truth_transcript(meeting: str, until: float | None = None) -> Transcript:
    """The transcript ``truth.json`` gives for a meeting (one segment per turn, speakers known)."""
    truth = json.loads((MEETINGS / "truth.json").read_text(encoding="utf-8"))[meeting]
    turns = [t for t in truth["turns"] if until is None or t["end"] <= until]
    segments = [Segment(start=t["start"], end=t["end"], text=t["text"], speaker=t["speaker"]) for t in turns]
    duration = until if until is not None else float(truth["duration"])
    return Transcript(source=f"{meeting}.flac", language="en", duration_s=duration, backend="faster-whisper",
                      model="tiny.en", segments=segments)


def meeting_files(folder: Path) -> dict[str, Path]:
    """Three real recordings copied or cut into ``folder``: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: Path(shutil.copy(MEETINGS / f"{name}.flac", folder / f"{name}.flac"))
             for name in ("design_review", "support_weekly")}
    clip = folder / "review_opening.flac"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(files["design_review"]), "-t",
                    str(CLIP_SECONDS), str(clip)], check=True, capture_output=True)
    files["review_opening"] = clip
    return files


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_transcripts(settings: Settings, files: dict[str, Path], spec: str = STT) -> None:
    """Store each file's truth transcript as if ``spec`` had transcribed it."""
    store = TranscriptStore(settings.store_path / TRANSCRIPTS_DIR)
    for name, path in files.items():
        transcript = (truth_transcript("design_review", until=CLIP_SECONDS) if name == "review_opening"
                      else truth_transcript(name))
        store.save(sha256_of(path), spec, transcript)


def store_snapshot(store: RecordingStore, queries: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything a clean run determines: chunks and passages (ids, texts, metadata, vectors), and the lexical side.

    ``lexical`` holds the saved BM25 index's stamp check and ids, each query's BM25 hits, and its
    vectors (unit rows) by id.
    """
    with store.reading():
        collection = store._collection()
        if collection is None:
            return {"chunks": {}, "count": 0, "passages": {}, "lexical": None}
        found = collection.get(include=["documents", "metadatas", "embeddings"])
        count = collection.count()
        passage_collection = store._passage_collection()
        held = (passage_collection.get(include=["documents", "metadatas", "embeddings"])
                if passage_collection is not None else {"ids": [], "documents": [], "metadatas": [], "embeddings": []})
        stamp = store.stamp()
        index = store.lexical.get(stamp) if stamp is not None else None
    chunks = {
        i: {"text": t, "metadata": m, "vector": [round(float(x), 6) for x in v]}
        for i, t, m, v in zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True)
    }
    passages = {
        i: {"text": t, "metadata": m, "vector": [round(float(x), 6) for x in v]}
        for i, t, m, v in zip(held["ids"], held["documents"], held["metadatas"], held["embeddings"], strict=True)
    }
    lexical = None
    if index is not None:
        lexical = {
            "ids": sorted(index.ids),
            "hits": {q: sorted((i, round(s, 4)) for i, s in index.search(q, 10)) for q in queries},
            "vectors": None if index.vectors is None else {
                i: [round(float(x), 5) for x in row] for i, row in zip(index.ids, index.vectors, strict=True)},
        }
    return {"chunks": chunks, "count": count, "passages": passages, "lexical": lexical}


def read_snapshot(settings: Settings, location: str | Path, queries: tuple[str, ...] = ()) -> dict[str, Any]:
    """:func:`store_snapshot` of the store at ``location``, opened for it and closed afterwards."""
    store = RecordingStore(settings, location=location, embeddings=fake_embeddings())
    try:
        return store_snapshot(store, queries)
    finally:
        store.close()
