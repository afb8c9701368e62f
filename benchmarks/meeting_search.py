"""Speed of the meeting store: embed+add throughput, warm hybrid search latency at 10k/100k chunks, cold start.

Usage::

    python benchmarks/meeting_search.py [--sections add search cold] [--sizes 10000 100000]
                                        [--add-chunks 1000] [--runs 3] [--repeats 2] [--json]

Three sections (``--sections``), each printed with the machine (cores, load average, RAM)
before and after it:

``add``
    Chunks per second of what ``ingest`` does after transcription, for ``--add-chunks`` chunks
    of realistic meeting text (made as below, ~300 characters each as the default chunker cuts
    them): the real MiniLM ``embed_documents`` (model loaded beforehand), then the store's write
    path (one ``RecordingStore._change`` under the write lock, as the fill below), and the BM25
    rebuild (``refresh_lexical``). Chunks only: ``ingest`` also embeds and writes each chunk's
    passages (see the fill's ``write_passages``). A fresh store per run; median and best of ``--runs``.

``search``
    Warm latency of :func:`audio_tools.rag.search.search` (query embedding, the dense side, BM25,
    fusion, the chunks only BM25 found, the candidates' stored passages, re-ranking and citing)
    with the real MiniLM query model, loaded and warmed before timing (and ``--warmup`` untimed
    searches per variant, by default each question once), on stores of ``--sizes`` chunks. The
    stores are filled with *synthetic* recordings: transcripts (segments with word times and
    speakers) whose sentences are those of the eval and dev meetings, shuffled, with some
    words swapped and numbers changed (so the vocabulary and the lengths are those of meeting
    talk), ~200 chunks per recording; each is cut by the store's own chunker (``_chunks``, the
    exact ids and metadata ``ingest`` writes) and passage cutter
    (:func:`audio_tools.rag.chunks.chunk_passages`), its transcript saved as the store's, and its
    chunks and passages written with **random unit vectors** (dim 384) as ``ingest`` writes a
    recording after embedding it: one ``RecordingStore._change`` under the write lock
    (generation bumps, passages before their chunks, the lexical journal); then the store's own
    ``refresh_lexical`` (BM25 and the vectors kept for filtered dense queries). No embedding model
    runs for the fill. Its time is given per step: ``make_chunks`` (recordings, transcripts
    saved, chunks and passages cut), ``vectors`` (drawn), ``write_chunks`` and ``write_passages``
    (the store's Chroma upserts of each collection), ``write_other`` (locks, generation bumps,
    journal), ``lexical_build``. A filled store is kept in ``benchmarks/.cache/meeting_search/``
    and reused (``--refill`` makes it again; :data:`FILL_FORMAT` in its folder's name).
    The queries are the 63 questions of the eval (``benchmarks/meetings/questions.jsonl``,
    ``examples/meetings/questions.jsonl``), ``--repeats`` times, k=5, in four variants: no
    filter, ``source`` (a random recording per query), ``speaker`` (one of ten people; the
    share of chunks it keeps is printed), and both. Figures: p50/p95 (targets ≤ 50 / ≤ 150 ms)
    and the same for each step (the store's methods wrapped with timers during the timed
    searches, each step's own time: ``embed_query``, ``dense`` (Chroma's query unfiltered; with a
    filter, the brute force over the lexical cache's vectors, ``LexicalIndex.nearest``),
    ``lexical`` (BM25), ``chunks`` (Chroma ``get`` of the chunks by id: the filtered dense side's
    and those only BM25 found), ``passages`` (Chroma ``get`` of the candidates' passages with their
    vectors), ``segments`` (citing from a transcript: only for a chunk without stored passages;
    how many searches did is printed, none in a filled store), ``rest`` (fusion, re-ranking,
    citing, locks)).

``cold``
    A fresh ``audio-agent search QUERY`` and ``audio-agent ask QUESTION --llm none`` on a store
    of the bundled meetings (``examples/meetings/*.flac``, ingested once into
    ``benchmarks/.cache/meeting_search/bundled``): wall time, median of ``--cold-runs`` after
    one warm-up run (disk cache); target ≤ 3 s. When over the target (or with
    ``--importtime``), ``python -X importtime`` of the same command: its slowest imports.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from machine import load_note, machine, percentiles

from audio_tools.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache" / "meeting_search"
DEV_DIR = ROOT / "examples" / "meetings"
SCRIPTS = ROOT / "benchmarks" / "meetings" / "scripts.json"
QUESTION_FILES = (DEV_DIR / "questions.jsonl", ROOT / "benchmarks" / "meetings" / "questions.jsonl")
FILL_FORMAT = 2  # raise when the fill changes (the stores kept in the cache are made again); 2: with passages
DIMENSION = 384
CHUNKS_PER_RECORDING = 200
PEOPLE = ("Dana", "Raj", "Owen", "Marco", "Sam", "Priya", "Lena", "Tom", "Ines", "Kofi")
FILTER_SPEAKER = "Dana"
STT_SPEC = "whisper:synthetic-benchmark"
K = 5
TARGET_P50_MS = 50.0
TARGET_P95_MS = 150.0
TARGET_COLD_S = 3.0
COLD_QUERY = "When is the launch?"
COLD_QUESTION = "When can the new website go live?"
SWAP_P = 0.15  # chance that a word is swapped for another of the vocabulary
STEPS = ("embed_query", "dense", "lexical", "chunks", "passages", "segments", "rest")


# ----- synthetic recordings


class Talk:
    """Sentences and words of the eval and dev meetings, to make new meetings of."""

    def __init__(self) -> None:
        texts = [text for meeting in json.loads(SCRIPTS.read_text()).values() for _, text in meeting["turns"]]
        texts += [text for meeting in json.loads((DEV_DIR / "meetings.json").read_text()).values()
                  for _, text in meeting["turns"]]
        self.sentences = [s for text in texts for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]
        self.vocabulary = sorted({w for s in self.sentences for w in re.findall(r"[A-Za-z']+", s) if len(w) > 3})

    def sentence(self, rng: random.Random) -> str:
        words = []
        for word in rng.choice(self.sentences).split():
            if word.isdigit():
                word = str(rng.randint(1, 99))
            elif rng.random() < SWAP_P and word.isalpha() and len(word) > 3:
                word = rng.choice(self.vocabulary)
            words.append(word)
        return " ".join(words)


def synthetic_recording(talk: Talk, index: int, seed: int) -> tuple[Any, Any]:
    """(transcript, recording info) of synthetic meeting ``index``: ~:data:`CHUNKS_PER_RECORDING` chunks of talk."""
    from audio_tools.rag.recording import RecordingInfo
    from audio_tools.transcript import Segment, Transcript, Word

    rng = random.Random(f"{seed}-{index}")  # noqa: S311 - synthetic text, not secrets
    people = rng.sample(PEOPLE, rng.randint(3, 5))
    segments: list[Segment] = []
    t = 0.5
    # ~2.2 new segments of ~90 characters per chunk of 300 (one segment of overlap)
    for _ in range(int(CHUNKS_PER_RECORDING * 2.2)):
        speaker = rng.choice(people)
        for _ in range(rng.choice((1, 1, 2, 3, 4))):  # a turn of one to four sentences
            text = talk.sentence(rng)
            tokens = text.split()
            per_word = rng.uniform(0.28, 0.4)
            words = [Word(start=round(t + i * per_word, 3), end=round(t + (i + 0.85) * per_word, 3), text=f" {w}")
                     for i, w in enumerate(tokens)]
            segments.append(Segment(start=words[0].start, end=words[-1].end, text=f" {text}", words=words,
                                    speaker=speaker))
            t = words[-1].end + rng.uniform(0.2, 0.8)
    name = recording_name(index)
    transcript = Transcript(source=name, language="en", duration_s=t + 1.0, backend="whisper",
                            model="synthetic-benchmark", segments=segments)
    sha = hashlib.sha256(f"synthetic-{seed}-{index}".encode()).hexdigest()
    info = RecordingInfo(source=name, source_sha256=sha, recorded_at=1.7e9 + index * 86400.0,
                         title=f"synthetic meeting {index}", duration_s=transcript.duration_s)
    return transcript, info


def recording_name(index: int) -> str:
    return f"synthetic/meeting_{index:05d}.flac"


def synthetic_recordings(store: Any, talk: Talk, count: int, seed: int, *, save_transcripts: bool
                         ) -> Iterator[tuple[Any, list[Any]]]:
    """(transcript, its chunk Documents as ``ingest`` writes them) of synthetic recordings until ``count`` chunks
    (the last recording cut short)."""
    made = index = 0
    while made < count:
        transcript, info = synthetic_recording(talk, index, seed)
        if save_transcripts:
            store.transcripts.save(info.source_sha256, STT_SPEC, transcript)
        chunks = store._chunks(transcript, info, STT_SPEC)[:count - made]  # the store's own chunker
        made += len(chunks)
        index += 1
        yield transcript, chunks


def synthetic_chunks(store: Any, talk: Talk, count: int, seed: int, *, save_transcripts: bool) -> list[Any]:
    """``count`` chunk Documents as ``ingest`` would write them for synthetic recordings."""
    return [c for _, chunks in synthetic_recordings(store, talk, count, seed, save_transcripts=save_transcripts)
            for c in chunks]


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def by_id(documents: Sequence[Any], vectors: np.ndarray) -> dict[str, Any]:
    """Vectors by document id, as the store's write path takes them (numpy rows: Chroma takes them as they are)."""
    return {str(d.id): v for d, v in zip(documents, vectors, strict=True)}


