"""Which files an ingest means: paths, folders (every audio file under them) and glob patterns.

Relative paths and patterns are taken from the workspace root, as everywhere else. Folders are
walked in name order, skipping hidden entries (``.audio_store``, ``.git``); a folder or a pattern
keeps only files with an audio suffix, while a file named on its own is taken whatever its
suffix (opening it decides whether it is audio).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AUDIO_SUFFIXES", "Discovered", "discover"]

AUDIO_SUFFIXES = frozenset({
    ".aac", ".aif", ".aiff", ".amr", ".au", ".caf", ".flac", ".m4a", ".mka", ".mkv", ".mov", ".mp3", ".mp4",
    ".mpga", ".oga", ".ogg", ".opus", ".wav", ".weba", ".webm", ".wma",
})
_GLOB_CHARS = frozenset("*?[")

PathArgument = str | os.PathLike[str]


@dataclass(frozen=True)
class Discovered:
    """The files found, and the arguments that named none.

    Attributes:
        files: each file once (a link and the file it leads to are one file, named as first found), in
            the order given (folders and patterns in name order).
        misses: (argument, why it names no file), for folders and patterns without audio.
    """

    files: list[Path]
    misses: list[tuple[str, str]]


def discover(paths: PathArgument | Sequence[PathArgument], root: Path) -> Discovered:
    """Expand ``paths`` (files, folders, glob patterns) into the files to ingest.

    Args:
        paths: one or several; relative ones are taken from ``root``.
        root: the workspace root.
    """
    arguments = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    root = root.resolve()
    files: list[Path] = []
    misses: list[tuple[str, str]] = []
    for argument in arguments:
        shown = os.fspath(argument)
        path = root / Path(shown).expanduser()  # an absolute path replaces the root
        pattern = bool(_GLOB_CHARS & set(shown))
        if (pattern or path.is_dir()) and not _inside(path, root, pattern):
            # Never walked nor listed: the names of files elsewhere are none of the caller's business.
            misses.append((shown, "it lies outside the workspace; give a folder or pattern inside it"))
            continue
        if pattern:
            found = sorted(Path(p) for p in glob.glob(os.fspath(path), recursive=True) if Path(p).is_file())
            found = [p for p in found if _audio(p) and not _hidden(p, root) and p.resolve().is_relative_to(root)]
            if not found:
                misses.append((shown, f"no audio file matches {shown!r} (relative patterns start at {root})"))
        elif path.is_dir():
            found = _walk(path)
            if not found:
                misses.append((shown, f"the folder {shown} holds no audio file ({', '.join(sorted(AUDIO_SUFFIXES))})"))
        else:
            found = [path]
        files.extend(found)
    unique: dict[str, Path] = {}
    for file in files:
        unique.setdefault(os.path.realpath(file), file)  # realpath, unlike Path.resolve, survives a link loop
    return Discovered(files=list(unique.values()), misses=misses)


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for parent, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found.extend(Path(parent, n) for n in sorted(names) if not n.startswith(".") and _audio(Path(n)))
    return found


def _inside(path: Path, root: Path, pattern: bool) -> bool:
    if pattern:
        return ".." not in path.parts and path.is_relative_to(root)
    return path.resolve().is_relative_to(root)


def _audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _hidden(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts if path.is_relative_to(root) else path.parts
    return any(part.startswith(".") for part in parts)
