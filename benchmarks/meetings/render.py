"""Render the evaluation meetings to FLAC, with each turn's true start, end and speaker.

Usage::

    python benchmarks/meetings/render.py [--out DIR] [--only NAME ...] [--force] [--workers N]

Two kinds of recording are made into ``--out`` (default ``benchmarks/.cache/meetings/``,
git-ignored):

- every meeting of ``scripts.json`` (written for this eval), spoken with the project's own
  text-to-speech (:func:`audio_tools.tts.synthesize`), one voice per speaker as the script's
  ``speakers`` map says (a person keeps one voice in every meeting). Each turn is trimmed of
  the engine's leading and trailing silence, brought to one peak level and resampled to
  16 kHz; turns are separated by 0.3 to 0.8 s of silence (drawn from a generator seeded with
  the meeting's name, so a render is repeatable);
- every recording of ``real_voice.json``: real human speech clips from an installed package,
  joined unedited with the same kind of gaps.

Next to the audio it writes ``truth.json`` in the format of ``examples/meetings/truth.json``
(per meeting: ``title``, ``duration``, and per turn ``turn``, ``speaker``, ``start``, ``end``,
``text``) and ``manifest.json`` (per meeting: the hash of what was rendered and each
speaker's voice). A meeting whose hash is unchanged and whose file is there is skipped, so a
second run does nothing; ``--force`` renders again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.audio import load_audio, save_audio
from audio_tools.config import Settings
from audio_tools.tts import TTS_BACKENDS, synthesize

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts.json"
REAL_VOICE = HERE / "real_voice.json"
DEFAULT_OUT = HERE.parent / ".cache" / "meetings"
RENDER_VERSION = 1  # bump when the rendering below changes what a script sounds like
SAMPLE_RATE = 16000
GAP_S = (0.3, 0.8)
LEAD_S = 0.25  # silence before the first turn
TAIL_S = 0.5  # and after the last
PEAK = 0.7  # each synthetic turn's peak, about -3 dBFS
SILENCE = 0.01  # samples below this at a clip's edges are the engine's silence
EDGE_PAD_S = 0.03  # kept on each side of a trimmed clip


def content_hash(value: Any) -> str:
    """sha256 of ``value`` as canonical JSON, with the render version mixed in."""
    blob = json.dumps({"version": RENDER_VERSION, "rate": SAMPLE_RATE, "gaps": GAP_S, "value": value},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def gaps_for(name: str, count: int) -> list[float]:
    """``count`` silences between turns, 0.3 to 0.8 s, the same for the same meeting name."""
    draw = random.Random(name)  # noqa: S311 - repeatable pauses, not security
    return [round(draw.uniform(*GAP_S), 2) for _ in range(count)]


def trimmed(samples: np.ndarray) -> np.ndarray:
    """``samples`` without the leading and trailing silence of a speech engine (a little kept)."""
    loud = np.flatnonzero(np.abs(samples) > SILENCE)
    if loud.size == 0:
        return samples
    pad = round(EDGE_PAD_S * SAMPLE_RATE)
    return samples[max(0, loud[0] - pad):loud[-1] + pad + 1]


def speak(text: str, spec: str, settings: Settings) -> np.ndarray:
    """``text`` spoken by the TTS backend ``spec``: 16 kHz mono, trimmed, peak at :data:`PEAK`."""
    speech = synthesize(text, backend=spec, settings=settings)
    samples = speech.samples
    if speech.sample_rate != SAMPLE_RATE:
        with tempfile.TemporaryDirectory(prefix="render-") as tmp:
            native = save_audio(samples, speech.sample_rate, Path(tmp, "turn.wav"), settings=settings)
            samples = load_audio(native, sr=SAMPLE_RATE, settings=settings)
    samples = trimmed(samples)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    return samples * (PEAK / peak) if peak > 0 else samples


def assemble(name: str, title: str, clips: Sequence[tuple[str, str, np.ndarray]]) -> tuple[np.ndarray, dict[str, Any]]:
    """One recording from ``(speaker, text, samples)`` clips and its truth entry.

    Returns:
        The samples (16 kHz mono) and ``{"title", "duration", "turns": [...]}``.
    """
    pauses = [LEAD_S, *gaps_for(name, len(clips) - 1)]
    parts: list[np.ndarray] = []
    turns: list[dict[str, Any]] = []
    at = 0
    for index, ((speaker, text, samples), pause) in enumerate(zip(clips, pauses, strict=True)):
        silence = np.zeros(round(pause * SAMPLE_RATE), dtype=np.float32)
        parts += [silence, samples.astype(np.float32)]
        start = at + silence.size
        at = start + samples.size
        turns.append({"turn": index, "speaker": speaker, "start": round(start / SAMPLE_RATE, 2),
                      "end": round(at / SAMPLE_RATE, 2), "text": text})
    parts.append(np.zeros(round(TAIL_S * SAMPLE_RATE), dtype=np.float32))
    audio = np.concatenate(parts)
    return audio, {"title": title, "duration": round(audio.size / SAMPLE_RATE, 2), "turns": turns}


def synthetic_clips(meeting: dict[str, Any], settings: Settings, workers: int) -> list[tuple[str, str, np.ndarray]]:
    """Every turn of a scripted meeting spoken in its speaker's voice (in parallel, in order)."""
    voices: dict[str, str] = meeting["speakers"]
    for spec in sorted(set(voices.values())):
        TTS_BACKENDS.get(spec, settings)  # fail early, and load once, outside the threads
    turns = [(speaker, text) for speaker, text in meeting["turns"]]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        spoken = list(pool.map(lambda turn: speak(turn[1], voices[turn[0]], settings), turns))
    return [(speaker, text, samples) for (speaker, text), samples in zip(turns, spoken, strict=True)]


