"""Text to music: a prompt and a duration in, music out, from a choice of backends.

============================  =======================================================
spec                          backend
============================  =======================================================
``musicgen[:MODEL]``          MusicGen through transformers; ``MODEL`` is a hub id
                              (default ``facebook/musicgen-small``) or a local folder.
                              Longer than its 30 s window by continuing windows.
``audiocraft[:small|medium|   Meta's audiocraft package (optional extra, its own
large|melody|HUB_ID]``        environment with torch 2.1).
``synth[:32000|44100]``       offline, non-neural: mood/tempo/instrument words become a
                              chord progression and a band (deterministic per seed).
``auto``                      musicgen when its default weights are on this machine,
                              else synth.
============================  =======================================================

Backends are built once per process (:data:`MUSIC_BACKENDS`) and shared by every call.
"""

from __future__ import annotations

import math
import os
import secrets
import threading
from typing import Any

import numpy as np

from audio_tools.aio import in_thread
from audio_tools.config import Settings
from audio_tools.errors import BackendError, InputTooLargeError, InvalidInputError, OperationCancelledError
from audio_tools.music.auto import choose
from audio_tools.music.base import Music, MusicBackend, sample_count
from audio_tools.output_cap import check_output_length
from audio_tools.registry import BackendRegistry, BackendSpec
from audio_tools.results import AudioFile, Progress
from audio_tools.text_input import checked_text

__all__ = ["MUSIC_BACKENDS", "Music", "MusicBackend", "agenerate_music", "atext_to_music", "checked_prompt",
           "generate_music", "text_to_music"]



def _musicgen(spec: BackendSpec, settings: Settings) -> MusicBackend:
    from audio_tools.music.musicgen import make

    return make(spec, settings)


def _audiocraft(spec: BackendSpec, settings: Settings) -> MusicBackend:
    from audio_tools.music.audiocraft import make

    return make(spec, settings)


def _synth(spec: BackendSpec, settings: Settings) -> MusicBackend:
    from audio_tools.music.synth import make

    return make(spec, settings)


MUSIC_BACKENDS: BackendRegistry[MusicBackend] = BackendRegistry("text-to-music")
MUSIC_BACKENDS.register("musicgen", _musicgen,
                        "MusicGen via transformers (facebook/musicgen-small by default, or a local folder)")
MUSIC_BACKENDS.register("audiocraft", _audiocraft,
                        "MusicGen via Meta's audiocraft (optional extra; small, medium, large or melody)")
MUSIC_BACKENDS.register("synth", _synth,
                        "offline chord-and-rhythm synthesizer driven by the prompt's mood, tempo and instruments")
MUSIC_BACKENDS.register_auto(choose, "musicgen when its weights are on this machine, else synth")

MAX_SEED = 2**31 - 1


def generate_music(
    prompt: str,
    duration_s: float,
    *,
    backend: str | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
) -> Music:
    """Generate ``duration_s`` seconds of music described by ``prompt``.

    Args:
        prompt: what the music should be like (``"calm piano, slow"``).
        duration_s: length in seconds; the result has exactly this many seconds of samples.
        backend: a spec (see the module docs); ``settings.music`` (``auto``) when omitted.
        seed: makes the result reproducible; a random one is drawn (and recorded in the
            result) when omitted.
        progress: called with ``(seconds_done, seconds_total)`` as generation advances.
        cancel: when set, generation stops at its next progress step.
        settings: caps and device; read from the environment when omitted.

    Raises:
        InvalidInputError: empty prompt, duration not a positive number, bad seed or spec.
        InputTooLargeError: duration over ``settings.max_music_s`` or ``max_output_s``, or prompt over
            ``max_text_chars``.
        BackendUnavailableError: the backend cannot run here (missing package or weights).
        BackendError: the backend failed while generating.
        OperationCancelledError: ``cancel`` was set.
    """
    settings = settings if settings is not None else Settings.from_env()
    text = _check_request(prompt, duration_s, seed, settings)
    chosen = MUSIC_BACKENDS.get(backend or settings.music, settings)
    used_seed = secrets.randbelow(MAX_SEED) if seed is None else seed

    def report(done_s: float, total_s: float) -> None:
        if cancel is not None and cancel.is_set():
            msg = "Music generation was cancelled; nothing was produced."
            raise OperationCancelledError(msg)
        if progress is not None:
            progress(done_s, total_s)

    report(0.0, float(duration_s))
    samples = chosen.generate(text, float(duration_s), seed=used_seed, progress=report)
    wanted = sample_count(duration_s, chosen.sample_rate)
    if samples.ndim != 1 or len(samples) < wanted or not np.isfinite(samples).all():
        msg = (f"The {chosen.name} backend returned unusable audio (shape {samples.shape}, wanted "
               f"{wanted} finite mono samples). Try another backend and report this.")
        raise BackendError(msg)
    return Music(samples[:wanted].astype(np.float32, copy=False), chosen.sample_rate, chosen.name, text, used_seed)


