"""Opening an input once: every later reader uses the descriptor opened here, never the path again.

A path checked and then reopened can be swapped in between (a symlink to an outside file, a
FIFO). So an input is opened once and checked on its descriptor: a regular file (opened with
``O_NONBLOCK``, so that a FIFO cannot block ``open()``), not empty, under the size cap, not a
playlist and, inside a workspace, with one link unless hard links are allowed. ffmpeg then
reads ``/dev/fd/N`` (the descriptor passed to it): it reopens that very file, whatever becomes
of the path. Where ``/dev/fd`` is missing, ffmpeg reads a private copy made from the descriptor.

Inside a workspace the path is walked from the root one folder at a time, each opened with
``O_NOFOLLOW`` relative to the last (``O_NOFOLLOW`` alone guards only the last component).
Symlinks met on the way are followed by hand, and only while they stay under the root.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from types import TracebackType

from audio_tools.config import Settings
from audio_tools.errors import InputTooLargeError, InvalidAudioError, InvalidInputError, PathNotAllowedError
from audio_tools.paths import check_local_path, refuse_playlist

__all__ = ["FD_DIR", "OpenedFile", "open_beneath", "open_local", "size_text"]

FD_DIR = "/dev/fd"
MAX_LINKS = 40  # symlinks followed in one path, as the kernel's own limit
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_COPY_CHUNK = 1 << 20


class OpenedFile:
    """A regular file opened once; readers use :attr:`fd` (or :meth:`ffmpeg_input`), never the path.

    A context manager: leaving it closes the descriptor and removes any private copy.

    Attributes:
        fd: the open descriptor (read-only, close-on-exec).
        name: the file's name, for messages.
        path: where it was found (inside a workspace, its real path under the root); for
            display and records only, never opened again.
        size: its size in bytes when it was opened.
    """

    def __init__(self, fd: int, name: str, path: Path, size: int) -> None:
        self.fd = fd
        self.name = name
        self.path = path
        self.size = size
        self._copy: tempfile.TemporaryDirectory[str] | None = None

    def __repr__(self) -> str:
        return f"OpenedFile({self.name!r}, fd={self.fd})"

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """The descriptors a process reading :meth:`ffmpeg_input` must be given."""
        return () if self._copy is not None else (self.fd,)

    def ffmpeg_input(self) -> str:
        """A path ffmpeg can open that reads this very file: ``/dev/fd/N``, else a private copy."""
        if self._copy is None and os.path.isdir(FD_DIR):
            return f"{FD_DIR}/{self.fd}"
        if self._copy is None:
            self._copy = tempfile.TemporaryDirectory(prefix="audio_tools-")  # mode 0700
            self.copy_to(Path(self._copy.name) / "input")
        return str(Path(self._copy.name) / "input")

    def copy_to(self, path: Path) -> None:
        """Write the bytes opened (up to the size checked) to a new file ``path``."""
        with open(path, "xb") as out:
            offset = 0
            while offset < self.size and (chunk := os.pread(self.fd, min(_COPY_CHUNK, self.size - offset), offset)):
                out.write(chunk)
                offset += len(chunk)

    def close(self) -> None:
        """Close the descriptor and remove the private copy, if one was made."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self._copy is not None:
            self._copy.cleanup()
            self._copy = None


