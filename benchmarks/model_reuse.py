"""What a second call costs against the first, in one process: the models are loaded once and reused.

One fresh process (this script) transcribes the same recording twice with the default
speech-to-text (``auto``: the bundled Whisper tiny.en here) and embeds the same 100 chunks of
meeting talk twice with the bundled MiniLM. The first call of each loads its model (locate,
sha256 check, load) and then works; the second finds the model in the process's cache. Prints
one JSON object with both wall times and first/second as a ratio, which the machine's load
changes far less than either time.

Usage: ``.venv/bin/python benchmarks/model_reuse.py [--recording examples/meetings/design_review.flac]``
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from embeddings_speed import chunks

RECORDING = Path(__file__).resolve().parents[1] / "examples" / "meetings" / "design_review.flac"


def twice(call: Callable[[], Any]) -> dict[str, float]:
    """Wall time of ``call`` the first and the second time, and their ratio."""
    walls = []
    for _ in range(2):
        started = time.perf_counter()
        call()
        walls.append(time.perf_counter() - started)
    return {"first_s": round(walls[0], 3), "second_s": round(walls[1], 3),
            "first_over_second": round(walls[0] / walls[1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recording", type=Path, default=RECORDING)
    args = parser.parse_args()
    from audio_tools.config import Settings
    from audio_tools.rag.embeddings import OfflineMiniLMEmbeddings
    from audio_tools.stt import transcribe

    settings = Settings.from_env()
    ran: list[str] = []

    def transcribed() -> None:
        transcript = transcribe(args.recording, backend="auto", settings=settings)
        ran.append(f"{transcript.backend}:{transcript.model}")

    stt = twice(transcribed)
    texts = chunks()
    embeddings = OfflineMiniLMEmbeddings()
    minilm = twice(lambda: embeddings.embed_documents(texts))
    print(json.dumps({"stt": {"recording": args.recording.name, "ran": ran[0], **stt},
                      "minilm": {"documents": len(texts), **minilm}}))


if __name__ == "__main__":
    main()
