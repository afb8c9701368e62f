"""``openai[:MODEL]``: the OpenAI transcription API (``whisper-1``, ``gpt-4o-transcribe``...).

The client comes from the settings' OpenAI key and base URL (any compatible server), through
:mod:`audio_tools.openai_service`, which also maps the service's errors. Files over the
upload limit (setting ``openai_max_upload_bytes``, default 25 MB) are decoded as a stream and
cut at their quietest moments into FLAC parts under it (memory bounded by one part), sent a few at a time with retries,
and the segment times shifted by each part's offset. ``whisper-1`` answers ``verbose_json``
with segments (and words), which are kept; models without timestamps get one segment per
part, and their parts are kept short (:data:`UNTIMED_PART_S`) so those times stay useful.
"""

from __future__ import annotations

import math
import tempfile
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audio_tools import openai_service
from audio_tools.audio import SAMPLE_RATE, AudioInfo, save_audio, stream_audio
from audio_tools.config import Settings
from audio_tools.errors import BackendError, InvalidInputError
from audio_tools.registry import BackendSpec
from audio_tools.stt.base import STTRequest
from audio_tools.stt.split import quiet_parts
from audio_tools.transcript import Segment, Transcript, Word

__all__ = ["OpenAIBackend", "Part", "make"]

DEFAULT_MODEL = "whisper-1"
TIMESTAMP_MODELS = frozenset({"whisper-1"})  # the models that answer verbose_json
UPLOAD_SUFFIXES = frozenset({".flac", ".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".ogg", ".wav", ".webm"})
PCM_BYTES_PER_S = 2 * SAMPLE_RATE  # 16-bit mono: FLAC parts are never larger, plus headers
SIZE_MARGIN = 0.95
UNTIMED_PART_S = 30.0
MAX_CONCURRENCY = 4
STREAM_BLOCK_S = 30.0


@dataclass(frozen=True)
class Part:
    """A file to upload and where it starts in the recording (seconds)."""

    path: Path
    offset: float
    duration: float


class OpenAIBackend:
    """The ``openai`` family.

    Args:
        settings: the service's key, address and upload limit (``openai_max_upload_bytes``).
        model: the transcription model.
        concurrency: requests in flight at once.
    """

    name = "openai"

    def __init__(self, settings: Settings, model: str = DEFAULT_MODEL, concurrency: int = MAX_CONCURRENCY) -> None:
        self.settings = settings
        self.client = openai_service.client(settings)
        self.model: str | None = model
        self.max_upload_bytes = settings.openai_max_upload_bytes
        self.concurrency = concurrency
        self.timed = model in TIMESTAMP_MODELS

    def transcribe(self, info: AudioInfo, request: STTRequest) -> Transcript:
        """Send the file (in parts when needed) and merge the answers in time order."""
        if request.task == "translate" and not self.timed:
            msg = f"The {self.model} model cannot translate; use openai:whisper-1 for task='translate'."
            raise InvalidInputError(msg)
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as tmp:
            parts = self.parts(info, request.settings, Path(tmp))
            request.check_cancelled()
            answers = self._send_all(parts, request, info.duration)
        segments = [segment for answer in answers for segment in answer]
        duration = max([info.duration, *(p.offset + p.duration for p in parts)])
        for segment in segments:
            segment.end = min(segment.end, duration)
            segment.start = min(segment.start, segment.end)
        return Transcript(source=request.source, language="en" if request.task == "translate" else request.language,
                          duration_s=duration, backend=self.name, model=self.model, segments=segments)

    def parts(self, info: AudioInfo, settings: Settings, folder: Path) -> list[Part]:
        """The file itself when it can be sent as is, else FLAC parts cut at quiet moments into ``folder``.

        Raises:
            InvalidInputError: the upload limit is too small for a part of at least a second.
            BackendError: a part came out over the limit.
        """
        if info.duration <= 0:
            return []
        fits = info.size_bytes <= self.max_upload_bytes and info.path.suffix.lower() in UPLOAD_SUFFIXES
        if fits and (self.timed or info.duration <= UNTIMED_PART_S):
            return [Part(info.path, 0.0, info.duration)]
        max_part_s = (self.max_upload_bytes * SIZE_MARGIN - 4096) / PCM_BYTES_PER_S
        if not self.timed:
            max_part_s = min(max_part_s, UNTIMED_PART_S)
        stream = stream_audio(info.path, SAMPLE_RATE, STREAM_BLOCK_S, settings=settings)
        parts = []
        try:
            for i, part in enumerate(quiet_parts(stream, SAMPLE_RATE, max_part_s)):
                path = save_audio(part.samples, SAMPLE_RATE, folder / f"part-{i:04d}.flac", settings=settings)
                if path.stat().st_size > self.max_upload_bytes:
                    msg = (f"Part {i} of {info.path.name} is {path.stat().st_size} bytes, over the "
                           f"{self.max_upload_bytes}-byte upload limit. Raise AUDIO_TOOLS_OPENAI_MAX_UPLOAD_BYTES.")
                    raise BackendError(msg)
                parts.append(Part(path, part.start, part.samples.size / SAMPLE_RATE))
        finally:
            stream.close()
        return parts

    def _send_all(self, parts: list[Part], request: STTRequest, total: float) -> list[list[Segment]]:
        done_s = 0.0
        with ThreadPoolExecutor(max(1, min(self.concurrency, len(parts)))) as pool:
            futures: dict[Future[list[Segment]], Part] = {
                pool.submit(self._send, part, request): part for part in parts
            }
            pending = set(futures)
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    for future in finished:
                        future.result()
                        done_s += futures[future].duration
                    request.report(done_s, total)
            finally:
                for future in pending:
                    future.cancel()
        return [future.result() for future in futures]

    def _send(self, part: Part, request: STTRequest) -> list[Segment]:
        request.check_cancelled()
        response_format = "verbose_json" if self.timed else "json"
        options: dict[str, Any] = {"model": self.model, "response_format": response_format}
        if self.timed:
            options["timestamp_granularities"] = ["segment", "word"]
        if request.hotwords:
            options["prompt"] = request.hotwords  # the API's way to spell names and terms right
        with part.path.open("rb") as f:
            upload = (part.path.name, f.read())
        with openai_service.openai_errors(self.settings, f"the transcription of the audio at {part.offset:.1f} s"):
            if request.task == "translate":
                options.pop("timestamp_granularities")
                response = self.client.audio.translations.create(file=upload, **options)
            else:
                if request.language is not None:
                    options["language"] = request.language
                response = self.client.audio.transcriptions.create(file=upload, **options)
        return _segments(response, part)


def make(spec: BackendSpec, settings: Settings) -> OpenAIBackend:
    """Registry factory: ``openai[:MODEL]`` with a client for the configured service.

    Raises:
        BackendUnavailableError: the ``openai`` package is missing, or no key or server is configured.
    """
    openai_service.require_configured(settings, "speech-to-text")
    return OpenAIBackend(settings, spec.model or DEFAULT_MODEL)


def _segments(response: Any, part: Part) -> list[Segment]:
    """The segments of one answer, in the recording's time.

    Raises:
        BackendError: the answer has no ``text``: it is not a transcription.
    """
    if not isinstance(getattr(response, "text", None), str):
        msg = ("The transcription service answered without a transcript (no 'text' in its answer). "
               "Check the server (OPENAI_BASE_URL), or use another backend.")
        raise BackendError(msg)
    raw_segments = getattr(response, "segments", None)
    if not raw_segments:  # an untimed answer: the part is its segment
        text = str(getattr(response, "text", "") or "").strip()
        return [Segment(part.offset, part.offset + part.duration, text)] if text else []
    words = [Word(part.offset + float(w.start), part.offset + float(w.end), str(w.word).strip())
             for w in getattr(response, "words", None) or []]
    segments = []
    for raw in raw_segments:
        start, end = part.offset + float(raw.start), part.offset + float(raw.end)
        logprob = getattr(raw, "avg_logprob", None)
        segments.append(Segment(
            start=start, end=max(start, end), text=str(raw.text).strip(),
            words=[w for w in words if start <= w.start < end],
            confidence=round(math.exp(min(0.0, float(logprob))), 4) if logprob is not None else None,
        ))
    return segments
