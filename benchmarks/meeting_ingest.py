"""End-to-end ingest of a long meeting recording into a fresh store: real-time factor, peak memory, STT share.

Usage::

    python benchmarks/meetings/render.py      # once, if benchmarks/.cache/meetings is empty
    python benchmarks/meeting_ingest.py [--minutes 10 60] [--stt auto] [--runs 1] [--json]

The recording is the rendered eval meetings (``benchmarks/.cache/meetings/*.flac``) and the
bundled ones (``examples/meetings/*.flac``) joined end to end (~24 minutes) and looped with
ffmpeg to ``--minutes``; it is made once into ``benchmarks/.cache/meeting_ingest/``, which is
also the workspace. Each run is a fresh child process that imports the library and calls
``RecordingStore.ingest`` on it with a new, empty store (so it transcribes: Whisper tiny.en
through ``auto`` by default, then chunks, embeds with MiniLM, writes to Chroma and builds the
BM25 side), as ``audio-agent ingest FILE`` does. Figures:

* ``rtf``: the child's whole wall time (start-up, imports, model loads included) / audio time;
  target ≤ 0.1. ``ingest_rtf``: the ``ingest`` call alone.
* ``stages_s``: from the ingest's progress events, the same run: ``checking`` (hash, probe),
  ``transcribing`` (Whisper's load and decode, the transcript saved), ``embedding`` (chunking,
  MiniLM's load and embedding), ``writing`` (Chroma), ``lexical`` (the BM25 index after the
  last file); ``stt_share`` is transcribing / the ingest call.
* ``peak_rss_mb``: the child's own peak RSS (``ru_maxrss``); ``tree_peak_rss_mb`` the peak of
  the child plus its ffmpeg decoders (sampled every 50 ms); target ≤ 1.5 GB.
* ``cpu_s`` / ``cpu_rtf``: CPU seconds of the child and every process it waited for
  (``RUSAGE_CHILDREN``), per audio second: on a loaded machine ``cpu_rtf`` / cores is about the
  RTF the same work would have on an idle one.

The machine (cores, load average, RAM) is printed before and after; a load above 3 on two
cores means the wall times are slowed by other processes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from machine import load_note, machine
from stt_long import run_child

from audio_tools.audio import SAMPLE_RATE, load_audio, save_audio
from audio_tools.ffmpeg import input_args, run_ffmpeg

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "benchmarks" / ".cache" / "meetings", ROOT / "examples" / "meetings")
WORK_DIR = ROOT / "benchmarks" / ".cache" / "meeting_ingest"
TARGET_RTF = 0.1
TARGET_RSS_MB = 1536
CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from pathlib import Path
from audio_tools.config import Settings
from audio_tools.rag.store import RecordingStore
workspace, store_dir, name, stt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
settings = Settings.from_env(workspace=workspace, store_dir=store_dir)
store = RecordingStore(settings)
events = []
imported = time.perf_counter()
report = store.ingest([name], stt=stt, progress=lambda e: events.append((e.stage, time.perf_counter())))
finished = time.perf_counter()
info = store.info()
transcript = store.transcript(name)
store.close()
print(json.dumps({"import_s": imported - started, "ingest_s": finished - imported,
                  "events": [(stage, t - imported) for stage, t in events], "report": report.to_dict(),
                  "chunks": info.chunks, "duration_s": transcript.duration_s if transcript else None,
                  "segments": len(transcript.segments) if transcript else 0,
                  "stt": f"{transcript.backend}:{transcript.model}" if transcript else None,
                  "self_peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def build_recording(minutes: float, folder: Path) -> Path:
    """A FLAC file of ``minutes``: every meeting of :data:`SOURCES` joined, looped (made once, then reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"meetings_{minutes:g}min.flac"
    if target.exists():
        return target
    loop = folder / "all_meetings.flac"
    if not loop.exists():
        files = [p for source in SOURCES for p in sorted(source.glob("*.flac"))]
        if not any(p.parent == SOURCES[0] for p in files):
            sys.exit(f"no rendered meetings in {SOURCES[0]}: run python benchmarks/meetings/render.py first")
        gap = np.zeros(SAMPLE_RATE, dtype=np.float32)  # one second between meetings
        save_audio(np.concatenate([part for p in files for part in (load_audio(p), gap)]), SAMPLE_RATE, loop)
    loop_s = len(load_audio(loop)) / SAMPLE_RATE
    repeats = math.ceil(minutes * 60 / loop_s)
    partial = target.with_suffix(".part.flac")
    run_ffmpeg(["-stream_loop", str(repeats - 1), *input_args(loop), "-t", str(minutes * 60),
                "-c:a", "flac", f"file:{partial}"])
    partial.replace(target)
    return target


def measure(recording: Path, stt: str) -> dict[str, Any]:
    """Ingest ``recording`` into a new store in a child process; its figures."""
    with tempfile.TemporaryDirectory(prefix="meeting-ingest-") as store_dir:
        started = time.perf_counter()
        out, tree_peak, cpu_s = run_child([sys.executable, "-c", CHILD, str(recording.parent), store_dir,
                                           recording.name, stt])
        process_s = time.perf_counter() - started
    child = json.loads(out.splitlines()[-1])
    failed = [f for f in child["report"]["files"] if f["outcome"] == "failed"]
    if failed or not child["duration_s"]:
        sys.exit(f"the ingest failed: {failed or child['report']}")
    duration = float(child["duration_s"])
    stages = _stages(child["events"], child["ingest_s"])
    return {
        "audio_min": round(duration / 60, 2), "stt": child["stt"], "segments": child["segments"],
        "chunks": child["chunks"], "process_s": round(process_s, 1), "import_s": round(child["import_s"], 2),
        "ingest_s": round(child["ingest_s"], 1), "rtf": round(process_s / duration, 4),
        "ingest_rtf": round(child["ingest_s"] / duration, 4),
        "stages_s": {k: round(v, 2) for k, v in stages.items()},
        "stt_share": round(stages.get("transcribing", 0.0) / child["ingest_s"], 3),
        "stt_rtf": round(stages.get("transcribing", 0.0) / duration, 4),
        "peak_rss_mb": round(child["self_peak_rss_kb"] / 1024), "tree_peak_rss_mb": round(tree_peak / 2**20),
        "cpu_s": round(cpu_s, 1), "cpu_rtf": round(cpu_s / duration, 4),
        "within_target": process_s / duration <= TARGET_RTF and child["self_peak_rss_kb"] / 1024 <= TARGET_RSS_MB,
    }


def _stages(events: list[tuple[str, float]], ingest_s: float) -> dict[str, float]:
    """Seconds per stage: from each event to the next (``done`` to the call's end: the lexical index)."""
    stages: dict[str, float] = {}
    marks = [*events, ("end", ingest_s)]
    for (stage, at), (_, following) in itertools.pairwise(marks):
        name = "lexical" if stage == "done" else stage
        stages[name] = stages.get(name, 0.0) + following - at
    return stages


def print_table(result: dict[str, Any]) -> None:
    print(f"meeting ingest, stt {result['stt']} — {result['machine_note']}")
    header = (f"{'audio min':>9} {'chunks':>6} {'wall s':>7} {'RTF':>6} {'ingest RTF':>10} {'STT share':>9} "
              f"{'STT RTF':>7} {'peak RSS MB':>11} {'tree RSS MB':>11} {'cpu RTF':>7}  stages s")
    print(header)
    for run in result["runs"]:
        stages = " ".join(f"{k} {v:g}" for k, v in run["stages_s"].items())
        print(f"{run['audio_min']:>9g} {run['chunks']:>6} {run['process_s']:>7g} {run['rtf']:>6g} "
              f"{run['ingest_rtf']:>10g} {run['stt_share']:>9g} {run['stt_rtf']:>7g} {run['peak_rss_mb']:>11} "
              f"{run['tree_peak_rss_mb']:>11} {run['cpu_rtf']:>7g}  {stages}")
    print(f"targets: RTF ≤ {TARGET_RTF}, peak RSS ≤ {TARGET_RSS_MB} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", nargs="+", type=float, default=[10.0, 60.0])
    parser.add_argument("--stt", default="auto", help="speech-to-text spec (default auto: the bundled tiny.en)")
    parser.add_argument("--runs", type=int, default=1, help="runs per length")
    parser.add_argument("--workdir", type=Path, default=WORK_DIR, help=f"recordings and workspace ({WORK_DIR})")
    parser.add_argument("--json", action="store_true", help="one JSON object only")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is needed to build the recording")
    recordings = [build_recording(minutes, args.workdir.resolve()) for minutes in args.minutes]
    before = machine()
    runs = [measure(recording, args.stt) for recording in recordings for _ in range(args.runs)]
    after = machine()
    result = {"stt": args.stt, "machine_before": before, "machine_after": after,
              "machine_note": load_note(before, after), "targets": {"rtf": TARGET_RTF, "peak_rss_mb": TARGET_RSS_MB},
              "runs": runs}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
