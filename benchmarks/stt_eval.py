"""Accuracy of a speech-to-text backend on recorded meetings with known turns.

Usage::

    python benchmarks/stt_eval.py [MEETINGS_DIR] [--stt SPEC]

``MEETINGS_DIR`` (default ``examples/meetings``) holds ``truth.json`` and one audio file per
meeting named after its key (``design_review.flac`` or ``.wav``). Prints one JSON object:
word error rate over all meetings (the acceptance normaliser), the share of segments inside
one true turn (± 1 s), the median words per segment, and the real-time factor.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from evaluation import segments_within_turns, wer

from audio_tools.config import Settings
from audio_tools.stt import STT_BACKENDS, transcribe

AUDIO_SUFFIXES = (".wav", ".flac")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("meetings_dir", nargs="?", default="examples/meetings", type=Path)
    parser.add_argument("--stt", default="auto", help="backend spec (default auto)")
    args = parser.parse_args()
    truth = json.loads((args.meetings_dir / "truth.json").read_text())
    settings = Settings()
    STT_BACKENDS.get(args.stt, settings)  # load the model before the clock starts
    references, hypotheses, rows = [], [], []
    words: list[int] = []
    audio_s = wall_s = 0.0
    inside = strict = segments = 0
    for name, meeting in truth.items():
        path = next(p for p in (args.meetings_dir / f"{name}{s}" for s in AUDIO_SUFFIXES) if p.exists())
        started = time.perf_counter()
        transcript = transcribe(path, backend=args.stt, settings=settings)
        elapsed = time.perf_counter() - started
        reference = " ".join(turn["text"] for turn in meeting["turns"])
        within = segments_within_turns(transcript.segments, meeting["turns"])
        count = len(transcript.segments)
        rows.append({"meeting": name, "wer": round(wer(reference, transcript.text), 4),
                     "segments_in_turn": round(within / count, 4) if count else 1.0, "segments": count,
                     "rtf": round(elapsed / transcript.duration_s, 4)})
        references.append(reference)
        hypotheses.append(transcript.text)
        words.extend(len(s.text.split()) for s in transcript.segments)
        strict += segments_within_turns(transcript.segments, meeting["turns"], tolerance_s=0.25)
        inside += within
        segments += count
        audio_s += transcript.duration_s
        wall_s += elapsed
    print(json.dumps({
        "backend": args.stt,
        "ran": f"{transcript.backend}:{transcript.model}",
        "meetings_dir": str(args.meetings_dir),
        "wer": round(wer(" ".join(references), " ".join(hypotheses)), 4),
        "segments_in_turn": round(inside / segments, 4) if segments else 1.0,
        "segments_in_turn_within_0.25s": round(strict / segments, 4) if segments else 1.0,
        "median_words_per_segment": statistics.median(words) if words else 0,
        "rtf": round(wall_s / audio_s, 4),
        "meetings": rows,
    }, indent=2))


if __name__ == "__main__":
    main()
