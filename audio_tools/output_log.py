"""The record of the files this project wrote into ``outputs/``: retention deletes nothing else.

``outputs/`` is a common folder name, so a user's own files may sit beside generated ones.
When :func:`audio_tools.workspace.atomic_output` publishes a file under a name that
:meth:`audio_tools.workspace.Workspace.new_output` handed out, the name is appended to a
hidden log in that folder, one JSON line per name. :mod:`audio_tools.retention` removes a
file only when its name is in the log. A lost or deleted log makes retention remove
nothing, never too much; a refused or failed call leaves no trace.

The folder is given as a descriptor (the project's own callers open ``outputs/`` without
following links, see :func:`audio_tools.workspace.open_outputs`) or as a path. Writers of
many processes append at once, and retention rewrites the log in place, so every access
holds an exclusive ``flock`` on the log itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["LOG_NAME", "Folder", "forget", "read", "record"]

LOG_NAME = ".audio_tools-written.jsonl"
_OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC

Folder = int | Path
"""A folder: a descriptor opened by the caller, or a path."""


def record(folder: Folder, name: str, *, when: float | None = None) -> None:
    """Note that this project wrote ``folder/name``."""
    line = json.dumps({"name": name, "at": time.time() if when is None else when}) + "\n"
    with _locked(folder, create=True) as fd:
        os.write(fd, line.encode())


def read(folder: Folder) -> dict[str, float]:
    """The names recorded in ``folder``, with the time each was recorded; empty without a log."""
    try:
        with _locked(folder, create=False) as fd:
            return _parse(_read_all(fd))
    except FileNotFoundError:
        return {}


def forget(folder: Folder, names: Iterable[str]) -> None:
    """Drop ``names`` from the log (their files are gone); the log is rewritten in place."""
    dropped = set(names)
    if not dropped:
        return
    with contextlib.suppress(FileNotFoundError), _locked(folder, create=False) as fd:  # no log: nothing to drop
        kept = {name: at for name, at in _parse(_read_all(fd)).items() if name not in dropped}
        os.ftruncate(fd, 0)
        os.write(fd, "".join(json.dumps({"name": n, "at": at}) + "\n" for n, at in kept.items()).encode())


@contextlib.contextmanager
def _locked(folder: Folder, *, create: bool) -> Iterator[int]:
    """The log of ``folder``, opened and locked.

    Raises:
        FileNotFoundError: there is no log and ``create`` is false.
    """
    flags = _OPEN_FLAGS | (os.O_CREAT if create else 0)
    if isinstance(folder, int):
        fd = os.open(LOG_NAME, flags, 0o600, dir_fd=folder)
    else:
        fd = os.open(folder / LOG_NAME, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(data: bytes) -> dict[str, float]:
    names: dict[str, float] = {}
    for line in data.decode(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            names[str(entry["name"])] = float(entry["at"])
        except (ValueError, KeyError, TypeError):  # a torn or foreign line names nothing
            continue
    return names
