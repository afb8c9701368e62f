"""Recordings as LangChain documents: transcribed, then cut into chunks that keep their times.

:class:`AudioTranscriptLoader` loads files of the workspace; :class:`AudioBlobParser` parses
LangChain ``Blob`` objects (a file of the workspace, or audio bytes). Both yield the chunk
Documents of :func:`~audio_tools.rag.chunks.chunk_transcript`: flat metadata with ``source``,
``start``/``end`` in seconds, speaker and speech-to-text details, ready for a vector store.
:func:`transcribe_recording` is the step below them: one recording opened once, described
(path, hash, time, title) and transcribed from the very bytes hashed.

Example::

    from audio_tools.config import Settings
    from audio_tools.rag.loader import AudioTranscriptLoader

    loader = AudioTranscriptLoader(["meetings/design_review.flac"], settings=Settings(workspace="."))
    for chunk in loader.lazy_load():
        print(chunk.metadata["start"], chunk.page_content)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from langchain_core.document_loaders import BaseBlobParser, BaseLoader, Blob
from langchain_core.documents import Document

from audio_tools.config import Settings
from audio_tools.decode import opened_source
from audio_tools.errors import InvalidInputError, PathNotAllowedError
from audio_tools.rag.chunks import DEFAULT_CHUNK_OPTIONS, ChunkOptions, chunk_transcript
from audio_tools.rag.recording import RecordingInfo, describe_recording, open_recording, workspace_source
from audio_tools.results import Progress
from audio_tools.safe_open import OpenedFile
from audio_tools.stt import transcribe
from audio_tools.transcript import Transcript

__all__ = ["AudioBlobParser", "AudioTranscriptLoader", "transcribe_recording"]

_BLOB_NAME_HEX = 12


def transcribe_recording(
    recording: str | os.PathLike[str] | OpenedFile,
    settings: Settings,
    *,
    stt: str | None = None,
    language: str | None = None,
    recorded_at: float | None = None,
    title: str | None = None,
    source: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[RecordingInfo, Transcript]:
    """Open a recording once, describe it and transcribe it.

    Args:
        recording: a path inside the workspace, or a file opened there (the caller closes it).
        settings: the workspace, caps and the default speech-to-text spec.
        stt: the speech-to-text spec; ``settings.stt`` when omitted.
        language: the spoken language (ISO 639-1), or None to let the backend decide.
        recorded_at: when it was recorded (epoch seconds), instead of what the file says.
        title: its title, instead of the file's stem.
        source: its name, for an opened file outside the workspace (see :func:`describe_recording`).
        progress: called as ``progress(done_s, total_s)`` while it is transcribed.
        cancel: set it to stop the transcription.

    Returns:
        The recording's description, and its transcript with ``source`` set to the recording's
        ``source`` and ``display_name`` to its file name.

    Raises:
        what :func:`~audio_tools.rag.recording.describe_recording` and
        :func:`~audio_tools.stt.transcribe` raise.
    """
    with contextlib.ExitStack() as stack:
        if isinstance(recording, OpenedFile):
            opened = recording
        else:
            opened = stack.enter_context(open_recording(recording, settings))
        info = describe_recording(opened, settings, recorded_at=recorded_at, title=title, source=source)
        transcript = transcribe(opened, backend=stt or settings.stt, language=language, progress=progress,
                                cancel=cancel, settings=settings)
    named = replace(transcript, source=info.source, display_name=Path(info.source).name)
    return info, named


class AudioTranscriptLoader(BaseLoader):
    """Load recordings of the workspace as chunk Documents, one file at a time.

    Args:
        paths: one path or several, each inside ``settings.workspace`` (relative to it, or
            absolute).
        settings: the workspace, caps and default speech-to-text spec; read from the
            environment when omitted.
        stt: the speech-to-text spec (``faster-whisper``, ``openai:whisper-1``...);
            ``settings.stt`` (default ``auto``) when omitted. It goes into each chunk's
            ``stt_spec`` and id.
        options: how transcripts are cut into chunks.
        language: the spoken language (ISO 639-1), or None to let the backend decide.
    """

    def __init__(
        self,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        settings: Settings | None = None,
        stt: str | None = None,
        options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
        language: str | None = None,
    ) -> None:
        self.paths = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
        self.settings = settings if settings is not None else Settings.from_env()
        self.stt = stt or self.settings.stt
        self.options = options
        self.language = language

    def lazy_load(self) -> Iterator[Document]:
        """Transcribe each file in turn and yield its chunks, in time order.

        Raises:
            PathNotAllowedError: a file outside the workspace.
            InvalidInputError, InvalidAudioError, InputTooLargeError, BackendUnavailableError,
            BackendError: as :func:`transcribe_recording` raises them, for the file met.
        """
        for path in self.paths:
            info, transcript = transcribe_recording(path, self.settings, stt=self.stt, language=self.language)
            yield from chunk_transcript(transcript, info, self.stt, self.options)


class AudioBlobParser(BaseBlobParser):
    """Parse audio blobs into chunk Documents.

    A blob with only a ``path`` is read from the workspace (the path must be inside it). A
    blob with ``data`` is written to a private temporary file and transcribed from there;
    its ``source`` is the blob's own (``metadata["source"]`` or ``path``, relative to the
    workspace when inside it), else ``blob-<sha256 prefix>``; it was recorded at
    ``metadata["recorded_at"]`` (epoch seconds) when given, else at the container's
    ``creation_time``, else now.

    Args:
        settings: the workspace, caps and default speech-to-text spec; read from the
            environment when omitted.
        stt: the speech-to-text spec; ``settings.stt`` when omitted.
        options: how transcripts are cut into chunks.
        language: the spoken language (ISO 639-1), or None to let the backend decide.
    """

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        stt: str | None = None,
        options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
        language: str | None = None,
    ) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        self.stt = stt or self.settings.stt
        self.options = options
        self.language = language

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """Transcribe the blob and yield its chunks, in time order.

        Raises:
            InvalidInputError: a blob with neither data nor path.
            PathNotAllowedError: a blob path outside the workspace.
            InvalidAudioError, InputTooLargeError, BackendUnavailableError, BackendError: as
            :func:`transcribe_recording` raises them.
        """
        if blob.data is None:
            if blob.path is None:
                msg = "The blob has neither data nor a path; give one of them."
                raise InvalidInputError(msg)
            info, transcript = transcribe_recording(blob.path, self.settings, stt=self.stt, language=self.language)
        else:
            data = blob.as_bytes()
            recorded_at = blob.metadata.get("recorded_at")
            with opened_source(data, self.settings) as opened:  # a private file, written just now
                info, transcript = transcribe_recording(
                    opened, self.settings, stt=self.stt, language=self.language,
                    recorded_at=recorded_at, source=self._blob_source(blob, data),
                )
        yield from chunk_transcript(transcript, info, self.stt, self.options)

    def _blob_source(self, blob: Blob, data: bytes) -> str:
        label = blob.source
        if not label:
            return f"blob-{hashlib.sha256(data).hexdigest()[:_BLOB_NAME_HEX]}"
        path = Path(label)
        if not path.is_absolute():
            return path.as_posix()
        with contextlib.suppress(PathNotAllowedError):
            return workspace_source(path.resolve(), self.settings)
        return str(path)

