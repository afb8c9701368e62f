"""How fast a long story is mixed: voice over a looped music bed, timed end to end.

Renders a paragraph with flite, repeats it (with a pause) to ``--minutes`` of speech, then
times :func:`audio_tools.mix.mix_speech_over_music` with its defaults (measuring both
inputs, premix, master, measuring the result) and prints one JSON object. The acceptance
asks for at least 30x real time; the goal is 60x.

    .venv/bin/python benchmarks/mix_speed.py [--minutes 10] [--format wav] [--rate 32000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from audio_tools.audio import load_audio, save_audio
from audio_tools.config import Settings
from audio_tools.mix import mix_speech_over_music

BED = Path(__file__).parents[1] / "tests" / "fixtures" / "music_bed_-14lufs.flac"
PARAGRAPH = (
    "Once upon a time there was a small village by the sea. Every morning the fishermen took their boats out "
    "before the sun came up. A young girl named Anna watched them from the hill behind her house. One day she "
    "found an old map hidden under a loose stone in the garden. The map showed an island that nobody in the "
    "village had ever seen."
)
SPEECH_RATE = 16000
PAUSE_S = 0.6


def long_speech(folder: Path, minutes: float) -> Path:
    """``minutes`` of speech: the paragraph spoken by flite, repeated with a pause between."""
    flite = shutil.which("flite")
    if flite is None:
        raise SystemExit("flite is not installed (apt-get install flite)")
    once = folder / "once.wav"
    subprocess.run([flite, "-voice", "slt", "-t", PARAGRAPH, "-o", str(once)], check=True, timeout=120)
    part = np.concatenate([load_audio(once, SPEECH_RATE), np.zeros(round(PAUSE_S * SPEECH_RATE), np.float32)])
    repeats = int(np.ceil(minutes * 60 * SPEECH_RATE / len(part)))
    samples = np.tile(part, repeats)[: round(minutes * 60 * SPEECH_RATE)]
    return save_audio(samples, SPEECH_RATE, folder / "speech.wav")


def main() -> None:
    """Time the mix ``--repeat`` times and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the speech")
    parser.add_argument("--format", default="wav", help="output format: wav, flac, mp3, ogg, m4a")
    parser.add_argument("--rate", type=int, default=None, help="mix sample rate (default: follow the inputs)")
    parser.add_argument("--bed", type=Path, default=BED, help="music bed (default: the test fixture, looped)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mix-bench-") as tmp:
        folder = Path(tmp)
        settings = Settings(workspace=folder)
        speech = long_speech(folder, args.minutes)
        walls = []
        for index in range(args.repeat):
            out = folder / f"story{index}.{args.format}"
            start = time.perf_counter()
            result = mix_speech_over_music(speech, args.bed, out, sample_rate=args.rate, settings=settings)
            walls.append(time.perf_counter() - start)
        wall = statistics.median(walls)
        print(json.dumps({
            "speech_s": round(args.minutes * 60, 1),
            "mix_s": round(result.duration_s, 1),
            "format": args.format,
            "sample_rate": result.sample_rate,
            "wall_s_median": round(wall, 2),
            "wall_s_all": [round(w, 2) for w in walls],
            "realtime_factor": round(result.duration_s / wall, 1),
            "integrated_lufs": result.integrated_lufs,
            "true_peak_db": result.true_peak_db,
            "renders": result.renders,
        }))


if __name__ == "__main__":
    main()
