"""A story read aloud over generated music: text-to-speech, text-to-music, then the mix.

The voice is synthesised first (joined on disk, in a private folder), because its length
decides how much music is needed (intro + speech + outro); a story longer than
``settings.max_output_s`` is refused before any music is made. Music longer than
``settings.max_music_s`` is not generated: the mix loops what was generated instead.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audio_tools.aio import in_thread
from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.mix import MixOptions, MixResult, mix_speech_over_music
from audio_tools.numbers import checked_number
from audio_tools.output_cap import check_output_length
from audio_tools.outputs import output_path
from audio_tools.results import AudioFile

__all__ = ["MIN_MUSIC_S", "StoryResult", "asynthesize_story", "synthesize_story"]

MIN_MUSIC_S = 1.0


@dataclass(frozen=True)
class StoryResult(AudioFile):
    """A finished story.

    Attributes:
        path: the file written.
        duration_s: its length.
        sample_rate: its sample rate.
        backend: the speech and music backends' specs, e.g. ``flite:slt+synth``.
        speech_s: the voice's length.
        music_s: the music generated (looped in the mix when shorter than needed).
        tts_backend: the speech backend's spec, e.g. ``flite:slt``.
        voice: the voice used.
        music_backend: the music backend's spec, e.g. ``synth``.
        seed: the music's seed; the same one reproduces the music.
        mix: the mix's measurements (loudness, true peak, gains).
    """

    speech_s: float
    music_s: float
    tts_backend: str
    voice: str
    music_backend: str
    seed: int
    mix: MixResult


def synthesize_story(
    text: str,
    music_prompt: str,
    *,
    voice: str | None = None,
    tts: str | None = None,
    music: str | None = None,
    duration_s: float | None = None,
    seed: int | None = None,
    intro_s: float = MixOptions.intro_s,
    outro_s: float = MixOptions.outro_s,
    music_gain_db: float = MixOptions.music_gain_db,
    duck_db: float = MixOptions.duck_db,
    target_lufs: float = MixOptions.target_lufs,
    out: str | os.PathLike[str] | None = None,
    format: str = "wav",
    overwrite: bool = False,
    settings: Settings | None = None,
    cancel: threading.Event | None = None,
) -> StoryResult:
    """Read ``text`` aloud over music made from ``music_prompt``, mixed so the voice stays clear.

    Args:
        text: the story.
        music_prompt: what the music should be like (``"calm piano, slow"``).
        voice: a voice of the speech backend.
        tts: the speech backend spec; ``settings.tts`` when omitted.
        music: the music backend spec; ``settings.music`` when omitted.
        duration_s: seconds of music to generate; by default intro + speech + outro, at
            most ``settings.max_music_s`` (the mix loops it).
        seed: makes the music reproducible.
        intro_s, outro_s, music_gain_db, duck_db, target_lufs: the mix's options; each one's
            default, range and meaning are in :class:`~audio_tools.mix_options.MixOptions`.
        out: the file to write (its suffix picks the format); a new
            ``outputs/story-*.FORMAT`` in the workspace when omitted.
        format: ``wav``, ``flac``, ``mp3``, ``ogg`` or ``m4a``, for the default path.
        overwrite: replace ``out`` if it exists.
        settings: caps, workspace and defaults; read from the environment when omitted.
        cancel: when set, the work stops at its next step (a speech chunk, a music step, a mix render).

    Raises:
        InvalidInputError: empty text or prompt, numbers out of range, unknown backend,
            voice or format.
        InputTooLargeError: text, music or mix over the configured caps.
        OutputExistsError: ``out`` exists and ``overwrite`` is false (checked first).
        BackendUnavailableError: a backend cannot run here.
        BackendError: a backend failed.
        OperationCancelledError: ``cancel`` was set.
    """
    from audio_tools.music import checked_prompt, generate_music
    from audio_tools.tts import synthesize_speech

    settings = settings if settings is not None else Settings.from_env()
    options = MixOptions(music_gain_db=music_gain_db, duck_db=duck_db, intro_s=intro_s, outro_s=outro_s,
                         target_lufs=target_lufs)
    checked_prompt(music_prompt, settings)  # before paying for speech
    if duration_s is not None:
        checked_number("duration_s", duration_s, MIN_MUSIC_S, settings.max_music_s, unit=" s")
    target = output_path(out, format=format, stem="story", overwrite=overwrite, settings=settings)
    with tempfile.TemporaryDirectory(prefix="audio_tools-story-") as tmp:
        speech = synthesize_speech(text, voice, tts, path=Path(tmp) / "speech.wav", settings=settings, cancel=cancel)
        needed = options.intro_s + speech.duration_s + options.outro_s
        check_output_length(needed, settings.max_output_s, what="The story (intro + speech + outro)",
                            advice="Give shorter text or a shorter intro or outro")
        length = duration_s if duration_s is not None else max(MIN_MUSIC_S, min(needed, settings.max_music_s))
        bed = generate_music(music_prompt, length, backend=music, seed=seed, cancel=cancel, settings=settings)
        music_path = save_audio(bed.samples, bed.sample_rate, Path(tmp) / "music.wav", settings=settings)
        mixed = mix_speech_over_music(speech.path, music_path, target, **asdict(options),
                                      overwrite=overwrite, cancel=cancel, settings=settings)
    return StoryResult(
        path=mixed.path,
        duration_s=mixed.duration_s,
        sample_rate=mixed.sample_rate,
        backend=f"{speech.backend}+{bed.backend}",
        speech_s=speech.duration_s,
        music_s=bed.duration_s,
        tts_backend=speech.backend,
        voice=speech.voice,
        music_backend=bed.backend,
        seed=bed.seed,
        mix=mixed,
    )


async def asynthesize_story(text: str, music_prompt: str, **options: Any) -> StoryResult:
    """:func:`synthesize_story` for async code: a worker thread, stopped when the task is cancelled."""
    return await in_thread(synthesize_story, text, music_prompt, **options)
