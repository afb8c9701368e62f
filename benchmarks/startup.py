"""Start-up time of ``python -c "import audio_tools"`` and ``audio-agent --help``.

Wall time of each command as a subprocess, median of 5 runs after one warm-up run; prints
one JSON object. Targets (issue 2): import ≤ 0.3 s, ``--help`` ≤ 1 s.

Usage: ``.venv/bin/python benchmarks/startup.py [--runs N]``
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

TARGETS_S = {"import_audio_tools": 0.3, "audio_agent_help": 1.0}


def _wall_times(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, check=True, capture_output=True)  # warm-up: disk cache, .pyc files
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    script = Path(sys.executable).with_name("audio-agent")
    commands = {
        "import_audio_tools": [sys.executable, "-c", "import audio_tools"],
        "audio_agent_help": [str(script), "--help"],
    }
    result: dict[str, object] = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "runs": runs}
    for name, command in commands.items():
        times = _wall_times(command, runs)
        median = statistics.median(times)
        result[name] = {
            "median_s": round(median, 4),
            "runs_s": [round(t, 4) for t in times],
            "target_s": TARGETS_S[name],
            "within_target": median <= TARGETS_S[name],
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
