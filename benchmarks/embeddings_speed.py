"""Speed of the bundled MiniLM embeddings: cold start, warm query latency, documents per second.

* ``cold``: wall time of a fresh ``python -c`` that imports ``audio_tools.rag.embeddings``, checks
  the 90 MB model's sha256, loads it and embeds one query (median of ``--runs`` after one warm-up
  run for the disk cache), and inside one such process the time of each step.
* ``query``: p50/p95 of embedding one query, over 50 different queries, model loaded.
* ``documents``: documents per second for batches of 100 chunks of ~600 characters of meeting
  talk (the turns of ``examples/meetings/meetings.json`` joined and cut), best and median of
  ``--runs`` batches. ``--compare`` measures sentence-transformers on the same folder too.

The machine's CPU count and load average are printed with the figures: on a shared machine
other processes slow every figure down.

Usage: ``.venv/bin/python benchmarks/embeddings_speed.py [--runs N] [--compare] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHUNK_CHARS = 600
BATCH = 100
QUERIES = 50
COLD_SCRIPT = """
import time
start = time.perf_counter()
from audio_tools.config import Settings
from audio_tools.rag.embeddings import embeddings_for
imported = time.perf_counter()
from audio_tools.model_packages import locate
from audio_tools.rag.minilm import MINILM_L6_V2, load_minilm
locate(MINILM_L6_V2)
checked = time.perf_counter()
load_minilm()
loaded = time.perf_counter()
vector = embeddings_for("minilm", Settings()).embed_query("When is the launch?")
done = time.perf_counter()
assert len(vector) == 384
import json
print(json.dumps({"import_s": imported - start, "sha256_check_s": checked - imported, "load_s": loaded - checked,
                  "first_query_s": done - loaded, "in_process_total_s": done - start}))
"""
FIRST_QUERY_COMMAND = ("from audio_tools.config import Settings; "
                       "from audio_tools.rag.embeddings import embeddings_for; "
                       "embeddings_for('minilm', Settings()).embed_query('When is the launch?')")


def chunks() -> list[str]:
    """``BATCH`` chunks of ~``CHUNK_CHARS`` characters of meeting talk, each starting at another turn."""
    meetings = json.loads((REPO / "examples" / "meetings" / "meetings.json").read_text())
    turns = [text for meeting in meetings.values() for _, text in meeting["turns"]]
    out = []
    for i in range(BATCH):
        parts: list[str] = []
        j = i
        while sum(len(p) + 1 for p in parts) < CHUNK_CHARS:
            parts.append(turns[j % len(turns)])
            j += 1
        out.append(" ".join(parts)[:CHUNK_CHARS])
    return out


def queries() -> list[str]:
    words = ["launch", "buttons", "translation", "tickets", "password", "agent", "pricing", "contrast", "goal"]
    return [f"What was said about the {words[i % len(words)]} in meeting {i}?" for i in range(QUERIES)]


def cold(runs: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", FIRST_QUERY_COMMAND], check=True, env=env, capture_output=True)
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FIRST_QUERY_COMMAND], check=True, env=env, capture_output=True)
        walls.append(time.perf_counter() - start)
    steps = json.loads(subprocess.run([sys.executable, "-c", COLD_SCRIPT], check=True, env=env, capture_output=True,
                                      text=True).stdout)
    return {"wall_median_s": round(statistics.median(walls), 3), "walls_s": [round(w, 3) for w in walls],
            "one_run_steps_s": {k: round(v, 3) for k, v in steps.items()}}


def speed(embed_documents: Any, embed_query: Any, runs: int) -> dict[str, Any]:
    docs = chunks()
    embed_documents(docs[:4])  # warm-up
    latencies = []
    for query in queries():
        start = time.perf_counter()
        embed_query(query)
        latencies.append(time.perf_counter() - start)
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        embed_documents(docs)
        rates.append(BATCH / (time.perf_counter() - start))
    latencies.sort()
    return {"query_p50_ms": round(1000 * statistics.median(latencies), 1),
            "query_p95_ms": round(1000 * latencies[int(0.95 * len(latencies)) - 1], 1),
            "documents_per_s_median": round(statistics.median(rates), 1), "documents_per_s_best": round(max(rates), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="measure sentence-transformers too")
    parser.add_argument("--json", action="store_true", help="one JSON object only")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from audio_tools.rag.embeddings import OfflineMiniLMEmbeddings
    from audio_tools.rag.minilm import load_minilm

    minilm = OfflineMiniLMEmbeddings()
    tokens = [len(e.ids) for e in load_minilm().tokenizer.encode_batch(chunks())]
    result: dict[str, Any] = {
        "cpus": len(os.sched_getaffinity(0)), "load_average_before": os.getloadavg()[0],
        "chunk_chars": CHUNK_CHARS, "chunk_tokens_mean": round(statistics.mean(tokens), 1),
        "cold": cold(args.runs),
        "minilm": speed(minilm.embed_documents, minilm.embed_query, args.runs),
    }
    if args.compare:
        from sentence_transformers import SentenceTransformer

        from audio_tools.model_packages import locate
        from audio_tools.rag.minilm import MINILM_L6_V2

        folder = locate(MINILM_L6_V2).joinpath("model.safetensors").resolve().parent
        reference = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        result["sentence_transformers"] = speed(lambda texts: reference.encode(texts, batch_size=32),
                                                lambda text: reference.encode([text]), args.runs)
    result["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
