"""Peak memory and time of each speech-to-text backend on one second of tone and then silence.

Usage::

    python benchmarks/flat_memory.py [--minutes 20 120] [--backends pocketsphinx whisper openai]

Each case is transcribed in a fresh child process; the figures are the peak RSS of its
process tree (the child, its ffmpeg and its worker processes, sampled every 50 ms), its own
peak RSS above what it held with the backend loaded, and the transcription's wall time. A
pending utterance must pin no audio: memory must not grow with the silence, and time must
grow linearly. ``whisper`` runs a tiny random checkpoint built here (the weights do not
matter to memory beyond their own size), ``openai`` the loopback server of the tests with
``gpt-4o-transcribe``, whose short parts make even a small file be cut.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from stt_long import run_child

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.memory_probe import GROWTH_CHILD, tone_then_silence


def measure(spec: str, path: Path, base_url: str = "") -> dict[str, float]:
    out, peak, cpu_s = run_child([sys.executable, "-c", GROWTH_CHILD, spec, str(path), base_url])
    result = json.loads(out.splitlines()[-1])
    return {"audio_min": round(result["duration_s"] / 60, 2), "file_kb": round(path.stat().st_size / 1e3),
            "wall_s": round(result["wall_s"], 1), "cpu_s": round(cpu_s, 1), "tree_peak_rss_mb": round(peak / 2**20),
            "growth_mb": round(result["growth_mb"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", nargs="+", type=float, default=[20.0, 120.0])
    parser.add_argument("--backends", nargs="+", default=["pocketsphinx", "whisper", "openai"])
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [tone_then_silence(folder / f"tone_then_{m:g}min_silence.flac", m) for m in args.minutes]
        for backend in args.backends:
            if backend == "whisper":
                from helpers.tiny_whisper import build_tiny_whisper

                spec = f"whisper:{build_tiny_whisper(folder / 'tiny-whisper')}"
                results[backend] = [measure(spec, path) for path in files]
            elif backend == "openai":
                from helpers.openai_server import OpenAIServer

                with OpenAIServer(api_key="sk-test") as server:
                    results[backend] = [measure("openai:gpt-4o-transcribe", path, server.base_url) for path in files]
            else:
                results[backend] = [measure(backend, path) for path in files]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
