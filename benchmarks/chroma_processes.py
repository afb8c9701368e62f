"""What a second process does to an embedded Chroma folder, with and without the store's lock.

Four experiments on a fresh ``chromadb.PersistentClient`` folder, each with real processes:

* ``readers_during_writes``: one process upserts batches of 200 vectors (384 dimensions),
  ``--pause`` apart (0.05 s), deleting 100 older ones every 1000, for ``--seconds``; meanwhile
  ``--readers`` processes, one after the other, open a client, count, and query (with and
  without ``where``). Outcomes: ok, Python error, crash (signal), hang (no answer in 60 s),
  each with the step it was in; and the readers' wall times. Run twice: without a lock, and
  with :class:`audio_tools.rag.locking.StoreLock` (the writer holds it per batch, each reader
  around its open and queries).
* ``stale_reader``: a process opens and queries, another writes, the first queries again, then
  closes and reopens its client and queries once more.
* ``stale_writer``: a process opens and writes, another writes (1200 vectors, past Chroma's
  ``sync_threshold`` of 1000, so that it saves the index files) and exits, the first writes
  again; then a fresh process asks ``get`` and ``query`` for the second process's vectors.

Prints one JSON object. Usage:
``.venv/bin/python benchmarks/chroma_processes.py [--readers N] [--seconds S] [--pause S]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
HANG_S = 60

COMMON = """
import sys, time, numpy as np, chromadb
from pathlib import Path
from chromadb.config import Settings
sys.path.insert(0, REPOSITORY_PATH)
from audio_tools.rag.locking import StoreLock
folder = Path(sys.argv[1]); locked = sys.argv[2] == "locked"
lock = StoreLock(folder, 120.0)
def hold(writing):
    import contextlib
    if not locked:
        return contextlib.nullcontext()
    return lock.writing("benchmark") if writing else lock.reading()
def client():
    return chromadb.PersistentClient(path=str(folder / "chroma"), settings=Settings(anonymized_telemetry=False))
def vectors(n, seed):
    return np.random.default_rng(seed).random((n, 384)).astype("float32")
"""

WRITER = COMMON + """
seconds, tag = float(sys.argv[3]), sys.argv[4]
most = int(sys.argv[5]) if len(sys.argv) > 5 else 10**9
pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
with hold(True):
    collection = client().get_or_create_collection("recordings")
start, n = time.monotonic(), 0
while time.monotonic() - start < seconds and n < most:
    with hold(True):
        collection.upsert(ids=[f"{tag}-{n + i}" for i in range(200)], embeddings=vectors(200, n),
                          documents=["text"] * 200, metadatas=[{"source": tag}] * 200)
        if n >= 1000 and n % 1000 == 0:  # the store deletes stale chunks too
            collection.delete(ids=[f"{tag}-{n - 500 + i}" for i in range(100)])
    n += 200
    time.sleep(pause)  # between files the store embeds outside the lock
print(n)
"""

READER = COMMON + """
with hold(False):
    print("opening", flush=True)
    collection = client().get_collection("recordings")
    print("counting", flush=True)
    collection.count()
    print("querying", flush=True)
    collection.query(query_embeddings=vectors(1, 1), n_results=5, where={"source": "B"})  # what is being written
    collection.query(query_embeddings=vectors(1, 2), n_results=5)
print("ok")
"""

STALE_READER = COMMON + """
opened = client()
collection = opened.get_collection("recordings")
collection.query(query_embeddings=vectors(1, 1), n_results=5)
print("opened", flush=True)
sys.stdin.readline()  # the other process writes meanwhile
result = {}
try:
    collection.query(query_embeddings=vectors(1, 2), n_results=5, where={"source": "B"})
    result["stale_query"] = "ok"
except Exception as e:
    result["stale_query"] = f"{type(e).__name__}: {e}"
opened.close()
collection = client().get_collection("recordings")
collection.query(query_embeddings=vectors(1, 2), n_results=5, where={"source": "B"})
result["after_reopen"] = "ok"
import json; print(json.dumps(result))
"""

STALE_WRITER = COMMON + """
collection = client().get_or_create_collection("recordings")
collection.upsert(ids=[f"S1-{i}" for i in range(1000)], embeddings=vectors(1000, 1), documents=["t"] * 1000,
                  metadatas=[{"source": "S1"}] * 1000)
print("wrote", flush=True)
sys.stdin.readline()
collection.upsert(ids=[f"S2-{i}" for i in range(1000)], embeddings=vectors(1000, 2), documents=["t"] * 1000,
                  metadatas=[{"source": "S2"}] * 1000)