def write(store: Any, chunks: Sequence[Any], vectors: dict[str, Any], passages: Sequence[Any] = (),
          passage_vectors: dict[str, Any] | None = None) -> None:
    """Write chunks and their passages with given vectors as ``ingest`` does after embedding: under the write lock,
    one ``RecordingStore._change`` (generation bumps, passages before their chunks, the lexical journal)."""
    with store.lock.writing("benchmark fill"):
        collection = store._collection(create=True)  # the store's internals: see the module docstring
        store._change(collection, upsert=chunks, vectors=vectors, upsert_passages=passages,
                      passage_vectors=passage_vectors)


class _UpsertTimer:
    """Seconds the store's ``_upsert`` spends per collection (chunks, passages) while installed."""

    def __init__(self, store: Any) -> None:
        self.store, self.seconds = store, {"chunks": 0.0, "passages": 0.0}

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        store, upsert = self.store, self.store._upsert
        passages_name = store.passages_name

        def timed(collection: Any, documents: Sequence[Any], vectors: dict[str, Any]) -> None:
            started = time.perf_counter()
            upsert(collection, documents, vectors)
            self.seconds["passages" if collection.name == passages_name else "chunks"] += (
                time.perf_counter() - started)

        store._upsert = timed
        try:
            yield
        finally:
            del store._upsert