def open_local(path: str | os.PathLike[str], settings: Settings) -> OpenedFile:
    """Open any local file (the CLI, library calls): symlinks are followed, hard links allowed.

    Raises:
        PathNotAllowedError: a URL, protocol, playlist, NUL byte or option-like name.
        InvalidInputError: no such file, not a regular file, or it cannot be opened.
        InvalidAudioError: it is empty.
        InputTooLargeError: over ``settings.max_input_bytes``.
    """
    candidate = check_local_path(path)
    try:
        fd = os.open(candidate, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise _open_error(e, os.fspath(candidate)) from e
    return _checked(fd, candidate.name, Path(os.path.realpath(candidate)), settings, allow_hardlinks=True)


def open_beneath(root: Path, path: str | os.PathLike[str], settings: Settings) -> OpenedFile:
    """Open a file under ``root`` (resolved) without ever leaving it, even while the tree changes.

    Relative paths are taken from the root; absolute ones must point inside it.

    Raises:
        PathNotAllowedError: outside the root (``..``, absolute elsewhere, a symlink leaving
            it), a URL, protocol, playlist, NUL byte or option-like name, or a file with more
            than one hard link while ``settings.allow_hardlinks`` is off.
        InvalidInputError: no such file, not a regular file, or it cannot be opened.
        InvalidAudioError: it is empty.
        InputTooLargeError: over ``settings.max_input_bytes``.
    """
    candidate = check_local_path(path)
    shown = os.fspath(path)
    if ".." in candidate.parts:
        msg = f"{shown!r} contains '..'; give a path inside the workspace {root}."
        raise PathNotAllowedError(msg)
    relative = _under(root, candidate)
    if relative is None:
        raise _outside(shown, root)
    fd, parts = _walk(root, relative.parts, shown)
    return _checked(fd, candidate.name, root.joinpath(*parts), settings, allow_hardlinks=settings.allow_hardlinks)


def size_text(size: float) -> str:
    """A byte count for people: ``2.5 MB``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{int(size)} bytes"


def _under(root: Path, candidate: Path) -> Path | None:
    """``candidate`` relative to ``root``: as written, or (absolute paths) once resolved; None outside."""
    if not candidate.is_absolute():
        return candidate
    for absolute in (candidate, candidate.resolve()):
        if absolute.is_relative_to(root):
            return absolute.relative_to(root)
    return None


def _walk(root: Path, parts: tuple[str, ...], shown: str) -> tuple[int, list[str]]:
    """Open ``root/parts`` one component at a time; the file's descriptor and its real path under root."""
    folders = [os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
    names: list[str] = []
    todo = list(parts)
    links = 0
    try:
        while todo:
            part = todo.pop(0)
            if part in ("", "."):
                continue
            if part == "..":  # only from a link's target: the folder above, as opened
                if not names:
                    raise _outside(shown, root)
                os.close(folders.pop())
                names.pop()
                continue
            try:
                fd = os.open(part, _DIR_FLAGS if todo else _FILE_FLAGS, dir_fd=folders[-1])
            except OSError as e:
                target = _link(part, folders[-1]) if e.errno in (errno.ELOOP, errno.ENOTDIR) else None
                if target is None and e.errno != errno.ELOOP:
                    raise _open_error(e, shown) from e
                links += 1
                if links > MAX_LINKS:
                    msg = f"{shown!r} goes through more than {MAX_LINKS} symbolic links. Give the file's real path."
                    raise PathNotAllowedError(msg) from e
                if target is None:  # the link was replaced since: open the new entry
                    todo.insert(0, part)
                    continue
                if target.is_absolute():
                    inside = target.relative_to(root) if target.is_relative_to(root) else None
                    if inside is None:
                        raise _outside(shown, root) from e
                    while len(folders) > 1:
                        os.close(folders.pop())
                    names.clear()
                    target = inside
                todo[:0] = target.parts
                continue
            if not todo:
                return fd, [*names, part]
            folders.append(fd)
            names.append(part)
    finally:
        for folder in folders:
            os.close(folder)
    msg = f"{shown!r} is a folder, not a regular file. Give an audio file."
    raise InvalidInputError(msg)


def _link(name: str, folder: int) -> Path | None:
    try:
        return Path(os.readlink(name, dir_fd=folder))
    except OSError:  # EINVAL: not a link (a file where a folder was expected)
        return None


def _checked(fd: int, name: str, path: Path, settings: Settings, *, allow_hardlinks: bool) -> OpenedFile:
    """The open ``fd`` as an :class:`OpenedFile` once its descriptor passes every check; closed if not."""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            msg = f"{name} is not a regular file. Give an audio file."
            raise InvalidInputError(msg)
        if info.st_size == 0:
            msg = f"{name} is empty (0 bytes). Give a file that contains audio."
            raise InvalidAudioError(msg)
        if info.st_size > settings.max_input_bytes:
            msg = (f"{name} is {size_text(info.st_size)}, over the {size_text(settings.max_input_bytes)} limit. "
                   f"Split it or raise AUDIO_TOOLS_MAX_INPUT_BYTES.")
            raise InputTooLargeError(msg)
        if info.st_nlink > 1 and not allow_hardlinks:
            msg = (f"{name} has {info.st_nlink} hard links, so it may be a file from outside the workspace; it was "
                   f"not read. If the links are yours (a backup made with 'cp -al', a deduplicated folder), set "
                   f"AUDIO_TOOLS_ALLOW_HARDLINKS=1 (the allow_hardlinks setting).")
            raise PathNotAllowedError(msg)
        refuse_playlist(fd, name)
    except BaseException:
        os.close(fd)
        raise
    return OpenedFile(fd, name, path, info.st_size)


def _outside(shown: str, root: Path) -> PathNotAllowedError:
    return PathNotAllowedError(f"{shown!r} is outside the workspace {root} (symlinks are followed). "
                               f"Copy the file into the workspace and give its relative path.")


def _open_error(error: OSError, shown: str) -> InvalidInputError:
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return InvalidInputError(f"No such file: {shown}. Check the name (list the folder to see what is there).")
    if error.errno == errno.ENXIO:  # a socket
        return InvalidInputError(f"{shown} is not a regular file. Give an audio file.")
    return InvalidInputError(f"Cannot open {shown}: {error.strerror or error}. Check its permissions.")
