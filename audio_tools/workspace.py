"""The workspace: the one directory tree a tool may read from and write to.

Inputs are opened once, walking from the root (symlinks followed only while they stay under
it), and read through what was opened (:mod:`audio_tools.safe_open`). Outputs get fresh
unique names under ``root/outputs/``. Whatever names a file in progress by its path (ffmpeg,
meters, checks) works in a private folder; the finished file is then copied and linked into
place through a descriptor of its folder, so a reader never sees half a file, nothing
existing is ever replaced, and a folder swapped for a link meanwhile cannot redirect a write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from audio_tools import output_log
from audio_tools.config import Settings
from audio_tools.errors import (
    AudioToolsError,
    FFmpegError,
    InvalidInputError,
    OutputExistsError,
    OutputWriteError,
    PathNotAllowedError,
)
from audio_tools.safe_open import OpenedFile, open_beneath

__all__ = [
    "GENERATED_NAME",
    "OUTPUT_DIR_NAME",
    "Workspace",
    "atomic_output",
    "open_outputs",
    "partial_name",
    "write_failed",
]

OUTPUT_DIR_NAME = "outputs"
_STEM_CHARS = re.compile(r"[^A-Za-z0-9_]+")
MAX_STEM_CHARS = 40
# What new_output() names a file: STEM-YYYYmmdd-HHMMSS-<8 hex>.SUFFIX
GENERATED_NAME = re.compile(rf"^[A-Za-z0-9_]{{1,{MAX_STEM_CHARS}}}-\d{{8}}-\d{{6}}-[0-9a-f]{{8}}\.[a-z0-9]{{1,5}}$")
# What atomic_output() names a write in progress: .<final stem>.<8 hex>.partial<final suffix>
_PARTIAL_NAME = re.compile(r"^\.(?P<stem>.+)\.[0-9a-f]{8}\.partial(?P<suffix>\.[A-Za-z0-9]{1,5})$")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_PARTIAL_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_COPY_CHUNK = 1 << 20
# What a full or failing disk answers a write with
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
# What link() answers on filesystems without hard links
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK})
# The names new_output() handed out, each with its workspace root, until atomic_output() writes them
_handed_out: dict[Path, Path] = {}
_handed_out_lock = threading.Lock()


class Workspace:
    """A root directory that confines every file a tool touches.

    Args:
        root: the directory; defaults to ``settings.workspace``.
        settings: caps and defaults; read from the environment when omitted.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        base = Path(root) if root is not None else self.settings.workspace
        self.root = base.expanduser().resolve()
        if not self.root.is_dir():
            msg = f"Workspace {self.root} is not a directory. Create it or point AUDIO_TOOLS_WORKSPACE elsewhere."
            raise InvalidInputError(msg)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @property
    def outputs(self) -> Path:
        """Where generated files go (created on first use)."""
        return self.root / OUTPUT_DIR_NAME

    def contains(self, path: Path) -> bool:
        """Whether the resolved ``path`` lies under the root."""
        return path.resolve().is_relative_to(self.root)

    def open_input(self, path: str | os.PathLike[str]) -> OpenedFile:
        """Open an existing file inside the workspace, once; read it through what is returned.

        Relative paths are taken from the root; absolute ones must point inside it. The caller
        closes it (it is a context manager).

        Raises:
            PathNotAllowedError: outside the root (``..``, absolute elsewhere, a symlink
                escaping), a URL or protocol, a playlist, a NUL byte, a leading ``-``, or more
                than one hard link while ``allow_hardlinks`` is off.
            InvalidInputError: there is no such file, or it is not a regular file.
            InvalidAudioError: it is empty.
            InputTooLargeError: over ``max_input_bytes``.
        """
        return open_beneath(self.root, path, self.settings)

    def resolve_input(self, path: str | os.PathLike[str]) -> Path:
        """The real path of an existing file inside the workspace, checked as :meth:`open_input` does.

        For showing or recording a path: reading the file by this path later can meet another
        file, if the tree changes meanwhile; read what :meth:`open_input` returns instead.

        Raises:
            what :meth:`open_input` raises.
        """
        with self.open_input(path) as opened:
            return opened.path

    def new_output(self, suffix: str = ".wav", stem: str = "audio") -> Path:
        """A fresh, unused path under ``outputs/`` (the file itself is not created).

        :func:`atomic_output` writes this name through a descriptor of ``outputs/`` opened
        without following links, and once the file is published records the name
        (:mod:`audio_tools.output_log`) so that retention may remove it later; nothing else
        in ``outputs/`` is ever removed.

        Args:
            suffix: the file extension, e.g. ``.mp3``.
            stem: a hint for the name; reduced to letters, digits and ``_``.

        Raises:
            InvalidInputError: an odd suffix.
            PathNotAllowedError: ``outputs`` is a link or not a folder.
        """
        if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
            msg = f"Output suffix {suffix!r} is not a plain extension like '.wav'."
            raise InvalidInputError(msg)
        os.close(open_outputs(self.root))  # refuse a linked outputs/ before any work
        clean = _STEM_CHARS.sub("_", stem).strip("_")[:MAX_STEM_CHARS] or "audio"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.outputs / f"{clean}-{stamp}-{secrets.token_hex(4)}{suffix}"
        with _handed_out_lock:
            _handed_out[path] = self.root
        return path

    @contextlib.contextmanager
    def temp_dir(self) -> Iterator[Path]:
        """A private temporary directory, removed with everything in it afterwards."""
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as name:
            yield Path(name)


