"""Where audio is written: the formats we encode, and output paths checked before any work.

Generating speech or music can take minutes, so every writer checks its output path first
(format, folder, an existing file) and fails at once rather than after the work.
"""

from __future__ import annotations

import os
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.paths import check_local_path, check_output_file
from audio_tools.workspace import Workspace

__all__ = ["OUTPUT_FORMATS", "check_output_path", "encoder_args", "output_path"]

# Encoder arguments per output suffix.
OUTPUT_FORMATS: dict[str, list[str]] = {
    ".wav": ["-c:a", "pcm_s16le", "-f", "wav"],
    ".flac": ["-c:a", "flac", "-f", "flac"],
    ".mp3": ["-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "5", "-f", "ogg"],
    ".m4a": ["-c:a", "aac", "-b:a", "160k", "-f", "ipod"],
}


def encoder_args(target: Path) -> list[str]:
    """ffmpeg's encoder arguments for ``target``'s suffix.

    Raises:
        InvalidInputError: the suffix is not one of :data:`OUTPUT_FORMATS`.
    """
    try:
        return OUTPUT_FORMATS[target.suffix.lower()]
    except KeyError:
        msg = f"Cannot write {target.name!r}: unknown audio format; use a suffix of {', '.join(OUTPUT_FORMATS)}."
        raise InvalidInputError(msg) from None


def check_output_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """``path`` as an absolute path an audio file can be written to, refused before any work.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist name.
        InvalidInputError: an unknown format (suffix), a directory, or a missing folder.
        OutputExistsError: it exists and ``overwrite`` is false.
    """
    target = check_local_path(path)
    encoder_args(target)
    return check_output_file(target, overwrite=overwrite)


def output_path(
    path: str | os.PathLike[str] | None,
    *,
    format: str = "wav",
    stem: str = "audio",
    overwrite: bool = False,
    settings: Settings | None = None,
) -> Path:
    """Where to write: ``path`` checked (:func:`check_output_path`), or a new file in the workspace.

    Args:
        path: the file to write, used as given (its suffix picks the format); when None, a new
            ``outputs/STEM-*.FORMAT`` in the workspace of ``settings``.
        format: ``wav``, ``flac``, ``mp3``, ``ogg`` or ``m4a``, for the new file.
        stem: the start of the new file's name.
        overwrite: allow replacing ``path``.
        settings: the workspace; read from the environment when omitted.

    Raises:
        InvalidInputError: an unknown format or suffix (and see :func:`check_output_path`).
    """
    if path is not None:
        return check_output_path(path, overwrite=overwrite)
    suffix = f".{format.lower().lstrip('.')}"
    if suffix not in OUTPUT_FORMATS:
        msg = f"Unknown audio format {format!r}; use one of {', '.join(s.lstrip('.') for s in OUTPUT_FORMATS)}."
        raise InvalidInputError(msg)
    return Workspace(settings=settings).new_output(suffix, stem=stem)