def counts(store: Any) -> tuple[int, int]:
    """Chunks and passages in the store (Chroma's counts: no metadata read)."""
    with store.reading():
        chunks = store._collection()
        passages = store._passage_collection()
        return (chunks.count() if chunks is not None else 0, passages.count() if passages is not None else 0)


def open_store(folder: Path, embeddings: Any = None) -> Any:
    from audio_tools.rag.store import RecordingStore

    settings = Settings.from_env(workspace=folder, store_dir=folder / ".audio_store")
    return RecordingStore(settings, embeddings=embeddings)


def filled_store(size: int, seed: int, embeddings: Any, *, refill: bool, log: Callable[[str], None]
                 ) -> tuple[Any, dict[str, Any]]:
    """A store of ``size`` synthetic chunks and their passages (kept in the cache), and how its fill went."""
    from audio_tools.rag.chunks import chunk_passages

    folder = CACHE / f"fill-{size}-seed{seed}-v{FILL_FORMAT}"
    marker = folder / "filled.json"
    if marker.exists() and not refill:
        return open_store(folder, embeddings), {**json.loads(marker.read_text()), "reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    store = open_store(folder, embeddings)
    log(f"filling a store with {size} synthetic chunks and their passages in {folder} ...")
    rng = np.random.default_rng(seed)
    seconds = {"make_chunks": 0.0, "vectors": 0.0}
    recordings = speaker_chunks = passage_total = 0
    upserts = _UpsertTimer(store)
    started = time.perf_counter()
    with upserts.installed():
        clock = time.perf_counter()
        for transcript, chunks in synthetic_recordings(store, Talk(), size, seed, save_transcripts=True):
            passages = chunk_passages(transcript, chunks)  # as ingest cuts them
            made = time.perf_counter()
            vectors, passage_vectors = unit_vectors(rng, len(chunks)), unit_vectors(rng, len(passages))
            drawn = time.perf_counter()
            write(store, chunks, by_id(chunks, vectors), passages, by_id(passages, passage_vectors))
            seconds["make_chunks"] += made - clock
            seconds["vectors"] += drawn - made
            recordings += 1
            passage_total += len(passages)
            speaker_chunks += sum(c.metadata.get("speaker") == FILTER_SPEAKER for c in chunks)
            clock = time.perf_counter()
    written = time.perf_counter()
    store.refresh_lexical()
    lexical = time.perf_counter()
    count, passage_count = counts(store)
    if (count, passage_count) != (size, passage_total):
        sys.exit(f"the fill wrote {count} chunks and {passage_count} passages, not {size} and {passage_total}")
    write_s = written - started - sum(seconds.values())
    figures = {"chunks": count, "passages": passage_count, "recordings": recordings,
               "speaker_filter_share": round(speaker_chunks / count, 3),
               "make_chunks_s": round(seconds["make_chunks"], 1), "vectors_s": round(seconds["vectors"], 1),
               "write_chunks_s": round(upserts.seconds["chunks"], 1),
               "write_passages_s": round(upserts.seconds["passages"], 1),
               "write_other_s": round(write_s - sum(upserts.seconds.values()), 1),
               "lexical_build_s": round(lexical - written, 1), "fill_s": round(lexical - started, 1),
               "disk_mb": round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20)}
    marker.write_text(json.dumps(figures))
    store.close()
    return open_store(folder, embeddings), {**figures, "reused": False}