def open_outputs(root: Path) -> int:
    """A descriptor of ``root/outputs`` (created when missing), opened without following links.

    ``root`` is opened first and ``outputs`` through it, each with ``O_NOFOLLOW``, so no link
    on the way can lead elsewhere. The caller closes the descriptor.

    Raises:
        InvalidInputError: ``root`` is not a directory, or ``outputs`` cannot be created.
        PathNotAllowedError: ``root`` or ``outputs`` is a link or not a folder, or ``outputs``
            was moved while it was opened.
    """
    try:
        root_fd = os.open(root, _DIR_FLAGS | os.O_NOFOLLOW)
    except FileNotFoundError as e:
        msg = f"Workspace {root} is not a directory. Create it or point AUDIO_TOOLS_WORKSPACE elsewhere."
        raise InvalidInputError(msg) from e
    except OSError as e:  # ELOOP, ENOTDIR: replaced by a link or a file
        msg = f"Workspace {root} is now a link or not a folder; put the folder back or choose another workspace."
        raise PathNotAllowedError(msg) from e
    try:
        try:
            os.mkdir(OUTPUT_DIR_NAME, dir_fd=root_fd)
        except FileExistsError:
            pass
        except OSError as e:
            msg = (f"Cannot create the {OUTPUT_DIR_NAME} folder in the workspace ({e.strerror}); "
                   f"make the workspace writable or choose another one.")
            raise InvalidInputError(msg) from e
        return os.open(OUTPUT_DIR_NAME, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=root_fd)
    except FileNotFoundError as e:
        msg = (f"The {OUTPUT_DIR_NAME} folder of the workspace was moved while it was opened; "
               f"leave it in place and try again.")
        raise PathNotAllowedError(msg) from e
    except OSError as e:  # ELOOP, ENOTDIR
        msg = (f"The {OUTPUT_DIR_NAME} folder of the workspace is a link or not a folder, so files could "
               f"land outside the workspace; remove that link.")
        raise PathNotAllowedError(msg) from e
    finally:
        os.close(root_fd)


