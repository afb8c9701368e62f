"""The record of the files this project wrote into ``outputs/``: retention deletes nothing else.

``outputs/`` is a common folder name, so a user's own files may sit beside generated ones.
Every name :meth:`audio_tools.workspace.Workspace.new_output` hands out is expected here;
when :func:`audio_tools.workspace.atomic_output` publishes a file under an expected name,
the name is appended to a hidden log in that folder, one JSON line per name.
:mod:`audio_tools.retention` removes a file only when its name is in the log. A lost or
deleted log makes retention remove nothing, never too much; a refused or failed call
leaves no trace.

Writers of many processes append at once, and retention rewrites the log in place, so every
access holds an exclusive ``flock`` on the log itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["LOG_NAME", "expect", "forget", "published", "read", "record"]

LOG_NAME = ".audio_tools-written.jsonl"
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
_expected: set[Path] = set()
_expected_lock = threading.Lock()


def expect(path: Path) -> None:
    """Note that ``path`` is a name this process generated; it is recorded once published."""
    with _expected_lock:
        _expected.add(path)


def published(path: Path) -> None:
    """``path`` now exists: record it when this process generated its name, else do nothing."""
    with _expected_lock:
        if path not in _expected:
            return
        _expected.discard(path)
    record(path.parent, path.name)


def record(folder: Path, name: str, *, when: float | None = None) -> None:
    """Note that this project is about to write ``folder/name``."""
    line = json.dumps({"name": name, "at": time.time() if when is None else when}) + "\n"
    with _locked(folder) as fd:
        os.write(fd, line.encode())


def read(folder: Path) -> dict[str, float]:
    """The names recorded in ``folder``, with the time each was handed out; empty without a log."""
    if not (folder / LOG_NAME).is_file():
        return {}
    with _locked(folder) as fd:
        return _parse(_read_all(fd))


def forget(folder: Path, names: Iterable[str]) -> None:
    """Drop ``names`` from the log (their files are gone); the log is rewritten in place."""
    dropped = set(names)
    if not dropped or not (folder / LOG_NAME).is_file():
        return
    with _locked(folder) as fd:
        kept = {name: at for name, at in _parse(_read_all(fd)).items() if name not in dropped}
        os.ftruncate(fd, 0)
        os.write(fd, "".join(json.dumps({"name": n, "at": at}) + "\n" for n, at in kept.items()).encode())


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[int]:
    fd = os.open(folder / LOG_NAME, _OPEN_FLAGS, 0o600)
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
