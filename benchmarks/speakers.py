"""Speaker labels: accuracy on known turns, speed and memory.

Usage::

    python benchmarks/speakers.py [--librispeech DIR] [--sweep] [--skip-speed]

Prints one JSON object (and a readable table on stderr):

- ``dev``: the two dev meetings (``examples/meetings``, true turns in ``truth.json``);
- ``tts``: harder conversations rendered with the project's offline TTS
  (``tests/helpers/speaker_cases.py``): one voice, 2 to 5 voices, turns without a pause, white
  noise at 15 dB SNR, three espeak accents of one synthetic voice;
- ``real``: real human speech. Debian's ``pocketsphinx-testdata`` (LibriVox, one reader, and the
  ``cards`` recordings, another speaker) always; with ``--librispeech DIR`` (the
  ``audio_data`` folder of resemblyzer's GitHub repository: LibriSpeech test-other, 10 readers
  with 10 utterances each, and train-clean-100, one utterance of each of 251 readers) also
  conversations of 1 to 10 test-other readers (used to choose the threshold) and 30 held-out
  conversations of 1 to 6 train-clean-100 readers (each utterance cut in two at its pause
  nearest the middle, turns ``A B C A B C``);
- ``speed``: a 10.5-minute recording (the dev meetings, 8 times) labelled in a fresh process with
  1 and with 2 encoder threads, pinned to 2 cores: seconds per audio minute, peak RSS, how often
  the model was built (once per process);
- ``sweep`` (with ``--sweep``): for thresholds 0.24 to 0.40 (step 0.01), in each group, on how
  many cases without a given count the count is right with turn accuracy >= 0.95.

For each case: true and found speaker counts, turn accuracy (true turns whose majority found
speaker is paired with their own, best one-to-one pairing), and DER without and with a 0.25 s
collar, with its parts (missed, false alarm, confusion; seconds).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from evaluation import conversation, der, render, turn_accuracy, turns_of, with_noise

from audio_tools.audio import load_audio
from audio_tools.speakers.cluster import DEFAULT_THRESHOLD
from audio_tools.speakers.turns import SpeechWindows, speech_windows, windows_to_turns
from audio_tools.speakers.vad import voiced_regions

ROOT = Path(__file__).resolve().parents[1]
MEETINGS = ROOT / "examples" / "meetings"
POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
SAMPLE_RATE = 16000
GAP_S = 0.6
COLLAR_S = 0.25
SPEED_REPEATS = 8
SPEED_TIMEOUT_S = 600
SWEEP = tuple(round(t, 3) for t in np.arange(0.24, 0.4001, 0.01))
HELD_OUT_SEED = 12
HELD_OUT_REPEATS = 5
# Voices of audio_tools.tts. The dev meetings use festival:slt, flite:rms and flite:awb.
KAL, SLT, ESPEAK, RMS, AWB, FESTIVAL = "flite:kal16", "flite:slt", "espeak:en-us", "flite:rms", "flite:awb", "festival:"
TEST_OTHER = ("1688", "1998", "2033", "2414", "2609", "3005", "3080", "3331", "367", "533")

Truth = list[tuple[float, float, str]]
Case = tuple[np.ndarray, Truth, dict[str, Any]]


def tts_cases() -> dict[str, Callable[[], Case]]:
    """Name -> a function rendering (samples, truth, diarize options)."""

    def spoken(voices: list[str], turns: int, seed: int, gap_s: float = GAP_S, snr_db: float | None = None,
               **options: Any) -> Callable[[], Case]:
        def make() -> Case:
            samples, truth = render(conversation(voices, turns, seed), gap_s)
            return (with_noise(samples, snr_db) if snr_db is not None else samples), truth, options
        return make

    return {
        "1 voice (kal16)": spoken([KAL], 10, 0),
        "1 voice (espeak)": spoken([ESPEAK], 10, 0),
        "1 voice (festival slt)": spoken([FESTIVAL], 10, 0),
        "2 voices (kal16, flite slt)": spoken([KAL, SLT], 10, 1),
        "2 voices (rms, awb)": spoken([RMS, AWB], 10, 2),
        "3 voices (kal16, flite slt, espeak)": spoken([KAL, SLT, ESPEAK], 12, 3),
        "4 voices": spoken([FESTIVAL, RMS, AWB, KAL], 14, 4),
        "5 voices": spoken([FESTIVAL, RMS, AWB, KAL, ESPEAK], 16, 5),
        "5 voices, count given": spoken([FESTIVAL, RMS, AWB, KAL, ESPEAK], 16, 5, num_speakers=5),
        "3 voices, no gap (kal16, flite slt, espeak)": spoken([KAL, SLT, ESPEAK], 12, 6, gap_s=0.0),
        "3 voices, no gap (festival slt, rms, awb)": spoken([FESTIVAL, RMS, AWB], 12, 7, gap_s=0.0),
        "3 voices, white noise 15 dB SNR, count given": spoken([KAL, RMS, FESTIVAL], 12, 8, snr_db=15.0,
                                                               num_speakers=3),
        "3 voices, white noise 15 dB SNR": spoken([KAL, RMS, FESTIVAL], 12, 8, snr_db=15.0),
        "3 espeak accents (en-us, en-gb-scotland, en-029)": spoken(
            ["espeak:en-us", "espeak:en-gb-scotland", "espeak:en-029"], 12, 9),
        "3 espeak accents, count given": spoken(["espeak:en-us", "espeak:en-gb-scotland", "espeak:en-029"], 12, 9,
                                                num_speakers=3),
    }


def joined(clips: list[tuple[str, np.ndarray]], gap_s: float = GAP_S) -> tuple[np.ndarray, Truth]:
    """Clips one after another with ``gap_s`` of silence; the truth spans each clip."""
    pieces: list[np.ndarray] = []
    truth: Truth = []
    at = 0
    gap = np.zeros(round(gap_s * SAMPLE_RATE), dtype=np.float32)
    for speaker, clip in clips:
        if pieces:
            pieces.append(gap)
            at += gap.size
        truth.append((at / SAMPLE_RATE, (at + clip.size) / SAMPLE_RATE, speaker))
        pieces.append(clip)
        at += clip.size
    return np.concatenate(pieces), truth


def raw16(path: Path) -> np.ndarray:
    """A file of pocketsphinx-testdata: headerless 16-bit 16 kHz (``.raw``) or anything ffmpeg reads."""
    if path.suffix == ".raw":
        return np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0
    return load_audio(path)


def real_cases(librispeech: Path | None) -> dict[str, Callable[[], Case]]:
    cases: dict[str, Callable[[], Case]] = {}
    reader = sorted((POCKETSPHINX / "librivox").glob("*.wav"))
    cards = sorted((POCKETSPHINX / "cards").glob("*.wav"))
    if reader:
        cases["pocketsphinx-testdata: 1 LibriVox reader"] = lambda: (
            *joined([("L", load_audio(p)) for p in reader]), {})
    if reader and cards:
        cases["pocketsphinx-testdata: LibriVox reader + cards speaker"] = lambda: (*joined(
            [(name, load_audio(path)) for pair in zip(reader, cards, strict=False)
             for name, path in (("L", pair[0]), ("C", pair[1]))]), {})
    if librispeech is None:
        return cases
    other = librispeech / "librispeech_test-other"

    def readers(ids: list[str], each: int, **options: Any) -> Callable[[], Case]:
        def make() -> Case:
            files = {r: sorted((other / r).glob("*.flac"))[:each] for r in ids}
            clips = [(r, load_audio(files[r][i])) for i in range(each) for r in ids]
            return (*joined(clips), options)
        return make

    for ids, each in ((["1688"], 10), (["3331"], 10), (["2033"], 10), (["533"], 10), (["1688", "3331"], 5),
                      (["2033", "2414"], 5), (["367", "533"], 5), (["2609", "3005"], 5), (["1998", "3080"], 5),
                      (["1688", "3331", "2609", "1998"], 4), (["1688", "3331", "2609", "1998", "3005"], 4),
                      (list(TEST_OTHER), 3)):
        cases[f"LibriSpeech test-other (tuning): {len(ids)} reader(s) {'+'.join(ids)}"] = readers(ids, each)
    cases["LibriSpeech test-other (tuning): 10 readers, count given"] = readers(list(TEST_OTHER), 3, num_speakers=10)
    return cases


def held_out(librispeech: Path) -> list[tuple[str, Callable[[], Case]]]:
    """Conversations of 1 to 6 train-clean-100 readers, ``HELD_OUT_REPEATS`` of each size."""
    files = sorted((librispeech / "librispeech_train-clean-100").glob("*.flac"))
    rng = np.random.default_rng(HELD_OUT_SEED)
    made = []
    for size in range(1, 7):
        for repeat in range(HELD_OUT_REPEATS):
            chosen = [files[i] for i in rng.choice(len(files), size, replace=False)]

            def make(chosen: list[Path] = chosen) -> Case:
                halves = [(path.name.split("-")[0], *_halves(load_audio(path))) for path in chosen]
                clips = [(r, a) for r, a, _ in halves] + [(r, b) for r, _, b in halves]
                return (*joined(clips), {})

            made.append((f"{size} reader(s) #{repeat + 1}", make))
    return made


def _halves(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An utterance cut in two at its pause nearest the middle (or at the middle)."""
    regions = voiced_regions(samples)
    middle = samples.size / SAMPLE_RATE / 2
    pauses = [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(regions)]
    cut = min(pauses, key=lambda t: abs(t - middle)) if pauses else middle
    index = round(cut * SAMPLE_RATE)
    return samples[:index], samples[index:]


