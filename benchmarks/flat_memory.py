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
import subprocess
import sys
import tempfile
from pathlib import Path

from stt_long import run_child

from audio_tools.ffmpeg import ffmpeg_binary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

CHILD = """
import json, os, sys, time
from audio_tools.config import Settings
from audio_tools.stt import STT_BACKENDS, transcribe

spec, path, base_url = sys.argv[1], sys.argv[2], sys.argv[3]
settings = Settings.from_env()
if base_url:
    settings = settings.with_(openai_base_url=base_url, openai_api_key="sk-bench")
STT_BACKENDS.get(spec, settings)
with open("/proc/self/statm") as f:
    loaded = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
started = time.perf_counter()
transcript = transcribe(path, backend=spec, settings=settings)
wall_s = time.perf_counter() - started
with open("/proc/self/status") as f:  # VmHWM: ru_maxrss would start from the parent's peak
    peak = 1024 * int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
print(json.dumps({"wall_s": wall_s, "growth_mb": (peak - loaded) / 2**20, "duration_s": transcript.duration_s}))
"""


def tone_then_silence(minutes: float, folder: Path) -> Path:
    """A FLAC of 1 s of a 440 Hz tone followed by ``minutes`` of digital silence."""
    path = folder / f"tone_then_{minutes:g}min_silence.flac"
    subprocess.run(
        [ffmpeg_binary(), "-nostdin", "-v", "error", "-f", "lavfi",
         "-i", "sine=frequency=440:sample_rate=16000:duration=1",
         "-af", f"apad=whole_dur={1 + minutes * 60}", "-ac", "1", "-c:a", "flac", str(path)],
        check=True, timeout=600,
    )
    return path


def measure(spec: str, path: Path, base_url: str = "") -> dict[str, float]:
    out, peak, cpu_s = run_child([sys.executable, "-c", CHILD, spec, str(path), base_url])
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
        files = [tone_then_silence(minutes, folder) for minutes in args.minutes]
        for backend in args.backends:
            if backend == "whisper":
                from helpers.tiny_whisper import build_tiny_whisper

                spec = f"whisper:{build_tiny_whisper(folder / 'tiny-whisper')}"
                results[backend] = [measure(spec, path) for path in files]
            elif backend == "openai":
                from helpers.openai_server import OpenAIServer

                with OpenAIServer(api_key="sk-bench") as server:
                    results[backend] = [measure("openai:gpt-4o-transcribe", path, server.base_url) for path in files]
            else:
                results[backend] = [measure(backend, path) for path in files]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
