"""Where audio is written: the formats we encode, output paths checked before any work, files checked after.

Generating speech or music can take minutes, so every writer checks its output path first
(format, folder, an existing file) and fails at once rather than after the work. A full
disk can cut a file short while ffmpeg still exits 0, so every writer also decodes what it
wrote (:func:`check_written`) before the file is published.
"""

from __future__ import annotations

import os
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.errors import FFmpegError, InvalidInputError
from audio_tools.ffmpeg import input_args, run_ffmpeg
from audio_tools.paths import check_local_path, check_output_file
from audio_tools.workspace import Workspace, write_failed

__all__ = [
    "LOSSLESS_SUFFIXES",
    "OUTPUT_FORMATS",
    "PROGRESS_ARGS",
    "check_output_path",
    "check_written",
    "encoder_args",
    "output_path",
    "progress_seconds",
]

# Encoder arguments per output suffix.
OUTPUT_FORMATS: dict[str, list[str]] = {
    ".wav": ["-c:a", "pcm_s16le", "-f", "wav"],
    ".flac": ["-c:a", "flac", "-f", "flac"],
    ".mp3": ["-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "5", "-f", "ogg"],
    ".m4a": ["-c:a", "aac", "-b:a", "160k", "-f", "ipod"],
}
LOSSLESS_SUFFIXES = frozenset({".wav", ".flac"})
# How far a written file's decoded length may stray from what was encoded: lossless files
# decode to exactly that; lossy encoders pad up to a frame (1024 to 2048 samples, 0.13 s at 8 kHz).
LOSSLESS_TOLERANCE_S = 0.005
LOSSY_TOLERANCE_S = 0.15
# ffmpeg options that report, on stdout, how much it has written (out_time_us=...)
PROGRESS_ARGS = ["-progress", "pipe:1", "-nostats"]
_OUT_TIME = b"out_time_us="


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


def check_written(path: Path, expected_s: float, name: str, *, settings: Settings) -> None:
    """Decode the file just written to ``path`` and refuse it unless it lasts ``expected_s`` seconds.

    Args:
        path: the file, in the private folder of :func:`audio_tools.workspace.atomic_output`.
        expected_s: how long the audio encoded into it is.
        name: the name it will be published under, for the message.
        settings: the ffmpeg timeout.

    Raises:
        OutputWriteError: it does not decode, or decodes shorter or longer (a full disk cut
            ffmpeg's last write short).
    """
    tolerance = LOSSLESS_TOLERANCE_S if path.suffix.lower() in LOSSLESS_SUFFIXES else LOSSY_TOLERANCE_S
    limit = expected_s + tolerance + 1.0  # a longer file is refused without decoding all of it
    args = [*PROGRESS_ARGS, *input_args(path), "-map", "0:a:0", "-t", f"{limit:.3f}", "-f", "null", "pipe:1"]
    try:
        done = run_ffmpeg(args, timeout=settings.ffmpeg_timeout_s)
    except FFmpegError as e:
        raise write_failed(name, "what was written does not decode") from e
    decoded = progress_seconds(done.stdout)
    if abs(decoded - expected_s) > tolerance:
        raise write_failed(name, f"it decodes to {decoded:.2f} s of the {expected_s:.2f} s encoded")


def progress_seconds(stdout: bytes) -> float:
    """How many seconds ffmpeg reported writing, from the output of :data:`PROGRESS_ARGS`; 0 when none."""
    times = [line.removeprefix(_OUT_TIME) for line in stdout.splitlines() if line.startswith(_OUT_TIME)]
    return int(times[-1]) / 1e6 if times and times[-1].isdigit() else 0.0
