"""What every speech-to-text backend provides, and the request they all take."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, Protocol

from audio_tools.audio import AudioInfo
from audio_tools.config import Settings
from audio_tools.errors import OperationCancelledError
from audio_tools.results import Progress
from audio_tools.transcript import Transcript

__all__ = ["STTBackend", "STTRequest", "Task"]

Task = Literal["transcribe", "translate"]


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
    """

    source: str
    settings: Settings
    language: str | None = None
    task: Task = "transcribe"
    hotwords: str | None = None
    progress: Progress | None = None
    cancel: threading.Event | None = None

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
