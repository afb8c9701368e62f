"""Speech-to-text: timestamped transcripts of any recording, by one of several backends.

Backends are named by spec (``family[:model]``) and built once per process:

* ``faster-whisper[:MODEL]`` -- Whisper on CTranslate2; offline by default with the bundled tiny.en.
* ``pocketsphinx`` -- offline, English, no model download; the lightest fallback.
* ``whisper[:MODEL]`` -- a transformers Whisper checkpoint (hub id or local directory).
* ``openai[:MODEL]`` -- the OpenAI transcription API (``whisper-1``, ``gpt-4o-transcribe``).
* ``auto`` -- a larger local Whisper, else the bundled tiny.en, else pocketsphinx.

Example::

    from audio_tools.stt import transcribe
    transcript = transcribe("meeting.flac", backend="pocketsphinx")
    print(transcript.to_srt())
    labelled = transcribe("meeting.flac", speakers="auto")   # segments get S1, S2...

With ``speakers``, the backend's transcript is labelled by :mod:`audio_tools.speakers` from the
same opened file: the 16 kHz samples the backend decoded are kept (:class:`~audio_tools.stt.base.SampleTap`)
and labelled after it, so the file is decoded once (the OpenAI backend, which uploads the file
as it is, is the exception: its copy is decoded for the labeller).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Literal

import numpy as np

from audio_tools.aio import in_thread
from audio_tools.config import Settings
from audio_tools.decode import SAMPLE_RATE, AudioSource, load_audio
from audio_tools.errors import InvalidInputError
from audio_tools.private_copy import byte_copy
from audio_tools.registry import BackendRegistry, BackendSpec
from audio_tools.results import Progress
from audio_tools.safe_open import OpenedFile
from audio_tools.stt.auto import choose
from audio_tools.stt.base import SampleTap, STTBackend, STTRequest, Task
from audio_tools.transcript import Transcript

__all__ = ["STT_BACKENDS", "STTBackend", "Speakers", "atranscribe", "speaker_option", "transcribe"]

TASKS = ("transcribe", "translate")
AUTO = "auto"

Speakers = Literal["auto"] | int | None
"""What ``transcribe(speakers=...)`` takes: None (no labels), ``"auto"`` (count found) or a count."""


def _pocketsphinx(spec: BackendSpec, settings: Settings) -> STTBackend:
    from audio_tools.stt.pocketsphinx import make

    return make(spec, settings)


def _faster_whisper(spec: BackendSpec, settings: Settings) -> STTBackend:
    from audio_tools.stt.faster_whisper import make

    return make(spec, settings)


def _whisper(spec: BackendSpec, settings: Settings) -> STTBackend:
    from audio_tools.stt.whisper import make

    return make(spec, settings)


def _openai(spec: BackendSpec, settings: Settings) -> STTBackend:
    from audio_tools.stt.openai import make

    return make(spec, settings)


STT_BACKENDS: BackendRegistry[STTBackend] = BackendRegistry("speech-to-text")
STT_BACKENDS.register("pocketsphinx", _pocketsphinx,
                      "offline English recognition (CMU PocketSphinx); no download needed")
STT_BACKENDS.register("faster-whisper", _faster_whisper,
                      "Whisper on CTranslate2: the bundled tiny.en (offline), a local CT2 folder or a cached model")
STT_BACKENDS.register("whisper", _whisper,
                      "a transformers Whisper model, e.g. whisper:openai/whisper-small or a local directory")
STT_BACKENDS.register("openai", _openai, "the OpenAI transcription API: openai:whisper-1 or openai:gpt-4o-transcribe")
STT_BACKENDS.register_auto(choose, "a larger local Whisper, else the bundled tiny.en, else pocketsphinx")


def transcribe(
    source: AudioSource,
    *,
    backend: str | None = None,
    language: str | None = None,
    task: Task = "transcribe",
    hotwords: str | None = None,
    speakers: Speakers = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
) -> Transcript:
    """Transcribe a recording into timestamped segments, with who spoke each when asked.

    Args:
        source: a local audio file (any format ffmpeg reads), an opened one
            (:meth:`~audio_tools.workspace.Workspace.open_input`), or its raw bytes. Paths are
            used as given; confining them to a workspace is the caller's job. It is opened once
            and copied into a private folder, and the backend reads the copy.
        backend: a backend spec; ``settings.stt`` (default ``auto``) when omitted.
        language: the spoken language as an ISO 639-1 code (``en``, ``de``); None lets the
            backend decide (pocketsphinx: English).
        task: ``transcribe``, or ``translate`` to English (Whisper and OpenAI backends).
        hotwords: names and terms said in the recording (``"Nova, Orbit"``), given to the model as a
            prompt by the Whisper (CTranslate2) and OpenAI backends.
        speakers: None (the default) leaves every segment's ``speaker`` None; ``"auto"`` labels
            the speakers ``S1``, ``S2``... in the order they first speak, finding how many there
            are; a whole number labels exactly that many (when there is enough speech for them).
            Segments are split where the speaker changes (:mod:`audio_tools.speakers.labeller`).
            Labelling runs after the backend, on one thread by default (``speaker_threads``),
            and holds the 16 kHz samples (3.8 MB per audio minute) while the backend works.
        progress: called as ``progress(done_s, total_s)`` as the backend advances; speaker
            labelling comes after its last report.
        cancel: set it (from another thread) to stop the work, speaker labelling included.
        settings: caps and defaults; read from the environment when omitted.

    Returns:
        The transcript; its ``backend`` and ``model`` say what ran.

    Raises:
        InvalidAudioError: empty, corrupt or not audio, or it decodes longer than its header says.
        InputTooLargeError: over the size or duration caps.
        InvalidInputError: an unknown backend, task or language for the backend, or ``speakers``
            neither None, ``"auto"`` nor a whole number from 1.
        BackendUnavailableError: the backend cannot run here (the message says how to fix it), or
            the speaker encoder's weights are missing or changed.
        BackendError: the backend failed while working.
        OperationCancelledError: ``cancel`` was set.
    """
    settings = settings if settings is not None else Settings.from_env()
    if task not in TASKS:
        msg = f"Unknown task {task!r}: use 'transcribe' or 'translate'."
        raise InvalidInputError(msg)
    num_speakers = speaker_option(speakers) if speakers is not None else None
    if language is not None and not language.strip():
        language = None
    if isinstance(source, bytes | bytearray):
        name = "<bytes>"
    else:
        name = source.name if isinstance(source, OpenedFile) else os.fspath(source)
    tap = SampleTap() if speakers is not None else None
    request = STTRequest(source=name, settings=settings, language=language, task=task,
                         hotwords=hotwords.strip() or None if hotwords else None, progress=progress, cancel=cancel,
                         tap=tap)
    with byte_copy(source, settings) as copy:  # bad audio is refused before a model loads
        stt = STT_BACKENDS.get(backend or settings.stt, settings)
        request.check_cancelled()
        transcript = stt.transcribe(copy, request)
        if tap is None:
            return transcript
        request.check_cancelled()
        samples = tap.samples()
        if samples is None:  # the backend did not decode it all through the request
            samples = load_audio(copy.path, SAMPLE_RATE, settings=settings)
    return _labelled(transcript, samples, num_speakers, request)


def speaker_option(speakers: object) -> int | None:
    """The speaker count ``speakers`` asks for: None for ``"auto"`` (any case), else the whole number given.

    Raises:
        InvalidInputError: ``speakers`` is neither ``"auto"`` nor a whole number from 1.
    """
    if isinstance(speakers, str) and speakers.strip().lower() == AUTO:
        return None
    if isinstance(speakers, bool) or not isinstance(speakers, int | np.integer) or speakers < 1:
        msg = (f"speakers must be 'auto' (find how many speak) or the number of speakers, a whole number from 1; "
               f"not {speakers!r}. Leave it out (None) for no speaker labels.")
        raise InvalidInputError(msg)
    return int(speakers)


def _labelled(transcript: Transcript, samples: np.ndarray, num_speakers: int | None,
              request: STTRequest) -> Transcript:
    from audio_tools.speakers.labeller import assign_speakers
    from audio_tools.speakers.turns import diarize_samples

    turns = diarize_samples(samples, num_speakers=num_speakers, threads=request.settings.speaker_threads,
                            check=request.check_cancelled)
    return assign_speakers(transcript, turns)


async def atranscribe(source: AudioSource, **options: Any) -> Transcript:
    """:func:`transcribe` for async code: a worker thread, stopped when the task is cancelled."""
    return await in_thread(transcribe, source, **options)
