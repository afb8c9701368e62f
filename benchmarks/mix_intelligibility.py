"""How well the offline STT understands a story mixed over music: our ducked mix against ffmpeg's plain ``amix``.

The story text (:data:`mix_speed.PARAGRAPH`) is spoken by flite (``flite:slt``); each music
bed is made by the offline ``synth`` backend (fixed seed) long enough for the mix's intro and
outro. Each bed is mixed with the speech twice: by :func:`audio_tools.mix.mix_speech_over_music`
(defaults: the bed ducked under the voice, loudness-normalised) and by the naive
``ffmpeg -filter_complex amix`` of the same two files (equal weights, as long as the speech).
The bundled offline Whisper (``auto``) transcribes the speech alone, then each mix; the word
error rate of each against the text (the test suite's normaliser, ``tests/helpers/scoring.py``)
is printed as one JSON object, with the speech-only WER as the anchor (what the STT misses
without any music).

Usage: ``.venv/bin/python benchmarks/mix_intelligibility.py [--prompts "calm slow piano" ...]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from evaluation import wer
from mix_speed import PARAGRAPH

from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.ffmpeg import input_args, run_ffmpeg
from audio_tools.mix import MixOptions, mix_speech_over_music
from audio_tools.music import generate_music
from audio_tools.stt import transcribe
from audio_tools.tts import synthesize

PROMPTS = ("calm slow piano with soft strings",  # the demo story's bed (scripts/demo.sh)
           "happy upbeat guitar and drums")  # a busy bed, the hardest of benchmarks/music_synth.py's prompts
VOICE = "flite:slt"
SEED = 7


def amix(speech: Path, bed: Path, out: Path) -> Path:
    """The naive mix: ffmpeg's ``amix`` of the two files, as long as the speech."""
    run_ffmpeg([*input_args(speech), *input_args(bed), "-filter_complex",
                "[0:a][1:a]amix=inputs=2:duration=first", "-y", f"file:{out}"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", nargs="+", default=list(PROMPTS), help="music beds (synth prompts)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mix-intelligibility-") as tmp:
        folder = Path(tmp)
        settings = Settings(workspace=folder)
        spoken = synthesize(PARAGRAPH, backend=VOICE, settings=settings)
        speech = save_audio(spoken.samples, spoken.sample_rate, folder / "speech.wav")
        speech_s = len(spoken.samples) / spoken.sample_rate

        def heard(path: Path) -> tuple[float, str]:
            transcript = transcribe(path, backend="auto", settings=settings)
            return round(wer(PARAGRAPH, transcript.text), 3), f"{transcript.backend}:{transcript.model}"

        speech_wer, stt = heard(speech)
        beds = {}
        for index, prompt in enumerate(args.prompts):
            music = generate_music(prompt, speech_s + MixOptions.intro_s + MixOptions.outro_s, backend="synth",
                                   seed=SEED, settings=settings)
            bed = save_audio(music.samples, music.sample_rate, folder / f"bed{index}.wav")
            started = time.perf_counter()
            ducked = mix_speech_over_music(speech, bed, folder / f"ducked{index}.wav", settings=settings)
            mix_s = time.perf_counter() - started
            ducked_wer = heard(ducked.path)[0]
            amix_wer = heard(amix(speech, bed, folder / f"amix{index}.wav"))[0]
            beds[prompt] = {"ducked_wer": ducked_wer, "amix_wer": amix_wer,
                            "ducked_minus_speech_wer": round(ducked_wer - speech_wer, 3),
                            "amix_minus_speech_wer": round(amix_wer - speech_wer, 3),
                            "ducked_mix_s": round(mix_s, 2), "ducked_lufs": ducked.integrated_lufs}
    print(json.dumps({"stt": stt, "voice": VOICE, "speech_s": round(speech_s, 1),
                      "reference_words": len(PARAGRAPH.split()), "speech_only_wer": speech_wer, "beds": beds}))


if __name__ == "__main__":
    main()
