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
then words) and the pieces' audio is joined with short pauses and click-free edges. Speech
is stopped as soon as it passes ``settings.max_output_s``; speech written to a file is
joined on disk as it is spoken, so memory holds one chunk whatever the text's length.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import BackendError, OperationCancelledError
from audio_tools.outputs import output_path
from audio_tools.registry import BackendRegistry, BackendSpec, spec_of
from audio_tools.results import AudioFile, Progress
from audio_tools.text_input import checked_text
from audio_tools.tts.auto import choose
from audio_tools.tts.base import AsyncTTSBackend, TTSBackend
from audio_tools.tts.join import Joiner, join_chunks
from audio_tools.tts.take import DiskTake, disk_take
from audio_tools.tts.text_split import split_text

__all__ = [
    "TTS_BACKENDS",
    "Speech",
    "SpeechFile",
    "TTSBackend",
    "asynthesize",
    "asynthesize_speech",
    "select_backend",
    "synthesize",
    "synthesize_speech",
]


# Requests an async backend is asked for at once (OpenAI sends them concurrently); their
# audio is written before the next window, which bounds memory and the overshoot past the cap.
ASYNC_WINDOW = 4


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


@dataclass(frozen=True)
class SpeechFile(AudioFile):
    """Speech written to a file.

    Attributes:
        path: the file written.
        duration_s: its length.
        sample_rate: its sample rate.
        backend: the spec of the backend that spoke.
        voice: the voice used.
        chunks: how many pieces the text was spoken in.
    """

    voice: str
    chunks: int


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
    """Speak ``text`` of any length (up to ``settings.max_text_chars``) into samples in memory.

    To write a file, :func:`synthesize_speech` holds only one chunk in memory at a time.

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
        InputTooLargeError: the text is longer than ``settings.max_text_chars``, or its speech
            passed ``settings.max_output_s`` (speaking stops at the chunk that passed it).
        BackendUnavailableError: the backend cannot run here.
        BackendError: the backend failed.
        OperationCancelledError: ``cancel`` was set.
    """
    settings = settings if settings is not None else Settings.from_env()
    tts, chosen, chunks = _prepare(text, voice, backend, language, settings)
    samples = join_chunks(_spoken(tts, chosen, chunks, progress, cancel), tts.sample_rate,
                          max_s=settings.max_output_s)
    return _speech(tts, chosen, samples, len(chunks))


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
    if not isinstance(tts, AsyncTTSBackend):
        samples = await asyncio.to_thread(join_chunks, _spoken(tts, chosen, chunks, None, None), tts.sample_rate,
                                          max_s=settings.max_output_s)
        return _speech(tts, chosen, samples, len(chunks))
    pieces: list[np.ndarray] = []
    joiner = Joiner(tts.sample_rate, pieces.append, max_s=settings.max_output_s)
    async for part in _aspoken(tts, chosen, chunks):
        joiner.add(part)
    return _speech(tts, chosen, np.concatenate(pieces) if pieces else np.zeros(0, np.float32), len(chunks))


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
) -> SpeechFile:
    """Speak ``text`` into an audio file, joined on disk as it is spoken.

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
        The file written (its absolute path, length, rate, the backend and voice that spoke).

    Raises:
        OutputExistsError: ``path`` exists and ``overwrite`` is false.
        InvalidInputError: an unknown format or suffix; and every error of :func:`synthesize`.
    """
    settings = settings if settings is not None else Settings.from_env()
    target = output_path(path, format=format, stem="speech", overwrite=overwrite, settings=settings)
    tts, chosen, chunks = _prepare(text, voice, backend, language, settings)
    return _spoken_to_file(tts, chosen, chunks, target, overwrite, settings, progress, cancel)


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
) -> SpeechFile:
    """:func:`synthesize_speech` for async code: natively async for OpenAI, a worker thread otherwise.

    OpenAI requests go out :data:`ASYNC_WINDOW` at a time and each window's audio is
    written before the next is asked for, so memory holds one window and speaking stops
    within a window of the chunk that passed ``settings.max_output_s``.
    """
    settings = settings if settings is not None else Settings.from_env()
    target = output_path(path, format=format, stem="speech", overwrite=overwrite, settings=settings)
    tts, chosen, chunks = await asyncio.to_thread(_prepare, text, voice, backend, language, settings)
    if not isinstance(tts, AsyncTTSBackend):
        return await asyncio.to_thread(_spoken_to_file, tts, chosen, chunks, target, overwrite, settings)
    with disk_take(tts.sample_rate, settings) as take:
        async for part in _aspoken(tts, chosen, chunks):
            await asyncio.to_thread(take.add, part)
        return await asyncio.to_thread(_saved, take, tts, chosen, target, overwrite, settings)


def _prepare(
    text: str, voice: str | None, backend: str | None, language: str | None, settings: Settings
) -> tuple[TTSBackend, str, list[str]]:
    """The backend, the voice and the chunks to speak, once the text is checked."""
    clean = checked_text(text, settings, what="The text to speak", empty_hint="Give at least one word.")
    tts, chosen = select_backend(backend, voice, language, settings)
    return tts, chosen, split_text(clean, tts.max_chars)


def _spoken(
    tts: TTSBackend, voice: str, chunks: Sequence[str], progress: Progress | None, cancel: threading.Event | None
) -> Iterator[np.ndarray]:
    """Each chunk's audio, spoken when the consumer asks for it; progress once it was taken."""
    for done, chunk in enumerate(chunks, start=1):
        if cancel is not None and cancel.is_set():
            msg = "Speech synthesis was cancelled; nothing was produced."
            raise OperationCancelledError(msg)
        yield tts.synthesize_chunk(chunk, voice)
        if progress is not None:
            progress(done, len(chunks))


async def _aspoken(tts: AsyncTTSBackend, voice: str, chunks: Sequence[str]) -> AsyncIterator[np.ndarray]:
    """Each chunk's audio in order, asked for :data:`ASYNC_WINDOW` chunks at a time."""
    for start in range(0, len(chunks), ASYNC_WINDOW):
        for part in await tts.asynthesize_chunks(chunks[start:start + ASYNC_WINDOW], voice):
            yield part


def _spoken_to_file(
    tts: TTSBackend, voice: str, chunks: Sequence[str], target: Path, overwrite: bool, settings: Settings,
    progress: Progress | None = None, cancel: threading.Event | None = None,
) -> SpeechFile:
    with disk_take(tts.sample_rate, settings) as take:
        for part in _spoken(tts, voice, chunks, progress, cancel):
            take.add(part)
        return _saved(take, tts, voice, target, overwrite, settings)


def _saved(take: DiskTake, tts: TTSBackend, voice: str, target: Path, overwrite: bool,
           settings: Settings) -> SpeechFile:
    if take.samples == 0:
        raise _no_audio(tts)
    path = take.save(target, overwrite=overwrite, settings=settings)
    return SpeechFile(path, take.duration_s, tts.sample_rate, spec_of(tts), voice, take.chunks)


def _speech(tts: TTSBackend, voice: str, samples: np.ndarray, chunks: int) -> Speech:
    if samples.size == 0:
        raise _no_audio(tts)
    return Speech(samples, tts.sample_rate, spec_of(tts), voice, chunks)


def _no_audio(tts: TTSBackend) -> BackendError:
    msg = f"The {tts.name} backend produced no audio for this text. Try other wording or another backend."
    return BackendError(msg)