def real_clips(recording: dict[str, Any], settings: Settings) -> list[tuple[str, str, np.ndarray]]:
    """Every clip of a real-voice recording, decoded to 16 kHz mono, unedited."""
    root = Path(recording["root"])
    return [(turn["speaker"], turn["text"], load_audio(root / turn["file"], sr=SAMPLE_RATE, settings=settings))
            for turn in recording["turns"]]


def real_hash(recording: dict[str, Any]) -> str:
    """:func:`content_hash` of a real-voice spec and the bytes of its clips."""
    root = Path(recording["root"])
    clips = [hashlib.sha256((root / turn["file"]).read_bytes()).hexdigest() for turn in recording["turns"]]
    return content_hash({"spec": recording, "clips": clips})


def check_script(name: str, meeting: dict[str, Any]) -> None:
    """Refuse a script whose turns name a speaker without a voice, or whose speakers share a voice.

    Raises:
        SystemExit: with the problem.
    """
    voices = meeting["speakers"]
    unknown = {speaker for speaker, _ in meeting["turns"]} - set(voices)
    if unknown:
        sys.exit(f"{name}: no voice for speaker(s) {sorted(unknown)}")
    if len(set(voices.values())) != len(voices):
        sys.exit(f"{name}: two speakers share a voice: {voices}")


def write_json(path: Path, value: Any) -> None:
    """Write ``value`` to ``path`` atomically (a temporary file, then a rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="render only these meetings")
    parser.add_argument("--force", action="store_true", help="render even when nothing changed")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="turns spoken at once")
    args = parser.parse_args()
    scripts: dict[str, Any] = json.loads(SCRIPTS.read_text())
    real: dict[str, Any] = json.loads(REAL_VOICE.read_text())
    for name, meeting in scripts.items():
        check_script(name, meeting)
    args.out.mkdir(parents=True, exist_ok=True)
    truth_path, manifest_path = args.out / "truth.json", args.out / "manifest.json"
    truth: dict[str, Any] = json.loads(truth_path.read_text()) if truth_path.exists() else {}
    manifest: dict[str, Any] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    wanted = {**{name: "script" for name in scripts}, **{name: "real" for name in real}}
    for stale in (set(truth) | set(manifest)) - set(wanted):
        truth.pop(stale, None)
        manifest.pop(stale, None)
        (args.out / f"{stale}.flac").unlink(missing_ok=True)
    settings = Settings.from_env()
    for name, kind in wanted.items():
        if args.only and name not in args.only:
            continue
        if kind == "real" and not Path(real[name]["root"]).is_dir():
            print(f"{name}: skipped, {real[name]['root']} is missing (apt-get install pocketsphinx-testdata)")
            continue
        digest = content_hash(scripts[name]) if kind == "script" else real_hash(real[name])
        audio_path = args.out / f"{name}.flac"
        if (not args.force and manifest.get(name, {}).get("sha256") == digest and audio_path.exists()
                and name in truth):
            print(f"{name}: unchanged, {truth[name]['duration']:.1f} s")
            continue
        started = time.perf_counter()
        if kind == "script":
            clips = synthetic_clips(scripts[name], settings, args.workers)
            title, voices = scripts[name]["title"], scripts[name]["speakers"]
        else:
            clips = real_clips(real[name], settings)
            title, voices = real[name]["title"], {turn["speaker"]: "recorded" for turn in real[name]["turns"]}
        audio, truth[name] = assemble(name, title, clips)
        save_audio(audio, SAMPLE_RATE, audio_path, overwrite=True, settings=settings)
        manifest[name] = {"sha256": digest, "kind": kind, "audio": audio_path.name, "voices": voices}
        write_json(truth_path, dict(sorted(truth.items())))
        write_json(manifest_path, dict(sorted(manifest.items())))
        print(f"{name}: rendered {truth[name]['duration']:.1f} s, {len(clips)} turns, "
              f"{len(voices)} speakers in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
