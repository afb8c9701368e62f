"""Speed and memory of a speech-to-text backend on long recordings.

Usage::

    python benchmarks/stt_long.py [MEETINGS_DIR] [--stt SPEC] [--minutes 10 60]

Builds recordings of the given lengths by looping the meetings in ``MEETINGS_DIR`` (default
``examples/meetings``), transcribes each in a fresh child process and prints one JSON
object: real-time factor (wall time / audio time), CPU seconds of the whole process tree per
audio second (``cpu_rtf``: divided by the cores, the RTF of an otherwise idle machine,
whatever else runs now) and the peak resident memory summed over the child and its worker
processes (sampled every 50 ms), and the model's load time and that of a second request for it
(served from the process's cache). Goal: RTF ≤ 0.08 on two cores, peak RSS ≤ 1 GB and about
the same for 10 and 60 minutes. ``--stt`` defaults to ``auto`` (the bundled Whisper tiny.en).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from audio_tools.audio import SAMPLE_RATE, load_audio, save_audio
from audio_tools.ffmpeg import input_args, run_ffmpeg

POLL_S = 0.05
CHILD = """
import json, sys, time
from audio_tools.config import Settings
from audio_tools.stt import STT_BACKENDS, transcribe
settings = Settings.from_env()
started = time.perf_counter()
backend = STT_BACKENDS.get(sys.argv[2], settings)
load_s = time.perf_counter() - started
started = time.perf_counter()
STT_BACKENDS.get(sys.argv[2], settings.with_(max_duration_s=settings.max_duration_s - 1))  # another caller
second_s = time.perf_counter() - started
started = time.perf_counter()
transcript = transcribe(sys.argv[1], backend=sys.argv[2], settings=settings)
if hasattr(backend, "close"):
    backend.close()  # waits for pocketsphinx's worker processes, so that their CPU time is counted
print(json.dumps({"wall_s": time.perf_counter() - started, "duration_s": transcript.duration_s,
                  "segments": len(transcript.segments), "words": len(transcript.text.split()),
                  "load_s": load_s, "second_load_s": second_s,
                  "ran": f"{transcript.backend}:{transcript.model}"}))
"""


def build_recording(meetings_dir: Path, minutes: float, folder: Path) -> Path:
    """A FLAC file of ``minutes`` made by looping the meetings of ``meetings_dir`` end to end."""
    loop = folder / "loop.flac"
    if not loop.exists():
        parts = [load_audio(p) for p in sorted(meetings_dir.glob("*.flac")) or sorted(meetings_dir.glob("*.wav"))]
        save_audio(np.concatenate(parts), SAMPLE_RATE, loop)
    loop_s = len(load_audio(loop)) / SAMPLE_RATE
    target = folder / f"meetings_{minutes:g}min.flac"
    repeats = math.ceil(minutes * 60 / loop_s)
    run_ffmpeg(["-stream_loop", str(repeats - 1), *input_args(loop), "-t", str(minutes * 60),
                "-c:a", "flac", f"file:{target}"])
    return target


def run_child(argv: list[str]) -> tuple[str, int, float]:
    """Run ``argv``; its stdout, the peak RSS of its process tree (bytes) and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(_rss(p) for p in tree))
        except psutil.NoSuchProcess:
            break
        time.sleep(POLL_S)
    out, _ = child.communicate()
    if child.returncode != 0:
        msg = f"the measured child failed (exit {child.returncode})"
        raise SystemExit(msg)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child and every process it waited for
    return out, peak, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def measure(path: Path, stt: str) -> dict[str, object]:
    """Transcribe ``path`` in a child process; its result plus the peak RSS of its process tree."""
    out, peak, cpu_s = run_child([sys.executable, "-c", CHILD, str(path), stt])
    result = json.loads(out)
    return {"ran": result["ran"], "load_s": round(result["load_s"], 2),
            "second_load_s": round(result["second_load_s"], 4), "audio_min": round(result["duration_s"] / 60, 2),
            "wall_s": round(result["wall_s"], 1),
            "rtf": round(result["wall_s"] / result["duration_s"], 4), "cpu_s": round(cpu_s, 1),
            "cpu_rtf": round(cpu_s / result["duration_s"], 4), "peak_rss_mb": round(peak / 2**20),
            "segments": result["segments"], "words": result["words"]}


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.NoSuchProcess:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("meetings_dir", nargs="?", default="examples/meetings", type=Path)
    parser.add_argument("--stt", default="auto", help="backend spec (default auto)")
    parser.add_argument("--minutes", nargs="+", type=float, default=[10.0, 60.0])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure(build_recording(args.meetings_dir, minutes, Path(tmp)), args.stt) for minutes in args.minutes]
    print(json.dumps({"backend": args.stt, "cpus": len(os.sched_getaffinity(0)), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
