"""Warm hybrid search latency of the meeting store at N chunks, query embedding included.

Fills an embedded store with synthetic meetings (transcripts of random meeting-like sentences,
cut by the store's own chunker, stored as transcripts; random unit vectors, so no model time
goes into the fill), then times :func:`audio_tools.rag.search.search` with the real embeddings
(``--embeddings``, default the bundled MiniLM) after one warm-up query: end to end, and its
parts (query embedding, Chroma, BM25, citations), unfiltered and with a ``source`` and a
``speaker`` filter. Model load and the first query (which builds the BM25 cache) are reported
apart. Prints one JSON object.

Usage: ``.venv/bin/python benchmarks/store_search_warm.py [--chunks 10000] [--queries 100]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.config import Settings
from audio_tools.rag.embeddings import embeddings_for
from audio_tools.rag.recording import RecordingInfo
from audio_tools.rag.search import search
from audio_tools.rag.store import RecordingStore
from audio_tools.transcript import Segment, Transcript

WORDS = (  # noqa: SIM905 - a paragraph reads better than a list of 68 strings
    "launch budget review pricing page buttons blue contrast checker translation spanish deadline march april "
    "customer support tickets password reset login hire agent night shift article publish morning team goal "
    "hours response revenue quarter growth marketing campaign email newsletter design mobile app release bug "
    "server outage database migration security audit vendor contract renewal invoice payment partner travel "
    "conference demo feedback survey users onboarding training documentation roadmap feature priority sprint"
).split()
QUERIES = [
    "When is the launch?", "Who will finish the Spanish translation?", "What did users dislike about the buttons?",
    "How many tickets did we get?", "What is the response time goal?", "When is the database migration?",
    "Who owns the security audit?", "What was decided about the vendor contract?", "How did revenue grow?",
    "What is the priority for the next sprint?",
]
SPEAKERS = ("A", "B", "C", "D")


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 22))).capitalize() + "."


def fill(store: RecordingStore, chunks: int, dimension: int, seed: int = 7) -> int:
    """Synthetic meetings until the store holds about ``chunks`` chunks; how many it holds."""
    rng = random.Random(seed)  # noqa: S311 - synthetic text
    vectors = np.random.default_rng(seed)
    made = 0
    meeting = 0
    while made < chunks:
        segments, start = [], 0.0
        for _ in range(80):
            length = rng.uniform(2.0, 9.0)
            segments.append(Segment(start=start, end=start + length, text=_sentence(rng),
                                    speaker=rng.choice(SPEAKERS)))
            start += length + rng.uniform(0.2, 1.0)
        source = f"meetings/synthetic_{meeting:05d}.flac"
        sha = f"{meeting:064x}"
        transcript = Transcript(source=source, language="en", duration_s=start, backend="faster-whisper",
                                model="tiny.en", segments=segments)
        store.transcripts.save(sha, "faster-whisper", transcript)
        info = RecordingInfo(source=source, source_sha256=sha, recorded_at=1.7e9 + meeting * 86400.0,
                             title=f"synthetic {meeting}", duration_s=start)
        documents = store._chunks(transcript, info, "faster-whisper")
        raw = vectors.standard_normal((len(documents), dimension)).astype(np.float32)
        raw /= np.linalg.norm(raw, axis=1, keepdims=True)
        with store.lock.writing("benchmark fill"):
            collection = store._collection(create=True)
            assert collection is not None  # noqa: S101
            store._change(collection, upsert=documents,
                          vectors={str(d.id): v.tolist() for d, v in zip(documents, raw, strict=True)})
        made += len(documents)
        meeting += 1
    return made


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(1000 * statistics.median(ordered), 2),
            "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
            "max_ms": round(1000 * ordered[-1], 2)}


def _timed(store: RecordingStore, queries: list[str], **filters: Any) -> dict[str, Any]:
    total: list[float] = []
    for query in queries:
        started = time.perf_counter()
        search(store, query, 5, **filters)
        total.append(time.perf_counter() - started)
    return _stats(total)


def _parts(store: RecordingStore, queries: list[str]) -> dict[str, Any]:
    from audio_tools.rag.search import _citation

    embed, dense, lexical, cite = [], [], [], []
    for query in queries:
        t0 = time.perf_counter()
        vector = store.embeddings.embed_query(query)
        t1 = time.perf_counter()
        found = store.dense(vector, 20)
        t2 = time.perf_counter()
        store.lexical_index().search(query, 20)
        t3 = time.perf_counter()
        for chunk, _ in found[:5]:
            _citation(store, query, chunk)
        t4 = time.perf_counter()
        embed.append(t1 - t0)
        dense.append(t2 - t1)
        lexical.append(t3 - t2)
        cite.append(t4 - t3)
    return {"query_embedding": _stats(embed), "chroma": _stats(dense), "bm25": _stats(lexical),
            "citations_of_5": _stats(cite)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--embeddings", default="minilm")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-search-") as scratch:
        settings = Settings(workspace=Path(scratch), device="cpu")
        started = time.perf_counter()
        embeddings = embeddings_for(options.embeddings, settings)
        embeddings.embed_query("load the model")
        load_s = time.perf_counter() - started
        store = RecordingStore(settings, embeddings=embeddings)
        started = time.perf_counter()
        count = fill(store, options.chunks, store.identity().dimension)
        fill_s = time.perf_counter() - started
        rng = random.Random(1)  # noqa: S311 - query order
        queries = [rng.choice(QUERIES) for _ in range(options.queries)]
        started = time.perf_counter()
        search(store, QUERIES[0], 5)
        first_s = time.perf_counter() - started
        source = store.list_sources()[3].source
        result = {
            "chunks": count,
            "embeddings": options.embeddings,
            "model_load_s": round(load_s, 2),
            "fill_s": round(fill_s, 1),
            "first_search_s (BM25 build, transcripts read)": round(first_s, 2),
            "warm_unfiltered": _timed(store, queries),
            "warm_source_filter": _timed(store, queries, source=source),
            "warm_speaker_filter": _timed(store, queries, speaker="B"),
            "warm_parts_unfiltered": _parts(store, queries),
        }
        store.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