print("wrote again", flush=True)
"""

CHECK = COMMON + """
import json
collection = client().get_collection("recordings")
result = {"count": collection.count()}
for source in sys.argv[3:]:
    found = len(collection.get(where={"source": source}, include=[])["ids"])
    try:
        hits = len(collection.query(query_embeddings=vectors(1, 3), n_results=10, where={"source": source})["ids"][0])
    except Exception as e:
        hits = f"{type(e).__name__}: {e}"
    result[source] = {"get": found, "query": hits}
print(json.dumps(result))
"""


def _python(script: str, *args: str, **options: Any) -> subprocess.Popen[str]:
    code = script.replace("REPOSITORY_PATH", repr(str(REPOSITORY)))
    return subprocess.Popen([sys.executable, "-c", code, *args], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **options)


def _first_line(child: subprocess.Popen[str]) -> str:
    if child.stdout is None:
        msg = "the child has no stdout pipe"
        raise RuntimeError(msg)
    return child.stdout.readline()


def _outcome(child: subprocess.Popen[str]) -> tuple[str, float]:
    """What became of a reader, and how long it took."""
    started = time.monotonic()
    try:
        stdout, stderr = child.communicate(timeout=HANG_S)
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, _ = child.communicate()
        step = (stdout.strip().splitlines() or ["starting"])[-1]
        return f"hang (> {HANG_S} s, while {step})", time.monotonic() - started
    elapsed = time.monotonic() - started
    if child.returncode == 0:
        return "ok", elapsed
    step = (stdout.strip().splitlines() or ["starting"])[-1]
    if child.returncode < 0:
        return f"crash (signal {-child.returncode}, while {step})", elapsed
    return f"error while {step}: " + (stderr.strip().splitlines() or ["?"])[-1][:100], elapsed


def readers_during_writes(folder: Path, locked: bool, readers: int, seconds: float, pause: float) -> dict[str, Any]:
    mode = "locked" if locked else "unlocked"
    seed = _python(WRITER, str(folder), mode, "1", "A")
    seed.communicate(timeout=HANG_S)
    writer = _python(WRITER, str(folder), mode, str(seconds), "B", str(10**9), str(pause))
    time.sleep(1.0)
    outcomes: dict[str, int] = {}
    times: list[float] = []
    for _ in range(readers):
        if writer.poll() is not None:
            break
        outcome, elapsed = _outcome(_python(READER, str(folder), mode))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        times.append(elapsed)
    writer.communicate(timeout=HANG_S + seconds)
    return {"readers": len(times), "outcomes": outcomes,
            "reader_seconds": {"median": round(statistics.median(times), 2), "max": round(max(times), 2)}}


def stale_reader(folder: Path) -> dict[str, Any]:
    _python(WRITER, str(folder), "unlocked", "1", "A").communicate(timeout=HANG_S)
    reader = _python(STALE_READER, str(folder), "unlocked", stdin=subprocess.PIPE)
    _first_line(reader)
    _python(WRITER, str(folder), "unlocked", "1", "B").communicate(timeout=HANG_S)
    stdout, stderr = reader.communicate("go\n", timeout=HANG_S)
    return json.loads(stdout.strip().splitlines()[-1]) if reader.returncode == 0 else {"error": stderr[-300:]}


def stale_writer(folder: Path) -> dict[str, Any]:
    first = _python(STALE_WRITER, str(folder), "unlocked", stdin=subprocess.PIPE)
    _first_line(first)
    # 1200 vectors: more than Chroma's sync_threshold (1000), so that it saves its index files
    _python(WRITER, str(folder), "unlocked", "60", "W2", "1200").communicate(timeout=HANG_S)
    first.communicate("go\n", timeout=HANG_S)
    stdout, _ = _python(CHECK, str(folder), "unlocked", "S1", "W2", "S2").communicate(timeout=HANG_S)
    return json.loads(stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between the writer's batches")
    options = parser.parse_args()
    import chromadb

    result: dict[str, Any] = {"chromadb": chromadb.__version__}
    with tempfile.TemporaryDirectory(prefix="chroma-processes-") as scratch:
        root = Path(scratch)
        for locked in (False, True):
            name = "readers_during_writes_" + ("locked" if locked else "unlocked")
            result[name] = readers_during_writes(root / name, locked, options.readers, options.seconds,
                                                 options.pause)
        result["stale_reader"] = stale_reader(root / "stale_reader")
        result["stale_writer"] = stale_writer(root / "stale_writer")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