def scored(speech: SpeechWindows, audio_s: float, truth: Truth, options: dict[str, Any],
           threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    found = turns_of(windows_to_turns(speech, threshold=threshold, **options))
    plain, collared = der(truth, found), der(truth, found, collar=COLLAR_S)
    return {
        "audio_s": round(audio_s, 1),
        "true_speakers": len({t[2] for t in truth}),
        "found_speakers": len({t[2] for t in found}),
        "turn_accuracy": round(turn_accuracy(truth, found), 3),
        "der": round(plain.rate, 4),
        "der_collar_0.25": round(collared.rate, 4),
        "der_parts_s": {"reference": round(plain.reference_s, 2), "missed": round(plain.missed_s, 2),
                        "false_alarm": round(plain.false_alarm_s, 2), "confusion": round(plain.confusion_s, 2)},
        **({"options": options} if options else {}),
    }


def summary(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    values = list(rows.values())
    return {
        "cases": len(values),
        "count_right": sum(r["found_speakers"] == r["true_speakers"] for r in values),
        "turn_accuracy_mean": round(float(np.mean([r["turn_accuracy"] for r in values])), 3),
        "der_mean": round(float(np.mean([r["der"] for r in values])), 4),
        "der_collar_0.25_mean": round(float(np.mean([r["der_collar_0.25"] for r in values])), 4),
    }


SPEED_CHILD = """
import json, os, sys, time
import numpy as np
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
from audio_tools.audio import load_audio
from audio_tools.speakers import encoder
from audio_tools.speakers.turns import diarize_samples
builds = []
build = encoder._build
encoder._build = lambda: builds.append(1) or build()
threads, repeats, meetings = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def peak_kb():  # VmHWM: ru_maxrss would start from the parent's peak
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
import torch  # noqa: F401 - counted in the baseline
before_kb = peak_kb()
parts = [load_audio(os.path.join(meetings, n + ".flac")) for n in ("design_review", "support_weekly")]
samples = np.concatenate(parts * repeats)
started = time.perf_counter()
diarize_samples(parts[0], threads=threads)
first_s = time.perf_counter() - started
started = time.perf_counter()
turns = diarize_samples(samples, threads=threads)
elapsed = time.perf_counter() - started
diarize_samples(parts[1], threads=threads)
minutes = samples.size / 16000 / 60
print(json.dumps({"threads": threads, "cores": len(os.sched_getaffinity(0)), "audio_min": round(minutes, 2),
                  "wall_s": round(elapsed, 2), "s_per_audio_min": round(elapsed / minutes, 3),
                  "first_call_s_with_model_load": round(first_s, 2), "speakers": len({t.speaker for t in turns}),
                  "peak_rss_mb": round(peak_kb() / 1024),
                  "peak_rss_mb_python_and_imports": round(before_kb / 1024),
                  "model_builds": len(builds), "labelling_calls": 3}))
"""


def speed() -> list[dict[str, Any]]:
    results = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for threads in (1, 2):
        done = subprocess.run([sys.executable, "-c", SPEED_CHILD, str(threads), str(SPEED_REPEATS), str(MEETINGS)],
                              capture_output=True, text=True, check=True, timeout=SPEED_TIMEOUT_S, env=env)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--librispeech", type=Path, help="resemblyzer's audio_data folder (LibriSpeech samples)")
    parser.add_argument("--sweep", action="store_true", help="also count right answers per threshold")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    truth = json.loads((MEETINGS / "truth.json").read_text())
    groups: dict[str, dict[str, Callable[[], Case]]] = {
        "dev": {name: (lambda name=name: (load_audio(MEETINGS / f"{name}.flac"),
                                          turns_of(truth[name]["turns"]), {})) for name in truth},
        "tts": tts_cases(),
        "real": real_cases(args.librispeech),
    }
    if args.librispeech is not None:
        groups["real_held_out"] = dict(held_out(args.librispeech))
    report: dict[str, Any] = {"threshold": DEFAULT_THRESHOLD}
    embedded: dict[str, tuple[SpeechWindows, float, Truth, dict[str, Any]]] = {}
    for group, cases in groups.items():
        rows = {}
        for name, make in cases.items():
            samples, truth_turns, options = make()
            case = (speech_windows(samples), samples.size / SAMPLE_RATE, truth_turns, options)
            embedded[f"{group}: {name}"] = case
            rows[name] = scored(*case)
            row = rows[name]
            print(f"{group:14s} {name:62s} speakers {row['true_speakers']:2d} -> {row['found_speakers']:2d}  "
                  f"turns {row['turn_accuracy']:.2f}  DER {row['der']:.3f} / {row['der_collar_0.25']:.3f}",
                  file=sys.stderr)
        report[group] = {"summary": summary(rows), "cases": rows}
    if args.sweep:
        report["sweep"] = sweep(embedded)
    if not args.skip_speed:
        report["speed"] = speed()
        for row in report["speed"]:
            print(f"speed: {row}", file=sys.stderr)
    print(json.dumps(report, indent=1))


def sweep(cases: dict[str, tuple[SpeechWindows, float, Truth, dict[str, Any]]]) -> dict[str, Any]:
    """For each threshold, how many cases of each group with an automatic count (none given) it gets right."""
    automatic = {name: case for name, case in cases.items() if not case[3]}
    groups = sorted({name.partition(":")[0] for name in automatic})
    table: dict[str, dict[str, int]] = {}
    for threshold in SWEEP:
        right = dict.fromkeys(groups, 0)
        for name, (speech, audio_s, truth, _) in automatic.items():
            row = scored(speech, audio_s, truth, {}, threshold)
            right[name.partition(":")[0]] += row["found_speakers"] == row["true_speakers"] and row[
                "turn_accuracy"] >= 0.95
        table[f"{threshold:.2f}"] = right
        print(f"threshold {threshold:.2f}: " + ", ".join(f"{g} {right[g]}" for g in groups), file=sys.stderr)
    return {"cases": {g: sum(n.partition(":")[0] == g for n in automatic) for g in groups}, "right": table}


if __name__ == "__main__":
    main()
