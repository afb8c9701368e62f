"""Checks on path strings that hold everywhere, confined or not.

A path may never be a URL or an ffmpeg protocol (``http:``, ``concat:``, ``subfile:``), a
playlist, an option-like name (``-i.wav``) or contain a NUL byte. The CLI, driven by a
person, accepts any other local path; tools go further through :mod:`audio_tools.workspace`.
Inputs are then opened once by :mod:`audio_tools.safe_open`.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from audio_tools.errors import InvalidInputError, OutputExistsError, PathNotAllowedError

__all__ = ["PLAYLIST_SUFFIXES", "check_local_path", "check_output_file", "existing_file", "refuse_playlist"]

PLAYLIST_SUFFIXES = frozenset({".m3u", ".m3u8", ".pls", ".xspf", ".asx", ".wpl", ".ffconcat", ".sdp"})
PLAYLIST_MAGIC = (b"#EXTM3U", b"ffconcat", b"[playlist]", b"<?xml", b"<asx", b"v=0")
# A URL scheme or ffmpeg protocol, including ffmpeg's "subfile,,start,0,end,0,,:path" form.
_SCHEME = re.compile(r"^(subfile,|[A-Za-z][A-Za-z0-9+.\-]*:)", re.IGNORECASE)
MAX_PATH_CHARS = 4096


def check_local_path(path: str | os.PathLike[str]) -> Path:
    """Refuse what can never be a plain local file name, and return it as a Path.

    Raises:
        PathNotAllowedError: a URL, a protocol, a playlist, a NUL byte, an option-like name.
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        msg = "The path is empty. Give the name of an audio file."
        raise PathNotAllowedError(msg)
    if "\x00" in text:
        msg = "The path contains a NUL byte. Give a plain file name."
        raise PathNotAllowedError(msg)
    if len(text) > MAX_PATH_CHARS:
        msg = f"The path is longer than {MAX_PATH_CHARS} characters. Give a shorter file name."
        raise PathNotAllowedError(msg)
    if _SCHEME.match(text) or "://" in text:
        msg = (f"{text[:80]!r} looks like a URL or an ffmpeg protocol; only local files are "
               f"allowed. Download the file first and give its path.")
        raise PathNotAllowedError(msg)
    candidate = Path(text)
    if any(part.startswith("-") for part in candidate.parts):
        msg = f"{text[:80]!r} has a name starting with '-', which tools could read as an option. Rename it."
        raise PathNotAllowedError(msg)
    if candidate.suffix.lower() in PLAYLIST_SUFFIXES:
        msg = f"{candidate.name!r} is a playlist; give the audio file it points to instead."
        raise PathNotAllowedError(msg)
    return candidate


def check_output_file(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """``path`` as an absolute local path that a new file (of any kind) can be written to.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist name (see :func:`check_local_path`).
        OutputExistsError: it exists and ``overwrite`` is false.
        InvalidInputError: it is a directory, or its folder does not exist.
    """
    target = check_local_path(path).absolute()
    if target.exists() and not overwrite:
        msg = f"{target} already exists; choose another name (or pass --force on the command line)."
        raise OutputExistsError(msg)
    if target.is_dir():
        msg = f"{target} is a directory; give a file name."
        raise InvalidInputError(msg)
    if not target.parent.is_dir():
        msg = f"The folder {target.parent} does not exist; create it first."
        raise InvalidInputError(msg)
    return target


def existing_file(path: Path) -> Path:
    """``path`` resolved, which must be an existing regular file that is not a playlist.

    For files this package wrote (outputs to measure); inputs are opened once with
    :mod:`audio_tools.safe_open` and read through what was opened.

    Raises:
        InvalidInputError: no such file, or not a regular file.
        PathNotAllowedError: its content is a playlist or a concat script.
    """
    try:
        resolved = path.resolve(strict=True)
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError) as e:
        msg = f"No such file: {path}. Check the name (list the folder to see what is there)."
        raise InvalidInputError(msg) from e
    except (OSError, RuntimeError) as e:
        msg = f"Cannot open {path}: {e}."
        raise InvalidInputError(msg) from e
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            msg = f"{path} is not a regular file. Give an audio file."
            raise InvalidInputError(msg)
        refuse_playlist(fd, resolved.name)
    finally:
        os.close(fd)
    return resolved


def refuse_playlist(fd: int, name: str) -> None:
    """Refuse an open file whose first bytes say it is a playlist, whatever its name.

    Args:
        fd: the open file (read with ``pread``: its position does not move).
        name: its name, for the message.

    Raises:
        PathNotAllowedError: it starts like an M3U/HLS, PLS, ASX, SDP or ffconcat file.
        InvalidInputError: it cannot be read.
    """
    try:
        head = os.pread(fd, 64, 0).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    except OSError as e:
        msg = f"Cannot read {name}: {e.strerror or e}. Check its permissions."
        raise InvalidInputError(msg) from e
    if any(head.startswith(magic.lower()) for magic in PLAYLIST_MAGIC):
        msg = (f"{name!r} is a playlist or script, not audio (whatever its name says). "
               f"Give the audio file itself.")
        raise PathNotAllowedError(msg)
