"""Audio models as LangChain tools: speech-to-text, text-to-speech, text-to-music, mixing.

Importing this package is cheap: names are loaded on first use, so ``import audio_tools``
pulls in neither numpy-heavy backends nor torch, transformers, chromadb or langchain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audio_tools.lazy import lazy_getattr

__version__ = "0.1.0"

# name -> module that defines it
_LAZY: dict[str, str] = {
    "Settings": "audio_tools.config",
    "Workspace": "audio_tools.workspace",
    "AudioInfo": "audio_tools.audio",
    "AudioBlock": "audio_tools.audio",
    "load_audio": "audio_tools.audio",
    "stream_audio": "audio_tools.audio",
    "probe": "audio_tools.audio",
    "save_audio": "audio_tools.audio",
    "convert": "audio_tools.audio",
    "decode_base64": "audio_tools.audio",
    "Word": "audio_tools.transcript",
    "Segment": "audio_tools.transcript",
    "Transcript": "audio_tools.transcript",
    "AudioToolsError": "audio_tools.errors",
    "InvalidAudioError": "audio_tools.errors",
    "InvalidInputError": "audio_tools.errors",
    "PathNotAllowedError": "audio_tools.errors",
    "OutputExistsError": "audio_tools.errors",
    "InputTooLargeError": "audio_tools.errors",
    "BackendUnavailableError": "audio_tools.errors",
    "BackendError": "audio_tools.errors",
    "FFmpegError": "audio_tools.errors",
    "OperationCancelledError": "audio_tools.errors",
}

__all__ = [
    "AudioBlock",
    "AudioInfo",
    "AudioToolsError",
    "BackendError",
    "BackendUnavailableError",
    "FFmpegError",
    "InputTooLargeError",
    "InvalidAudioError",
    "InvalidInputError",
    "OperationCancelledError",
    "OutputExistsError",
    "PathNotAllowedError",
    "Segment",
    "Settings",
    "Transcript",
    "Word",
    "Workspace",
    "__version__",
    "convert",
    "decode_base64",
    "load_audio",
    "probe",
    "save_audio",
    "stream_audio",
]

if TYPE_CHECKING:
    from audio_tools.audio import (
        AudioBlock,
        AudioInfo,
        convert,
        decode_base64,
        load_audio,
        probe,
        save_audio,
        stream_audio,
    )
    from audio_tools.config import Settings
    from audio_tools.errors import (
        AudioToolsError,
        BackendError,
        BackendUnavailableError,
        FFmpegError,
        InputTooLargeError,
        InvalidAudioError,
        InvalidInputError,
        OperationCancelledError,
        OutputExistsError,
        PathNotAllowedError,
    )
    from audio_tools.transcript import Segment, Transcript, Word
    from audio_tools.workspace import Workspace


__getattr__ = lazy_getattr('audio_tools', _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
