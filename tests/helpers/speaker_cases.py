"""Conversations with known speaker turns, rendered with the project's offline TTS, for speaker-label checks.

A case is a list of ``(voice, text)`` turns. :func:`render` speaks each turn with
:func:`audio_tools.tts.synthesize`, resamples it to 16 kHz, joins the turns with ``gap_s`` of
silence and returns the samples with the true turns (``(start, end, voice)``, the audible span
of each turn). :func:`with_noise` adds white noise at a given SNR (over the whole signal's
power). Turn texts come from :data:`SENTENCES`, none of which the dev meetings use.

Voices are ``backend:voice`` specs of audio_tools.tts. The dev meetings were rendered with
``festival:slt`` (A), ``flite:rms`` (B) and ``flite:awb`` (C); ``flite:kal16``, ``flite:slt``
and the espeak voices are not in them.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence

import numpy as np

from audio_tools.config import Settings
from audio_tools.tts import synthesize

__all__ = ["SENTENCES", "Case", "conversation", "render", "with_noise"]

SAMPLE_RATE = 16000
FFMPEG_TIMEOUT_S = 60
AUDIBLE = 1e-3  # -60 dBFS
Case = list[tuple[str, str]]

SENTENCES = (
    "Good morning everyone, let's go through the status of the mobile app release.",
    "The login screen is finished, but the settings page still needs two more days of work.",
    "Did the testers find any crashes on older phones?",
    "They found one crash on phones with very little memory, and we fixed it yesterday.",
    "Our budget for the second quarter is almost spent, so we need to be careful with new tools.",
    "Can we move the marketing launch to the first week of June?",
    "That should work, as long as the translations arrive before the end of May.",
    "I spoke with the translation agency this morning and they promised the files by Friday.",
    "The customer survey shows that people want a dark mode more than anything else.",
    "Then dark mode should be the first feature after the release.",
    "Who is going to write the release notes this time?",
    "I can write them, but I need the list of fixed bugs from the tracker.",
    "The server costs went up by twelve percent because of the new backup system.",
    "Let's review the backup schedule and keep only one copy of the old logs.",
    "Our support team answered most questions within one hour last week.",
    "Please send me the numbers, and I will put them into the monthly report.",
    "We still have three open positions, and the interviews start on Tuesday.",
    "I would like to invite two engineers from the payments team to the planning meeting.",
    "Is there anything else we should discuss before we close?",
    "No, I think we covered everything, thanks for your time.",
    "The new office chairs will be delivered on Thursday afternoon.",
    "We should ask the design team to check the colours on the new icons.",
    "The database upgrade went smoothly, and nobody noticed any downtime.",
    "Next week I am on holiday, so please send urgent questions to Maria.",
)


def conversation(voices: Sequence[str], turns: int, seed: int = 0) -> Case:
    """``turns`` turns among ``voices``: each speaks first in the order given, then a random other speaker each turn.

    Consecutive turns are never by the same voice (unless there is only one); sentences are
    taken in order, cycling.
    """
    rng = np.random.default_rng(seed)
    order = list(voices)
    while len(order) < turns:
        others = [v for v in voices if v != order[-1]] or list(voices)
        order.append(str(rng.choice(others)))
    return [(voice, SENTENCES[i % len(SENTENCES)]) for i, voice in enumerate(order[:turns])]


def render(case: Case, gap_s: float = 0.6) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The case spoken turn by turn, joined with ``gap_s`` of silence: 16 kHz samples and the true turns.

    A true turn spans its audible part (from the first to the last sample above -60 dBFS), not
    the silence the synthesiser puts around it.
    """
    pieces: list[np.ndarray] = []
    truth: list[tuple[float, float, str]] = []
    at = 0
    gap = np.zeros(round(gap_s * SAMPLE_RATE), dtype=np.float32)
    for index, (voice, text) in enumerate(case):
        if index:
            pieces.append(gap)
            at += gap.size
        speech = _spoken(voice, text)
        audible = np.flatnonzero(np.abs(speech) > AUDIBLE)
        first, last = (int(audible[0]), int(audible[-1]) + 1) if audible.size else (0, speech.size)
        truth.append(((at + first) / SAMPLE_RATE, (at + last) / SAMPLE_RATE, voice))
        pieces.append(speech)
        at += speech.size
    return np.concatenate(pieces), truth


@functools.cache
def _spoken(voice: str, text: str) -> np.ndarray:
    backend, _, name = voice.partition(":")
    speech = synthesize(text, voice=name or None, backend=backend, settings=Settings())
    return _resampled(speech.samples, speech.sample_rate)


def _resampled(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return np.asarray(samples, dtype=np.float32)
    done = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "f32le", "-ar", str(rate), "-ac", "1",
                           "-i", "-", "-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-"],
                          input=np.asarray(samples, dtype=np.float32).tobytes(), capture_output=True, check=True,
                          timeout=FFMPEG_TIMEOUT_S)
    return np.frombuffer(done.stdout, dtype=np.float32).copy()


def with_noise(samples: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """``samples`` plus white noise ``snr_db`` below the power of the speech (the non-silent samples)."""
    speech = samples[np.abs(samples) > 1e-4]
    power = float(np.mean(np.square(speech, dtype=np.float64))) if speech.size else 0.0
    noise = np.random.default_rng(seed).standard_normal(samples.size) * np.sqrt(power / 10 ** (snr_db / 10))
    return (samples + noise).astype(np.float32)
