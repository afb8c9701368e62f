"""Speed and intelligibility of the offline text-to-speech engines.

Usage::

    python benchmarks/tts_offline.py [--chars 4000] [--specs flite:slt flite:kal ...] [--wer]

Speaks the same English story (``--chars`` characters, several chunks) with each backend
and prints one JSON object: seconds of audio produced per second of wall time (higher is
faster) and, with ``--wer``, the word error rate of the offline recogniser (pocketsphinx)
on the result, with the acceptance normaliser.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.tts import TTS_BACKENDS, synthesize

DEFAULT_SPECS = ["flite:slt", "flite:kal", "flite:awb", "flite:rms", "festival:slt", "espeak:en-us"]
SENTENCES = [
    "The lighthouse keeper climbed the spiral stairs one last time before the storm.",
    "Below him the harbour lights flickered like candles in a draughty room.",
    "He had kept the lamp burning for thirty years through fog and gale and calm.",
    "Tonight the wind carried the smell of salt and something older like iron.",
    "Far out on the water a single boat was making for the rocks.",
]


def story(chars: int) -> str:
    """Whole sentences, repeated, up to about ``chars`` characters."""
    text = ""
    i = 0
    while len(text) < chars:
        text += SENTENCES[i % len(SENTENCES)] + " "
        i += 1
    return text.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=4000, help="length of the text (default 4000)")
    parser.add_argument("--specs", nargs="+", default=DEFAULT_SPECS, help="backend specs to measure")
    parser.add_argument("--wer", action="store_true", help="also transcribe with pocketsphinx and score")
    args = parser.parse_args()
    text = story(args.chars)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(workspace=Path(tmp))
        for spec in args.specs:
            TTS_BACKENDS.get(spec, settings)  # load before the clock starts
            started = time.perf_counter()
            speech = synthesize(text, backend=spec, settings=settings)
            elapsed = time.perf_counter() - started
            row = {"spec": spec, "chars": len(text), "chunks": speech.chunks, "audio_s": round(speech.duration_s, 2),
                   "wall_s": round(elapsed, 3), "audio_s_per_s": round(speech.duration_s / elapsed, 1)}
            if args.wer:
                from evaluation import wer

                from audio_tools.stt import transcribe

                path = save_audio(speech.samples, speech.sample_rate, Path(tmp) / f"{spec.replace(':', '_')}.wav")
                row["pocketsphinx_wer"] = round(wer(text, transcribe(path, backend="pocketsphinx").text), 4)
            rows.append(row)
    print(json.dumps({"text_chars": len(text), "backends": rows}, indent=2))


if __name__ == "__main__":
    main()
