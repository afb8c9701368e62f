"""Speed and memory of the offline ``synth`` music backend.

For each prompt, renders ``--seconds`` of music (best of ``--runs``) and reports seconds of
music made per second of wall time; then the peak of Python-tracked memory (numpy arrays
included) while rendering ``--long`` seconds, next to the size of the output itself, to
show that rendering bar by bar keeps the working memory bounded. Prints one JSON object.

Usage: ``.venv/bin/python benchmarks/music_synth.py [--seconds 120] [--runs 3] [--long 300]``
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc

from audio_tools.music.synth import SynthBackend

PROMPTS = (
    "calm piano, slow",
    "happy upbeat guitar and drums",
    "epic cinematic strings and drums",
    "dark ominous ambient",
    "romantic flute and strings",
    "a story about a dragon",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--long", type=float, default=300.0)
    args = parser.parse_args()
    synth = SynthBackend()
    speed = {}
    for prompt in PROMPTS:
        best = min(_timed(synth, prompt, args.seconds) for _ in range(args.runs))
        speed[prompt] = round(args.seconds / best, 1)

    tracemalloc.start()
    samples = synth.generate(PROMPTS[1], args.long, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "seconds_per_prompt": args.seconds,
        "realtime_factor": speed,
        "realtime_factor_min": min(speed.values()),
        "long_seconds": args.long,
        "long_output_mb": round(samples.nbytes / 1e6, 1),
        "long_peak_mb": round(peak / 1e6, 1),
    }, indent=2))


def _timed(synth: SynthBackend, prompt: str, seconds: float) -> float:
    start = time.perf_counter()
    synth.generate(prompt, seconds, seed=1)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
