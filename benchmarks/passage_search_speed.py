"""Warm search latency with stored passages, at 10k and 100k chunks (the sentence re-ranking included).

Usage::

    python benchmarks/passage_search_speed.py [--sizes 10000 100000] [--repeats 2] [--json]

Fills a store per size (kept in ``benchmarks/.cache/passage_search/<size>``, reused; ``--refill``
makes it again) with synthetic recordings: the sentences of the eval meetings
(``benchmarks/meetings/scripts.json``, ``examples/meetings/truth.json``) shuffled into
transcripts of ~200 chunks each, ten speakers, cut by the store's own chunker (``_chunks``)
and passage cutter (:func:`audio_tools.rag.chunks.chunk_passages`), and written with
**random unit vectors** (dim 384) for chunks and passages through the store's own ``_change``
under the write lock, in slices; then ``refresh_lexical``. No model runs for the fill. The
queries are the eval's questions, ``--repeats`` times, through
:func:`audio_tools.rag.search.search` with the real MiniLM query model (loaded and warmed
first), unfiltered and with a ``source`` filter. Prints p50/p95 (targets 50 / 150 ms) and the
median of each step: ``embed`` (the query vector), ``dense``, ``lexical``, ``chunks`` (those only
BM25 found, with vectors), ``passages`` (the candidates' passages and vectors), ``rest``
(fusion, re-ranking, citations, locks).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "passage_search"
QUESTION_FILES = (ROOT / "examples" / "meetings" / "questions.jsonl",
                  ROOT / "benchmarks" / "meetings" / "questions.jsonl")
DIMENSION = 384
SENTENCES_PER_RECORDING = 600  # ~200 chunks of the default options
SLICE = 5000  # chunks written per change


def sentences() -> list[str]:
    """Every sentence of the eval's meeting scripts and the dev meetings' truth."""
    texts: list[str] = []
    scripts = json.loads((ROOT / "benchmarks" / "meetings" / "scripts.json").read_text())
    texts.extend(str(turn[1]) for meeting in scripts.values() for turn in meeting["turns"])
    truth = json.loads((ROOT / "examples" / "meetings" / "truth.json").read_text())
    texts.extend(t["text"] for m in truth.values() for t in m["turns"])
    return [s for text in texts for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


def fill(folder: Path, size: int, seed: int = 7) -> None:
    """A store of about ``size`` chunks of synthetic recordings, with random vectors (see the module docstring)."""
    from audio_tools.rag.chunks import chunk_passages
    from audio_tools.rag.embeddings import embeddings_for
    from audio_tools.rag.recording import RecordingInfo
    from audio_tools.rag.store import RecordingStore
    from audio_tools.transcript import Segment, Transcript

    rng = random.Random(seed)  # noqa: S311 - synthetic text, not secrets
    generator = np.random.default_rng(seed)
    pool = sentences()
    settings = Settings.from_env(workspace=folder, store_dir=folder / "state")
    # MiniLM's name and dimension are known without loading it; no vector is asked of it here
    store = RecordingStore(settings, location=folder / "store", embeddings=embeddings_for("minilm", settings))
    written = recording = 0
    pending: tuple[list[Any], list[Any]] = ([], [])

    def flush() -> None:
        chunks, passages = pending
        if not chunks:
            return
        vectors = {str(d.id): _unit(generator) for d in chunks}
        passage_vectors = {str(d.id): _unit(generator) for d in passages}
        with store.lock.writing("fill"):
            collection = store._collection(create=True)
            assert collection is not None  # noqa: S101 - created
            store._change(collection, upsert=chunks, vectors=vectors, upsert_passages=passages,
                          passage_vectors=passage_vectors)
        chunks.clear()
        passages.clear()

    while written < size:
        clock, segments = 0.0, []
        for _ in range(SENTENCES_PER_RECORDING):
            text = rng.choice(pool)
            seconds = max(1.0, len(text) / 15)
            segments.append(Segment(start=clock, end=clock + seconds, text=f" {text}", speaker=f"P{rng.randrange(10)}"))
            clock += seconds + rng.uniform(0.3, 0.8)
        source = f"synthetic/rec{recording:05d}.flac"
        transcript = Transcript(source=source, language="en", duration_s=clock, backend="synthetic", model=None,
                                segments=segments)
        info = RecordingInfo(source=source, source_sha256=f"{recording:064x}", recorded_at=1.7e9 + recording * 3600,
                             title=f"rec {recording}", duration_s=clock)
        chunks = store._chunks(transcript, info, "synthetic")[: size - written]
        pending[0].extend(chunks)
        pending[1].extend(chunk_passages(transcript, chunks))
        written += len(chunks)
        recording += 1
        if len(pending[0]) >= SLICE:
            flush()
    flush()
    store.refresh_lexical()
    store.close()
    (folder / "filled.json").write_text(json.dumps({"size": size, "recordings": recording}))


def measure(folder: Path, repeats: int) -> dict[str, Any]:
    from audio_tools.rag import search as search_module
    from audio_tools.rag.embeddings import embeddings_for
    from audio_tools.rag.store import RecordingStore

    settings = Settings.from_env(workspace=folder, store_dir=folder / "state")
    model = embeddings_for("minilm", settings)
    store = RecordingStore(settings, location=folder / "store", embeddings=model)
    steps: dict[str, list[float]] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                steps.setdefault(name, []).append(time.perf_counter() - started)
        return run

    questions = [json.loads(line)["q"] for path in QUESTION_FILES for line in path.read_text().splitlines() if line]
    recordings = json.loads((folder / "filled.json").read_text())["recordings"]
    sources = [f"synthetic/rec{i:05d}.flac" for i in range(recordings)]
    search_module.search(store, "warm up the model and the caches")
    store.embeddings.embed_query = timed("embed", store.embeddings.embed_query)  # type: ignore[method-assign]
    for name in ("dense", "chunks", "passages"):
        setattr(store, name, timed(name, getattr(store, name)))
    lexical_index = store.lexical_index

    def lexical() -> Any:
        index = lexical_index()
        index.search = timed("lexical", index.search)  # type: ignore[method-assign]
        return index

    store.lexical_index = lexical  # type: ignore[method-assign]
    result: dict[str, Any] = {}
    rng = random.Random(3)  # noqa: S311 - filters to try, not secrets
    for variant in ("none", "source"):
        steps.clear()
        totals = []
        for _ in range(repeats):
            for question in questions:
                filters = {"source": rng.choice(sources)} if variant == "source" else {}
                started = time.perf_counter()
                search_module.search(store, question, k=5, **filters)
                totals.append(time.perf_counter() - started)
        medians = {name: round(statistics.median(values) * 1000, 1) for name, values in steps.items()}
        medians["rest"] = round(statistics.median(totals) * 1000 - sum(medians.values()), 1)
        result[variant] = {"p50_ms": round(float(np.percentile(totals, 50)) * 1000, 1),
                           "p95_ms": round(float(np.percentile(totals, 95)) * 1000, 1),
                           "searches": len(totals), "steps_median_ms": medians}
    store.close()
    return result


def _unit(generator: np.random.Generator) -> list[float]:
    vector = generator.standard_normal(DIMENSION).astype(np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {}
    for size in args.sizes:
        folder = CACHE / str(size)
        filled = folder / "filled.json"
        if args.refill or not filled.exists() or json.loads(filled.read_text())["size"] != size:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            started = time.perf_counter()
            fill(folder, size)
            print(f"filled {size} chunks in {time.perf_counter() - started:.0f} s", flush=True)
        report[size] = measure(folder, args.repeats)
        if not args.json:
            for variant, figures in report[size].items():
                print(f"{size:>7} chunks, filter {variant:<6}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms "
                      f"({figures['searches']} searches); steps {figures['steps_median_ms']}", flush=True)
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
