"""Text-to-speech: one call for every backend, any length of text.

Backends (``--tts`` specs)::

    openai[:tts-1|tts-1-hd|gpt-4o-mini-tts]   OpenAI or a compatible server (OPENAI_BASE_URL)
    hf[:MODEL]                                 transformers text-to-speech pipeline (VITS/MMS-TTS, Bark)
    flite[:VOICE]                              offline English: kal, awb, rms, slt, kal16, awb_time
    festival[:VOICE]                           offline English, e.g. the HTS voice slt
    espeak[:VOICE]                             offline, many languages: en-us, cmn, fr-fr, de...
    offline                                    flite for English, espeak for other languages
    auto                                       openai when configured, else offline

Text longer than a backend takes at once is split at sentence boundaries (then clauses,
then words) and the pieces' audio is joined with short pauses and click-free edges.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_tools.audio import save_audio
from audio_tools.config import Settings
from audio_tools.errors import BackendError, OperationCancelledError
from audio_tools.outputs import output_path
from audio_tools.registry import BackendRegistry, BackendSpec, spec_of
from audio_tools.results import AudioFile, Progress
from audio_tools.text_input import checked_text
from audio_tools.tts.auto import choose
from audio_tools.tts.base import AsyncTTSBackend, TTSBackend
from audio_tools.tts.join import join_chunks
from audio_tools.tts.text_split import split_text

__all__ = [
    "TTS_BACKENDS",
    "Speech",
    "TTSBackend",
    "asynthesize",
    "asynthesize_speech",
    "select_backend",
    "synthesize",
    "synthesize_speech",
]



def _openai(spec: BackendSpec, settings: Settings) -> TTSBackend:
    from audio_tools.tts.openai_tts import make

    return make(spec, settings)


def _hf(spec: BackendSpec, settings: Settings) -> TTSBackend:
    from audio_tools.tts.hf import make

    return make(spec, settings)


def _flite(spec: BackendSpec, settings: Settings) -> TTSBackend:
    from audio_tools.tts.flite import make

    return make(spec, settings)


def _festival(spec: BackendSpec, settings: Settings) -> TTSBackend:
    from audio_tools.tts.festival import make

    return make(spec, settings)


def _espeak(spec: BackendSpec, settings: Settings) -> TTSBackend:
    from audio_tools.tts.espeak import make

    return make(spec, settings)


def _offline(spec: BackendSpec, settings: Settings) -> TTSBackend:
    from audio_tools.tts.offline import make

    return make(spec, settings)


TTS_BACKENDS: BackendRegistry[TTSBackend] = BackendRegistry("text-to-speech")
TTS_BACKENDS.register("openai", _openai,
                      "OpenAI speech (tts-1, tts-1-hd, gpt-4o-mini-tts); needs OPENAI_API_KEY or OPENAI_BASE_URL")
TTS_BACKENDS.register("hf", _hf,
                      "a transformers text-to-speech model (VITS/MMS-TTS, Bark) from a directory or the local cache")
TTS_BACKENDS.register("flite", _flite, "offline English (flite voices kal, awb, rms, slt)")
TTS_BACKENDS.register("festival", _festival, "offline English (Festival, e.g. HTS voice slt)")
TTS_BACKENDS.register("espeak", _espeak, "offline, over 100 languages (espeak-ng, e.g. cmn)")
TTS_BACKENDS.register("offline", _offline, "flite for English and espeak for other languages")
TTS_BACKENDS.register_auto(choose, "openai when configured, else offline (flite for English, espeak for others)")


@dataclass(frozen=True)
class Speech:
    """Synthesised speech.

    Attributes:
        samples: float32 mono samples in [-1, 1].
        sample_rate: their rate in Hz.
        backend: the spec of the backend that spoke (``flite:slt``, ``openai:tts-1``).
        voice: the voice used.
        chunks: how many pieces the text was spoken in (requests, for a remote backend).
    """

    samples: np.ndarray
    sample_rate: int
    backend: str
    voice: str
    chunks: int = 1

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


def select_backend(
    backend: str | None = None,
    voice: str | None = None,
    language: str | None = None,
    settings: Settings | None = None,
) -> tuple[TTSBackend, str]:
    """The loaded backend and checked voice that :func:`synthesize` would use.

    Args:
        backend: a spec such as ``flite:slt``; ``settings.tts`` (default ``auto``) when omitted.
        voice: a voice of that backend; its default when omitted.
        language: the text's language (``en``, ``zh``...), used when no voice is given.
        settings: read from the environment when omitted.

    Raises:
        InvalidInputError: unknown backend or voice (the message lists the valid ones).
        BackendUnavailableError: the backend cannot run here.
    """
    settings = settings if settings is not None else Settings.from_env()
    return TTS_BACKENDS.get(backend or settings.tts, settings).select(voice, language)


def synthesize(
    text: str,
    *,
    voice: str | None = None,
    backend: str | None = None,
    language: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Speech:
    """Speak ``text`` of any length (up to ``settings.max_text_chars``).

    Args:
        text: what to say.
        voice: a voice of the backend (see :func:`select_backend`).
        backend: a backend spec; ``settings.tts`` when omitted.
        language: the text's language, for ``auto`` and ``espeak`` when no voice is given.
        settings: caps and defaults; read from the environment when omitted.
        progress: called as ``progress(chunks_done, chunks_total)`` after each chunk.
        cancel: when set, synthesis stops before the next chunk.

    Raises:
        InvalidInputError: empty text, unknown backend or voice.
        InputTooLargeError: the text is longer than ``settings.max_text_chars``.
        BackendUnavailableError: the backend cannot run here.
        BackendError: the backend failed.
        OperationCancelledError: ``cancel`` was set.
    """
    settings = settings if settings is not None else Settings.from_env()
    tts, chosen, chunks = _prepare(text, voice, backend, language, settings)
    parts = []
    for chunk in chunks:
        if cancel is not None and cancel.is_set():
            msg = "Speech synthesis was cancelled; nothing was produced."
            raise OperationCancelledError(msg)
        parts.append(tts.synthesize_chunk(chunk, chosen))
        if progress is not None:
            progress(len(parts), len(chunks))
    return _speech(tts, chosen, parts)


async def asynthesize(
    text: str,
    *,
    voice: str | None = None,
    backend: str | None = None,
    language: str | None = None,
    settings: Settings | None = None,
) -> Speech:
    """:func:`synthesize` for async code: natively async for OpenAI, a worker thread otherwise.

    Arguments and errors are those of :func:`synthesize` (without ``cancel``: cancel the task).
    """
    settings = settings if settings is not None else Settings.from_env()
    tts, chosen, chunks = await asyncio.to_thread(_prepare, text, voice, backend, language, settings)
    if isinstance(tts, AsyncTTSBackend):
        parts = await tts.asynthesize_chunks(chunks, chosen)
    else:
        parts = await asyncio.to_thread(lambda: [tts.synthesize_chunk(chunk, chosen) for chunk in chunks])
    return _speech(tts, chosen, parts)


def synthesize_speech(
    text: str,
    voice: str | None = None,
    backend: str | None = None,
    *,
    language: str | None = None,
    path: str | os.PathLike[str] | None = None,
    format: str = "wav",
    overwrite: bool = False,
    settings: Settings | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> AudioFile:
    """Speak ``text`` into an audio file.

    Args:
        text: what to say.
        voice: a voice of the backend.
        backend: a backend spec; ``settings.tts`` when omitted.
        language: the text's language (see :func:`synthesize`).
        path: the file to write, used as given (its suffix picks the format); when omitted,
            a new file ``outputs/speech-*.FORMAT`` in the workspace.
        format: ``wav``, ``flac``, ``mp3``, ``ogg`` or ``m4a``, for the default path.
        overwrite: replace ``path`` if it exists.
        settings: caps, workspace and defaults; read from the environment when omitted.
        progress: called as ``progress(chunks_done, chunks_total)`` after each chunk.
        cancel: when set, synthesis stops before the next chunk.

    Returns:
        The file written (its absolute path, length, rate and the backend that spoke).

    Raises:
        OutputExistsError: ``path`` exists and ``overwrite`` is false.
        InvalidInputError: an unknown format or suffix; and every error of :func:`synthesize`.
    """
    settings = settings if settings is not None else Settings.from_env()
    target = output_path(path, format=format, stem="speech", overwrite=overwrite, settings=settings)
    speech = synthesize(text, voice=voice, backend=backend, language=language, settings=settings,
                        progress=progress, cancel=cancel)
    return _saved(speech, target, overwrite, settings)


async def asynthesize_speech(
    text: str,
    voice: str | None = None,
    backend: str | None = None,
    *,
    language: str | None = None,
    path: str | os.PathLike[str] | None = None,
    format: str = "wav",
    overwrite: bool = False,
    settings: Settings | None = None,
) -> AudioFile:
    """:func:`synthesize_speech` for async code (see :func:`asynthesize`)."""
    settings = settings if settings is not None else Settings.from_env()
    target = output_path(path, format=format, stem="speech", overwrite=overwrite, settings=settings)
    speech = await asynthesize(text, voice=voice, backend=backend, language=language, settings=settings)
    return await asyncio.to_thread(_saved, speech, target, overwrite, settings)


def _prepare(
    text: str, voice: str | None, backend: str | None, language: str | None, settings: Settings
) -> tuple[TTSBackend, str, list[str]]:
    """The backend, the voice and the chunks to speak, once the text is checked."""
    clean = checked_text(text, settings, what="The text to speak", empty_hint="Give at least one word.")
    tts, chosen = select_backend(backend, voice, language, settings)
    return tts, chosen, split_text(clean, tts.max_chars)


def _saved(speech: Speech, target: Path, overwrite: bool, settings: Settings) -> AudioFile:
    path = save_audio(speech.samples, speech.sample_rate, target, overwrite=overwrite, settings=settings)
    return AudioFile(path, speech.duration_s, speech.sample_rate, speech.backend)


def _speech(tts: TTSBackend, voice: str, parts: Sequence[np.ndarray]) -> Speech:
    samples = join_chunks(parts, tts.sample_rate)
    if samples.size == 0:
        msg = f"The {tts.name} backend produced no audio for this text. Try other wording or another backend."
        raise BackendError(msg)
    return Speech(samples, tts.sample_rate, spec_of(tts), voice, len(parts))
