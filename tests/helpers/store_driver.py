"""A small command line over the meeting store, for tests that need it in other processes.

Run it as ``python -m helpers.store_driver`` with the repository and ``tests/`` on
``PYTHONPATH`` (:func:`driver_command` builds the command line and environment)::

    ... --workspace W [--store-dir D] [--store DIR|URL] [--embeddings fake:64] [--lock-timeout S] COMMAND
    ingest PATH... [--stt SPEC] [--twice]     one JSON line: {"reports": [...]} (twice: ingest again at once)
    search QUERY [-k N] [--source S]          one JSON line: {"hits": [...]}
    snapshot [--query Q]...                   one JSON line: helpers.meeting_store.store_snapshot
    hold SECONDS                              holds the write lock; prints "held" once it has it

Progress goes to stderr, one JSON line per ingest stage (``{"t", "path", "stage"}``), so that a
test that kills the process knows what it was doing, and so does the line saying that it waits
for another process. A store error ends the process with status 3 and its message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import audio_tools
from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError
from audio_tools.rag.reports import IngestEvent
from audio_tools.rag.search import search
from audio_tools.rag.store import RecordingStore

__all__ = ["driver_command", "driver_env"]

REPOSITORY = Path(audio_tools.__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parents[1]


def driver_env() -> dict[str, str]:
    """The environment a driver process needs (imports from this checkout, Hugging Face offline)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIO_TOOLS_")}
    env.update(PYTHONPATH=f"{REPOSITORY}{os.pathsep}{TESTS}", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def driver_command(workspace: Path, *args: str, store_dir: Path | None = None, store: str | None = None,
                   embeddings: str = "fake:64", lock_timeout: float = 30.0) -> list[str]:
    """The command line running the driver with these options and ``args`` (the command and its arguments)."""
    command = [sys.executable, "-m", "helpers.store_driver", "--workspace", str(workspace), "--embeddings",
               embeddings, "--lock-timeout", str(lock_timeout)]
    if store_dir is not None:
        command += ["--store-dir", str(store_dir)]
    if store is not None:
        command += ["--store", store]
    return [*command, *args]


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    started = time.monotonic()
    settings = Settings(workspace=options.workspace, store_dir=options.store_dir, device="cpu",
                        store_lock_timeout_s=options.lock_timeout)
    store = RecordingStore(settings, location=options.store, embeddings=_embeddings(options.embeddings, settings),
                           on_wait=lambda line: print(line, file=sys.stderr, flush=True))
    try:
        result = _run(store, options, started)
    except AudioToolsError as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 3
    finally:
        store.close()
    if result is not None:
        print(json.dumps(result), flush=True)
    return 0


def _run(store: RecordingStore, options: argparse.Namespace, started: float) -> dict[str, Any] | None:
    if options.command == "ingest":
        def progress(event: IngestEvent) -> None:
            line = {"t": round(time.monotonic() - started, 3), "path": event.path, "stage": event.stage}
            print(json.dumps(line), file=sys.stderr, flush=True)

        reports = [store.ingest(options.paths, stt=options.stt, progress=progress).to_dict()]
        if options.twice:
            reports.append(store.ingest(options.paths, stt=options.stt).to_dict())
        return {"reports": reports}
    if options.command == "search":
        hits = search(store, options.query, options.k, source=options.source)
        return {"hits": [{**h.to_dict(), "id": h.id} for h in hits]}
    if options.command == "snapshot":
        from helpers.meeting_store import store_snapshot

        return store_snapshot(store, tuple(options.query))
    with store.lock.writing("hold (a test)"):  # "hold"
        print("held", flush=True)
        time.sleep(options.seconds)
    return None


def _embeddings(spec: str, settings: Settings) -> Any:
    if spec.startswith("fake:"):
        from helpers.meeting_store import fake_embeddings

        return fake_embeddings(int(spec.removeprefix("fake:")))
    from audio_tools.rag.embeddings import embeddings_for

    return embeddings_for(spec, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="store_driver")
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--store-dir", type=Path)
    parser.add_argument("--store")
    parser.add_argument("--embeddings", default="fake:64")
    parser.add_argument("--lock-timeout", type=float, default=30.0)
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--stt", default="faster-whisper")
    ingest.add_argument("--twice", action="store_true")
    query = commands.add_parser("search")
    query.add_argument("query")
    query.add_argument("-k", type=int, default=5)
    query.add_argument("--source")
    snapshot = commands.add_parser("snapshot")
    snapshot.add_argument("--query", action="append", default=[])
    hold = commands.add_parser("hold")
    hold.add_argument("seconds", type=float)
    return parser


if __name__ == "__main__":
    sys.exit(main())