@contextlib.contextmanager
def atomic_output(path: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a path in a private folder to write to; put the file in place when the block succeeds.

    Only the private 0700 folder is ever named by path while the file is made. Afterwards the
    file is copied into a hidden temporary file created through a descriptor of the
    destination folder, flushed to disk, and linked to its name through the same
    descriptor, so a folder swapped for a link meanwhile cannot redirect the write. Without
    ``overwrite`` the link fails rather than replace a file that appeared meanwhile. A name
    handed out by :meth:`Workspace.new_output` goes to the workspace's ``outputs/`` opened
    without following links, and is recorded once published; any other ``path`` goes to its
    folder as given. Nothing is left behind when anything fails.

    Raises:
        OutputExistsError: ``path`` exists and ``overwrite`` is false.
        InvalidInputError: the folder of ``path`` does not exist.
        PathNotAllowedError: ``outputs`` is a link or not a folder.
        OutputWriteError: the disk is full or a write failed.
    """
    with _handed_out_lock:
        root = _handed_out.pop(path, None)
    folder = open_outputs(root) if root is not None else _open_folder(path.parent)
    try:
        if not overwrite and _exists(folder, path.name):
            msg = f"{path} already exists; choose another name (or pass --force on the command line)."
            raise OutputExistsError(msg)
        with tempfile.TemporaryDirectory(prefix="audio_tools-out-") as private:
            written = Path(private) / path.name
            with _failed_writes(path.name, "in the temporary folder (TMPDIR chooses it)"):
                yield written
            if not written.is_file():
                msg = f"Nothing was written for {path}."
                raise AudioToolsError(msg)
            _publish(written, folder, path.name, overwrite=overwrite)
        if root is not None:
            _record(folder, path.name)
    finally:
        os.close(folder)


def write_failed(name: str, detail: str) -> OutputWriteError:
    """The error for an output that could not be written completely; ``detail`` says how it failed."""
    msg = (f"Could not write {name}: the disk is full or the write failed ({detail}). "
           f"Free some space or choose another folder; nothing was saved.")
    return OutputWriteError(msg)


def _open_folder(folder: Path) -> int:
    """A descriptor of a folder a person chose (links followed); the caller closes it."""
    try:
        return os.open(folder, _DIR_FLAGS)
    except (FileNotFoundError, NotADirectoryError) as e:
        msg = f"The folder {folder} does not exist; create it first."
        raise InvalidInputError(msg) from e


def _exists(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


@contextlib.contextmanager
def _failed_writes(name: str, where: str) -> Iterator[None]:
    """Turn a full disk met inside the block, by Python or by ffmpeg, into :func:`write_failed`."""
    try:
        yield
    except OSError as e:
        if e.errno not in _WRITE_ERRNOS:
            raise
        raise write_failed(name, f"{e.strerror} {where}") from e
    except FFmpegError as e:
        reason = next((os.strerror(n) for n in _WRITE_ERRNOS if os.strerror(n) in e.stderr), None)
        if reason is None:
            raise
        raise write_failed(name, f"ffmpeg: {reason} {where}") from e


def _publish(written: Path, folder: int, name: str, *, overwrite: bool) -> None:
    """Copy ``written`` into a new hidden file of ``folder``, then link (or rename) it to ``name`` there."""
    partial = f".{Path(name).stem}.{secrets.token_hex(4)}.partial{Path(name).suffix}"  # see _PARTIAL_NAME
    try:
        with _failed_writes(name, "in the output folder"):
            try:
                fd = os.open(partial, _PARTIAL_FLAGS, 0o666, dir_fd=folder)
            except FileNotFoundError as e:  # the folder itself was deleted since it was opened
                msg = (f"Could not write {name}: its folder was removed while it was being made; "
                       f"nothing was saved. Put the folder back and try again.")
                raise OutputWriteError(msg) from e
            with os.fdopen(fd, "wb") as sink, written.open("rb") as source:
                shutil.copyfileobj(source, sink, _COPY_CHUNK)
                sink.flush()
                os.fsync(sink.fileno())  # a delayed write error shows here, not after publishing
            _link(partial, name, folder, overwrite=overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial, dir_fd=folder)


def _link(partial: str, name: str, folder: int, *, overwrite: bool) -> None:
    appeared = f"{name} appeared while it was being written; nothing was replaced. Try again."
    if overwrite:
        os.replace(partial, name, src_dir_fd=folder, dst_dir_fd=folder)
        return
    try:
        os.link(partial, name, src_dir_fd=folder, dst_dir_fd=folder)
    except FileExistsError as e:
        raise OutputExistsError(appeared) from e
    except OSError as e:
        if e.errno not in _NO_HARD_LINKS:
            raise
        # Filesystems without hard links: a check-then-rename, racy only against another
        # writer of the same fresh name.
        if _exists(folder, name):
            raise OutputExistsError(appeared) from None
        os.rename(partial, name, src_dir_fd=folder, dst_dir_fd=folder)


def _record(folder: int, name: str) -> None:
    """Record a published generated file; when even that fails (a full disk), take the file back."""
    try:
        with _failed_writes(name, "in the output folder, recording it"):
            output_log.record(folder, name)
    except OutputWriteError:
        os.unlink(name, dir_fd=folder)
        raise


def partial_name(name: str) -> str | None:
    """The final name of a write in progress named ``name`` by :func:`atomic_output`, else None."""
    match = _PARTIAL_NAME.match(name)
    return f"{match['stem']}{match['suffix']}" if match else None
