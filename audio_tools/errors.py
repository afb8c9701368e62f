"""One exception tree for everything audio_tools raises.

::

    AudioToolsError                  base class: catch this to catch them all
     ├── InvalidAudioError           empty, corrupt or undecodable audio; bad base64
     ├── InvalidInputError           a bad argument: empty text, duration out of range, unknown voice
     ├── PathNotAllowedError         a path outside the workspace, a URL, an ffmpeg protocol, a playlist
     ├── OutputExistsError           the output already exists and would be overwritten
     ├── OutputWriteError            the output could not be written completely: a full disk, a failed write
     ├── InputTooLargeError          over the size, duration or length caps
     ├── BackendUnavailableError     a backend that is not installed, configured or has no weights
     ├── BackendError                a backend that was available but failed while working
     ├── FFmpegError                 ffmpeg failed, or is missing; carries its stderr
     └── OperationCancelledError     a long job stopped by its cancel event

Every message says what went wrong and what to do about it, because the text reaches
people on the command line and language models through tool errors.
"""

from __future__ import annotations

__all__ = [
    "AudioToolsError",
    "BackendError",
    "BackendUnavailableError",
    "FFmpegError",
    "InputTooLargeError",
    "InvalidAudioError",
    "InvalidInputError",
    "OperationCancelledError",
    "OutputExistsError",
    "OutputWriteError",
    "PathNotAllowedError",
]


class AudioToolsError(Exception):
    """Base class of every error raised by audio_tools."""


class InvalidAudioError(AudioToolsError):
    """The input is not decodable audio (empty, corrupt, not audio at all, bad base64)."""


class InvalidInputError(AudioToolsError, ValueError):
    """An argument is out of range or malformed (empty text, negative duration, unknown voice)."""


class PathNotAllowedError(AudioToolsError):
    """A path escapes the workspace, or names a URL, an ffmpeg protocol or a playlist."""


class OutputExistsError(AudioToolsError):
    """Writing would replace an existing file."""


class OutputWriteError(AudioToolsError):
    """An output could not be written completely (a full disk, a failed write); nothing was saved."""


class InputTooLargeError(AudioToolsError):
    """The input is over a configured cap (bytes, seconds, characters)."""


class BackendUnavailableError(AudioToolsError):
    """A backend cannot be used here: package missing, not configured, or no model weights."""


class BackendError(AudioToolsError):
    """A backend that was available failed while it worked."""


class FFmpegError(AudioToolsError):
    """ffmpeg is missing, timed out or exited with an error.

    Attributes:
        stderr: the tail of what ffmpeg printed, when it ran.
    """

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


class OperationCancelledError(AudioToolsError):
    """A long operation was stopped because its cancel event was set."""
