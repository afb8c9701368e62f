"""Keeping ``outputs/`` bounded: remove generated files by age, or the oldest beyond a total size.

Only files this project wrote are ever removed: regular files directly in
``<workspace>/outputs`` whose names :mod:`audio_tools.output_log` recorded when they were
published. Everything else there (a user's own files, links, folders) is reported as
skipped and left alone, as is anything elsewhere. Hidden writes in progress of a generated
name (see :func:`audio_tools.workspace.atomic_output`; names no person writes) are removed
only once they are stale: a crash left them.

The folder is opened once, without following links (:func:`audio_tools.workspace.open_outputs`),
and listed, read and unlinked through that descriptor: ``outputs/`` swapped for a link to
another folder meanwhile cannot redirect a deletion.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from audio_tools import output_log
from audio_tools.errors import InvalidInputError
from audio_tools.workspace import GENERATED_NAME, Workspace, open_outputs, partial_name

__all__ = ["STALE_PARTIAL_S", "CleanReport", "clean_outputs", "parse_age", "parse_size"]

STALE_PARTIAL_S = 3600.0  # a write in progress older than this was left by a crash
AGE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
SIZE_UNITS = {
    "": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
    "t": 1000**4, "tb": 1000**4, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4,
}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


@dataclass(frozen=True)
class CleanReport:
    """What :func:`clean_outputs` did.

    Attributes:
        removed: the generated files removed (or that would be, in a dry run), oldest first.
        skipped: what lies in ``outputs/`` but was not written by this project, left alone.
    """

    removed: list[Path]
    skipped: list[Path]


@dataclass(frozen=True)
class _Entry:
    name: str
    mtime: float
    size: int
    partial: bool


def clean_outputs(
    workspace: Workspace,
    older_than_s: float | None = None,
    max_total_bytes: int | None = None,
    *,
    grace_s: float = 0.0,
    dry_run: bool = False,
    now: float | None = None,
) -> CleanReport:
    """Remove generated files older than ``older_than_s``, then the oldest while over ``max_total_bytes``.

    Only files this project wrote count, for the age and for the total size alike.

    Args:
        workspace: whose ``outputs/`` folder to clean.
        older_than_s: remove files last modified more than this many seconds ago.
        max_total_bytes: afterwards, remove the oldest files until the rest fit in this size.
        grace_s: never remove a file modified within this many seconds (a result another
            call is still returning).
        dry_run: only report what would be removed.
        now: the current time (seconds since the epoch); the clock when omitted.

    Returns:
        The files removed (or that would be), oldest first, and those skipped as not ours.

    Raises:
        InvalidInputError: a negative age, size or grace.
        PathNotAllowedError: ``outputs`` is a link or not a folder.
    """
    for name, value in (("older_than_s", older_than_s), ("max_total_bytes", max_total_bytes),
                        ("grace_s", grace_s)):
        if value is not None and value < 0:
            msg = f"{name} must not be negative, got {value!r}. Give an age or size of 0 or more."
            raise InvalidInputError(msg)
    if not os.path.lexists(workspace.outputs):  # nothing to clean; and cleaning creates no folder
        return CleanReport([], [])
    clock = time.time() if now is None else now
    folder = open_outputs(workspace.root)
    try:
        entries, skipped = _entries(folder, output_log.read(folder))
        entries.sort(key=lambda e: e.mtime)
        doomed = [e for e in entries if e.partial and clock - e.mtime > STALE_PARTIAL_S]
        kept = [e for e in entries if not e.partial]
        if older_than_s is not None:
            doomed += [e for e in kept if clock - e.mtime > max(older_than_s, grace_s)]
            kept = [e for e in kept if e not in doomed]
        if max_total_bytes is not None:
            total = sum(e.size for e in kept)
            for entry in kept:  # oldest first
                if total <= max_total_bytes or clock - entry.mtime < grace_s:
                    break
                doomed.append(entry)
                total -= entry.size
        if not dry_run:
            for entry in doomed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.name, dir_fd=folder)
            output_log.forget(folder, [e.name for e in doomed if not e.partial])
    finally:
        os.close(folder)
    shown = workspace.outputs
    return CleanReport([shown / e.name for e in sorted(doomed, key=lambda e: e.mtime)],
                       sorted(shown / name for name in skipped))


def parse_age(text: str) -> float:
    """Seconds in an age such as ``30s``, ``30m``, ``12h``, ``7d`` or ``2w``.

    Raises:
        InvalidInputError: not a number followed by one of s, m, h, d, w.
    """
    match = _AGE.match(text.lower())
    unit = match.group(2) if match else None
    if match is None or (unit is None and float(match.group(1)) != 0) or (unit and unit not in AGE_UNITS):
        msg = f"Age {text!r} is not understood. Write a number and a unit: 30m, 12h, 7d or 2w."
        raise InvalidInputError(msg)
    return float(match.group(1)) * AGE_UNITS[unit or "s"]


def parse_size(text: str) -> int:
    """Bytes in a size such as ``500MB``, ``2GB``, ``750MiB`` or ``1048576``.

    Raises:
        InvalidInputError: not a number followed by B, KB, MB, GB, TB (or KiB, MiB, GiB, TiB).
    """
    match = _SIZE.match(text.lower())
    if match is None or match.group(2) not in SIZE_UNITS:
        msg = f"Size {text!r} is not understood. Write a number and a unit: 500MB, 2GB or 750MiB."
        raise InvalidInputError(msg)
    return int(float(match.group(1)) * SIZE_UNITS[match.group(2)])


def _entries(folder: int, ours: dict[str, float]) -> tuple[list[_Entry], list[str]]:
    """The files of ``folder`` this project wrote (or is writing), and the names of everything else."""
    found, skipped = [], []
    with os.scandir(folder) as listing:
        for item in listing:
            if item.name == output_log.LOG_NAME:
                continue
            try:
                info = item.stat(follow_symlinks=False)
            except FileNotFoundError:  # removed meanwhile
                continue
            final = partial_name(item.name)
            mine = GENERATED_NAME.match(final) is not None if final else item.name in ours
            if stat.S_ISREG(info.st_mode) and mine:
                found.append(_Entry(item.name, info.st_mtime, info.st_size, final is not None))
            else:
                skipped.append(item.name)
    return found, skipped