# ----- section: embed + add


def measure_add(count: int, runs: int, seed: int) -> dict[str, Any]:
    from audio_tools.rag.embeddings import OfflineMiniLMEmbeddings

    embeddings = OfflineMiniLMEmbeddings()
    embeddings.embed_documents(["warm up the model", "and its threads"])
    results = []
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="meeting-add-") as tmp:
            store = open_store(Path(tmp), embeddings)
            documents = synthetic_chunks(store, Talk(), count, seed + run, save_transcripts=True)
            started = time.perf_counter()
            vectors = store._embed(documents)  # what ingest calls
            embedded = time.perf_counter()
            write(store, documents, vectors)
            added = time.perf_counter()
            store.refresh_lexical()
            done = time.perf_counter()
            store.close()
        results.append({"embed_s": embedded - started, "add_s": added - embedded, "lexical_s": done - added,
                        "total_s": done - started})
    chars = [len(d.page_content) for d in documents]

    def rate(key: str) -> dict[str, float]:
        rates = [count / r[key] for r in results]
        return {"median": round(statistics.median(rates), 1), "best": round(max(rates), 1)}

    return {"chunks": count, "runs": runs, "chunk_chars_mean": round(statistics.mean(chars)),
            "chunks_per_s": rate("total_s"), "embed_chunks_per_s": rate("embed_s"),
            "chroma_add_chunks_per_s": rate("add_s"),
            "embed_and_add_chunks_per_s": {
                "median": round(statistics.median(count / (r["embed_s"] + r["add_s"]) for r in results), 1)},
            "lexical_rebuild_s_median": round(statistics.median(r["lexical_s"] for r in results), 3)}


# ----- section: warm search


def questions() -> list[str]:
    return [json.loads(line)["q"] for path in QUESTION_FILES for line in path.read_text().splitlines() if line.strip()]


