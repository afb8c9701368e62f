"""What the store records about one recording: where it is, what it holds, when it was made.

A recording is named by its path relative to the workspace (POSIX separators), so that the
store stays valid when the workspace moves, and identified by the sha256 of its bytes, so that
a moved or copied file is recognised. Both come from one opening of the file
(:meth:`~audio_tools.workspace.Workspace.open_input`): the bytes hashed are the bytes probed.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.decode import probe_opened
from audio_tools.errors import InvalidInputError, PathNotAllowedError
from audio_tools.safe_open import OpenedFile
from audio_tools.workspace import Workspace

__all__ = ["RecordingInfo", "describe_recording", "open_recording", "parse_creation_time", "workspace_source"]

_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class RecordingInfo:
    """One recording as the store knows it.

    Attributes:
        source: its path relative to the workspace, with ``/`` separators.
        source_sha256: the sha256 of its bytes, in hex.
        recorded_at: when it was recorded, in seconds since the epoch (the container's
            ``creation_time``, else the file's modification time, unless given).
        title: a name for people (the file's stem with ``_`` as spaces, unless given).
        duration_s: its length in seconds, as the container declares it.
    """

    source: str
    source_sha256: str
    recorded_at: float
    title: str
    duration_s: float


def describe_recording(
    opened_or_path: OpenedFile | str | os.PathLike[str],
    settings: Settings,
    *,
    recorded_at: float | None = None,
    title: str | None = None,
    source: str | None = None,
) -> RecordingInfo:
    """Hash and probe a recording inside the workspace.

    Args:
        opened_or_path: a file opened inside ``settings.workspace`` (the caller keeps it open and
            closes it; :func:`open_recording`), or its path (relative to the workspace, or
            absolute inside it).
        settings: the workspace and caps.
        recorded_at: when it was recorded (epoch seconds), instead of what the file says.
        title: its title, instead of the file's stem.
        source: the recording's name, for an opened file that is not in the workspace (audio
            received as bytes and written to a private file); its title then comes from this
            name.

    Returns:
        What the store records about it.

    Raises:
        PathNotAllowedError: the file is outside the workspace (and no ``source`` is given).
        InvalidInputError: no such file, or a ``recorded_at``, ``title`` or ``source`` that is not usable.
        InvalidAudioError: it is empty or not audio.
        InputTooLargeError: over the size or duration caps.
    """
    if recorded_at is not None and (isinstance(recorded_at, bool) or not isinstance(recorded_at, numbers.Real)
                                    or not math.isfinite(recorded_at)):
        msg = f"recorded_at must be a finite number of seconds since the epoch, not {recorded_at!r}."
        raise InvalidInputError(msg)
    if title is not None and not title.strip():
        msg = "A recording's title cannot be empty; leave it out to use the file's name."
        raise InvalidInputError(msg)
    if source is not None and not source.strip():
        msg = "A recording's source name cannot be empty."
        raise InvalidInputError(msg)
    if isinstance(opened_or_path, OpenedFile):
        return _describe(opened_or_path, settings, recorded_at, title, source)
    with open_recording(opened_or_path, settings) as opened:
        return _describe(opened, settings, recorded_at, title, source)


def open_recording(path: str | os.PathLike[str], settings: Settings) -> OpenedFile:
    """Open a recording inside the workspace once (the caller closes it); read it through what is returned.

    Raises:
        PathNotAllowedError: outside the workspace (the message says how to set it), or any
            path :meth:`~audio_tools.workspace.Workspace.open_input` refuses.
        InvalidInputError: no such file, or not a regular file.
        InvalidAudioError: it is empty.
        InputTooLargeError: over ``settings.max_input_bytes``.
    """
    workspace = Workspace(settings=settings)
    _refuse_outside(workspace.root, path)
    return workspace.open_input(path)


def workspace_source(path: Path, settings: Settings) -> str:
    """``path`` (a real path) relative to the workspace, as a POSIX string.

    Raises:
        PathNotAllowedError: it is outside the workspace.
    """
    root = settings.workspace
    if not path.is_absolute() or not path.is_relative_to(root):
        raise _outside(str(path), root)
    return path.relative_to(root).as_posix()


def parse_creation_time(text: str | None) -> float | None:
    """Epoch seconds of an ISO 8601 ``creation_time`` tag (UTC when it names no zone); None if unusable.

    A time at or before the epoch is taken as missing: cameras and phones without a clock
    write 1904-01-01 or 1970-01-01.
    """
    if not text:
        return None
    cleaned = text.strip().replace(" ", "T", 1)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        seconds = moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _describe(opened: OpenedFile, settings: Settings, recorded_at: float | None, title: str | None,
              source: str | None) -> RecordingInfo:
    source = source.strip() if source is not None else workspace_source(opened.path, settings)
    info = probe_opened(opened, settings)
    if recorded_at is None:
        recorded_at = parse_creation_time(info.creation_time)
    if recorded_at is None:
        recorded_at = os.fstat(opened.fd).st_mtime
    return RecordingInfo(
        source=source,
        source_sha256=_sha256(opened),
        recorded_at=float(recorded_at),
        title=title.strip() if title is not None else _title_of(Path(source)),
        duration_s=info.duration,
    )


def _sha256(opened: OpenedFile) -> str:
    digest = hashlib.sha256()
    offset = 0
    while offset < opened.size and (chunk := os.pread(opened.fd, min(_HASH_CHUNK, opened.size - offset), offset)):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def _title_of(path: Path) -> str:
    return " ".join(path.stem.replace("_", " ").split()) or path.name


def _refuse_outside(root: Path, path: str | os.PathLike[str]) -> None:
    """Refuse early, with advice, a path that is plainly outside; opening it checks the rest."""
    candidate = root / Path(path).expanduser()  # an absolute path replaces the root
    if not (Path(os.path.normpath(candidate)).is_relative_to(root) or candidate.resolve().is_relative_to(root)):
        raise _outside(os.fspath(path), root)


def _outside(shown: str, root: Path) -> PathNotAllowedError:
    return PathNotAllowedError(
        f"{shown} is outside the workspace {root}; recordings are stored by their path inside the workspace. "
        f"Pass --workspace (or set AUDIO_TOOLS_WORKSPACE) to a folder that contains it, or copy it into the "
        f"workspace."
    )