def text_to_music(
    prompt: str,
    duration_s: float,
    *,
    backend: str | None = None,
    path: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
) -> AudioFile:
    """Generate music and write it to a file (format from the suffix: wav, flac, mp3, ogg, m4a).

    Args:
        prompt: what the music should be like.
        duration_s: length in seconds.
        backend: a spec; ``settings.music`` when omitted.
        path: where to write, used as given (tools confine it to the workspace first);
            a new ``outputs/music-….wav`` in the workspace when omitted. Never overwritten.
        seed: makes the result reproducible.
        progress: called with ``(seconds_done, seconds_total)`` as generation advances.
        cancel: when set, generation stops at its next progress step.
        settings: caps, device, workspace; read from the environment when omitted.

    Returns:
        The file written, with its length, rate and the backend that made it.

    Raises:
        OutputExistsError: ``path`` exists (checked before generating).
        InvalidInputError: ``path`` has an unknown suffix, is a directory or has no folder.
        (and everything :func:`generate_music` raises)
    """
    from audio_tools.audio import save_audio
    from audio_tools.outputs import output_path

    settings = settings if settings is not None else Settings.from_env()
    target = output_path(path, stem="music", settings=settings)
    music = generate_music(prompt, duration_s, backend=backend, seed=seed, progress=progress, cancel=cancel,
                           settings=settings)
    written = save_audio(music.samples, music.sample_rate, target, settings=settings)
    return AudioFile(written, music.duration_s, music.sample_rate, music.backend)


async def agenerate_music(prompt: str, duration_s: float, **options: Any) -> Music:
    """:func:`generate_music` for async code: a worker thread, stopped when the task is cancelled."""
    return await in_thread(generate_music, prompt, duration_s, **options)


async def atext_to_music(prompt: str, duration_s: float, **options: Any) -> AudioFile:
    """:func:`text_to_music` for async code: a worker thread, stopped when the task is cancelled."""
    return await in_thread(text_to_music, prompt, duration_s, **options)


def checked_prompt(prompt: str, settings: Settings) -> str:
    """``prompt`` stripped, once known to be a non-empty description within ``settings.max_text_chars``.

    Raises:
        InvalidInputError: an empty prompt.
        InputTooLargeError: a prompt over the cap.
    """
    return checked_text(prompt, settings, what="The music prompt",
                        empty_hint="Describe the music, e.g. 'calm piano and strings, slow'.")


def _check_request(prompt: str, duration_s: float, seed: int | None, settings: Settings) -> str:
    """The stripped prompt, after checking every argument."""
    text = checked_prompt(prompt, settings)
    if isinstance(duration_s, bool) or not isinstance(duration_s, (int, float)) or not math.isfinite(duration_s):
        msg = f"The music duration must be a number of seconds, got {duration_s!r}."
        raise InvalidInputError(msg)
    if duration_s <= 0:
        msg = f"The music duration must be positive, got {duration_s} s. Ask for e.g. 30 seconds."
        raise InvalidInputError(msg)
    if duration_s > settings.max_music_s:
        msg = (f"{duration_s:g} s of music is over the limit of {settings.max_music_s:g} s. Ask for less "
               f"(loop it in the mix) or raise AUDIO_TOOLS_MAX_MUSIC_S.")
        raise InputTooLargeError(msg)
    check_output_length(duration_s, settings.max_output_s, what="The music asked for",
                        advice="Ask for less (loop it in the mix)")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
        msg = f"The seed must be an integer from 0 to {MAX_SEED}, got {seed!r}."
        raise InvalidInputError(msg)
    return text