class StepTimer:
    """Wraps the store's methods that a search calls, summing each one's own time per search (a step called
    inside another, as ``chunks`` inside a filtered ``dense``, counts for itself only), and the calls of
    ``segments`` (a citation from a transcript: a chunk without stored passages)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.current: dict[str, float] = {}
        self.segment_calls = 0
        self._inner: list[float] = []  # per open step: the time of the steps called inside it

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        store = self.store
        targets = {"dense": (store, "dense"), "lexical": (store, "lexical_index"), "chunks": (store, "chunks"),
                   "passages": (store, "passages"), "segments": (store, "segments"),
                   "embed_query": (store.embeddings, "embed_query")}
        originals = {name: getattr(owner, attr) for name, (owner, attr) in targets.items()}
        for name, (owner, attr) in targets.items():
            setattr(owner, attr, self._timed(name, originals[name]))
        try:
            yield
        finally:
            for _name, (owner, attr) in targets.items():
                with contextlib.suppress(AttributeError):
                    delattr(owner, attr)

    def add(self, name: str, started: float) -> None:
        """Count the time since ``started`` for step ``name``, less that of the steps called inside it."""
        elapsed = time.perf_counter() - started
        inner = self._inner.pop()
        if self._inner:
            self._inner[-1] += elapsed
        self.current[name] = self.current.get(name, 0.0) + elapsed - inner

    def _timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if name == "segments":
                self.segment_calls += 1
            self._inner.append(0.0)
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            finally:
                self.add(name, started)
            return _TimedIndex(result, self) if name == "lexical" else result  # time the index's search too

        return timed


class _TimedIndex:
    def __init__(self, index: Any, timer: StepTimer) -> None:
        self._index, self._timer = index, timer

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self._timer._inner.append(0.0)
        started = time.perf_counter()
        try:
            return self._index.search(*args, **kwargs)
        finally:
            self._timer.add("lexical", started)


def measure_search(store: Any, sources: Sequence[str], repeats: int, warmup: int, seed: int) -> dict[str, Any]:
    from audio_tools.rag.search import search

    rng = random.Random(seed)  # noqa: S311 - which filter values to use
    asked = questions() * repeats
    variants: dict[str, Callable[[], dict[str, Any]]] = {
        "no filter": dict,
        "source": lambda: {"source": rng.choice(sources)},
        "speaker": lambda: {"speaker": FILTER_SPEAKER},
        "source+speaker": lambda: {"source": rng.choice(sources), "speaker": FILTER_SPEAKER},
    }
    store.embeddings.embed_query("warm up the query model")
    timer = StepTimer(store)
    out: dict[str, Any] = {}
    for name, filters in variants.items():
        for query in asked[:warmup]:  # warm: the lexical index loaded, Chroma's index in memory
            search(store, query, K, **filters())
        totals: list[float] = []
        steps: dict[str, list[float]] = {step: [] for step in STEPS}
        found: list[int] = []
        recordings: list[int] = []
        timer.segment_calls = 0
        with timer.installed():
            for query in asked:
                kwargs = filters()
                timer.current = {}
                started = time.perf_counter()
                hits = search(store, query, K, **kwargs)
                totals.append(time.perf_counter() - started)
                timer.current["rest"] = totals[-1] - sum(timer.current.values())
                for step in STEPS:
                    steps[step].append(timer.current.get(step, 0.0))
                found.append(len(hits))
                recordings.append(len({h.source for h in hits}))
        figures = percentiles(totals)
        out[name] = {**figures, "within_target": figures["p50"] <= TARGET_P50_MS and figures["p95"] <= TARGET_P95_MS,
                     "hits_mean": round(statistics.mean(found), 2),
                     "recordings_per_search_mean": round(statistics.mean(recordings), 2),
                     "transcript_citations": timer.segment_calls,
                     "steps_ms": {step: {k: v for k, v in percentiles(values).items() if k in ("p50", "p95")}
                                  for step, values in steps.items()}}
    return out


# ----- section: cold start


def bundled_store(log: Callable[[str], None]) -> Path:
    """The workspace of a store holding the bundled meetings (ingested once, with the default STT)."""
    from audio_tools.rag.store import RecordingStore

    folder = CACHE / "bundled"
    meetings = folder / "meetings"
    meetings.mkdir(parents=True, exist_ok=True)
    for path in sorted(DEV_DIR.glob("*.flac")):
        target = meetings / path.name
        if not target.exists() or target.stat().st_size != path.stat().st_size:
            shutil.copy2(path, target)
    store = RecordingStore(Settings.from_env(workspace=folder))
    report = store.ingest(["meetings"])
    store.close()
    if not report.ok or not report.files:
        sys.exit(f"ingest of the bundled meetings failed: {report.to_dict()}")
    log(f"bundled meetings store: {sum(f.chunks for f in report.files)} chunks in {folder / '.audio_store'}")
    return folder


def cold_commands(audio_agent: str) -> dict[str, list[str]]:
    return {"search": [audio_agent, "search", COLD_QUERY, "--json"],
            "ask": [audio_agent, "ask", COLD_QUESTION, "--llm", "none", "--json"]}


def measure_cold(runs: int, importtime: bool, log: Callable[[str], None]) -> dict[str, Any]:
    workspace = bundled_store(log)
    audio_agent = str(Path(sys.executable).with_name("audio-agent"))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AUDIO_TOOLS_", "OPENAI_"))}
    env.update({"AUDIO_TOOLS_WORKSPACE": str(workspace),
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)})
    out: dict[str, Any] = {}
    for name, command in cold_commands(audio_agent).items():
        first = subprocess.run(command, env=env, cwd=workspace, capture_output=True, text=True, check=False)
        if first.returncode != 0:
            sys.exit(f"{' '.join(command)} failed: {first.stderr[-2000:]}")
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, env=env, cwd=workspace, capture_output=True, check=True)
            walls.append(time.perf_counter() - started)
        median = statistics.median(walls)
        entry: dict[str, Any] = {"median_s": round(median, 3), "walls_s": [round(w, 3) for w in walls],
                                 "within_target": median <= TARGET_COLD_S, "output": first.stdout.strip()[:300]}
        if importtime or median > TARGET_COLD_S:
            entry["importtime"] = slowest_imports([sys.executable, "-X", "importtime", *command], env, workspace)
            entry["profile"] = profile_steps(command, env, workspace)
        out[name] = entry
    return out


def slowest_imports(command: list[str], env: dict[str, str], cwd: Path, shown: int = 15) -> dict[str, Any]:
    """``-X importtime`` of a command: total import time, and the slowest top-level and own-time imports."""
    stderr = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False).stderr
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((int(match[1]) / 1e6, int(match[2]) / 1e6, len(match[3]) // 2, match[4]))
    top = sorted((r for r in rows if r[2] <= 1), key=lambda r: -r[1])[:shown]
    own = sorted(rows, key=lambda r: -r[0])[:shown]
    return {"imports_total_s": round(sum(r[0] for r in rows), 3),
            "top_level_cumulative_s": [[name, round(cumulative, 3)] for _, cumulative, _, name in top],
            "self_s": [[name, round(own_s, 3)] for own_s, _, _, name in own]}


def profile_steps(command: list[str], env: dict[str, str], cwd: Path, shown: int = 15) -> list[list[Any]]:
    """One run of a command under cProfile: the project's functions by cumulative time (seconds, inflated by
    the profiler), where the time that is not imports goes."""
    import pstats

    with tempfile.TemporaryDirectory(prefix="cold-profile-") as tmp:
        out = Path(tmp) / "cold.prof"
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), *command], env=env, cwd=cwd,
                       capture_output=True, check=True)
        stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    rows = [(f"{Path(file).parent.name}/{Path(file).name}:{name}", cumulative)
            for (file, _, name), (_, _, _, cumulative, _) in stats.items()
            if "audio_tools" in file and name not in ("<module>", "<lambda>", "main")]
    return [[name, round(cumulative, 3)] for name, cumulative in sorted(rows, key=lambda r: -r[1])[:shown]]


# ----- report


def print_report(result: dict[str, Any]) -> None:
    if "add" in result:
        add = result["add"]
        print(f"\nembed + add ({add['chunks']} chunks of ~{add['chunk_chars_mean']} chars, median/best of "
              f"{add['runs']}) — {add['machine_note']}")
        for key in ("chunks_per_s", "embed_chunks_per_s", "chroma_add_chunks_per_s"):
            print(f"  {key:<26} {add[key]['median']:>8g} / {add[key]['best']:g}")
        print(f"  {'embed_and_add_chunks_per_s':<26} {add['embed_and_add_chunks_per_s']['median']:>8g}")
        print(f"  lexical rebuild {add['lexical_rebuild_s_median']:g} s")
    for size, entry in result.get("search", {}).items():
        fill = entry["fill"]
        print(f"\nwarm hybrid search, {size} chunks, {fill['passages']} passages ({fill['recordings']} recordings; "
              f"fill {'reused' if fill['reused'] else 'made'} in {fill['fill_s']} s: chunks made "
              f"{fill['make_chunks_s']} s, chunks written {fill['write_chunks_s']} s, passages written "
              f"{fill['write_passages_s']} s, BM25 build {fill['lexical_build_s']} s) — {entry['machine_note']}")
        print(f"  {'variant':<15} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'n':>4}  ok  "
              "steps p50 (p95) ms: " + " ".join(STEPS))
        for variant, figures in entry["latency"].items():
            steps = " ".join(f"{figures['steps_ms'][s]['p50']:g}({figures['steps_ms'][s]['p95']:g})" for s in STEPS)
            print(f"  {variant:<15} {figures['p50']:>7g} {figures['p95']:>7g} {figures['max']:>7g} {figures['n']:>4}  "
                  f"{'yes' if figures['within_target'] else 'NO ':<4} {steps}"
                  + (f"  ({figures['transcript_citations']} cited from transcripts)"
                     if figures["transcript_citations"] else ""))
    if "cold" in result:
        print(f"\ncold start (median of {result['cold_runs']}) — {result['cold']['machine_note']}")
        for name in ("search", "ask"):
            entry = result["cold"][name]
            print(f"  audio-agent {name:<7} {entry['median_s']:>6g} s  {'yes' if entry['within_target'] else 'NO'}  "
                  f"runs {entry['walls_s']}")
            if "importtime" in entry:
                imports = entry["importtime"]
                print(f"    imports {imports['imports_total_s']} s; slowest: "
                      + ", ".join(f"{n} {s:g}" for n, s in imports["top_level_cumulative_s"][:8]))
                print("    cProfile, project functions by cumulative s: "
                      + ", ".join(f"{n} {s:g}" for n, s in entry["profile"][:8]))
    print(f"\ntargets: search p50 ≤ {TARGET_P50_MS:g} ms, p95 ≤ {TARGET_P95_MS:g} ms; cold start ≤ {TARGET_COLD_S:g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=("add", "search", "cold"), default=["add", "search", "cold"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000], help="chunks in the search stores")
    parser.add_argument("--add-chunks", type=int, default=1000, help="chunks embedded and added per run")
    parser.add_argument("--runs", type=int, default=3, help="runs of the add section")
    parser.add_argument("--repeats", type=int, default=2, help="times each of the 63 questions is asked per variant")
    parser.add_argument("--warmup", type=int, default=63, help="untimed searches per variant first (default: "
                                                                  "each question once)")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--importtime", action="store_true", help="always show the cold commands' slowest imports")
    parser.add_argument("--refill", action="store_true", help="make the synthetic stores again")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="one JSON object only")
    args = parser.parse_args()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    result: dict[str, Any] = {"k": K, "targets": {"search_p50_ms": TARGET_P50_MS, "search_p95_ms": TARGET_P95_MS,
                                                  "cold_s": TARGET_COLD_S}}
    if "add" in args.sections:
        before = machine()
        add = measure_add(args.add_chunks, args.runs, args.seed)
        after = machine()
        result["add"] = {**add, "machine_before": before, "machine_after": after,
                         "machine_note": load_note(before, after)}
    if "search" in args.sections:
        from audio_tools.rag.embeddings import OfflineMiniLMEmbeddings

        embeddings = OfflineMiniLMEmbeddings()  # one model for every store; loaded before any timing
        embeddings.embed_query("load the model")
        result["search"] = {}
        for size in args.sizes:
            store, fill = filled_store(size, args.seed, embeddings, refill=args.refill, log=log)
            before = machine()
            sources = [recording_name(i) for i in range(fill["recordings"])]
            latency = measure_search(store, sources, args.repeats, args.warmup, args.seed)
            after = machine()
            store.close()
            result["search"][str(size)] = {"fill": fill, "latency": latency, "machine_before": before,
                                           "machine_after": after, "machine_note": load_note(before, after)}
    if "cold" in args.sections:
        before = machine()
        cold = measure_cold(args.cold_runs, args.importtime, log)
        after = machine()
        result["cold"] = {**cold, "machine_before": before, "machine_after": after,
                          "machine_note": load_note(before, after)}
        result["cold_runs"] = args.cold_runs
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)


if __name__ == "__main__":
    main()
