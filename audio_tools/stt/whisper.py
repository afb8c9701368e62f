"""``whisper[:MODEL]``: a transformers Whisper checkpoint (hub id or local directory).

The ``automatic-speech-recognition`` pipeline is built once per process and device
(:func:`audio_tools.registry.load_once`) on CUDA in fp16 when available, else on the CPU in fp32. Long audio is
decoded as a stream and given to it in windows of :data:`WINDOW_S` (cut at quiet moments:
progress and cancellation between windows; memory bounded by the window whatever the
length), which it chunks into 30 s pieces decoded ``batch_size`` at a time.
Checkpoints whose generation config has alignment heads (all OpenAI ones) give word
timestamps, and segments are then split at pauses; others give Whisper's own segments.
Weights are never downloaded when ``HF_HUB_OFFLINE=1`` (the ``hf_offline`` setting).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from audio_tools.audio import SAMPLE_RATE, AudioInfo
from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.hub import torch_device, torch_dtype
from audio_tools.language import is_english
from audio_tools.registry import BackendSpec, load_once
from audio_tools.stt.base import STTRequest
from audio_tools.stt.split import quiet_parts
from audio_tools.transcript import Segment, Transcript, Word, split_at_pauses

__all__ = ["DEFAULT_MODEL", "WhisperBackend", "make"]

DEFAULT_MODEL = "openai/whisper-small"
CHUNK_S = 30.0
WINDOW_S = 300.0
STREAM_BLOCK_S = 30.0
DEFAULT_BATCH_SIZE = {"cpu": 4, "cuda": 16}


class WhisperBackend:
    """The ``whisper`` family.

    Args:
        pipe: a transformers ``automatic-speech-recognition`` pipeline of a Whisper model.
        lock: held while the pipeline runs (it runs one call at a time, whoever shares it).
        model: the checkpoint's name, for the transcript.
        batch_size: 30 s chunks decoded at once.
    """

    name = "whisper"

    def __init__(self, pipe: Any, lock: threading.Lock, model: str, batch_size: int) -> None:
        self.pipe = pipe
        self._lock = lock
        self.model: str | None = model
        self.batch_size = batch_size
        config = pipe.model.generation_config
        self.multilingual = bool(getattr(config, "is_multilingual", False))
        self.word_timestamps = bool(getattr(config, "alignment_heads", None))

    def transcribe(self, info: AudioInfo, request: STTRequest) -> Transcript:
        """Transcribe (or translate into English) ``info.path`` window by window."""
        generate = self._generate_options(request)
        stream = request.stream(info.path, STREAM_BLOCK_S)
        pieces: list[Segment] = []
        duration = 0.0
        try:
            for window in quiet_parts(stream, SAMPLE_RATE, WINDOW_S):
                request.check_cancelled()
                pieces += self._window(window.samples, window.start, generate)
                duration = window.start + window.samples.size / SAMPLE_RATE
                request.report(duration, max(duration, info.duration))
        finally:
            stream.close()
        request.check_cancelled()
        request.report(duration, duration)
        # word pieces are grouped at pauses; segment pieces are Whisper's own segments
        segments = split_at_pauses(Word(p.start, p.end, p.text) for p in pieces) if self.word_timestamps else pieces
        language = "en" if request.task == "translate" else request.language
        return Transcript(source=request.source, language=language, duration_s=duration, backend=self.name,
                          model=self.model, segments=segments)

    def _generate_options(self, request: STTRequest) -> dict[str, Any]:
        if self.multilingual:
            options: dict[str, Any] = {"task": request.task}
            if request.language is not None:
                options["language"] = request.language
            return options
        if request.task == "translate" or not is_english(request.language):
            msg = (f"{self.model} is an English-only Whisper model: it cannot {request.task} "
                   f"{request.language or 'this'} audio. Use a multilingual checkpoint such as {DEFAULT_MODEL}.")
            raise InvalidInputError(msg)
        return {}

    def _window(self, samples: np.ndarray, offset: float, generate: dict[str, Any]) -> list[Segment]:
        """Timed text pieces (words or segments) of one window, in the recording's time."""
        limit = offset + len(samples) / SAMPLE_RATE
        with self._lock:
            try:
                result = self.pipe(
                    {"raw": samples, "sampling_rate": SAMPLE_RATE},
                    chunk_length_s=CHUNK_S, batch_size=self.batch_size, ignore_warning=True,
                    return_timestamps="word" if self.word_timestamps else True, generate_kwargs=generate,
                )
            except (RuntimeError, ValueError) as e:
                msg = f"Whisper ({self.model}) failed on the audio at {offset:.1f} s: {e}. Try a smaller batch_size."
                raise BackendError(msg) from e
        return _timed(result.get("chunks", []), offset, limit)


def make(spec: BackendSpec, settings: Settings) -> WhisperBackend:
    """Registry factory: load ``whisper[:MODEL]`` (default :data:`DEFAULT_MODEL`) once.

    Raises:
        BackendUnavailableError: transformers/torch are missing, or the weights are not
            on this machine and cannot be downloaded (the message says how to get them).
        InvalidInputError: the checkpoint is not a Whisper model.
    """
    model = spec.model or DEFAULT_MODEL
    try:
        from transformers import pipeline
    except ImportError as e:
        msg = f"The whisper backend needs torch and transformers ({e}); 'pip install torch transformers'."
        raise BackendUnavailableError(msg) from e
    device = torch_device(settings)
    batch_size = settings.whisper_batch_size or DEFAULT_BATCH_SIZE["cuda" if device.startswith("cuda") else "cpu"]

    def load() -> tuple[Any, threading.Lock]:
        try:
            pipe = pipeline("automatic-speech-recognition", model=model, device=device, dtype=torch_dtype(device))
        except (OSError, ValueError) as e:
            raise BackendUnavailableError(_missing_weights(model, e, offline=settings.hf_offline)) from e
        if pipe.model.config.model_type != "whisper":
            msg = f"{model} is a {pipe.model.config.model_type} model, not Whisper. Give a Whisper checkpoint."
            raise InvalidInputError(msg)
        return pipe, threading.Lock()

    pipe, lock = load_once(("whisper", model, device), load)
    return WhisperBackend(pipe, lock, model, batch_size)


def _missing_weights(model: str, error: Exception, *, offline: bool) -> str:
    where = "HF_HUB_OFFLINE is set, so nothing is downloaded" if offline else "they could not be downloaded"
    return (f"The Whisper weights for {model!r} are not on this machine and {where} ({error}). "
            f"Get them on a machine with internet with 'hf download {model}' (and copy the Hugging Face cache "
            f"here), or give a local checkpoint directory: whisper:/path/to/whisper-small.")


def _timed(chunks: list[dict[str, Any]], offset: float, limit: float) -> list[Segment]:
    """Pipeline chunks as pieces with times in order, inside [offset, limit] and not overlapping."""
    pieces: list[Segment] = []
    previous = offset
    for i, chunk in enumerate(chunks):
        text = str(chunk.get("text", "")).strip()
        start, end = chunk.get("timestamp") or (None, None)
        if end is None:  # the last chunk of a window may be left open
            following = chunks[i + 1].get("timestamp") if i + 1 < len(chunks) else None
            end = following[0] if following and following[0] is not None else limit - offset
        start = min(max(previous, offset + (start if start is not None else 0.0)), limit)
        end = min(max(start, offset + end), limit)
        previous = end
        if text:
            pieces.append(Segment(round(start, 3), round(end, 3), text))
    return pieces
