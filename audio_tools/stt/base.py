"""What every speech-to-text backend provides, and the request they all take.

Backends decode their input with :meth:`STTRequest.stream`, so that a request carrying a
:class:`SampleTap` keeps the 16 kHz mono samples for a second reader (the speaker labeller of
:func:`audio_tools.stt.transcribe`) instead of that reader decoding the file again.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from audio_tools.audio import SAMPLE_RATE, AudioBlock, AudioInfo, stream_audio
from audio_tools.config import Settings
from audio_tools.errors import OperationCancelledError
from audio_tools.results import Progress
from audio_tools.transcript import Transcript

__all__ = ["STTBackend", "STTRequest", "SampleTap", "Task"]

Task = Literal["transcribe", "translate"]


class SampleTap:
    """The samples of the last stream a backend read through :meth:`STTRequest.stream`, kept whole.

    :meth:`samples` gives them only when that stream was read to its end (ffmpeg finished
    cleanly): a backend that sent the file as it is (OpenAI), stopped early or failed leaves
    nothing, and the caller decodes the file itself.
    """

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []
        self._complete = False

    def tee(self, blocks: Generator[AudioBlock, None, None]) -> Generator[AudioBlock, None, None]:
        """``blocks`` passed on unchanged, their samples kept; closing this closes ``blocks``."""
        self._blocks, self._complete = [], False
        try:
            for block in blocks:
                self._blocks.append(block.samples)
                yield block
            self._complete = True
        finally:
            blocks.close()

    def samples(self) -> np.ndarray | None:
        """The whole stream's samples (then released here), or None when it was not read to its end."""
        if not self._complete:
            return None
        blocks, self._blocks, self._complete = self._blocks, [], False
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class STTRequest:
    """What one transcription asks for, beyond the audio.

    Attributes:
        source: the name recorded in the transcript (a path, or ``<bytes>``).
        settings: caps and timeouts for decoding.
        language: an ISO 639-1 code (``en``), or None to let the backend decide.
        task: ``transcribe``, or ``translate`` (into English).
        hotwords: names and terms to favour (``"Nova, Orbit"``), for backends that take a prompt.
        progress: called with seconds done and total seconds.
        cancel: when set, the work stops with :class:`OperationCancelledError`.
        tap: keeps the samples :meth:`stream` decodes, for a reader after the backend.
    """

    source: str
    settings: Settings
    language: str | None = None
    task: Task = "transcribe"
    hotwords: str | None = None
    progress: Progress | None = None
    cancel: threading.Event | None = None
    tap: SampleTap | None = field(default=None, repr=False, compare=False)

    def stream(self, path: Path, block_s: float) -> Generator[AudioBlock, None, None]:
        """The file at ``path`` decoded to 16 kHz mono in blocks of ``block_s`` seconds, as
        :func:`~audio_tools.audio.stream_audio` decodes it; given to :attr:`tap` too when there is one.

        Close the iterator (``.close()``) when stopping early: that stops ffmpeg.
        """
        blocks = stream_audio(path, SAMPLE_RATE, block_s, settings=self.settings)
        return blocks if self.tap is None else self.tap.tee(blocks)

    def report(self, done_s: float, total_s: float) -> None:
        """Tell the progress callback, if any, how far the work is."""
        if self.progress is not None:
            self.progress(min(done_s, total_s), total_s)

    def check_cancelled(self) -> None:
        """Stop the work when the cancel event is set.

        Raises:
            OperationCancelledError: it is set.
        """
        if self.cancel is not None and self.cancel.is_set():
            msg = f"Transcription of {self.source} was cancelled; nothing was returned. Run it again to finish."
            raise OperationCancelledError(msg)


class STTBackend(Protocol):
    """A loaded speech-to-text backend, built once per process by the registry.

    Attributes:
        name: the family (``pocketsphinx``, ``whisper``, ``openai``).
        model: the model it runs.
    """

    name: str
    model: str | None

    def transcribe(self, info: AudioInfo, request: STTRequest) -> Transcript:
        """Transcribe the local file ``info.path`` (already probed and within the caps).

        Raises:
            InvalidInputError: a language or task the backend cannot do.
            OperationCancelledError: ``request.cancel`` was set.
            BackendError: the backend failed while it worked.
        """
        ...
